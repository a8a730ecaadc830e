/* Placing a hazard: click the map, type coordinates, or use the phone's position. */
"use strict";

window.floodwatchPickMap = function (map) {
  var cfg = Floodwatch.config();
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  var status = document.getElementById("position-status");
  var marker = null;
  window.pickMap = map;

  function place(latlng, zoom) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    if (zoom) { map.setView(latlng, zoom); }
  }
  function fill(latlng) {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
  }

  Floodwatch.watchTiles(map, cfg.text.noBasemap);
  Floodwatch.loadDistrict(map, cfg);
  Floodwatch.loadRivers(map, cfg, !(lat.value && lon.value));
  if (lat.value && lon.value) { place([+lat.value, +lon.value], 15); }

  map.on("click", function (ev) { place(ev.latlng); fill(ev.latlng); });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      if (lat.value && lon.value && Math.abs(+lat.value) <= 90) { place([+lat.value, +lon.value]); }
    });
  });

  document.getElementById("use-position").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = cfg.text.noPosition; return; }
    status.textContent = cfg.text.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
      place(latlng, 16); fill(latlng);
      status.textContent = cfg.text.located.replace("%(m)s", Math.round(pos.coords.accuracy));
    }, function (err) {
      status.textContent = cfg.text.noPosition + " " + err.message;
    }, {enableHighAccuracy: true, timeout: 15000});
  });
};
