/* django-import-export's export page has one inline handler (onchange= on "Select all"),
   which the content security policy blocks (docs/architecture.md §portal.scripts): drop
   the attribute and bind the library's own function instead. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("input.select-toggle[onchange]").forEach(function (toggle) {
    toggle.removeAttribute("onchange");
    toggle.addEventListener("change", function (e) {
      if (typeof window.onSelectToggleChange === "function") { window.onSelectToggleChange(e); }
    });
  });
});
