"""The report page as a browser lays it out: Debian's headless Chromium, no driver library.

:func:`inspect_page` loads a copy of the page with two small scripts added (one first, collecting script
errors and console errors; one last, measuring the laid-out page once it has loaded) and reads their
findings back from the DOM Chromium dumps. :func:`screenshot` saves what a reader sees.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
          "--no-first-run", "--disable-extensions", "--mute-audio", "--disable-background-networking"]

_FIRST = """<script>
window.__problems = [];
window.addEventListener("error", function (e) {
  var where = e.target && e.target !== window ? (e.target.src || e.target.href || e.target.tagName) : "";
  window.__problems.push("error: " + (e.message || "failed to load " + where));
}, true);
window.addEventListener("unhandledrejection", function (e) { window.__problems.push("rejection: " + e.reason); });
(function () {
  var original = console.error;
  console.error = function () {
    window.__problems.push("console.error: " + Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
})();
</script>"""

_LAST = """<script>
(function () {
  function clips(el) {
    var o = getComputedStyle(el).overflowX;
    return o === "auto" || o === "scroll" || o === "hidden" || o === "clip";
  }
  function describe(el) {
    var text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
    return el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className : "")
      + (text ? " \\"" + text + "\\"" : "");
  }
  var out = {overflow: [], figures: [], links: [], long_tables: [], problems: window.__problems,
             width: document.documentElement.clientWidth, height: document.documentElement.scrollHeight,
             page_scroll_width: document.documentElement.scrollWidth};
  var cards = document.querySelectorAll("main > section");
  cards.forEach(function (card) {
    var box = card.getBoundingClientRect();
    if (box.right > out.width + 1) out.overflow.push(card.id + ": the card is wider than the window");
    card.querySelectorAll("*").forEach(function (el) {
      if (el.closest("details:not([open])") || el.closest("svg") && el.tagName.toLowerCase() !== "svg") return;
      var p = el.parentElement, clipped = false;
      while (p && p !== card) { if (clips(p)) { clipped = true; break; } p = p.parentElement; }
      if (clipped) return;
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > box.right + 1) {
        out.overflow.push(card.id + ": " + describe(el) + " ends at " + Math.round(r.right) + " px, its card at "
                          + Math.round(box.right) + " px");
      }
    });
    card.querySelectorAll("table").forEach(function (t) {
      if (t.tBodies.length && t.tBodies[0].rows.length > 15 && !t.closest("details"))
        out.long_tables.push(card.id + ": " + describe(t.rows[0]) + " (" + t.tBodies[0].rows.length + " rows)");
    });
  });
  document.querySelectorAll("figure").forEach(function (f, i) {
    var svg = f.querySelector("svg, img"), r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    var alt = svg ? (svg.getAttribute("aria-label") || svg.getAttribute("alt") || "") : "";
    var section = f.closest("section");
    out.figures.push({section: section ? section.id : "", index: i, width: r.width, height: r.height, alt: alt,
                      role: svg ? svg.getAttribute("role") || svg.tagName.toLowerCase() : ""});
  });
  document.querySelectorAll("a[href^='#']").forEach(function (a) {
    var id = decodeURIComponent(a.getAttribute("href").slice(1));
    out.links.push({href: a.getAttribute("href"), ok: !!document.getElementById(id)});
  });
  var pre = document.createElement("pre");
  pre.id = "cellprobe-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def _chromium(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout)


def inspect_page(page: Path, width: int = 1400, height: int = 900) -> dict:
    """Lay ``page`` out at ``width`` px and return what the probe measured: ``overflow`` (elements sticking out of
    their card, outside any scrolling box), ``figures`` (size, alt text, role), ``links`` (in-page anchors and
    whether their target exists), ``long_tables`` (over 15 rows, not folded), ``problems`` (script and console
    errors) and the page's ``width``, ``height`` and ``page_scroll_width``."""
    text = Path(page).read_text(encoding="utf-8")
    head = text.index("<head>") + len("<head>")
    body_end = text.rindex("</body>")
    probed = text[:head] + _FIRST + text[head:body_end] + _LAST + text[body_end:]
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "index.html"
        copy.write_text(probed, encoding="utf-8")
        result = _chromium(f"--window-size={width},{height}", "--virtual-time-budget=10000", "--dump-dom",
                           copy.as_uri())
    match = re.search(r'<pre id="cellprobe-probe">(.*?)</pre>', result.stdout, re.S)
    if match is None:
        raise RuntimeError(f"chromium returned no measurement (rc {result.returncode}): {result.stderr[-2000:]}")
    return json.loads(html.unescape(match.group(1)))


def screenshot(page: Path, out: Path, width: int = 1400, height: int = 4000) -> Path:
    """A PNG of the page's first ``height`` px at ``width`` px."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = _chromium(f"--window-size={width},{height}", f"--screenshot={out}", Path(page).resolve().as_uri())
    if not out.exists():
        raise RuntimeError(f"chromium wrote no screenshot (rc {result.returncode}): {result.stderr[-2000:]}")
    return out
