/* The coverage page's map: each river's patrolled and unpatrolled stretches. */
"use strict";

window.floodwatchCoverageMap = function (map) {
  var cfg = Floodwatch.config();
  var status = document.getElementById("map-status");
  Floodwatch.watchTiles(map, cfg.text.noBasemap, function (text) { status.textContent = text; status.className = "map-status visible"; });
  FloodwatchReadiness.addLegend(map, cfg, ["coverage"]);
  Floodwatch.loadRivers(map, cfg, true).then(function () {
    return FloodwatchReadiness.coverage(cfg, cfg.days);
  }).then(function (layer) {
    layer.addTo(map);
    window.coverageLayer = layer;
  });
};
