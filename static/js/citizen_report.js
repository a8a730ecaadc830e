/* A citizen report's map: where the caller said, its hazard, and the likely duplicate. */
"use strict";

window.floodwatchCitizenMap = function (map) {
  var cfg = Floodwatch.config();
  Floodwatch.watchTiles(map, cfg.text.noBasemap);
  Floodwatch.loadDistrict(map, cfg);
  Floodwatch.loadRivers(map, cfg, false);
  var bounds = [];
  cfg.points.forEach(function (point) {
    Floodwatch.hazardMarker(point.latlng, point.colour).bindTooltip(Floodwatch.escape(point.label), {permanent: true}).addTo(map);
    bounds.push(point.latlng);
  });
  if (bounds.length > 1) { map.fitBounds(bounds, {padding: [40, 40], maxZoom: 17}); } else { map.setView(bounds[0], 16); }
};
