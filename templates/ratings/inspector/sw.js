/* Starfire's service worker for inspectors (scope: the inspection pages).
 * - Static files (their names carry a hash): cache first.
 * - The inspection pages: network first; a copy is kept per user, and served only when the network
 *   fails, and only from the cache of the user the device last saw signed in.
 * - Never anything but GET, and nothing from another origin; the API is never cached.
 * Rendered by ratings.views.offline.service_worker with the current static file names. */
"use strict";

var SHELL = {{ shell|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
var USER_HEADER = {{ user_header|safe }};
var STATIC_CACHE = "starfire-static-{{ version }}";
var PAGES_PREFIX = "starfire-pages-";
var META_CACHE = "starfire-meta";
var SCOPE_PATH = new URL(self.registration.scope).pathname;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("starfire-static-") === 0 && key !== STATIC_CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function pageKey(url) {
  var u = new URL(url, self.location.origin);
  return u.origin + u.pathname;
}

function lastUser() {
  return caches.open(META_CACHE)
    .then(function (cache) { return cache.match("user"); })
    .then(function (found) { return found ? found.text() : ""; });
}

function dropPages() {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf(PAGES_PREFIX) === 0; })
      .map(function (key) { return caches.delete(key); }));
  });
}

// Another user (or nobody) on this device: the pages kept for the previous one are dropped.
function setUser(user) {
  return lastUser().then(function (previous) {
    if (previous === user) { return; }
    return dropPages().then(function () { return caches.open(META_CACHE); }).then(function (cache) {
      return user ? cache.put("user", new Response(user)) : cache.delete("user");
    });
  });
}

function keep(request, response) {
  var user = response.headers.get(USER_HEADER) || "";
  if (response.ok && user && !response.redirected) {
    var copy = response.clone();
    return setUser(user)
      .then(function () { return caches.open(PAGES_PREFIX + user); })
      .then(function (cache) { return cache.put(pageKey(request.url || request), copy); })
      .then(function () { return response; });
  }
  // A page of the scope answered for nobody's device (the login page, a refusal): whoever was
  // signed in is no longer, so nothing kept for them may be shown here again.
  if (!user && (response.type === "opaqueredirect" || response.redirected || response.status === 403)) {
    return setUser("").then(function () { return response; });
  }
  return Promise.resolve(response);
}

function fromPages(request) {
  return lastUser().then(function (user) {
    if (!user) { return undefined; }
    return caches.open(PAGES_PREFIX + user).then(function (cache) { return cache.match(pageKey(request.url)); });
  });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    return keep(request, response);
  }, function () {
    return fromPages(request).then(function (found) { return found || Response.error(); });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (found) {
    if (found) { return found; }
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && url.pathname.indexOf(SCOPE_PATH) === 0) {
    event.respondWith(networkFirst(request));
  }
});

// The page asks to keep the inspector's visits (and the list) while the network is there.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var source = event.source;
  if (data.type !== "keep" || !data.user) { return; }
  var urls = (data.urls || []).filter(function (u) { return new URL(u, self.location.origin).pathname.indexOf(SCOPE_PATH) === 0; });
  event.waitUntil(setUser(String(data.user)).then(function () {
    return Promise.all(urls.map(function (u) {
      return fetch(u, { credentials: "same-origin", redirect: "manual" })
        .then(function (response) {
          if (response.headers.get(USER_HEADER) === String(data.user)) { return keep(new Request(u), response); }
        })
        .catch(function () { /* offline: what is kept stays */ });
    }));
  }).then(function () {
    if (!data.prune) { return; }
    var listed = urls.map(pageKey);
    return caches.open(PAGES_PREFIX + data.user).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.filter(function (request) {
          var path = new URL(request.url).pathname;
          return path !== SCOPE_PATH && listed.indexOf(pageKey(request.url)) === -1;
        }).map(function (request) { return cache.delete(request); }));
      });
    });
  }).then(function () {
    if (source) { source.postMessage({ type: "kept" }); }
  }));
});
