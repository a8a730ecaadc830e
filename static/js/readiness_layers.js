/* Readiness layers on any map: patrol coverage (7 or 30 days) and evacuation plans (shelters, routes). */
"use strict";

window.FloodwatchReadiness = (function () {
  var COVERED = "#1a9850", UNCOVERED = "#d73027", PLAN = "#7b3294";
  var e = function (t) { return Floodwatch.escape(t); };

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
      return r.json();
    });
  }

  function coverage(cfg, days, pane) {
    var t = cfg.readinessText;
    return getJSON(cfg.coverageUrl + "?days=" + days).then(function (data) {
      return L.geoJSON(data, {
        pane: pane || "overlayPane",
        // Under the hazard map's rivers, a wide casing; on its own, a line over the river.
        style: function (f) {
          var p = f.properties, casing = pane === "readiness";
          return p.covered ? {color: COVERED, weight: casing ? 16 : 9, opacity: casing ? 0.7 : 0.85}
                           : {color: UNCOVERED, weight: casing ? 14 : 7, opacity: casing ? 0.35 : 0.45,
                              dashArray: p.approximate && !casing ? "8 6" : null};
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(e(p.river_name) + " " + e(p.stretch) + ": " + e(p.covered ? t.covered : t.uncovered) +
            " (" + p.days + "d, " + p.percent + " %)" + (p.approximate ? "<br><em>" + e(cfg.text.approximate) + "</em>" : ""),
            {sticky: true});
          layer.feature.properties.kind = "coverage";
        }
      });
    });
  }

  function plans(cfg, plan, pane) {
    var t = cfg.readinessText;
    return getJSON(cfg.plansUrl + (plan ? "?plan=" + plan : "")).then(function (data) {
      return L.geoJSON(data, {
        pane: pane || "overlayPane",
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {radius: 8, color: "#fff", weight: 2, fillColor: PLAN, fillOpacity: 0.95,
                                         pane: pane || "overlayPane"});
        },
        style: function () { return {color: PLAN, weight: 4, opacity: 0.9, dashArray: "2 8", lineCap: "round"}; },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          var head = p.layer === "shelter" ? t.shelter + " · " + t.capacity.replace("%(n)s", p.capacity) : t.route;
          layer.bindPopup("<div><strong>" + e(p.name) + "</strong></div><div>" + e(head) + "</div><div>" +
            e(p.village) + '</div><a href="' + e(p.url) + '">' + e(cfg.text.open) + " →</a>");
        }
      });
    });
  }

  // An overlay that fetches its features the first time it is switched on.
  function lazy(load) {
    var group = L.layerGroup(), loaded = false;
    group.on("add", function () {
      if (loaded) { return; }
      loaded = true;
      load().then(function (layer) { layer.eachLayer(function (l) { group.addLayer(l); }); });
    });
    return group;
  }

  // Overlays sit in their own pane, under the hazard markers, so these stay clickable.
  function addOverlays(map, cfg, labels) {
    var overlays = {};
    map.createPane("readiness").style.zIndex = 390;
    overlays[labels.coverage7] = lazy(function () { return coverage(cfg, 7, "readiness"); });
    overlays[labels.coverage30] = lazy(function () { return coverage(cfg, 30, "readiness"); });
    overlays[labels.plans] = lazy(function () { return plans(cfg, null, "readiness"); });
    L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
    return overlays;
  }

  function legendRows(cfg, kinds) {
    var t = cfg.readinessText, rows = [];
    if (kinds.indexOf("coverage") >= 0 || kinds.indexOf("covered") >= 0) {
      rows.push('<div><i class="covered"></i>' + e(t.covered) + "</div>");
    }
    if (kinds.indexOf("coverage") >= 0) { rows.push('<div><i class="uncovered"></i>' + e(t.uncovered) + "</div>"); }
    if (kinds.indexOf("track") >= 0) { rows.push('<div><i class="track"></i>' + e(t.track) + "</div>"); }
    if (kinds.indexOf("plans") >= 0) {
      rows.push('<div><i class="shelter"></i>' + e(t.shelter) + "</div>");
      rows.push('<div><i class="route"></i>' + e(t.route) + "</div>");
    }
    return rows.join("");
  }

  function addLegend(map, cfg, kinds) {
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "legend");
      div.innerHTML = legendRows(cfg, kinds) + '<div><i class="line"></i>' + e(cfg.text.river) + "</div>";
      return div;
    };
    legend.addTo(map);
  }

  // Leaflet.draw's hints, in the page's language.
  function localiseDraw(cfg) {
    var t = cfg.readinessText, hints = L.drawLocal.draw.handlers.polyline.tooltip;
    hints.start = t.drawStart;
    hints.cont = t.drawContinue;
    hints.end = t.drawEnd;
  }

  // The hazard map gets the readiness overlays, switched off until wanted.
  window.addEventListener("map:init", function (ev) {
    var map = ev.detail.map, el = document.getElementById("readiness-config");
    if (map.getContainer().id !== "map" || !el) { return; }
    var cfg = JSON.parse(el.textContent);
    addOverlays(map, cfg, cfg.readinessText.overlays);
  });

  return {coverage: coverage, plans: plans, addLegend: addLegend, localiseDraw: localiseDraw, COVERED: COVERED, PLAN: PLAN};
})();
