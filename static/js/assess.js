// Assessment pages, progressive enhancement only: the form works without this file.
// Hides questions whose condition is not met, keeps an exclusive choice ("none") exclusive,
// and saves each answer as it is given: one request at a time per question (the newest value
// follows when it is done), retried with growing pauses when the network or the server fails.
// The status line says "saved" only when every answer given has been acknowledged.
// Every text shown comes from the page's data attributes, in the page's language.
"use strict";

(function () {
  var form = document.querySelector("form.assess-form");
  if (!form) return;
  var statusBox = form.querySelector(".autosave-status");
  var token = form.querySelector("input[name='csrf_token']");
  var url = form.dataset.autosaveUrl;
  var FIRST_PAUSE = 1000;
  var LONGEST_PAUSE = 30000;

  function valuesOf(name) {
    var fields = form.querySelectorAll("[name='" + name + "']");
    var values = [];
    fields.forEach(function (field) {
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
      if (field.value.trim() !== "") values.push(field.value);
    });
    return values;
  }

  // A number as this page's language writes it ("1.000,5" in Vietnamese); NaN if unsure.
  // Only for showing and hiding questions: the server reads and checks every answer.
  function readNumber(text) {
    var plain = (text || "").trim()
      .split(form.dataset.group || ",").join("")
      .split(form.dataset.decimal || ".").join(".");
    return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(plain) ? parseFloat(plain) : NaN;
  }

  function conditionHolds(condition) {
    var values = valuesOf(condition.question);
    if (condition.at_least !== undefined) {
      var number = readNumber(values[0]);
      return !isNaN(number) && number >= condition.at_least;
    }
    return values.some(function (value) { return condition.any_of.indexOf(value) !== -1; });
  }

  function updateVisibility() {
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var condition = JSON.parse(box.dataset.showIf);
      // A controller on an earlier page is not in this form: leave the question shown.
      if (!form.querySelector("[name='" + condition.question + "']")) return;
      box.hidden = !conditionHolds(condition);
    });
    form.querySelectorAll(".condition-hint").forEach(function (hint) { hint.hidden = true; });
  }

  function keepExclusive(input) {
    if (input.type !== "checkbox" || !input.checked) return;
    var group = form.querySelectorAll("input[type=checkbox][name='" + input.name + "']");
    group.forEach(function (other) {
      if (other === input) return;
      if (input.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) {
        other.checked = false;
      }
    });
  }

  // ------------------------------------------------------------------ saving, per question

  // name -> {box, changed, sending, pause, timer, problem}; problem: "invalid" or "refused".
  var queues = {};
  // Set when the server says the assessment was submitted meanwhile: nothing more is sent.
  var closedMessage = null;

  function queueOf(box) {
    var name = box.dataset.question;
    if (!queues[name]) {
      queues[name] = { box: box, changed: false, sending: false, pause: 0, timer: null, problem: null };
    }
    return queues[name];
  }

  function each(test) {
    return Object.keys(queues).some(function (name) { return test(queues[name]); });
  }

  function report() {
    if (!statusBox) return;
    var text;
    if (closedMessage) text = closedMessage;
    else if (each(function (q) { return q.timer !== null; })) text = form.dataset.retryingText;
    else if (each(function (q) { return q.sending || q.changed; })) text = form.dataset.savingText;
    else if (each(function (q) { return q.problem === "refused"; })) text = form.dataset.failedText;
    else if (each(function (q) { return q.problem === "invalid"; })) text = "";
    else text = form.dataset.savedText;
    statusBox.textContent = text || "";
    form.dataset.autosave = closedMessage ? "closed"
      : text === form.dataset.savedText ? "saved" : "pending";
  }

  function showError(q, message) {
    clearError(q);
    var p = document.createElement("p");
    p.className = "error js-autosave-error";
    p.textContent = message;
    q.box.appendChild(p);
  }

  function clearError(q) {
    var old = q.box.querySelector(".js-autosave-error");
    if (old) old.remove();
  }

  function want(box) {
    var q = queueOf(box);
    q.changed = true;
    // One request at a time per question; a waiting retry will carry the newest value.
    if (!q.sending && q.timer === null) send(q);
    report();
  }

  function send(q) {
    q.timer = null;
    if (closedMessage || !url || !token) return;
    var name = q.box.dataset.question;
    q.changed = false;
    q.sending = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token.value },
      body: JSON.stringify({ question: name.replace(/^q_/, ""), value: valuesOf(name) }),
    })
      .then(function (response) {
        return response.json().then(
          function (body) { return { status: response.status, body: body }; },
          function () { return { status: response.status, body: null }; }
        );
      })
      .then(
        function (result) { q.sending = false; answered(q, result); },
        function () { q.sending = false; retry(q); }
      );
    report();
  }

  function answered(q, result) {
    var body = result.body || {};
    if (result.status === 200 && body.saved) {
      q.pause = 0;
      q.problem = null;
      clearError(q);
    } else if (result.status === 409) {
      closedMessage = body.error || form.dataset.failedText;
    } else if (result.status === 422 && body.error) {
      // Shown next to the question; the page's own submit reports it again if unfixed.
      q.pause = 0;
      q.problem = "invalid";
      showError(q, body.error);
    } else if (result.status >= 400 && result.status < 500 && result.status !== 429) {
      // Refused for good (signed out, no longer allowed): retrying would not help.
      q.problem = "refused";
    } else {
      retry(q);
      return;
    }
    if (q.changed && !closedMessage) send(q);
    report();
  }

  function retry(q) {
    q.changed = true;
    q.pause = Math.min(q.pause ? q.pause * 2 : FIRST_PAUSE, LONGEST_PAUSE);
    q.timer = setTimeout(function () { send(q); }, q.pause);
    report();
  }

  // Back online: try the waiting answers now rather than at the end of their pause.
  window.addEventListener("online", function () {
    Object.keys(queues).forEach(function (name) {
      var q = queues[name];
      if (q.timer !== null) {
        clearTimeout(q.timer);
        q.pause = 0;
        send(q);
      }
    });
  });

  form.addEventListener("change", function (event) {
    var input = event.target;
    var box = input.closest("[data-question]");
    if (!box) return;
    keepExclusive(input);
    updateVisibility();
    want(box);
  });

  updateVisibility();
})();
