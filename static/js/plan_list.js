/* All evacuation plans on one map: shelters and routes. */
"use strict";

window.floodwatchPlansMap = function (map) {
  var cfg = Floodwatch.config();
  FloodwatchReadiness.addLegend(map, cfg, ["plans"]);
  Promise.all([Floodwatch.loadRivers(map, cfg, false), FloodwatchReadiness.plans(cfg)]).then(function (layers) {
    layers[1].addTo(map);
    map.fitBounds(layers[0].getBounds(), {padding: [20, 20], animate: false});
  });
};
