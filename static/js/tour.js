/* Tour planning: pick stops on the map or start from a preset; the list runs river by river, upstream to downstream. */
"use strict";

window.floodwatchTourMap = function (map) {
  var cfg = Floodwatch.config();
  var text = cfg.tourText;
  var status = document.getElementById("tour-status");
  var hazards = {};  // code -> {p: properties, marker: layer}
  var selected = {};
  cfg.selected.forEach(function (code) { selected[code] = true; });
  window.tourMap = map;

  function show(message, isError) {
    status.textContent = message;
    status.className = "map-status" + (isError ? " error" : "") + (message ? " visible" : "");
  }

  function riverRank(code) {
    var i = cfg.rivers.indexOf(code);
    return i < 0 ? cfg.rivers.length : i;
  }

  // The driving order, as the PDF prints it: river by river, upstream to downstream.
  function stops() {
    return Object.keys(selected).filter(function (code) { return hazards[code]; }).map(function (code) {
      return hazards[code].p;
    }).sort(function (a, b) {
      return riverRank(a.river) - riverRank(b.river) || a.chainage_m - b.chainage_m || (a.code < b.code ? -1 : 1);
    });
  }

  function draftQuery(list) {
    return list.map(function (p) { return "code=" + encodeURIComponent(p.code); }).join("&");
  }

  function render() {
    var list = stops();
    Object.keys(hazards).forEach(function (code) {
      var h = hazards[code];
      h.marker.setStyle(selected[code] ? {radius: 11, weight: 4, color: "#111"} : {radius: 8, weight: 1.5, color: "#222"});
      h.marker.unbindTooltip();
    });
    list.forEach(function (p, i) {
      hazards[p.code].marker.bindTooltip(String(i + 1), {permanent: true, direction: "center", className: "stop-number"});
    });
    var ol = document.getElementById("tour-stops");
    if (!ol) { return; }
    var e = Floodwatch.escape;
    ol.innerHTML = list.length ? list.map(function (p) {
      return '<li data-code="' + e(p.code) + '"><span class="risk risk-' + e(p.risk_level) + '">' + e(p.risk_label) + "</span> " +
        "<strong>" + e(p.code) + "</strong> " + e(p.title) + ' <span class="hint">' + e(p.chainage) + " · " + e(p.status_label) +
        '</span> <button type="button" class="link remove" title="' + e(text.remove) + '">✕</button></li>';
    }).join("") : '<li class="empty">' + e(text.empty) + "</li>";
    document.getElementById("tour-count").textContent = text.stops.replace("%(n)s", list.length);
    document.getElementById("tour-codes").innerHTML = list.map(function (p) {
      return '<input type="hidden" name="hazards" value="' + e(p.code) + '">';
    }).join("");
    var query = draftQuery(list);
    document.getElementById("draft-pdf").href = cfg.reportUrl + "?" + query;
    document.getElementById("draft-csv").href = cfg.csvUrl + "?" + query;
  }

  function toggle(code) {
    if (selected[code]) { delete selected[code]; } else { selected[code] = true; }
    render();
  }

  function loadHazards(query) {
    return fetch(cfg.hazardsUrl + (query ? "?" + query : ""), {credentials: "same-origin"}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(Object.values(body.errors || {error: body.error}).join(" ")); }
        return body.features.map(function (f) { return f.properties; });
      });
    });
  }

  Floodwatch.watchTiles(map, cfg.text.noBasemap, show);
  Floodwatch.addLegend(map, cfg);
  Floodwatch.loadRivers(map, cfg, true);
  show(cfg.text.loading);
  fetch(cfg.hazardsUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, {
      pointToLayer: function (f, latlng) { return Floodwatch.hazardMarker(latlng, f.properties.colour); },
      onEachFeature: function (f, layer) {
        hazards[f.properties.code] = {p: f.properties, marker: layer};
        if (cfg.editable) {
          layer.on("click", function () { toggle(f.properties.code); });
        } else {
          layer.bindPopup("<strong>" + Floodwatch.escape(f.properties.code) + "</strong> " +
            Floodwatch.escape(f.properties.title) + "<br>" + Floodwatch.escape(f.properties.chainage));
        }
      }
    }).addTo(map);
    show("");
    render();
  }).catch(function (err) { show(cfg.text.failed + " " + err.message, true); });

  var ol = document.getElementById("tour-stops");
  if (ol) {
    ol.addEventListener("click", function (event) {
      var li = event.target.closest("li[data-code]");
      if (event.target.classList.contains("remove") && li) { toggle(li.getAttribute("data-code")); }
    });
  }
  document.querySelectorAll("button.preset").forEach(function (button) {
    button.addEventListener("click", function () {
      show(cfg.text.loading);
      loadHazards(button.getAttribute("data-query")).then(function (found) {
        selected = {};
        found.forEach(function (p) { selected[p.code] = true; });
        show("");
        render();
      }).catch(function (err) { show(cfg.text.failed + " " + err.message, true); });
    });
  });
};
