/* The first visit (templates/contracts/first_visit_detail.html): typing a correction marks
   the field "corrected" (the server does the same). */
(function () {
  "use strict";
  document.querySelectorAll("[data-correction-for]").forEach(function (input) {
    input.addEventListener("input", function () {
      if (!input.value.trim()) { return; }
      var radio = document.getElementById(input.getAttribute("data-correction-for"));
      if (radio && !radio.checked) { radio.checked = true; }
    });
  });
})();
