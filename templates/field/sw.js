// Service worker of the field app (scope /field/): keeps the page and its files so the app
// opens without a connection, also after the browser or the phone restarted. Data (records,
// questionnaires, communes) lives in IndexedDB, written by the page itself. With Background
// Sync, it also sends the queue when the connection returns, even if the app is closed.
const CACHE = "field-{{ version }}";
const SHELL = "{{ url_for('field.app') }}";
const ASSETS = {{ assets|safe }};
const SYNC_URL = "{{ url_for('field.sync') }}";
const SESSION_URL = "{{ url_for('field.session_data') }}";
importScripts("{{ url_for('static', filename='field/upload.js') }}");

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

// The page registered the tag when it queued records: send them now (same endpoint, same record
// ids as the page's own sync). A failure rejects, so the browser tries again later; a session
// that ended waits for the helper to sign in again in the app.
self.addEventListener("sync", (event) => {
  if (event.tag !== self.FieldQueue.SYNC_TAG) return;
  event.waitUntil(
    self.FieldQueue.upload({ syncUrl: SYNC_URL, sessionUrl: SESSION_URL }).then(async (result) => {
      for (const client of await self.clients.matchAll({ type: "window" })) {
        client.postMessage({ type: "field-synced", result });
      }
    }),
  );
});
