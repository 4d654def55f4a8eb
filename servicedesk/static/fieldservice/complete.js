/* On-site completion (templates/fieldservice/complete.html).
   Keep what the engineer typed (and drew) on this device until the visit is completed:
   a reload or a lost connection on site loses nothing. */
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=complete-form]");
  var key = form.getAttribute("data-draft-key");
  var bound = form.getAttribute("data-bound") === "1";
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "image" && el.name !== "engineer_image" && el.type !== "submit";
    });
  }
  function save() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } }
      else if (el.type === "checkbox") { data[el.name] = el.checked; }
      else { data[el.name] = el.value; }
    });
    if (window.deskSignaturePad && !window.deskSignaturePad.isEmpty()) {
      data.__strokes = window.deskSignaturePad.toData();
    }
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode */ }
  }
  function restore() {
    var raw = null;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) { return; }
    var data = JSON.parse(raw);
    var restored = false;
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "radio") { el.checked = el.value === data[el.name]; }
      else if (el.type === "checkbox") { el.checked = !!data[el.name]; }
      else if (!bound || !el.value) { el.value = data[el.name]; }
      restored = true;
    });
    if (data.__strokes && window.deskSignaturePad) {
      window.deskSignaturePad.fromData(data.__strokes);
      restored = true;
    }
    if (restored) { form.querySelector("[data-testid=draft-note]").hidden = false; }
  }
  /* The engineer signs too (the report has both boxes): a second pad of its own. */
  var engineerCanvas = form.querySelector("canvas.engineer-pad");
  var engineerPad = null;
  function engineerPadReady() {
    if (!engineerCanvas || !window.SignaturePad || engineerPad) { return; }
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    engineerCanvas.width = engineerCanvas.offsetWidth * ratio;
    engineerCanvas.height = engineerCanvas.offsetHeight * ratio;
    engineerCanvas.getContext("2d").scale(ratio, ratio);
    engineerPad = new window.SignaturePad(engineerCanvas, { minWidth: 1, maxWidth: 3 });
    engineerPad.addEventListener("endStroke", save);
  }
  form.addEventListener("submit", function () {
    if (engineerPad && !engineerPad.isEmpty()) {
      form.querySelector("input[name=engineer_image]").value = engineerPad.toDataURL("image/png");
    }
  });
  window.addEventListener("load", function () {
    var details = form.querySelector("[data-testid=engineer-signature]");
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) { engineerPadReady(); } });
      document.querySelector("[data-engineer-clear]").addEventListener("click", function () {
        if (engineerPad) { engineerPad.clear(); }
      });
    }
    restore();
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    if (window.deskSignaturePad) { window.deskSignaturePad.addEventListener("endStroke", save); }
    document.querySelector("[data-signature-clear]").addEventListener("click", function () { setTimeout(save, 0); });
  });
})();
