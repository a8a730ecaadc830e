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
  // Kept on the phone (offline.js): the form is empty again, and so is the map.
  document.addEventListener("floodwatch:queued", function () {
    if (marker) { map.removeLayer(marker); marker = null; }
    status.textContent = "";
  });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      if (lat.value && lon.value && Math.abs(+lat.value) <= 90) { place([+lat.value, +lon.value]); }
    });
  });

  // A photo taken on site carries the phone's GPS: show where it puts the hazard at once.
  document.getElementById("id_photos").addEventListener("change", function (ev) {
    var file = ev.target.files[0];
    if (!file || (lat.value && lon.value)) { return; }
    file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
      var gps = exifGps(new DataView(buffer));
      if (!gps) { return; }
      var latlng = L.latLng(gps[0], gps[1]);
      place(latlng, 16); fill(latlng);
      status.textContent = cfg.text.fromPhoto;
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

/* The GPS position in a JPEG's EXIF block, as [lat, lon], or null. */
function exifGps(v) {
  if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) { return null; }
  for (var off = 2; off + 10 < v.byteLength;) {
    var marker = v.getUint16(off);
    if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) { return tiffGps(v, off + 10); }
    if ((marker & 0xFF00) !== 0xFF00) { return null; }
    off += 2 + v.getUint16(off + 2);
  }
  return null;
}

function tiffGps(v, start) {
  var little = v.getUint16(start) === 0x4949;
  function u16(o) { return v.getUint16(start + o, little); }
  function u32(o) { return v.getUint32(start + o, little); }
  function entries(ifd) {
    var tags = {};
    for (var i = 0, n = u16(ifd); i < n; i++) { var e = ifd + 2 + i * 12; tags[u16(e)] = {count: u32(e + 4), at: e + 8}; }
    return tags;
  }
  try {
    var ifd0 = entries(u32(4));
    if (!ifd0[0x8825]) { return null; }
    var gps = entries(u32(ifd0[0x8825].at));
    var degrees = function (tag) {
      if (!gps[tag]) { return null; }
      var o = u32(gps[tag].at), parts = [0, 1, 2].map(function (i) { return u32(o + i * 8) / u32(o + i * 8 + 4); });
      return parts[0] + parts[1] / 60 + parts[2] / 3600;
    };
    var ref = function (tag) { return gps[tag] ? String.fromCharCode(v.getUint8(start + gps[tag].at)) : ""; };
    var lat = degrees(2), lon = degrees(4);
    if (lat === null || lon === null || !isFinite(lat) || !isFinite(lon)) { return null; }
    return [ref(1) === "S" ? -lat : lat, ref(3) === "W" ? -lon : lon];
  } catch (e) {
    return null;  // a truncated or odd EXIF block: the server reads the photo again anyway
  }
}
