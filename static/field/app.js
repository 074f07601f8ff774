// The field app: register and assess households offline, score them on the phone with the
// same rules as the portal (scorer.js), keep every record in IndexedDB (store.js) and send
// them when there is a connection. No framework: a few hundred lines of plain DOM code.
import * as scorer from "./scorer.js";
import * as store from "./store.js";

const body = document.body;
const T = JSON.parse(document.getElementById("field-strings").textContent);
const LANG = body.dataset.lang === "en" ? "en" : "vi";
const CLAIM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const $ = (id) => document.getElementById(id);

let definitions = null;
let session = null;
let draft = null;
let syncing = false;

const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : ""));
const text = (value) => (value ? scorer.textIn(value, LANG) : "");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function claimCode() {
  let code = "";
  while (code.length < 10) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      // 248 = 8 × 31: drop the rest so every character is equally likely.
      if (byte < 248 && code.length < 10) code += CLAIM_ALPHABET[byte % 31];
    }
  }
  return code;
}

// ------------------------------------------------------------------ data kept offline

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const type = response.headers.get("Content-Type") || "";
  if (response.redirected || response.status === 401 || response.status === 403) {
    const error = new Error("signed out");
    error.signedOut = true;
    throw error;
  }
  if (!response.ok || !type.includes("json")) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

async function loadData() {
  definitions = (await store.kept("definitions")) || null;
  session = (await store.kept("session")) || null;
  if (navigator.onLine) {
    try {
      const fresh = await getJSON(body.dataset.definitions);
      definitions = fresh;
      await store.keep("definitions", fresh);
    } catch (error) {
      /* offline or unreachable: the kept copy serves */
    }
    await refreshSession();
  }
  render();
}

async function refreshSession() {
  try {
    const fresh = await getJSON(body.dataset.session);
    session = fresh;
    await store.keep("session", { ...fresh, csrf_token: null });
    $("sign-in").hidden = true;
    return fresh.csrf_token;
  } catch (error) {
    if (error.signedOut) $("sign-in").hidden = false;
    return null;
  }
}

function questionnaire() {
  if (!definitions) return null;
  const household = definitions.questionnaires.filter((q) => q.audience === "household");
  household.sort((a, b) => b.version - a.version);
  return household[0] || null;
}

// ------------------------------------------------------------------ household form

function renderStart() {
  const ready = Boolean(definitions && session && questionnaire());
  $("not-loaded").hidden = ready;
  $("household-form").hidden = !ready;
  if (!ready) return;
  const select = $("hh-commune");
  const chosen = select.value;
  select.replaceChildren(
    ...session.communes.map((c) => el("option", { value: String(c.code), text: c.name })),
  );
  if (chosen) select.value = chosen;
  $("notice-link").href = `${session.notice.url}?version=${session.notice.version}`;
}

function showErrors(box, messages, focus) {
  box.replaceChildren(...messages.map((m) => el("p", { text: m })));
  box.hidden = messages.length === 0;
  if (messages.length) (focus || box).focus();
}

function startHousehold(event) {
  event.preventDefault();
  const form = event.target;
  const name = form.elements.name.value.trim();
  const phone = form.elements.phone.value.replace(/[\s.\-()]/g, "");
  const errors = [];
  if (!name) errors.push(T.name_required);
  if (phone && !/^(0|\+84|84)[0-9]{9}$/.test(phone)) errors.push(T.phone_invalid);
  if (!form.elements.consent.checked) errors.push(T.consent_required);
  showErrors($("household-errors"), errors);
  if (errors.length) return;
  const q = questionnaire();
  draft = {
    id: uuid(),
    name,
    phone: phone || null,
    commune: Number(form.elements.commune.value),
    kind: form.elements.kind.value,
    sector: form.elements.sector.value,
    consent: { version: session.notice.version, at: new Date().toISOString() },
    questionnaire: { id: q.id, version: q.version },
    lang: LANG,
    claim_code: claimCode(),
    answerIds: {},
  };
  renderQuestions(q);
}

