/* One plan on the map: the village, its shelters and routes. */
"use strict";

window.floodwatchPlanMap = function (map) {
  var cfg = Floodwatch.config();
  FloodwatchReadiness.addLegend(map, cfg, ["plans"]);
  Floodwatch.loadRivers(map, cfg, false);
  var bounds = L.latLngBounds([]);
  if (cfg.village) {
    var latlng = L.latLng(cfg.village);
    L.circleMarker(latlng, {radius: 6, color: "#555", weight: 2, fillColor: "#fff", fillOpacity: 1, dashArray: "2 2"})
      .bindTooltip(Floodwatch.escape(cfg.readinessText.approximate)).addTo(map);
    bounds.extend(latlng);
  }
  FloodwatchReadiness.plans(cfg, cfg.plan).then(function (layer) {
    layer.addTo(map);
    if (layer.getLayers().length) { bounds.extend(layer.getBounds()); }
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [40, 40], maxZoom: 15, animate: false}); }
  });
};
