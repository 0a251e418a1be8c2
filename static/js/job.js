// Polls a job's API URL and moves the progress bar until the job has finished.
// Started by app.js from data-module="job".
window.Missions.register("job", function (box) {
  "use strict";
  var POLL_MS = 1000;

  function show(job) {
    document.getElementById("job-progress").value = job.progress;
    document.getElementById("job-percent").textContent = job.progress;
    document.getElementById("job-message").textContent = job.message;
    var status = document.getElementById("job-status");
    status.textContent = job.status.charAt(0).toUpperCase() + job.status.slice(1);
    status.className = "status-" + job.status;
    var error = document.getElementById("job-error");
    error.hidden = job.status !== "failed";  // job.error holds a traceback with server paths: not shown
  }

  function poll() {
    fetch(box.dataset.api, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        show(job);
        if (!job.is_finished) { setTimeout(poll, POLL_MS); }
      })
      .catch(function () { setTimeout(poll, POLL_MS * 5); });
  }
  poll();
});
