// The trainer's check-in board: the list of who is present fills up, and the QR code follows
// the code of the minute, without reloading. Without this file the "Refresh" button does it.
"use strict";

(function () {
  var board = document.querySelector("[data-checkin-status]");
  if (!board || !window.fetch) return;
  var statusUrl = board.getAttribute("data-checkin-status");
  var every = 3000;
  var open = board.querySelector("[data-checkin-open]");
  var closed = board.querySelector("[data-checkin-closed]");
  var image = board.querySelector("[data-checkin-qr]");
  var link = board.querySelector("[data-checkin-url]");
  var summary = board.querySelector("[data-checkin-summary]");
  var present = board.querySelector("[data-checkin-present]");
  var waiting = board.querySelector("[data-checkin-waiting]");

  function item(person) {
    var li = document.createElement("li");
    li.className = "list-item";
    if (person.note === undefined) {
      li.textContent = person.name;
      return li;
    }
    var line = document.createElement("span");
    var name = document.createElement("strong");
    name.textContent = person.name;
    var note = document.createElement("span");
    note.className = "muted";
    note.textContent = person.note;
    line.appendChild(name);
    line.appendChild(document.createTextNode(" "));
    line.appendChild(note);
    li.appendChild(line);
    return li;
  }

  function fill(list, people) {
    var fresh = document.createDocumentFragment();
    people.forEach(function (person) { fresh.appendChild(item(person)); });
    list.replaceChildren(fresh);
  }

  function show(data) {
    open.hidden = !data.open;
    closed.hidden = data.open;
    if (data.open && link.getAttribute("href") !== data.url) {
      image.setAttribute("src", data.qr);
      link.setAttribute("href", data.url);
      link.textContent = data.url;
    }
    if (summary.textContent !== data.summary) summary.textContent = data.summary;
    fill(present, data.present);
    fill(waiting, data.waiting);
  }

  function poll() {
    if (document.hidden) {
      window.setTimeout(poll, every);
      return;
    }
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok || r.redirected) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (data) {
        show(data);
        window.setTimeout(poll, every);
      })
      .catch(function () {
        // Signed out, or the network is gone: the Refresh button still works.
        window.setTimeout(poll, every * 5);
      });
  }

  window.setTimeout(poll, every);
})();
