/* Declared lists (docs/architecture.md §lists): the filters refresh the table by htmx and
   push the URL, so the export link and the "save this filter" form take the query of the
   address bar when used. */
(function () {
  "use strict";
  function current() { return window.location.search.replace(/^\?/, ""); }
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-list-export]");
    if (link) { link.href = link.getAttribute("data-list-export") + "?" + current(); }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("[data-list-save]")) { return; }
    var params = new URLSearchParams(current());
    var sort = params.get("sort") || "";
    params.delete("sort"); params.delete("page"); params.delete("saved");
    form.querySelector("input[name=query]").value = params.toString();
    if (sort) { form.querySelector("input[name=sort]").value = sort; }
  });
})();
