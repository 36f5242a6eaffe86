"""The built site, opened in a real headless browser at 1280 px: no text is cut off.

One build per session (about 15 s) and one Chromium run for every page: each page is loaded
in a 1280-px-wide frame of a harness page, and a script measures it (the content area does
not scroll sideways; no element reaches past it; no element clips or scrolls its text; no
table cell is squeezed to a word a line; every SVG label stays inside its cell) and writes
what it found into the DOM, which `chromium --dump-dom` prints. Planted pages (an over-wide
table, a label past its cell) prove the checker sees what it exists to find.
"""

from __future__ import annotations

import functools
import html
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intervene_rules.ruleset.load import bundled_ids

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH = 1280

pytestmark = [
    pytest.mark.thorough,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium is not installed (.ci/run installs Debian's chromium)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
        reason="mkdocs-material is not installed (the `docs` extra; `dev` includes it)",
    ),
]

PAGES = ["index.html", "rulesets/index.html", "audit/index.html"] + [
    f"rulesets/{rid}/index.html" for rid in bundled_ids()
]
PLANTED_TABLE = "__planted-wide-table.html"
PLANTED_SVG = "__planted-svg-label.html"
PLANTED_SQUEEZED = "__planted-squeezed.html"

# Runs in the harness page: loads each page in a frame WIDTH px wide, measures it, and
# writes {"page": {"width": content width, "problems": [...]}} into <pre id="result">.
MEASURE = r"""
function describe(el) {
  const id = el.id ? "#" + el.id : "";
  const cls = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean);
  const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);
  return el.tagName.toLowerCase() + id + (cls.length ? "." + cls.join(".") : "") + " «" + text + "»";
}
function measure(doc, win) {
  const out = [];
  // the article, and the column it sits in (tables may use the article's side padding)
  const content = doc.querySelector(".md-content__inner") || doc.body;
  const area = doc.querySelector(".md-content") || doc.body;
  const box = area.getBoundingClientRect();
  if (area.scrollWidth > area.clientWidth + 1) {
    out.push("content area scrolls sideways by " + (area.scrollWidth - area.clientWidth) + " px");
  }
  const reported = new Set();
  for (const el of content.querySelectorAll("*")) {
    if (el.closest("svg")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    let inside = false;
    for (let p = el.parentElement; p; p = p.parentElement) if (reported.has(p)) { inside = true; break; }
    if (inside) continue;
    if (r.right > box.right + 1 || r.left < box.left - 1) {
      out.push("past the content area by " + Math.round(Math.max(r.right - box.right, box.left - r.left)) + " px: " + describe(el));
      reported.add(el);
      continue;
    }
    const cs = win.getComputedStyle(el);
    if (cs.overflowX !== "visible" && el.scrollWidth > el.clientWidth + 1) {
      out.push("clips or scrolls its content by " + (el.scrollWidth - el.clientWidth) + " px: " + describe(el));
      reported.add(el);
      continue;
    }
    if ((el.tagName === "TD" || el.tagName === "TH") && r.width < 90 && el.textContent.trim().length > 60) {
      out.push("squeezed to " + Math.round(r.width) + " px: " + describe(el));
    }
  }
  for (const svg of content.querySelectorAll("svg")) {
    const sb = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll("text")) {
      const tb = t.getBoundingClientRect();
      if (tb.left < sb.left - 1 || tb.right > sb.right + 1 || tb.top < sb.top - 1 || tb.bottom > sb.bottom + 1) {
        out.push("SVG text cut off by its picture: " + describe(t));
      }
    }
    for (const g of svg.querySelectorAll("g.cell")) {
      const rect = g.querySelector("rect");
      if (!rect) continue;
      const rb = rect.getBoundingClientRect();
      for (const t of g.querySelectorAll("text")) {
        const tb = t.getBoundingClientRect();
        if (tb.left < rb.left - 1 || tb.right > rb.right + 1) {
          out.push("SVG text past its cell: " + describe(t));
        }
      }
    }
  }
  return {width: Math.round(content.getBoundingClientRect().width), problems: out};
}
async function run(pages) {
  const result = {};
  for (const page of pages) {
    const frame = document.createElement("iframe");
    frame.style.width = WIDTH_PX + "px";
    frame.style.height = "900px";
    frame.style.border = "0";
    const loaded = new Promise(resolve => frame.addEventListener("load", resolve));
    frame.src = page;
    document.body.appendChild(frame);
    await loaded;
    await new Promise(resolve => setTimeout(resolve, 400));
    try {
      result[page] = measure(frame.contentDocument, frame.contentWindow);
    } catch (e) {
      result[page] = {width: 0, problems: ["could not measure: " + e]};
    }
    frame.remove();
  }
  const pre = document.createElement("pre");
  pre.id = "result";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
}
run(PAGES_JSON);
"""


