/* The contract form (templates/contracts/contract_form.html): "Add a row" for the scope and
   rate formsets copies the empty form, renumbers it and counts it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-add-row");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      if (max && +total.value >= +max.value) { return; }
      var html = document.getElementById(prefix + "-empty").innerHTML.replace(/__prefix__/g, total.value);
      document.getElementById(prefix + "-rows").insertAdjacentHTML("beforeend", html);
      total.value = +total.value + 1;
    });
  });
})();
