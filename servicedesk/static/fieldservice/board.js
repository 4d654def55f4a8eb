/* The dispatch board (templates/fieldservice/board.html): drag a card onto an engineer's day.
   Strings and URLs come from data attributes on the grid. */
(function () {
  "use strict";
  var grid = document.querySelector("[data-testid=board]");
  if (!grid) { return; }
  var url = grid.getAttribute("data-assign-url");
  var token = document.querySelector("[data-testid=assign-form] input[name=csrfmiddlewaretoken]").value;
  var dragged = null;
  var draggedEngineer = null;
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
  document.querySelectorAll(".dcard[draggable=true]").forEach(function (card) {
    card.addEventListener("dragstart", function (ev) {
      dragged = card.getAttribute("data-dispatch");
      draggedEngineer = card.getAttribute("data-engineer");
      ev.dataTransfer.setData("text/plain", dragged);
      ev.dataTransfer.effectAllowed = "move";
    });
  });
  grid.querySelectorAll("td.cell").forEach(function (cell) {
    cell.addEventListener("dragover", function (ev) { ev.preventDefault(); cell.classList.add("drop-ok"); });
    cell.addEventListener("dragleave", function () { cell.classList.remove("drop-ok"); });
    cell.addEventListener("drop", function (ev) {
      ev.preventDefault();
      cell.classList.remove("drop-ok");
      var id = ev.dataTransfer.getData("text/plain") || dragged;
      if (!id) { return; }
      var body = new URLSearchParams();
      body.set("dispatch", id);
      body.set("engineer", cell.getAttribute("data-engineer"));
      body.set("day", cell.getAttribute("data-day"));
      if (draggedEngineer !== null && id === dragged) { body.set("expected_engineer", draggedEngineer); }
      fetch(url, {
        method: "POST",
        headers: { "X-CSRFToken": token, "Accept": "application/json" },
        body: body,
        credentials: "same-origin"
      }).then(function (r) { return r.json(); }).then(function (data) {
        toast(data.message, data.ok);
        if (data.ok) { setTimeout(function () { window.location.reload(); }, 700); }
      }).catch(function () { toast(grid.getAttribute("data-send-failed"), false); });
    });
  });
})();
