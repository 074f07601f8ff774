// The field app's IndexedDB store: household records waiting to be sent (and those sent),
// and the data kept for offline work (questionnaires, the helper's communes, courses).
// The database is opened by upload.js (loaded before this module), which the service worker
// shares to send the queue in the background.
export function open() {
  return self.FieldQueue.open();
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function store(name, mode) {
  const db = await open();
  return db.transaction(name, mode).objectStore(name);
}

// Write a record; resolves once the transaction is durable.
export async function putRecord(record) {
  const db = await open();
  const tx = db.transaction("records", "readwrite", { durability: "strict" });
  tx.objectStore("records").put(record);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function allRecords() {
  return request((await store("records", "readonly")).getAll());
}

export async function keep(key, value) {
  const db = await open();
  const tx = db.transaction("kept", "readwrite");
  tx.objectStore("kept").put(value, key);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
}

export async function kept(key) {
  return request((await store("kept", "readonly")).get(key));
}
