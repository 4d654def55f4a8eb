/* The header's search box (docs/architecture.md §search): "/" focuses it, Escape closes
   the drop-down, arrow keys move through the hits. The hits arrive by htmx. */
(function () {
  "use strict";
  var input = document.getElementById("global-search");
  var box = document.getElementById("global-search-results");
  if (!input || !box) { return; }

  function typing(el) {
    var tag = (el && el.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (el && el.isContentEditable);
  }
  function close() { box.classList.add("d-none"); }
  function open() { if (box.textContent.trim()) { box.classList.remove("d-none"); } }
  function hits() { return Array.prototype.slice.call(box.querySelectorAll("a")); }

  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !typing(document.activeElement) && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { close(); input.blur(); }
    if (e.key === "ArrowDown") { var a = hits(); if (a.length) { e.preventDefault(); a[0].focus(); } }
  });
  box.addEventListener("keydown", function (e) {
    var a = hits(), i = a.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && i < a.length - 1) { e.preventDefault(); a[i + 1].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); if (i > 0) { a[i - 1].focus(); } else { input.focus(); } }
    if (e.key === "Escape") { close(); input.focus(); }
  });
  input.addEventListener("focus", open);
  document.addEventListener("htmx:afterSwap", function (e) { if (e.target === box) { open(); } });
  document.addEventListener("click", function (e) {
    if (!box.contains(e.target) && e.target !== input) { close(); }
  });
})();
