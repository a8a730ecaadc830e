/* Shared by the map pages: configuration, escaping, river layer, legend. */
"use strict";

window.Floodwatch = {
  config: function () {
    return JSON.parse(document.getElementById("map-config").textContent);
  },

  // Text for HTML, in element content and in quoted attributes alike.
  escape: function (text) {
    return (text == null ? "" : String(text)).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  },

  // Say once, quietly, when no basemap tile loads: our own layers still work.
  watchTiles: function (map, message) {
    var note = L.control({position: "bottomleft"});
    note.onAdd = function () {
      var div = L.DomUtil.create("div", "basemap-note");
      div.textContent = message;
      return div;
    };
    map.eachLayer(function (layer) {
      if (layer instanceof L.TileLayer) {
        layer.once("tileerror", function () { note.addTo(map); });
      }
    });
  },

  // The district outline under everything else: with no basemap it is the only landmark.
  loadDistrict: function (map, cfg) {
    return fetch(cfg.districtUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        return L.geoJSON(data, {interactive: false, style: {color: "#5b6875", weight: 2, dashArray: "4 4", fillOpacity: 0.04}})
          .addTo(map).bringToBack();
      });
  },

  loadRivers: function (map, cfg, fit) {
    return fetch(cfg.riversUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) {
            return {color: "#1f78b4", weight: 5, opacity: 0.8, dashArray: f.properties.approximate ? "8 6" : null};
          },
          onEachFeature: function (f, l) {
            var name = f.properties.name + (f.properties.approximate ? " (" + cfg.text.approximate + ")" : "");
            l.bindTooltip(Floodwatch.escape(name), {sticky: true});
          }
        }).addTo(map);
        if (fit) { map.fitBounds(layer.getBounds(), {padding: [20, 20], animate: false}); }
        return layer;
      });
  },

  addLegend: function (map, cfg) {
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "legend");
      var rows = cfg.risks.map(function (r) {
        return '<div><i style="background:' + r.colour + '"></i>' + Floodwatch.escape(r.label) + "</div>";
      });
      rows.push('<div><i class="line"></i>' + Floodwatch.escape(cfg.text.river) + "</div>");
      div.innerHTML = "<strong>" + Floodwatch.escape(cfg.text.legend) + "</strong>" + rows.join("");
      return div;
    };
    legend.addTo(map);
  },

  hazardMarker: function (latlng, colour) {
    return L.circleMarker(latlng, {radius: 9, color: "#222", weight: 1.5, fillColor: colour, fillOpacity: 0.95});
  }
};
