/* The dispatch board (templates/fieldservice/board.html): drag a card onto an engineer's day.
   Strings and URLs come from data attributes on the grid. The grid and the side list are
   redrawn by live.js, so every listener sits on the document (none per card), and the
   live region is held still while a card is being dragged. */
(function () {
  "use strict";
  if (!document.querySelector("[data-testid=board]")) { return; }
  var dragged = null;
  var draggedEngineer = null;
  function grid() { return document.querySelector("[data-testid=board]"); }
  function live() { return document.querySelector(".board-wrap[data-live-url]"); }
  function hold(on) {
    var region = live();
    if (region) { region.toggleAttribute("data-live-hold", on); }
  }
  function toast(message, ok) {
    var box = document.getElementById("board-toast");
    box.innerHTML = "";
    var div = document.createElement("div");
    div.className = "alert shadow " + (ok ? "alert-success" : "alert-danger");
    div.setAttribute("role", "alert");
    div.setAttribute("data-testid", "board-message");
    div.textContent = message;
    box.appendChild(div);
  }
  function cellOf(ev) {
    var cell = ev.target.closest && ev.target.closest("td.cell");
    return cell && cell.closest("[data-testid=board]") ? cell : null;
  }
  document.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest(".dcard[draggable=true]");
    if (!card) { return; }
    dragged = card.getAttribute("data-dispatch");
    draggedEngineer = card.getAttribute("data-engineer");
    ev.dataTransfer.setData("text/plain", dragged);
    ev.dataTransfer.effectAllowed = "move";
    hold(true);
  });
  document.addEventListener("dragend", function () { hold(false); });
  document.addEventListener("dragover", function (ev) {
    var cell = cellOf(ev);
    if (cell) { ev.preventDefault(); cell.classList.add("drop-ok"); }
  });
  document.addEventListener("dragleave", function (ev) {
    var cell = cellOf(ev);
    if (cell) { cell.classList.remove("drop-ok"); }
  });
  document.addEventListener("drop", function (ev) {
    var cell = cellOf(ev);
    if (!cell) { return; }
    ev.preventDefault();
    cell.classList.remove("drop-ok");
    hold(false);
    var id = ev.dataTransfer.getData("text/plain") || dragged;
    if (!id) { return; }
    var body = new URLSearchParams();
    body.set("dispatch", id);
    body.set("engineer", cell.getAttribute("data-engineer"));
    body.set("day", cell.getAttribute("data-day"));
    if (draggedEngineer !== null && id === dragged) { body.set("expected_engineer", draggedEngineer); }
    var token = document.querySelector("[data-testid=assign-form] input[name=csrfmiddlewaretoken]").value;
    fetch(grid().getAttribute("data-assign-url"), {
      method: "POST",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      body: body,
      credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (data) {
      toast(data.message, data.ok);
      if (data.ok) { setTimeout(function () { window.location.reload(); }, 700); }
    }).catch(function () { toast(grid().getAttribute("data-send-failed"), false); });
  });
})();
