/* Live regions (docs/architecture.md §live-boards). An element with data-live-url is
   refreshed by asking that URL every data-live-interval milliseconds:

   - with If-None-Match: the ETag it was drawn with (data-live-etag, then the last answer's
     header); an unchanged board answers 304 and nothing is swapped;
   - a changed board answers 200 with the fragment, swapped in place by htmx.swap (which
     also applies hx-swap-oob parts and fires htmx:afterSwap for desk.js's countdowns);
   - nothing is asked while the tab is hidden; on coming back it asks at once if due;
   - errors double the wait (up to 16 times the interval) and mark the region stale;
   - while the region carries data-live-hold (a card being dragged) it is left alone;
   - an ended session (401/403 or a redirect) reloads the page, which shows the login.

   One timer per region, no listener per card, no growing state: a wall screen can stay
   open for days. No inline script (CSP): everything comes from data attributes. */
(function () {
  "use strict";
  if (!window.htmx || !window.fetch) { return; }
  var MAX_FACTOR = 16;
  var regions = [];

  function Region(el) {
    this.el = el;
    this.url = el.getAttribute("data-live-url");
    this.interval = Math.max(parseInt(el.getAttribute("data-live-interval"), 10) || 20000, 500);
    this.swap = el.getAttribute("data-live-swap") || "innerHTML";
    this.etag = el.getAttribute("data-live-etag") || "";
    this.failures = 0;
    this.timer = null;
    this.busy = false;
    this.last = Date.now();
    this.status = el.getAttribute("data-live-status") ?
      document.querySelector(el.getAttribute("data-live-status")) : null;
  }

  Region.prototype.schedule = function () {
    clearTimeout(this.timer);
    this.timer = null;
    if (document.hidden || !this.el.isConnected) { return; }
    var factor = Math.min(Math.pow(2, this.failures), MAX_FACTOR);
    var self = this;
    this.timer = setTimeout(function () { self.poll(); }, this.interval * factor);
  };

  Region.prototype.mark = function (ok) {
    this.failures = ok ? 0 : this.failures + 1;
    this.el.classList.toggle("live-stale", !ok);
    if (this.status) {
      this.status.classList.toggle("live-status-failed", !ok);
      var text = this.status.getAttribute(ok ? "data-text-ok" : "data-text-failed");
      var out = this.status.querySelector(".live-status-text") || this.status;
      if (text) { out.textContent = text; }
      if (ok) { this.status.setAttribute("data-updated", new Date().toISOString()); }
    }
  };

  Region.prototype.poll = function () {
    var self = this;
    if (this.busy) { return; }
    if (document.hidden || !this.el.isConnected) { this.timer = null; return; }
    if (this.el.hasAttribute("data-live-hold")) { this.schedule(); return; }
    this.busy = true;
    this.last = Date.now();
    var headers = { "HX-Request": "true", "Accept": "text/html" };
    if (this.etag) { headers["If-None-Match"] = this.etag; }
    fetch(this.url, { headers: headers, credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          window.location.reload();
          return;
        }
        if (response.status === 304) { self.mark(true); return; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        var etag = response.headers.get("ETag") || "";
        return response.text().then(function (html) {
          // A drag began while the answer travelled: keep the old ETag, ask again later.
          if (!self.el.hasAttribute("data-live-hold")) {
            window.htmx.swap(self.el, html, { swapStyle: self.swap });
            self.etag = etag;
          }
          self.mark(true);
        });
      })
      .catch(function () { self.mark(false); })
      .then(function () { self.busy = false; self.schedule(); });
  };

  function start(root) {
    (root || document).querySelectorAll("[data-live-url]").forEach(function (el) {
      if (el.liveRegion) { return; }
      var region = new Region(el);
      el.liveRegion = region;
      regions.push(region);
      region.schedule();
    });
  }

  document.addEventListener("visibilitychange", function () {
    regions = regions.filter(function (r) { return r.el.isConnected; });
    regions.forEach(function (region) {
      if (document.hidden) {
        clearTimeout(region.timer);
        region.timer = null;
      } else if (Date.now() - region.last >= region.interval) {
        region.poll();
      } else {
        region.schedule();
      }
    });
  });
  // Ask at once (after a change made on this page): document.dispatchEvent(new Event("live:refresh")).
  document.addEventListener("live:refresh", function () {
    regions.forEach(function (region) { region.poll(); });
  });

  start();
})();
