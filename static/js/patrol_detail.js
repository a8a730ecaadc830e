/* A patrol's map: its river, the stretches it covered (green) and the track itself (black). */
"use strict";

window.floodwatchPatrolMap = function (map) {
  var cfg = Floodwatch.config();
  FloodwatchReadiness.addLegend(map, cfg, ["covered", "track"]);
  Floodwatch.loadRivers(map, cfg, false).then(function () {
    cfg.covered.forEach(function (geometry) {
      L.geoJSON(JSON.parse(geometry), {style: {color: FloodwatchReadiness.COVERED, weight: 10, opacity: 0.8}}).addTo(map);
    });
    var track = L.geoJSON(JSON.parse(cfg.track), {style: {color: "#222", weight: 3, dashArray: "6 4"}}).addTo(map);
    cfg.hazards.forEach(function (h) {
      Floodwatch.hazardMarker([h.lat, h.lon], h.colour).bindTooltip(Floodwatch.escape(h.code)).addTo(map);
    });
    map.fitBounds(track.getBounds(), {padding: [30, 30], animate: false});
  });
};
