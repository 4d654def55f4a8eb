/* django-import-export's export page: "Select all" calls the library's own function. Its
   inline onchange= is cut from the page (templates/admin/import_export/export.html), as the
   content security policy refuses inline handlers (docs/architecture.md §portal.scripts). */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
    toggle.addEventListener("change", function (e) {
      if (typeof window.onSelectToggleChange === "function") { window.onSelectToggleChange(e); }
    });
  });
});
