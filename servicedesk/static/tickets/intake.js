/* The intake screen (templates/tickets/intake.html); its URLs come from data attributes.
   Keyboard-first customer lookup: type, ↑/↓ to choose, Enter or Tab to pick. Picking
   fills the empty caller fields and loads the customer's contract and entitlement. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  var input = document.getElementById("customer-lookup");
  var box = document.getElementById("lookup-results");
  var hidden = document.getElementById("id_customer");
  var picked = document.getElementById("picked-customer");
  var panelUrl = form.getAttribute("data-panel-url");
  var active = -1, pickOnArrival = false;

  function options() { return Array.prototype.slice.call(box.querySelectorAll(".lookup-option")); }
  function highlight(i) {
    var opts = options();
    if (!opts.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
    active = (i + opts.length) % opts.length;
    opts.forEach(function (o, n) {
      o.classList.toggle("active", n === active);
      o.setAttribute("aria-selected", n === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", opts[active].id);
    opts[active].scrollIntoView({ block: "nearest" });
  }
  function close() { box.innerHTML = ""; active = -1; input.setAttribute("aria-expanded", "false"); }
  function field(name) { return form.querySelector("[name='" + name + "']"); }
  function fill(name, value) {
    var el = field(name);
    if (el && value && !el.value.trim()) { el.value = value; }
  }
  function loadPanel() {
    if (!hidden.value) { return; }
    var params = new URLSearchParams({
      customer: hidden.value,
      service_type: field("service_type").value,
      received_at: field("received_at").value
    });
    htmx.ajax("GET", panelUrl + "?" + params.toString(), { target: "#customer-panel", swap: "innerHTML" });
  }
  var newFlag = document.getElementById("id_new_customer");
  var newNote = document.getElementById("new-customer-note");
  var newButton = document.getElementById("new-customer");
  function newCustomer(on) {
    if (!newNote) { return; }
    newFlag.value = on ? "1" : "";
    newNote.classList.toggle("d-none", !on);
    newButton.classList.toggle("d-none", on);
    if (!on) { return; }
    // The typed search becomes the company's name or the caller's number.
    var typed = input.value.trim();
    if (typed) { fill(/^[\d\s()+-]+$/.test(typed) ? "caller_phone" : "caller_company", typed); }
    hidden.value = "";
    picked.classList.add("d-none");
    input.classList.remove("is-invalid");
    close();
    document.getElementById("customer-panel").innerHTML = "";
    var next = ["caller_company", "caller_name", "caller_phone", "product", "description"]
      .map(field).filter(function (el) { return el && !el.value.trim(); })[0];
    (next || field("description")).focus();
  }
  document.body.addEventListener("click", function (e) {
    if (e.target.closest("[data-new-customer]")) { e.preventDefault(); newCustomer(true); }
  });
  if (newNote) {
    document.getElementById("cancel-new-customer").addEventListener("click", function () {
      newCustomer(false);
      input.focus();
    });
  }
  function pick(opt) {
    var d = opt.dataset;
    if (newNote) { newCustomer(false); }
    if (hidden.value && hidden.value !== d.customer) {
      // Another customer: what was filled for the previous one no longer applies.
      field("caller_company").value = "";
    }
    hidden.value = d.customer;
    fill("caller_company", d.company);
    fill("caller_name", d.contact);
    fill("caller_phone", d.phone);
    fill("product", d.product);
    document.getElementById("picked-name").textContent = d.name;
    picked.classList.remove("d-none");
    input.classList.remove("is-invalid");
    close();
    loadPanel();
    var next = ["caller_name", "caller_phone", "caller_company", "product", "description"]
      .map(field).filter(function (el) { return el && !el.value.trim(); })[0];
    (next || field("description")).focus();
  }
  input.addEventListener("keydown", function (e) {
    var opts = options();
    if (e.key === "ArrowDown" && opts.length) { e.preventDefault(); highlight(active + 1); }
    else if (e.key === "ArrowUp" && opts.length) { e.preventDefault(); highlight(active - 1); }
    else if (e.key === "Enter") {
      e.preventDefault();  // Enter in the search box picks, it never records the call
      if (opts.length) { pick(opts[Math.max(active, 0)]); }
      else if (input.value.trim()) { pickOnArrival = true; htmx.trigger(input, "search"); }
    }
    else if (e.key === "Tab" && !e.shiftKey && opts.length && input.value.trim()) {
      e.preventDefault();
      pick(opts[Math.max(active, 0)]);
    }
    else if (e.key === "Escape") { close(); }
  });
  box.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep focus in the box
  box.addEventListener("click", function (e) {
    var opt = e.target.closest(".lookup-option");
    if (opt) { pick(opt); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target !== box) { return; }
    var opts = options();
    input.setAttribute("aria-expanded", opts.length ? "true" : "false");
    highlight(0);
    if (pickOnArrival && opts.length) { pickOnArrival = false; pick(opts[0]); }
  });
  document.getElementById("change-customer").addEventListener("click", function () {
    hidden.value = "";
    picked.classList.add("d-none");
    document.getElementById("customer-panel").innerHTML = "";
    document.getElementById("picked-entitlement").innerHTML = "";
    input.value = "";
    input.focus();
  });
  // Ctrl+Enter (⌘+Enter) records the call from anywhere in the form.
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });
  if (box.querySelector(".lookup-option")) { highlight(0); }
})();
