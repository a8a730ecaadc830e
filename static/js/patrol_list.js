/* The coverage page's map: each river's patrolled and unpatrolled stretches. */
"use strict";

window.floodwatchCoverageMap = function (map) {
  var cfg = Floodwatch.config();
  var status = document.getElementById("map-status");
  Floodwatch.watchTiles(map, cfg.text.noBasemap, function (text) { status.textContent = text; status.className = "map-status visible"; });
  FloodwatchReadiness.addLegend(map, cfg, ["coverage"]);
  // Both layers first, then one jump to fit them: layers added during a zoom animation are drawn misplaced.
  Promise.all([Floodwatch.loadRivers(map, cfg, false), FloodwatchReadiness.coverage(cfg, cfg.days)]).then(function (layers) {
    layers[1].addTo(map);
    map.fitBounds(layers[0].getBounds(), {padding: [20, 20], animate: false});
    window.coverageLayer = layers[1];
  });
};
