/* The contract page (templates/contracts/contract_detail.html): the renewal worklist links
   to #renew-panel (and the other panels): open it. */
(function () {
  var id = window.location.hash.slice(1);
  if ((id === "renew-panel" || id === "not-renewed-panel" || id === "terminate-panel") && window.bootstrap) {
    var panel = document.getElementById(id);
    if (panel) { window.bootstrap.Collapse.getOrCreateInstance(panel).show(); panel.scrollIntoView(); }
  }
})();
