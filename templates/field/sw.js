// Service worker of the field app (scope /field/): keeps the page and its files so the app
// opens without a connection, also after the browser or the phone restarted. Data (records,
// questionnaires, communes) lives in IndexedDB, written by the page itself.
const CACHE = "field-{{ version }}";
const SHELL = "{{ url_for('field.app') }}";
const ASSETS = {{ assets|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      await cache.addAll(ASSETS);
      // The page needs the signed-in helper's cookie: fetched like a navigation, kept if it
      // is the app itself (not the sign-in page it redirects to when signed out).
      const response = await fetch(SHELL, { credentials: "same-origin" });
      if (response.ok && !response.redirected) await cache.put(SHELL, response);
    }).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("field-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    // The page: fresh when online (and kept again), the kept copy when not.
    event.respondWith(
      fetch(request)
        .then(async (response) => {
          if (response.ok && !response.redirected) {
            const cache = await caches.open(CACHE);
            await cache.put(SHELL, response.clone());
          }
          return response;
        })
        .catch(() => caches.match(SHELL)),
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then(
        (hit) => hit || caches.match(request, { ignoreSearch: true }).then((loose) => loose || fetch(request)),
      ),
    );
  }
});