// ------------------------------------------------------------------ questions

function questionField(question) {
  const id = `q-${question.id}`;
  const wrap = el("fieldset", { class: "field field-question", id, "data-question": question.id });
  wrap.append(el("legend", { text: text(question.text) }));
  if (question.help) wrap.append(el("p", { class: "help", text: text(question.help) }));
  if (question.type === "number") {
    const input = el("input", {
      type: "number",
      id: `${id}-input`,
      name: question.id,
      inputmode: question.integer ? "numeric" : "decimal",
      step: question.integer ? "1" : "any",
      min: String(question.min),
      max: String(question.max),
      "aria-label": text(question.text),
    });
    wrap.append(input);
    if (question.unit) wrap.append(el("span", { class: "muted", text: ` ${text(question.unit)}` }));
  } else {
    const type = question.type === "multi" ? "checkbox" : "radio";
    for (const option of question.options) {
      wrap.append(
        el(
          "label",
          { class: "check" },
          el("input", { type, name: question.id, value: option.id }),
          ` ${text(option.label)}`,
        ),
      );
    }
  }
  return wrap;
}

function renderQuestions(q) {
  const list = $("question-list");
  list.replaceChildren();
  for (const dimension of q.dimensions) {
    const section = el("section", { class: "field-dimension" }, el("h3", { text: text(dimension.title) }));
    for (const question of dimension.questions) section.append(questionField(question));
    list.append(section);
  }
  $("questions-title").textContent = `${draft.name} · ${text(q.title)}`;
  $("start").hidden = true;
  $("result").hidden = true;
  $("questions").hidden = false;
  updateVisibility();
  $("questions-title").focus?.();
  list.querySelector("input")?.focus();
}

function readAnswers(q) {
  const form = $("answers-form");
  const answers = {};
  for (const question of scorer.questions(q)) {
    if (question.type === "number") {
      const input = form.querySelector(`#q-${question.id}-input`);
      if (input && input.value !== "" && Number.isFinite(input.valueAsNumber)) {
        answers[question.id] = input.valueAsNumber;
      }
    } else if (question.type === "multi") {
      const chosen = new Set(
        [...form.querySelectorAll(`input[name="${question.id}"]:checked`)].map((i) => i.value),
      );
      const value = question.options.filter((o) => chosen.has(o.id)).map((o) => o.id);
      if (value.length) answers[question.id] = value;
    } else {
      const checked = form.querySelector(`input[name="${question.id}"]:checked`);
      if (checked) answers[question.id] = question.type === "scale" ? Number(checked.value) : checked.value;
    }
  }
  return answers;
}

function updateVisibility() {
  const q = questionnaire();
  const answers = readAnswers(q);
  for (const question of scorer.questions(q)) {
    $(`q-${question.id}`).hidden = !scorer.isVisible(q, question, answers);
  }
}

function finishAnswers(event) {
  event.preventDefault();
  const q = questionnaire();
  const answers = readAnswers(q);
  const errors = [];
  let first = null;
  for (const question of scorer.questions(q)) {
    if (!scorer.isVisible(q, question, answers)) {
      delete answers[question.id];
      continue;
    }
    let problem = null;
    if (!scorer.isAnswered(answers[question.id])) problem = T.required;
    else {
      try {
        scorer.points(question, answers[question.id]);
      } catch (error) {
        problem = T.required;
      }
    }
    if (problem) {
      errors.push(`${text(question.text)} ${problem}`);
      first = first || $(`q-${question.id}`).querySelector("input");
    }
  }
  showErrors($("answer-errors"), errors, first);
  if (errors.length) return;
  saveRecord(q, answers);
}

