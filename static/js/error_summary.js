/* A form sent back with errors: focus its summary, so that a screen reader reads it first and a phone
   shows it, whatever was scrolled to (templates/_error_summary.html). */
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
