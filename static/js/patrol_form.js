/* Recording a patrol: upload the GPX track, draw the stretch walked on the map, or let the phone record it
   while walking (its positions, kept in the form: offline, the form is then kept on the phone, see offline.js). */
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
  var recorder = null, points = [];
  var record = document.getElementById("record-track");
  var offlineText = JSON.parse(document.getElementById("offline-config").textContent).text;
  record.addEventListener("click", function () {
    if (recorder !== null) {
      navigator.geolocation.clearWatch(recorder);
      recorder = null;
      record.textContent = offlineText.recordStart;
      return;
    }
    if (!navigator.geolocation) { status.textContent = cfg.text.noPosition; return; }
    points = [];
    record.textContent = offlineText.recordStop;
    recorder = navigator.geolocation.watchPosition(function (pos) {
      points.push([+pos.coords.longitude.toFixed(6), +pos.coords.latitude.toFixed(6)]);
      status.textContent = offlineText.recording.replace("%(n)s", points.length);
      if (points.length > 1) {
        var geojson = {type: "LineString", coordinates: points};
        input.value = JSON.stringify(geojson);
        show(geojson);
      }
    }, function (err) { status.textContent = cfg.text.noPosition + " " + err.message; },
    {enableHighAccuracy: true, maximumAge: 5000});
  });

  map.on(L.Draw.Event.CREATED, function (ev) {
    var geojson = ev.layer.toGeoJSON().geometry;
    input.value = JSON.stringify(geojson);
    show(geojson);
    status.textContent = "";
  });
};
