/* The response map (board and materials page): open red and orange hazards, depots, rescue teams, gauges,
   and the stretch a gauge over its threshold watches, coloured by the warning it suggests. */
"use strict";

window.floodwatchResponseMap = function (map) {
  var cfg = Floodwatch.config();
  var t = cfg.responseText, e = Floodwatch.escape;
  Floodwatch.watchTiles(map, cfg.text.noBasemap);
  Floodwatch.loadDistrict(map, cfg);
  Floodwatch.loadRivers(map, cfg, true);

  function label(item, kind) {
    return "<strong>" + e(item.name) + "</strong> · " + e(kind) + (item.approximate ? "<br><em>" + e(t.approximate) + "</em>" : "");
  }
  function square(item, colour, kind) {
    // A title and alt: Leaflet makes a marker a button, and a button needs a name (axe, WCAG 4.1.2).
    return L.marker([item.lat, item.lon], {title: item.name + " · " + kind, alt: item.name + " · " + kind,
      icon: L.divIcon({className: "", iconSize: [14, 14],
      html: '<div style="width:14px;height:14px;background:' + colour + ';border:1px solid #222"></div>'})})
      .bindTooltip(label(item, kind)).addTo(map);
  }
  cfg.depots.forEach(function (d) { square(d, "#6a3d9a", t.depot); });
  cfg.teams.forEach(function (team) { square(team, "#1a9850", t.team); });
  cfg.gauges.forEach(function (g) {
    if (g.stretch) {
      L.geoJSON(JSON.parse(g.stretch), {style: {color: g.colour, weight: 9, opacity: 0.85}})
        .bindTooltip(e(g.name) + " · " + e(t.over.replace("%(threshold)s", g.threshold))).addTo(map);
    }
    L.circleMarker([g.lat, g.lon], {radius: 7, color: "#0d3b66", weight: 2, fillColor: g.colour || "#fff", fillOpacity: 1})
      .bindTooltip(label(g, t.gauge) + (g.reading ? "<br>" + e(g.reading) : "") +
                   (g.threshold ? "<br>" + e(t.over.replace("%(threshold)s", g.threshold)) : "")).addTo(map);
  });
  fetch(cfg.hazardsUrl + "?min_risk=high&open=true", {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      data.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        Floodwatch.hazardMarker([c[1], c[0]], f.properties.colour)
          .bindTooltip(e(f.properties.code + " " + f.properties.title)).addTo(map);
      });
    });
};
