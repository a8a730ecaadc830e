/* Editing a plan: shelters are placed and routes drawn on one map, new rows included (formsets.js). */
"use strict";

window.floodwatchPlanEditMap = function (map) {
  var cfg = Floodwatch.config();
  FloodwatchReadiness.localiseDraw(cfg);
  var hint = document.getElementById("map-hint");
  var pen = new L.Draw.Polyline(map, {shapeOptions: {color: FloodwatchReadiness.PLAN, weight: 4}});
  var placing = null, drawing = null;
  var bounds = L.latLngBounds([]);
  window.planMap = map;

  function field(row, suffix) { return row.querySelector("[name$='-" + suffix + "']"); }

  function showShelter(row) {
    var lat = field(row, "latitude"), lon = field(row, "longitude");
    if (row.marker) { map.removeLayer(row.marker); row.marker = null; }
    if (lat.value && lon.value) {
      row.marker = L.circleMarker([+lat.value, +lon.value], {radius: 8, color: "#fff", weight: 2,
        fillColor: FloodwatchReadiness.PLAN, fillOpacity: 0.95}).addTo(map);
      bounds.extend(row.marker.getLatLng());
    }
  }

  function showRoute(row) {
    var line = field(row, "line");
    if (row.route) { map.removeLayer(row.route); row.route = null; }
    if (line.value) {
      row.route = L.geoJSON(JSON.parse(line.value), {style: {color: FloodwatchReadiness.PLAN, weight: 4, dashArray: "2 8"}}).addTo(map);
      bounds.extend(row.route.getBounds());
    }
  }

  function bind(row) {
    if (row.dataset.kind === "shelter") {
      showShelter(row);
      row.querySelector(".place").addEventListener("click", function () { placing = row; hint.textContent = row.querySelector(".place").textContent + "…"; });
      ["latitude", "longitude"].forEach(function (s) { field(row, s).addEventListener("change", function () { showShelter(row); }); });
    } else if (row.dataset.kind === "route") {
      showRoute(row);
      row.querySelector(".draw").addEventListener("click", function () { drawing = row; pen.enable(); });
    }
  }

  map.on("click", function (ev) {
    if (!placing) { return; }
    field(placing, "latitude").value = ev.latlng.lat.toFixed(6);
    field(placing, "longitude").value = ev.latlng.lng.toFixed(6);
    showShelter(placing);
    placing = null;
    hint.textContent = "";
  });
  map.on(L.Draw.Event.CREATED, function (ev) {
    if (!drawing) { return; }
    field(drawing, "line").value = JSON.stringify(ev.layer.toGeoJSON().geometry);
    showRoute(drawing);
    drawing = null;
  });

  // The chosen village, dashed: its position is approximate.
  var villageSelect = document.getElementById("id_village"), villageMarker = null;
  function showVillage(fit) {
    var latlng = cfg.villages[villageSelect.value];
    if (villageMarker) { map.removeLayer(villageMarker); villageMarker = null; }
    if (!latlng) { return; }
    villageMarker = L.circleMarker(latlng, {radius: 9, color: "#555", weight: 2, fillColor: "#fff", fillOpacity: 0.9,
      dashArray: "3 3", className: "village-marker"}).bindTooltip(Floodwatch.escape(cfg.readinessText.approximate)).addTo(map);
    bounds.extend(latlng);
    if (fit) { map.setView(latlng, 14, {animate: false}); }
  }
  villageSelect.addEventListener("change", function () { showVillage(true); });
  showVillage(false);

  document.querySelectorAll(".formset-row").forEach(bind);
  document.addEventListener("formset:added", function (ev) { bind(ev.detail.row); });
  Floodwatch.loadRivers(map, cfg, !bounds.isValid());
  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [40, 40], maxZoom: 15, animate: false}); }
};
