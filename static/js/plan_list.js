/* All evacuation plans on one map: shelters and routes. */
"use strict";

window.floodwatchPlansMap = function (map) {
  var cfg = Floodwatch.config();
  FloodwatchReadiness.addLegend(map, cfg, ["plans"]);
  Floodwatch.loadRivers(map, cfg, true);
  FloodwatchReadiness.plans(cfg).then(function (layer) { layer.addTo(map); });
};
