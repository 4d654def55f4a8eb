/* First visit page: typing a correction marks the field "corrected" (the server does the
   same; docs/domain.md §first-visit.verify). */
(function () {
  document.querySelectorAll("[data-correction-for]").forEach(function (input) {
    input.addEventListener("input", function () {
      if (!input.value.trim()) { return; }
      var radio = document.getElementById(input.getAttribute("data-correction-for"));
      if (radio && !radio.checked) { radio.checked = true; }
    });
  });
})();
