/* What a phone user sees go wrong (issue 10 §14), measured in the page as laid out:
 *   page-overflow   the document is wider than the screen (sideways scrolling);
 *   sticks-out      an element reaches past the right edge even though the page does not
 *                   scroll (clipped by an overflow:hidden ancestor: a cut-off column);
 *   scrolls-sideways a box scrolls sideways (a table wider than the screen), unless it
 *                   says it is meant to with data-scroll-x;
 *   wrap            a short text broken over lines, or a text wrapped a character or two
 *                   a line (a label squeezed into a narrow box).
 * Returns {checked, viewport, problems}: ``checked`` counts the text boxes measured, so
 * a caller can tell a page with nothing on it from a page without problems.
 */
() => {
  const viewport = document.documentElement.clientWidth;
  const problems = [];
  const describe = (el) => {
    const id = el.getAttribute("data-testid") || el.id || "";
    const cls = (el.getAttribute("class") || "").trim().split(/\s+/).slice(0, 3).join(".");
    return el.tagName.toLowerCase() + (id ? "#" + id : "") + (cls ? "." + cls : "");
  };
  const shown = (el) => {
    for (let node = el; node && node !== document.documentElement; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden" || style.opacity === "0") {
        return false;
      }
    }
    return el.getClientRects().length > 0;
  };
  const meantToScroll = (el) => !!el.closest("[data-scroll-x]");

  const width = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  if (width > viewport + 1) {
    problems.push({kind: "page-overflow", width, viewport});
  }
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    const scroller = style.overflowX === "auto" || style.overflowX === "scroll";
    if (scroller && el.scrollWidth > el.clientWidth + 1 && !meantToScroll(el) && shown(el)) {
      problems.push({kind: "scrolls-sideways", el: describe(el), width: el.scrollWidth,
                     box: el.clientWidth});
    }
  }
  for (const el of document.body.querySelectorAll("main *")) {
    if (el.children.length || !shown(el) || meantToScroll(el)) { continue; }
    const rect = el.getBoundingClientRect();
    if (rect.width > 0 && rect.right > viewport + 1 && !el.closest(".visually-hidden")) {
      let scrolled = false;
      for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
        const overflow = getComputedStyle(node).overflowX;
        if (overflow === "auto" || overflow === "scroll") { scrolled = true; break; }
      }
      if (!scrolled) {
        problems.push({kind: "sticks-out", el: describe(el), right: Math.round(rect.right),
                       viewport});
      }
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let checked = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\s+/g, "");
    const el = node.parentElement;
    if (text.length < 2 || !el || el.closest("script, style, .visually-hidden") || !shown(el)) {
      continue;
    }
    const range = document.createRange();
    range.selectNodeContents(node);
    const boxes = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!boxes.length) { continue; }
    checked++;
    const lines = new Set(boxes.map((r) => Math.round(r.bottom))).size;
    const perLine = text.length / lines;
    if (lines >= 2 && (text.length <= 6 || perLine < 4)) {
      problems.push({kind: "wrap", text: text.slice(0, 24), lines,
                     perLine: Math.round(perLine * 10) / 10, el: describe(el)});
    }
  }
  return {checked, viewport, problems};
}