async function saveRecord(q, answers) {
  const result = scorer.score(q, answers);
  const record = {
    id: draft.id,
    name: draft.name,
    phone: draft.phone,
    commune: draft.commune,
    kind: draft.kind,
    sector: draft.sector,
    consent: draft.consent,
    questionnaire: draft.questionnaire,
    lang: draft.lang,
    claim_code: draft.claim_code,
    answers: Object.entries(answers).map(([question, value]) => ({
      id: (draft.answerIds[question] ||= uuid()),
      question,
      value,
    })),
    scores: { dimensions: result.dimensions, overall: result.overall, level: result.level },
    assessed_at: new Date().toISOString(),
    state: "waiting",
  };
  await store.putRecord(record);
  draft = null;
  $("answers-form").reset();
  $("household-form").reset();
  await renderRecords();
  showResult(record);
  requestBackgroundSync();
  sync();
}

// ------------------------------------------------------------------ result

function nearestClass(course, commune) {
  const rank = (c) => (c.commune === commune ? 0 : course.online ? 1 : 2);
  const sorted = [...course.classes].sort(
    (a, b) => rank(a) - rank(b) || String(a.next || "~").localeCompare(String(b.next || "~")),
  );
  return sorted[0];
}

function showResult(record) {
  const q = definitions.questionnaires.find(
    (x) => x.id === record.questionnaire.id && x.version === record.questionnaire.version,
  );
  const rules = definitions.recommendations;
  const scores = record.server_scores || record.scores;
  const level = scorer.levelFor(q, scores.overall);
  $("result-title").textContent = `${record.name}: ${fill(T.level, { level: level.level })} · ${text(level.name)}`;
  const parts = [
    el("p", { class: "field-level", text: T.level_meanings[String(level.level)] }),
    el("p", { text: fill(T.score, { score: scores.overall }) }),
  ];
  const steps = el("ul");
  for (const dimension of q.dimensions) {
    const value = scores.dimensions[dimension.id];
    const band = scorer.bandFor(dimension, value);
    steps.append(
      el(
        "li",
        {},
        el("strong", { text: `${text(dimension.title)}: ${value}/100. ` }),
        text(band.explanation),
        band.next_steps.length ? el("span", { text: ` ${text(band.next_steps[0])}` }) : null,
      ),
    );
  }
  parts.push(el("h3", { text: T.next_steps }), steps);
  const recs = scorer.recommend(rules, q.audience, record.sector, scores.dimensions);
  const courses = (session && session.courses) || [];
  const chosen = new Map();
  for (const rec of recs.filter((r) => r.kind === "course")) {
    for (const course of courses.filter((c) => c.topic === rec.target)) chosen.set(course.id, [course, rec]);
  }
  for (const rec of recs.filter((r) => r.kind === "course")) {
    for (const course of courses.filter((c) => c.dimensions.includes(rec.dimension))) {
      if (!chosen.has(course.id)) chosen.set(course.id, [course, rec]);
    }
  }
  const courseList = el("ul");
  for (const [course, rec] of chosen.values()) {
    const near = nearestClass(course, record.commune);
    const place = near.commune === record.commune || !course.online ? near.commune_name || near.venue : T.online_class;
    courseList.append(
      el("li", {}, el("strong", { text: text(course.title) }), ` — ${scorer.reason(rules, rec, LANG)} `,
        el("span", { text: fill(T.nearest, { place }) + (near.next ? ` (${near.next.slice(0, 10)})` : "") })),
    );
  }
  if (!chosen.size) {
    for (const rec of recs.filter((r) => r.kind === "course")) {
      courseList.append(el("li", {}, text(rules.topics[rec.target]) + ` — ${T.no_class}`));
    }
  }
  if (courseList.children.length) parts.push(el("h3", { text: T.courses }), courseList);
  const paths = ((session && session.listing_paths) || []).filter(
    (p) => p.kinds.includes(record.kind) && (!p.sectors.length || p.sectors.includes(record.sector)),
  );
  const pathList = el("ul");
  for (const rec of recs.filter((r) => r.kind === "listing_path")) {
    const path = paths.find((p) => p.id === rec.target);
    if (path) pathList.append(el("li", { text: `${text(path.name)} — ${scorer.reason(rules, rec, LANG)}` }));
  }
  if (pathList.children.length) parts.push(el("h3", { text: T.paths }), pathList);
  parts.push(el("p", { class: "field-claim", text: fill(T.claim, { code: record.claim_code }) }));
  // The printable slip (with the QR code) once the record is on the portal and we are online.
  if (record.slip && navigator.onLine) parts.push(el("p", {}, el("a", { href: record.slip, text: T.slip })));
  $("result-body").replaceChildren(...parts);
  $("questions").hidden = true;
  $("start").hidden = true;
  $("result").hidden = false;
  $("result").focus();
}

