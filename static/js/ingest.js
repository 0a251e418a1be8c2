// Ingest pages: the upload page's mapping editor (presets, the file's columns) and a run's
// progress bar, which polls the run's job and reloads the page to show the result.
// Started by app.js from data-module="ingest-upload" / "ingest-run".
(function (M) {
  "use strict";
  var POLL_MS = 1000;

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  function uploadPage() {
    var form = document.getElementById("upload-form");
    if (!form) { return; }
    var presets = data("ingest-presets");
    var sourceMappings = data("ingest-source-mappings");
    var editor = form.querySelector("[name=mapping_text]");
    var preset = form.querySelector("[name=preset]");
    var source = form.querySelector("[name=source]");
    preset.addEventListener("change", function () {
      if (presets[preset.value]) { editor.value = presets[preset.value]; }
    });
    source.addEventListener("change", function () {
      if (sourceMappings[source.value]) { editor.value = sourceMappings[source.value]; preset.value = ""; }
    });
    var file = form.querySelector("[name=file]");
    var columns = document.getElementById("file-columns");
    file.addEventListener("change", function () {
      var chosen = file.files[0];
      columns.textContent = "";
      if (!chosen || !/\.(csv|txt|tsv)$/i.test(chosen.name)) { return; }
      chosen.slice(0, 4096).text().then(function (head) {
        var header = head.split(/\r?\n/)[0];
        var sep = [",", ";", "\t", "|"].sort(function (a, b) {
          return header.split(b).length - header.split(a).length;
        })[0];
        columns.textContent = "Columns: " + header.split(sep).map(function (c) {
          return c.replace(/^"|"$/g, "");
        }).join(" · ");
      });
    });
  }

  function runPage() {
    var box = document.getElementById("import-run");
    if (!box || !box.dataset.jobApi) { return; }
    var bar = document.getElementById("run-progress");
    var message = document.getElementById("run-message");
    function poll() {
      fetch(box.dataset.jobApi, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (bar) { bar.value = job.progress; }
          if (job.message) { message.textContent = job.progress + " % · " + job.message; }
          if (job.is_finished) { window.location.reload(); } else { setTimeout(poll, POLL_MS); }
        })
        .catch(function () { setTimeout(poll, POLL_MS * 5); });
    }
    poll();
  }

  M.register("ingest-upload", uploadPage);
  M.register("ingest-run", runPage);
})(window.Missions);
