/* Progress forms: the slider and the number move together, for thumbs on a phone. */
"use strict";

document.querySelectorAll(".progress-form").forEach(function (form) {
  var number = form.querySelector("input[type=number]");
  var slider = form.querySelector(".pct-slider");
  slider.addEventListener("input", function () { number.value = slider.value; });
  number.addEventListener("input", function () { slider.value = number.value; });
});
