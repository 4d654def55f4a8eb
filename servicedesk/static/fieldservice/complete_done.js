/* The visit is completed (templates/fieldservice/complete_done.html): forget the draft
   that fieldservice/complete.js kept on this device. */
(function () {
  "use strict";
  try {
    localStorage.removeItem(document.querySelector("[data-draft-key]").getAttribute("data-draft-key"));
  } catch (e) { /* private mode, or no draft */ }
})();
