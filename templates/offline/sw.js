/* Floodwatch's service worker (issue 14): the field pages open without a signal.

   Version {{ version }}: a hash of the files kept below and of this worker, so a deploy that changes any of them
   installs a new worker, which fetches the new files before it takes over and then drops the old ones.
   What the inspector saved offline is in IndexedDB (static/js/offline.js), never here: an update cannot lose it.

   - Our scripts, styles, icons and Leaflet: kept at install, served from the cache (they change only with a deploy).
   - Pages (map, report form, hazard pages, my work orders, patrol form) and the map's data (rivers, district,
     open hazards, work orders, coverage, plans): from the network when it answers, kept for the next time it does
     not. They belong to the user who fetched them: logging out empties that cache.
   - Writes are never touched here: the page keeps them in its queue and sends them itself. */
"use strict";

var VERSION = "{{ version }}";
var STATIC_CACHE = "fw-static-" + VERSION;
var PAGES_CACHE = "fw-pages";
var PRECACHE = {{ precache|safe }};
var OFFLINE_URL = "{{ offline_url }}";
var KEPT_DATA = /^\/api\/(rivers|district|hazards|work-orders|coverage|plans)\//;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE)
    .then(function (cache) { return cache.addAll(PRECACHE.concat([OFFLINE_URL])); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("fw-static-") === 0 && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request, {cacheName: STATIC_CACHE}).then(function (hit) { return hit || fetch(request); }));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, true));
  } else if (KEPT_DATA.test(url.pathname)) {
    event.respondWith(networkFirst(request, false));
  }
});

/* The network's answer, kept for later; the kept one when the network does not answer. */
function networkFirst(request, isPage) {
  return fetch(request).then(function (response) {
    var path = new URL(response.url).pathname;
    if (response.status === 200 && path.indexOf("/accounts/") !== 0) {  // never a login page in place of the page
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request.url, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.match(request.url, {cacheName: PAGES_CACHE, ignoreVary: true}).then(function (hit) {
      if (hit) { return hit; }
      if (!isPage) { throw error; }
      // The map opened from the home screen (?source=pwa) is the map kept without its query.
      var bare = new URL(request.url);
      bare.search = "";
      return caches.match(bare.href, {cacheName: PAGES_CACHE, ignoreVary: true}).then(function (page) {
        return page || caches.match(OFFLINE_URL, {cacheName: STATIC_CACHE, ignoreVary: true});
      });
    });
  });
}
