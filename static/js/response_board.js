/* The response board: every few seconds, who has confirmed their call and how many people have been moved. */
"use strict";

(function () {
  var source = document.getElementById("board-state");
  if (!source || !window.fetch) { return; }
  var url = source.dataset.url, seconds = parseInt(source.dataset.seconds, 10) || 15;

  function refresh() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (state) {
      if (!state) { return; }
      Object.keys(state.calls).forEach(function (id) {
        var el = document.querySelector('[data-call="' + id + '"] .state');
        if (el) { el.className = "state state-" + state.calls[id].state; el.textContent = state.calls[id].label; }
      });
      Object.keys(state.evacuations).forEach(function (id) {
        var row = document.querySelector('[data-evacuation="' + id + '"]'), e = state.evacuations[id];
        if (!row) { return; }
        row.querySelector(".moved").textContent = e.moved;
        row.querySelector(".to-move").textContent = e.to_move;
        row.querySelector(".returned").textContent = e.returned;
        row.querySelector(".vehicles").textContent = e.vehicles;
        row.querySelector(".vulnerable").textContent = e.vulnerable_moved;
        row.querySelector(".bar-moved span").style.width = e.percent + "%";
      });
      var totals = document.querySelector("#district-totals .text");
      if (totals) { totals.textContent = state.totals.text; }
    }).catch(function () { /* offline for a moment: the next round tries again */ });
  }
  setInterval(refresh, seconds * 1000);
})();