// ------------------------------------------------------------------ queue and sync

async function renderRecords() {
  const records = (await store.allRecords()).sort((a, b) => (a.assessed_at < b.assessed_at ? 1 : -1));
  const waiting = records.filter((r) => r.state === "waiting").length;
  $("queue").textContent =
    waiting === 0 ? T.all_sent : fill(waiting === 1 ? T.queue_one : T.queue_other, { n: waiting });
  $("queue").dataset.count = String(waiting);
  $("records").replaceChildren(
    ...records.map((r) => {
      const scores = r.server_scores || r.scores;
      const state = r.state === "sent" ? T.done : r.state === "refused" ? T.refused : T.waiting;
      const item = el("li", { "data-id": r.id, "data-state": r.state },
        el("strong", { text: r.name }), ` · ${fill(T.level, { level: scores.level })} · ${state}`);
      if (r.message) item.append(el("span", { class: "error", text: ` — ${r.message}` }));
      if (r.mismatch) item.append(el("span", { text: ` — ${T.mismatch}` }));
      if (r.match) item.append(el("span", { text: ` — ${T.match}` }));
      if (r.slip && navigator.onLine) item.append(" — ", el("a", { href: r.slip, text: T.slip }));
      return item;
    }),
  );
}

function setNet() {
  $("net").textContent = navigator.onLine ? T.online : T.offline;
}

// Ask the service worker to send the queue when the connection returns, even if this page is
// closed by then (Background Sync). Browsers without it rely on the page's own sync below.
async function requestBackgroundSync() {
  if (!("serviceWorker" in navigator) || !("SyncManager" in self)) return false;
  try {
    const registration = await navigator.serviceWorker.getRegistration(body.dataset.scope);
    if (!registration || !registration.sync) return false;
    await registration.sync.register(self.FieldQueue.SYNC_TAG);
    return true;
  } catch (error) {
    return false; // not allowed (e.g. a private window): the page's sync remains
  }
}

async function sync() {
  if (syncing || !navigator.onLine) return;
  syncing = true;
  const message = $("sync-message");
  const say = (state, textValue) => {
    message.textContent = textValue;
    message.dataset.state = state;
  };
  try {
    const result = await self.FieldQueue.upload({
      syncUrl: body.dataset.sync,
      token: async () => {
        say("sending", T.sending);
        return refreshSession();
      },
      onBatch: renderRecords,
    });
    if (result === "signed_out") {
      $("sign-in").hidden = false;
      say("signed-out", T.sign_in);
    } else if (result === "sent") say("sent", T.sent);
  } catch (error) {
    say("failed", T.send_failed);
  } finally {
    syncing = false;
    await renderRecords();
  }
}

// ------------------------------------------------------------------ start

function render() {
  setNet();
  renderStart();
  renderRecords();
}

function nextHousehold() {
  $("result").hidden = true;
  $("questions").hidden = true;
  $("start").hidden = false;
  renderStart();
  $("hh-name").focus();
}

$("household-form").addEventListener("submit", startHousehold);
$("answers-form").addEventListener("submit", finishAnswers);
$("answers-form").addEventListener("change", updateVisibility);
$("next-household").addEventListener("click", nextHousehold);
$("send").addEventListener("click", () => sync());
window.addEventListener("online", () => {
  setNet();
  loadData().then(sync);
});
window.addEventListener("offline", setNet);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(() => {});
  // The worker sent the queue in the background: show what the portal answered.
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "field-synced") renderRecords();
  });
}
body.dataset.ready = "loading";
loadData()
  .then(sync)
  .finally(() => {
    body.dataset.ready = "yes";
  });
