// Assessment pages, progressive enhancement only: the form works without this file.
// Hides questions whose condition is not met, keeps an exclusive choice ("none") exclusive,
// and saves each answer as it is given.
"use strict";

(function () {
  var form = document.querySelector("form.assess-form");
  if (!form) return;
  var statusBox = form.querySelector(".autosave-status");
  var token = form.querySelector("input[name='csrf_token']");

  function valuesOf(name) {
    var fields = form.querySelectorAll("[name='" + name + "']");
    var values = [];
    fields.forEach(function (field) {
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
      if (field.value.trim() !== "") values.push(field.value);
    });
    return values;
  }

  function conditionHolds(condition) {
    var values = valuesOf(condition.question);
    if (condition.at_least !== undefined) {
      var number = parseFloat(values[0]);
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

  function show(text) {
    if (statusBox) statusBox.textContent = text;
  }

  function save(box) {
    var url = form.dataset.autosaveUrl;
    if (!url || !token) return;
    var name = box.dataset.question;
    var error = box.querySelector(".js-autosave-error");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token.value },
      body: JSON.stringify({ question: name.replace(/^q_/, ""), value: valuesOf(name) }),
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (error) error.remove();
        if (result.ok) {
          show(form.dataset.savedText);
        } else if (result.body && result.body.error) {
          // Shown next to the question; the page's own submit reports it again if unfixed.
          var p = document.createElement("p");
          p.className = "error js-autosave-error";
          p.textContent = result.body.error;
          box.appendChild(p);
          show("");
        }
      })
      .catch(function () { show(form.dataset.failedText); });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var box = input.closest("[data-question]");
    if (!box) return;
    keepExclusive(input);
    updateVisibility();
    save(box);
  });

  updateVisibility();
})();
