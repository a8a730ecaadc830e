// My downloads: every job not yet finished asks for its status each second and moves its bar.
(function () {
  "use strict";

  function show(element, text) {
    if (text) { element.hidden = false; } else { element.hidden = true; }
  }

  function update(row, status) {
    row.className = "job " + status.status;
    row.querySelector(".bar").style.width = status.percent + "%";
    row.querySelector(".pct").textContent = status.percent + "%";
    row.querySelector(".progress").setAttribute("aria-valuenow", status.percent);
    row.querySelector(".label").textContent = status.status_label;
    row.querySelector(".phase").textContent = status.finished ? "" :
      status.phase + (status.total ? " " + status.done + " / " + status.total : "");
    var file = row.querySelector(".file");
    if (status.file) { file.href = status.file; }
    show(file, status.file);
    var record = row.querySelector(".record");
    if (status.record) { record.href = status.record; }
    show(record, status.record);
    row.querySelector(".expires time").textContent = status.expires;
    show(row.querySelector(".expires"), status.file);
    row.querySelector(".error").textContent = status.error;
    show(row.querySelector(".error"), status.error);
    row.dataset.finished = status.finished ? "1" : "0";
  }

  function poll(row) {
    fetch(row.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status) { update(row, status); }
        if (!status || !status.finished) { window.setTimeout(function () { poll(row); }, 1000); }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, 3000); });
  }

  document.querySelectorAll(".job[data-finished='0']").forEach(poll);
})();
