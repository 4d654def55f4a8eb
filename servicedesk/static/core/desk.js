/* Live SLA countdowns and the on-screen signature pad. No external requests. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-hans";
  var zh = lang.indexOf("zh") === 0;

  function fmt(ms) {
    var abs = Math.abs(ms), mins = Math.floor(abs / 60000);
    var d = Math.floor(mins / 1440), h = Math.floor((mins % 1440) / 60), m = mins % 60;
    if (zh) {
      return (d ? d + " 天 " : "") + (d || h ? h + " 小时 " : "") + m + " 分";
    }
    return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-timer-due]").forEach(function (el) {
      var state = el.getAttribute("data-timer-state");
      if (state !== "running") { return; }
      var due = Date.parse(el.getAttribute("data-timer-due"));
      var warn = Date.parse(el.getAttribute("data-timer-warn"));
      var left = due - now;
      var tone = left <= 0 ? "breached" : (now >= warn ? "warning" : "on_time");
      el.className = el.className.replace(/timer-\w+/g, "").trim() + " timer-" + tone;
      var out = el.querySelector(".timer-countdown");
      if (out) {
        out.textContent = left > 0
          ? (zh ? "剩余 " : "") + fmt(left) + (zh ? "" : " left")
          : (zh ? "已超时 " : "overdue ") + fmt(left);
      }
    });
  }
  tick();
  setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);

  /* table-stack (desk.css): on phones each cell shows its column's heading. */
  function labelStackedTables(root) {
    (root || document).querySelectorAll("table.table-stack").forEach(function (table) {
      var heads = Array.prototype.map.call(
        table.querySelectorAll("thead tr:last-child > th, thead tr:last-child > td"),
        function (th) { return (th.getAttribute("data-label") || th.textContent).trim(); }
      );
      table.querySelectorAll("tbody > tr, tfoot > tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (!cell.hasAttribute("data-label") && cell.colSpan === 1 && heads[column]) {
            cell.setAttribute("data-label", heads[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }
  labelStackedTables();
  document.addEventListener("htmx:afterSwap", function (e) { labelStackedTables(e.target); });

  var canvas = document.querySelector("canvas.signature-pad");
  if (canvas && window.SignaturePad) {
    var pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3 });
    var lastWidth = 0;
    var resize = function () {
      // A phone's address bar hiding resizes the window: keep what was drawn.
      if (canvas.offsetWidth === lastWidth) { return; }
      lastWidth = canvas.offsetWidth;
      var strokes = pad.toData();
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (strokes.length) { pad.fromData(strokes); }
    };
    window.addEventListener("resize", resize);
    resize();
    var clear = document.querySelector("[data-signature-clear]");
    if (clear) { clear.addEventListener("click", function () { pad.clear(); }); }
    var form = canvas.closest("form");
    form.addEventListener("submit", function () {
      var input = form.querySelector("input[name=image]");
      if (!pad.isEmpty()) { input.value = pad.toDataURL("image/png"); }
    });
    window.deskSignaturePad = pad;
  }

  /* CustomerPicker (contracts/widgets.py): pick one of the matches shown under the box. */
  document.addEventListener("click", function (e) {
    var option = e.target.closest && e.target.closest(".customer-picker [data-pick-id]");
    if (!option) { return; }
    var picker = option.closest(".customer-picker");
    var hidden = picker.querySelector("[data-pick-value]");
    hidden.value = option.getAttribute("data-pick-id");
    picker.querySelector("[data-pick-search]").value = option.getAttribute("data-pick-label");
    picker.querySelector(".customer-picker-results").innerHTML = "";
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches(".customer-picker [data-pick-search]")) {
      e.target.closest(".customer-picker").querySelector("[data-pick-value]").value = "";
    }
  });

  /* Form fields shown only for some choices: data-show-when="outcome=accepted|quoted" on
     the field's wrapper (a form field's ``show_when``). Without script everything shows. */
  function showWhen(root) {
    (root || document).querySelectorAll("[data-show-when]").forEach(function (el) {
      var form = el.closest("form");
      if (!form) { return; }
      var rule = el.getAttribute("data-show-when").split("=");
      var wanted = (rule[1] || "").split("|");
      var field = form.elements.namedItem(rule[0]);
      var value = "";
      if (field && typeof field.length === "number" && !field.tagName) {
        Array.prototype.forEach.call(field, function (f) { if (f.checked) { value = f.value; } });
      } else if (field) {
        value = field.type === "radio" ? (field.checked ? field.value : "") : field.value;
      }
      el.classList.toggle("d-none", wanted.indexOf(value) === -1);
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.form) { showWhen(e.target.form); }
  });
  document.addEventListener("htmx:afterSwap", function (e) { showWhen(e.target); });
  showWhen();

  /* Filters that apply on change (data-autosubmit on a select or checkbox of a GET form):
     the content security policy allows no inline handlers (docs/architecture.md §portal.scripts). */
  document.addEventListener("change", function (e) {
    if (e.target.hasAttribute && e.target.hasAttribute("data-autosubmit") && e.target.form) {
      e.target.form.submit();
    }
  });
})();
