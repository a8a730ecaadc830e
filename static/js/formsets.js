/* Formsets on readiness pages: "Add" clones the empty row with the next index and announces it. */
"use strict";

document.querySelectorAll(".formset").forEach(function (set) {
  var total = set.querySelector("input[name='" + set.dataset.prefix + "-TOTAL_FORMS']");
  set.querySelector(".add-row").addEventListener("click", function () {
    var html = set.querySelector("template").innerHTML.replace(/__prefix__/g, total.value);
    var rows = set.querySelector(".rows");
    rows.insertAdjacentHTML("beforeend", html);
    total.value = +total.value + 1;
    set.dispatchEvent(new CustomEvent("formset:added", {bubbles: true, detail: {row: rows.lastElementChild}}));
  });
});
