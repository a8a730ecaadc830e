/* The hazard map: rivers, hazards coloured by risk, a legend, filters from the form. */
"use strict";

window.floodwatchMap = function (map) {
  var cfg = Floodwatch.config();
  var status = document.getElementById("map-status");
  function show(text, isError) {
    status.textContent = text;
    status.className = "map-status" + (isError ? " error" : "") + (text ? " visible" : "");
  }
  Floodwatch.watchTiles(map, cfg.text.noBasemap);
  Floodwatch.loadDistrict(map, cfg);
  Floodwatch.addLegend(map, cfg);
  Floodwatch.loadRivers(map, cfg, true).then(function () { loadReaches(map, cfg); });
  window.hazardMap = map;

  show(cfg.text.loading);
  fetch(cfg.hazardsUrl + window.location.search, {credentials: "same-origin"})
    .then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(Object.values(body.errors || {error: body.error}).join(" ")); }
        return body;
      });
    })
    .then(function (data) {
      L.geoJSON(data, {
        pointToLayer: function (f, latlng) { return Floodwatch.hazardMarker(latlng, f.properties.colour); },
        onEachFeature: function (f, layer) { layer.bindPopup(popup(f.properties, cfg)); }
      }).addTo(map);
      show(cfg.text.count.replace("%(n)s", data.features.length));
    })
    .catch(function (err) { show(cfg.text.failed + " " + err.message, true); });
};

function popup(p, cfg) {
  var e = Floodwatch.escape;
  return '<div class="popup">' +
    (p.thumbnail ? '<img src="' + e(p.thumbnail) + '" alt="">' : "") +
    '<div><strong>' + e(p.code) + "</strong> " + e(p.title) + "</div>" +
    '<div><span class="risk risk-' + e(p.risk_level) + '">' + e(p.risk_label) + "</span> " + e(p.kind_label) + "</div>" +
    "<div>" + e(p.chainage) + " · " + e(p.status_label) + "</div>" +
    (p.village ? "<div>" + e(p.town) + " " + e(p.village) + "</div>" : "") +
    (p.orders || []).map(function (o) { return orderBar(o); }).join("") +
    '<a href="' + e(p.url) + '">' + e(cfg.text.open) + " →</a></div>";
}

function orderBar(o) {
  var e = Floodwatch.escape;
  return '<a class="popup-order" href="' + e(o.url) + '">' + e(o.title) +
    '<div class="progress' + (o.overdue ? " overdue" : "") + '"><div class="bar" style="width:' + Number(o.progress_pct) + '%"></div>' +
    "<span>" + Number(o.progress_pct) + " %</span></div></a>";
}

/* Open dredging and grass-cutting reaches, drawn as their stretch of river. */
function loadReaches(map, cfg) {
  fetch(cfg.workOrdersUrl, {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var reaches = data.features.filter(function (f) { return f.geometry.type === "LineString" && f.properties.status !== "accepted"; });
      L.geoJSON({type: "FeatureCollection", features: reaches}, {
        style: function (f) { return {color: f.properties.overdue ? "#b00020" : "#6a3d9a", weight: 10, opacity: 0.45}; },
        onEachFeature: function (f, layer) {
          var p = f.properties, e = Floodwatch.escape;
          layer.bindPopup('<div class="popup"><strong>' + e(p.title) + "</strong><div>" + e(p.kind_label) + " · " +
            e(p.place) + "</div>" + orderBar(p) + "</div>");
        }
      }).addTo(map).bringToBack();
    });
}
