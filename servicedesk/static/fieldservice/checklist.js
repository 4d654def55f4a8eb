/* The routine inspection checklist on the engineer's phone (docs/domain.md §inspection.checklist):
   a tap on OK saves the line at once; a note typed but not yet saved is kept in the
   browser (localStorage) and restored after a reload or a lost connection. */
(function () {
  "use strict";
  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  var ls = store();
  document.querySelectorAll("form[data-checklist-item]").forEach(function (form) {
    var key = form.getAttribute("data-draft-key");
    var note = form.querySelector("textarea[data-draft]");
    var card = form.closest(".check-item");
    if (ls && note && key) {
      var draft = ls.getItem(key);
      if (draft !== null && draft !== note.value) {
        note.value = draft;
        if (card) { card.classList.add("has-draft"); }
      }
      note.addEventListener("input", function () { ls.setItem(key, note.value); });
      form.addEventListener("submit", function () { ls.removeItem(key); });
    }
    var ok = form.querySelector("input[data-ok]");
    if (ok) {
      ok.addEventListener("change", function () {
        if (ok.checked) {
          if (ls && key) { ls.removeItem(key); }
          form.submit();
        }
      });
    }
    var photo = form.querySelector("input[type=file]");
    if (photo) {
      photo.addEventListener("change", function () {
        var label = form.querySelector("label[for='" + photo.id + "']");
        if (label && photo.files.length) { label.classList.add("btn-success"); }
      });
    }
  });
})();
