// The service worker (served at /sw.js by pkkdata.views.service_worker, scope "/"): the application's
// files and the entry forms open without a connection.
// - static files: from the phone's copy first (their names change with their content in production);
// - a page: from the network; an entry form's page (one with a kirim_id field) is also kept, and
//   without a connection the kept copy is shown, or the "tidak ada sinyal" page;
// - a POST is never touched: offline.js keeps it in the queue.
// A logout removes the kept pages (offline.js deletes the "pkk-halaman" cache).
var STATIC = "pkk-statis-v1";
var PAGES = "pkk-halaman";
var OFFLINE = "/offline/";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.add(OFFLINE); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
      });
    }));
    return;
  }
  if (request.mode !== "navigate") { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      copy.text().then(function (html) {
        if (html.indexOf('name="kirim_id"') !== -1) {
          caches.open(PAGES).then(function (cache) {
            cache.put(request, new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } }));
          });
        }
      });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(request); }).then(function (hit) {
      return hit || caches.match(OFFLINE);
    });
  }));
});