def _plant(site: Path) -> None:
    """Pages with the faults the checker exists to find, made from the built home page."""
    home = (site / "index.html").read_text(encoding="utf-8")
    marker = '<article class="md-content__inner md-typeset">'
    assert marker in home, "the theme's content container changed: update the checker"
    wide = (
        "<table><tr>" + "<td>an_unbreakable_identifier_of_some_length</td>" * 12 + "</tr></table>"
    )
    (site / PLANTED_TABLE).write_text(home.replace(marker, marker + wide), encoding="utf-8")
    cell = (
        '<svg viewBox="0 0 200 40" width="200"><g class="cell">'
        '<rect x="0" y="0" width="60" height="30" fill="#eee"/>'
        '<text x="4" y="20" font-size="12">a label far too long for its cell</text></g></svg>'
    )
    (site / PLANTED_SVG).write_text(home.replace(marker, marker + cell), encoding="utf-8")
    # a note in a column fixed at 60 px: it fits, a word a line (what the old pages did)
    narrow = (
        '<table class="planted" style="table-layout: fixed; width: 100%">'
        '<colgroup><col style="width: 60px"><col></colgroup>'
        "<tr><td>" + "long note " * 20 + "</td><td>the rest</td></tr></table>"
    )
    (site / PLANTED_SQUEEZED).write_text(home.replace(marker, marker + narrow), encoding="utf-8")


def _build(site: Path) -> Path:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    _plant(site)
    return site


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The built site (with the planted pages), served on localhost for the browser."""
    site = _build(tmp_path_factory.mktemp("site"))
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def measure(site: Path, base: str, pages: list[str]) -> dict[str, dict[str, Any]]:
    """Each page's content width and the problems found, as measured in Chromium."""
    script = MEASURE.replace("WIDTH_PX", str(WIDTH)).replace("PAGES_JSON", json.dumps(pages))
    harness = site / "__layout_check.html"
    harness.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'></head><body style='margin:0'><script>{script}</script></body></html>",
        encoding="utf-8",
    )
    with tempfile.TemporaryDirectory() as profile:
        proc = _chromium(profile, base + harness.name)
    found = re.search(r'<pre id="result">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"the harness wrote no result: {proc.stderr[-2000:]}"
    result: dict[str, dict[str, Any]] = json.loads(html.unescape(found[1]))
    return result


def _chromium(profile: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # nothing from the network: the theme's web font request fails at once
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH + 40},1000",
            "--virtual-time-budget=600000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_no_text_is_cut_off_at_1280_px(served: tuple[Path, str]) -> None:
    """One test, so that one worker builds the site (the suite runs with xdist in CI)."""
    site, base = served
    report = measure(site, base, [*PAGES, PLANTED_TABLE, PLANTED_SVG, PLANTED_SQUEEZED])
    # the checker sees each planted fault
    table = report[PLANTED_TABLE]["problems"]
    assert any("an_unbreakable_identifier" in p for p in table), table
    svg = report[PLANTED_SVG]["problems"]
    assert any(p.startswith("SVG text past its cell") for p in svg), svg
    narrow = report[PLANTED_SQUEEZED]["problems"]
    assert any(p.startswith("squeezed to") and "long note" in p for p in narrow), narrow
    # measured at the desktop layout: the content column is several hundred px wide
    assert {page: report[page]["width"] > 500 for page in PAGES} == dict.fromkeys(PAGES, True)
    assert {page: report[page]["problems"] for page in PAGES} == {page: [] for page in PAGES}
