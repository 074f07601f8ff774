// Progressive enhancement only: every page works without this file.
"use strict";

// The commune list follows the chosen province.
function setupCommuneSelects() {
  document.querySelectorAll("[data-communes-url]").forEach(function (box) {
    var province = box.querySelector("select[name$='province']");
    var commune = box.querySelector("select[name$='commune']");
    if (!province || !commune) return;
    var placeholder = box.dataset.communePrompt || "";
    province.addEventListener("change", function () {
      commune.innerHTML = "";
      commune.appendChild(new Option(placeholder, ""));
      if (!province.value) return;
      commune.disabled = true;
      fetch(box.dataset.communesUrl + "?province=" + encodeURIComponent(province.value), {
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          items.forEach(function (item) {
            commune.appendChild(new Option(item.name, String(item.code)));
          });
        })
        .finally(function () { commune.disabled = false; });
    });
  });
}

// Move focus to the error summary so screen readers announce it.
function focusErrors() {
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
}

// On a phone the signed-in menu folds behind a "Menu" button (CSS shows it on wide screens).
function setupMenu() {
  var button = document.querySelector(".menu-toggle");
  var nav = document.querySelector(".main-nav");
  if (!button || !nav) return;
  button.hidden = false;
  nav.classList.add("is-collapsible");
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("is-open", open);
  });
}

document.addEventListener("DOMContentLoaded", function () {
  setupMenu();
  setupCommuneSelects();
  focusErrors();
});
