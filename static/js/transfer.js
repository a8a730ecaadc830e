/* Import pages: while the server reads, checks and writes the file, show that it is working. */
"use strict";

document.querySelectorAll("form.import-form").forEach(function (form) {
  form.addEventListener("submit", function () {
    var bar = form.querySelector("progress.busy"), text = form.querySelector(".busy-text");
    if (bar) { bar.hidden = false; }
    if (text) { text.textContent = form.dataset.busy || ""; }
    // Keep the clicked button's name and value in the request, then stop a second submit.
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
});
