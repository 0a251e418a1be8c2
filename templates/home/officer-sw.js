// The officer page's service worker (served by home/pwa.py at /officer/sw.js, scope /officer/): keeps
// the page's shell (HTML, scripts, styles, Leaflet) and the last answer of the shift's missions and
// beats, so a reload without network still shows them. Data: network first, the kept copy when the
// network fails. Static files: the kept copy (their names change with their content). Signing out
// deletes the kept data (app.js, "sign-out").
"use strict";

const CONFIG = {{ config|safe }};
const SHELL_CACHE = "missions-shell-" + CONFIG.version;
const DATA_CACHE = "missions-data";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(CONFIG.shell)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name.startsWith("missions-shell-") && name !== SHELL_CACHE).map((name) => caches.delete(name))
  )).then(() => self.clients.claim()));
});

// Set when the page signs out (app.js, "sign-out"): an answer still on its way (a poll, the beat's
// streets) is not kept, until the officer page is opened again.
let forgotten = false;

// The page asks, once the worker runs, to keep itself and the data it loaded before the worker was there;
// and, once it knows the officer's beat, the streets of the beat (`beatStreets`: a streets URL), kept
// apart so that a view never seen online still gets its streets offline.
self.addEventListener("message", (event) => {
  if (event.data && event.data.forget) {
    forgotten = true;
    event.waitUntil(caches.keys().then((names) => Promise.all(
      names.filter((name) => name.startsWith("missions-")).map((name) => caches.delete(name))
    )).then(() => event.ports[0] && event.ports[0].postMessage("forgotten")));
    return;
  }
  const urls = (event.data && event.data.keep) || [];
  const keeps = urls.map((url) => {
    const request = new Request(url, { credentials: "same-origin" });
    const kept = url === CONFIG.page ? fromNetwork(request, SHELL_CACHE, CONFIG.page) : fromNetwork(request, DATA_CACHE, null);
    return kept.catch(() => null);
  });
  if (event.data && event.data.beatStreets) {
    const request = new Request(event.data.beatStreets, { credentials: "same-origin" });
    keeps.push(fromNetwork(request, DATA_CACHE, CONFIG.beatStreets).catch(() => null));
  }
  event.waitUntil(Promise.all(keeps));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === CONFIG.page) {
    forgotten = false;
    event.respondWith(networkFirst(request, SHELL_CACHE, CONFIG.page));
  } else if (url.pathname === CONFIG.streets) {
    // A view's streets: that view's kept answer, else the beat's streets.
    event.respondWith(networkFirst(request, DATA_CACHE, null, CONFIG.beatStreets));
  } else if (CONFIG.data.some((prefix) => url.pathname.startsWith(prefix))) {
    event.respondWith(networkFirst(request, DATA_CACHE, null));
  } else if (CONFIG.shell.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
  }
});

// Keep only real answers: not an error, nor the sign-in page a lapsed session is redirected to.
function fromNetwork(request, cacheName, key) {
  return fetch(request).then((response) => {
    if (!response.ok || response.redirected || forgotten) { return response; }
    const copy = response.clone();
    return caches.open(cacheName).then((cache) => cache.put(key || request, copy)).then(() => response);
  });
}

// The kept copy says so (X-Kept-Copy): its X-Server-Time is from when it was kept, not now.
// `fallback`: the key of a copy to answer with when this request has none of its own.
function networkFirst(request, cacheName, key, fallback) {
  return fromNetwork(request, cacheName, key).catch(() =>
    caches.open(cacheName).then((cache) => cache.match(key || request)
      .then((kept) => kept || (fallback ? cache.match(fallback) : undefined)))
      .then((kept) => kept ? markKept(kept) : Response.error())
  );
}

function markKept(response) {
  const headers = new Headers(response.headers);
  headers.set("X-Kept-Copy", "1");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: headers });
}
