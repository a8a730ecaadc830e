/* Recording a patrol: upload the GPX track, or draw the stretch walked on the map. */
"use strict";

window.floodwatchTrackMap = function (map) {
  var cfg = Floodwatch.config();
  FloodwatchReadiness.localiseDraw(cfg);
  var input = document.getElementById("id_drawn_track");
  var status = document.getElementById("draw-status");
  var drawn = null;
  var pen = new L.Draw.Polyline(map, {shapeOptions: {color: "#222", weight: 4}});
  window.trackMap = map;

  function show(geojson) {
    if (drawn) { map.removeLayer(drawn); }
    drawn = L.geoJSON(geojson, {style: {color: "#222", weight: 4}}).addTo(map);
  }

  Floodwatch.loadRivers(map, cfg, !input.value);
  if (input.value) {
    try { show(JSON.parse(input.value)); map.fitBounds(drawn.getBounds(), {padding: [30, 30]}); } catch (err) { input.value = ""; }
  }

  document.getElementById("draw-track").addEventListener("click", function () {
    status.textContent = cfg.readinessText.drawHint;
    pen.enable();
  });
  document.getElementById("clear-track").addEventListener("click", function () {
    pen.disable();
    if (drawn) { map.removeLayer(drawn); drawn = null; }
    input.value = "";
    status.textContent = "";
  });
  map.on(L.Draw.Event.CREATED, function (ev) {
    var geojson = ev.layer.toGeoJSON().geometry;
    input.value = JSON.stringify(geojson);
    show(geojson);
    status.textContent = "";
  });
};
