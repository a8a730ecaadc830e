/* The work order's small map: its hazard, or the reach of river it covers. */
"use strict";

window.floodwatchOrderMap = function (map) {
  var cfg = Floodwatch.config();
  Floodwatch.watchTiles(map, cfg.text.noBasemap);
  Floodwatch.loadDistrict(map, cfg);
  Floodwatch.loadRivers(map, cfg, false);
  var layer = L.geoJSON(JSON.parse(cfg.order.geojson), {
    pointToLayer: function (f, latlng) { return Floodwatch.hazardMarker(latlng, cfg.order.colour); },
    style: {color: cfg.order.colour, weight: 9, opacity: 0.7}
  }).addTo(map);
  map.fitBounds(layer.getBounds(), {maxZoom: 15, padding: [30, 30], animate: false});
};
