/* The hazard page's small map: its river and the hazard itself. */
"use strict";

window.floodwatchDetailMap = function (map) {
  var cfg = Floodwatch.config();
  Floodwatch.watchTiles(map, cfg.text.noBasemap);
  Floodwatch.loadDistrict(map, cfg);
  Floodwatch.loadRivers(map, cfg, false);
  Floodwatch.hazardMarker(cfg.hazard, cfg.colour).addTo(map);
  map.setView(cfg.hazard, 15);
};
