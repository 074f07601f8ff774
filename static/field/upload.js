// Sending the field app's queue, one implementation for two callers: the page (Send now, the
// connection returning) and the service worker's Background Sync handler, which sends the queue
// when the connection returns even if the app is closed. A classic script, so that the worker
// loads it with importScripts and the page with a <script> tag (before its modules): it defines
// self.FieldQueue. The same endpoint and the same record ids either way: the portal stores each
// record once, whoever sends it and however often.
(function (scope) {
  "use strict";
  const DB_NAME = "portal-field";
  const DB_VERSION = 1;
  const BATCH = 10;
  const SYNC_TAG = "field-upload";
  let opened = null;

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function open() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains("records")) {
            const records = db.createObjectStore("records", { keyPath: "id" });
            records.createIndex("state", "state");
          }
          if (!db.objectStoreNames.contains("kept")) db.createObjectStore("kept");
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return opened;
  }

  async function waiting() {
    const db = await open();
    const all = await request(db.transaction("records", "readonly").objectStore("records").getAll());
    return all.filter((r) => r.state === "waiting");
  }

  async function save(records) {
    const db = await open();
    const tx = db.transaction("records", "readwrite", { durability: "strict" });
    for (const record of records) tx.objectStore("records").put(record);
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  // A CSRF token from the helper's session; null when the session has ended.
  async function sessionToken(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.redirected || response.status === 401 || response.status === 403) return null;
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()).csrf_token || null;
  }

  // Send every waiting record, BATCH at a time; each answer is written back to IndexedDB.
  // Resolves "nothing", "sent" or "signed_out"; rejects when the connection or the portal
  // failed (the records stay waiting).
  async function upload({ syncUrl, sessionUrl, token, onBatch }) {
    const queue = await waiting();
    if (!queue.length) return "nothing";
    const csrf = token ? await token() : await sessionToken(sessionUrl);
    if (!csrf) return "signed_out";
    for (let start = 0; start < queue.length; start += BATCH) {
      const chunk = queue.slice(start, start + BATCH);
      const response = await fetch(syncUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({
          records: chunk.map(({ state, message, server_scores, mismatch, match, slip, ...r }) => r),
        }),
      });
      if (response.status === 401 || response.status === 403) return "signed_out";
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { results } = await response.json();
      const done = [];
      for (const outcome of results) {
        const record = chunk.find((r) => r.id === outcome.id);
        if (!record) continue;
        if (outcome.status === "refused") {
          record.state = "refused";
          record.message = outcome.message;
        } else {
          record.state = "sent";
          if (outcome.scores) record.server_scores = outcome.scores;
          record.mismatch = Boolean(outcome.mismatch);
          record.match = Boolean(outcome.match);
          if (outcome.claim_code) record.claim_code = outcome.claim_code;
          if (outcome.slip) record.slip = outcome.slip;
        }
        done.push(record);
      }
      await save(done);
      if (onBatch) await onBatch();
    }
    return "sent";
  }

  scope.FieldQueue = { open, upload, SYNC_TAG };
})(self);
