// The one poller of long jobs: every element with data-job-api (templates/jobs/_progress.html)
// polls that job's API URL, shows its progress, status, message and error, and stops when the
// job has finished; with data-job-reload it then reloads the page to show what the job produced.
// Started by app.js from data-module="job-progress".
(function (M) {
  "use strict";
  var POLL_MS = 1000;
  var RETRY_MS = 5000;

  function part(box, name) {
    return box.querySelector("[data-job-" + name + "]");
  }

  function setText(node, text) {
    if (node) { node.textContent = text; }
  }

  function show(box, job) {
    var bar = part(box, "progress");
    if (bar) { bar.value = job.progress; }
    setText(part(box, "percent"), job.progress);
    setText(part(box, "message"), job.message);
    var status = part(box, "status");
    if (status) {
      status.textContent = job.status.charAt(0).toUpperCase() + job.status.slice(1);
      status.className = "status-" + job.status;
    }
    var error = part(box, "error");
    if (error) {
      error.hidden = !job.error;
      error.textContent = job.error;
    }
  }

  function watch(box) {
    function poll() {
      fetch(box.dataset.jobApi, { credentials: "same-origin", headers: { "X-Background-Poll": "1" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          show(box, job);
          if (!job.is_finished) { setTimeout(poll, POLL_MS); }
          else if (box.hasAttribute("data-job-reload")) { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, RETRY_MS); });
    }
    poll();
  }

  M.register("job-progress", watch);
})(window.Missions);
