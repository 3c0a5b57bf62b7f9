// Follows a background job's progress on its page; without script the page still shows the
// status at load time and a reload shows the latest.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") return;
  var url = box.dataset.statusUrl;
  function update() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        var status = document.getElementById("job-status");
        status.textContent = job.status_display;
        status.className = "status status-" + job.status;
        var bar = document.getElementById("job-progress");
        if (job.percent !== null) bar.value = job.percent;
        // A handler's message says the counts in words (an import counts rows while its bar
        // follows the bytes read); the bare numbers show only when it says nothing.
        document.getElementById("job-counts").textContent = job.message ? "" :
          job.progress + (job.total ? " / " + job.total : "");
        document.getElementById("job-message").textContent = job.message;
        if (job.finished) { window.location.reload(); } else { setTimeout(update, 1500); }
      })
      .catch(function () { setTimeout(update, 5000); });
  }
  setTimeout(update, 1000);
})();
