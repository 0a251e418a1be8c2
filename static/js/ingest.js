// The upload page's mapping editor: presets, a source's stored mapping, the chosen file's columns.
// (A run's progress is shown by the one job poller, static/js/job.js.)
// Started by app.js from data-module="ingest-upload".
(function (M) {
  "use strict";

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

  M.register("ingest-upload", uploadPage);
})(window.Missions);
