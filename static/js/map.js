/* The hazard map: rivers, hazards coloured by risk, a legend, filters from the form.

   Hazards come in tiles (hazards/tiles.py), so that 100,000 of them stay smooth: clusters below
   cfg.hazardLayer.pointsZoom, every hazard from it. The server says which kind of tile it makes:
   vector tiles (PostGIS) drawn by Leaflet.VectorGrid, or GeoJSON tiles. A marker knows only its code
   and risk; its popup asks /api/hazards/<code>/ when it opens. */
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
  Floodwatch.loadRivers(map, cfg, true).then(function () {
    map.getContainer().dataset.fitted = "1";  // the view now frames the rivers (browser tests wait for it)
    loadReaches(map, cfg);
  });
  window.hazardMap = map;

  var query = window.location.search;
  map.createPane("hazards").style.zIndex = 450;  // above rivers and reaches, under popups
  show(cfg.text.loading);
  if (!navigator.onLine) {
    window.hazardLayer = offlineHazards(map, cfg, show).addTo(map);
    return;
  }
  // The world's tile is one cluster of every hazard the filters select: its count is the total.
  getJSON(cfg.hazardLayer.countUrl + query)
    .then(function (data) {
      var total = data.features.reduce(function (n, f) { return n + f.properties.count; }, 0);
      show(cfg.text.count.replace("%(n)s", total));
    })
    .catch(function (err) { show(cfg.text.failed + " " + err.message, true); });
  var hazards = cfg.hazardLayer.mode === "mvt" ? vectorTiles(map, cfg, query) : geojsonTiles(map, cfg, query);
  hazards.on("tileerror", function () { show(cfg.text.failed + " " + cfg.text.tileFailed, true); });
  window.hazardLayer = hazards.addTo(map);
  // The list beside the map: a button takes the map to the hazard and opens its popup, from the keyboard too.
  document.querySelectorAll("#hazard-index button[data-code]").forEach(function (button) {
    button.addEventListener("click", function () {
      var latlng = L.latLng(parseFloat(button.dataset.lat), parseFloat(button.dataset.lon));
      map.setView(latlng, Math.max(map.getZoom(), 16), {animate: false});
      openHazard(map, cfg, button.dataset.code, latlng);
      document.getElementById("map").scrollIntoView({block: "nearest"});
    });
  });
};

function getJSON(url) {
  return fetch(url, {credentials: "same-origin"}).then(function (r) {
    return r.json().then(function (body) {
      if (!r.ok) { throw new Error(Object.values(body.errors || {error: body.error}).join(" ")); }
      return body;
    });
  });
}

function riskColour(cfg, level) {
  var risk = cfg.risks.filter(function (r) { return r.level === level; })[0];
  return risk ? risk.colour : "#888";
}

/* A hazard's popup, filled in from /api/hazards/<code>/ once it opens. */
function openHazard(map, cfg, code, latlng) {
  var e = Floodwatch.escape;
  var popup = L.popup({maxWidth: 260}).setLatLng(latlng)
    .setContent('<div class="popup">' + e(code) + " " + e(cfg.text.loadingOne) + "</div>").openOn(map);
  getJSON(cfg.hazardLayer.detailUrl.replace("CODE", encodeURIComponent(code)))
    .then(function (f) { popup.setContent(popupHtml(f.properties, cfg)); })
    .catch(function (err) { popup.setContent('<div class="popup error">' + e(cfg.text.failed + " " + err.message) + "</div>"); });
  return popup;
}

/* A cluster zooms in to its hazards; a hazard opens its popup. */
function onMarker(map, cfg, p, latlng) {
  if (p.code && p.count === 1) { return openHazard(map, cfg, p.code, latlng); }
  map.setView(latlng, Math.min(map.getZoom() + 2, cfg.hazardLayer.pointsZoom), {animate: true});
}

function clusterRadius(count) {
  return count === 1 ? 8 : Math.min(9 + 3 * Math.log10(count), 16);
}

/* PostGIS: Mapbox vector tiles. Drawn as SVG: VectorGrid 1.3's canvas renderer loses clicks with Leaflet 1.8
   and later (it calls the removed L.DomEvent.fakeStop; Leaflet.VectorGrid issue 274), its SVG one uses Leaflet's own. */
