/* The hazard map: rivers, hazards coloured by risk, a legend, filters from the form. */
"use strict";

window.floodwatchMap = function (map) {
  var cfg = Floodwatch.config();
  var status = document.getElementById("map-status");
  function show(text, isError) {
    status.textContent = text;
    status.className = "map-status" + (isError ? " error" : "") + (text ? " visible" : "");
  }
  Floodwatch.watchTiles(map, cfg.text.noBasemap, show);
  Floodwatch.addLegend(map, cfg);
  Floodwatch.loadRivers(map, cfg, true);

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
    '<a href="' + e(p.url) + '">' + e(cfg.text.open) + " →</a></div>";
}
