/* The readiness map: villages coloured as in the table (red: at risk and not ready, orange: not ready, green: ready). */
"use strict";

window.floodwatchReadinessMap = function (map) {
  var cfg = Floodwatch.config();
  var e = Floodwatch.escape;
  Floodwatch.loadRivers(map, cfg, !cfg.villages.length);
  var layer = L.featureGroup(cfg.villages.map(function (v) {
    var colour = v.flagged ? "#d7191c" : v.ready ? "#1a9850" : "#f28c28";
    return L.circleMarker([v.lat, v.lon], {radius: 10, color: "#222", weight: 1, fillColor: colour, fillOpacity: 0.9})
      .bindTooltip("<strong>" + e(v.name) + "</strong>" + (v.gaps.length ? "<br>" + e(v.gaps.join("; ")) : "") +
                   "<br><em>" + e(cfg.readinessText.approximate) + "</em>");
  })).addTo(map);
  if (cfg.villages.length) { map.fitBounds(layer.getBounds(), {padding: [40, 40]}); }
};