function vectorTiles(map, cfg, query) {
  var layer = L.vectorGrid.protobuf(cfg.hazardLayer.url + query, {
    pane: "hazards",
    rendererFactory: L.svg.tile,
    interactive: true,
    maxNativeZoom: 18,
    fetchOptions: {credentials: "same-origin"},
    vectorTileLayerStyles: {
      hazards: function (p) {
        return {radius: clusterRadius(p.count), fill: true, fillColor: riskColour(cfg, p.risk),
                fillOpacity: p.count === 1 ? 0.95 : 0.75, color: "#222", weight: p.count === 1 ? 1.5 : 2};
      }
    }
  });
  // A VectorGrid point has no latitude and longitude of its own, yet has getLatLng: on a click Leaflet 1.8 and
  // later read it and failed (Leaflet.VectorGrid issue 168). Without it, the click's own position is used.
  var createLayer = layer._createLayer;
  layer._createLayer = function () {
    var feature = createLayer.apply(this, arguments);
    feature.getLatLng = undefined;
    return feature;
  };
  layer.on("click", function (ev) { onMarker(map, cfg, ev.layer.properties, ev.latlng); });
  return layer;
}

/* SpatiaLite (no vector tiles): GeoJSON tiles, each tile's markers added as it loads and removed with it. */
var GeoJSONTiles = L.GridLayer.extend({
  initialize: function (map, cfg, query, options) {
    L.setOptions(this, options);
    this._cfg = cfg;
    this._query = query;
    this._markers = {};
    this._renderer = L.svg({pane: "hazards"});
    this.on("tileunload", function (ev) {
      var key = this._tileCoordsToKey(ev.coords);
      if (this._markers[key]) { this._markers[key].remove(); delete this._markers[key]; }
    });
  },

  createTile: function (coords, done) {
    var tile = document.createElement("div"), key = this._tileCoordsToKey(coords), self = this;
    getJSON(L.Util.template(this._cfg.hazardLayer.url, coords) + this._query)
      .then(function (data) {
        if (self._map && self._tiles[key]) {
          self._markers[key] = L.layerGroup(data.features.map(function (f) { return self._marker(f); })).addTo(self._map);
        }
        done(null, tile);
      })
      .catch(function (err) { done(err, tile); });
    return tile;
  },

  _marker: function (f) {
    var p = f.properties, map = this._map, cfg = this._cfg;
    var latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
    var marker = p.count === 1
      ? Floodwatch.hazardMarker(latlng, riskColour(cfg, p.risk))
      : L.circleMarker(latlng, {radius: clusterRadius(p.count), color: "#222", weight: 2, fillColor: riskColour(cfg, p.risk),
                                fillOpacity: 0.75});
    marker.options.renderer = this._renderer;
    marker.options.pane = "hazards";
    marker.feature = f;
    if (p.count > 1) { marker.bindTooltip(String(p.count), {permanent: true, direction: "center", className: "cluster-count"}); }
    marker.on("click", function () { onMarker(map, cfg, p, latlng); });
    return marker;
  }
});

function geojsonTiles(map, cfg, query) {
  return new GeoJSONTiles(map, cfg, query, {pane: "hazards", maxNativeZoom: 18, updateWhenZooming: false});
}

function popupHtml(p, cfg) {
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
  fetch(cfg.workOrdersUrl + "?reach=true", {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var reaches = data.features.filter(function (f) { return f.properties.status !== "accepted"; });
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

/* Offline: the open hazards as the phone kept them (the service worker, static/js/offline.js), drawn whole with
   their popups from what was kept; and the hazards reported on this phone that wait to be sent, hollow. */
function offlineHazards(map, cfg, show) {
  var loading = true;
  var layer = L.geoJSON(null, {
    pane: "hazards",
    pointToLayer: function (f, latlng) { return Floodwatch.hazardMarker(latlng, riskColour(cfg, f.properties.risk_level)); },
    onEachFeature: function (f, marker) { marker.bindPopup(popupHtml(f.properties, cfg), {maxWidth: 260}); }
  });
  layer.isLoading = function () { return loading; };
  getJSON(cfg.hazardsUrl + "?open=true")
    .then(function (data) {
      layer.addData(data);
      show(cfg.text.offlineCount.replace("%(n)s", data.features.length));
    })
    .catch(function () { show(cfg.text.offlineNone, true); })
    .then(function () { loading = false; });
  if (window.FloodwatchOffline) {
    FloodwatchOffline.items().then(function (items) {
      items.filter(function (i) { return i.kind === "hazard" && i.state !== "sent"; }).forEach(function (i) {
        var value = function (name) { var f = i.fields.filter(function (x) { return x[0] === name; })[0]; return f ? +f[1] : NaN; };
        if (isFinite(value("latitude")) && isFinite(value("longitude"))) {
          L.circleMarker([value("latitude"), value("longitude")], {pane: "hazards", radius: 9, color: "#222", weight: 2,
                                                                   dashArray: "3 3", fillOpacity: 0})
            .bindTooltip(Floodwatch.escape(i.label) + " · " + Floodwatch.escape(cfg.text.waiting)).addTo(map);
        }
      });
    });
  }
  return layer;
}
