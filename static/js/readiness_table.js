/* The readiness map: villages coloured as in the table (red: at risk and not ready, orange: not ready, green: ready). */
"use strict";

window.floodwatchReadinessMap = function (map) {
  var cfg = Floodwatch.config();
  var t = cfg.readinessText, e = Floodwatch.escape;
  var COLOURS = {atRisk: "#d7191c", notReady: "#f28c28", ready: "#1a9850"};

  function state(v) { return v.flagged ? "atRisk" : v.ready ? "ready" : "notReady"; }

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "legend");
    div.innerHTML = ["atRisk", "notReady", "ready"].map(function (key) {
      return '<div><i style="background:' + COLOURS[key] + '"></i>' + e(t[key]) + "</div>";
    }).join("") + '<div><i class="line"></i>' + e(cfg.text.river) + "</div>";
    return div;
  };
  legend.addTo(map);

  Floodwatch.loadRivers(map, cfg, !cfg.villages.length);
  var layer = L.featureGroup(cfg.villages.map(function (v) {
    return L.circleMarker([v.lat, v.lon], {radius: 10, color: "#222", weight: 1, fillColor: COLOURS[state(v)], fillOpacity: 0.9})
      .bindTooltip("<strong>" + e(v.name) + "</strong> · " + e(t[state(v)]) + (v.gaps.length ? "<br>" + e(v.gaps.join("; ")) : "") +
                   "<br><em>" + e(t.approximate) + "</em>");
  })).addTo(map);
  if (cfg.villages.length) { map.fitBounds(layer.getBounds(), {padding: [40, 40], animate: false}); }
};
