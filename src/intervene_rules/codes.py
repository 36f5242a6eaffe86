"""What each stable issue code means and how to fix it, read from `docs/errors.md`.

The tables of `docs/errors.md` are the one home of that text: tools that describe a code
(SARIF rule metadata) read them here instead of keeping a copy. The page ships inside the
wheel (`intervene_rules/_docs/errors.md`, see pyproject.toml), and is read from the
repository's `docs/` in a checkout, as the bundled rulesets are.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

#: Where the documentation is published; every link a tool prints starts here.
DOCS_URL = "https://intervene-rules.readthedocs.io/en/latest/"

_ROW = re.compile(r'^\|\s*<a id="(?P<code>[a-z0-9_]+)"></a>')
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<href>[^)\s]+)\)")


@dataclass(frozen=True, slots=True)
class CodeDoc:
    """One row of a code table of `docs/errors.md` (cells as written, in Markdown)."""

    code: str
    meaning: str
    fix: str
    severity: str = ""
    section: str = ""

    @property
    def url(self) -> str:
        """The code's anchor on the published errors page."""
        return page_url("errors.md", self.code)

    @property
    def summary(self) -> str:
        """The meaning as plain text, up to its first `;` or `:` (a one-line title)."""
        text = plain(self.meaning)
        cut = min((i for i in (text.find("; "), text.find(": ")) if i > 0), default=len(text))
        return text[:cut]


def errors_page() -> Path:
    """`docs/errors.md`: inside the wheel, or in the repository's `docs/`."""
    pkg = Path(__file__).resolve().parent
    inside = pkg / "_docs" / "errors.md"
    return inside if inside.is_file() else pkg.parent.parent / "docs" / "errors.md"


def page_url(page: str, anchor: str = "") -> str:
    """The published URL of a docs page (`cli.md`), at `anchor` when given."""
    stem = page.removesuffix(".md")
    path = "" if stem == "index" else f"{stem}/"
    return DOCS_URL + path + (f"#{anchor}" if anchor else "")


def parse(text: str) -> dict[str, CodeDoc]:
    """Every code row of the tables of an errors page, by code."""
    out: dict[str, CodeDoc] = {}
    header: list[str] = []
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| code |"):
            header = _cells(line)
        elif (m := _ROW.match(line)) and header:
            cells = dict(zip(header, _cells(line), strict=False))
            out[m["code"]] = CodeDoc(
                m["code"],
                cells.get("meaning", ""),
                cells.get("fix", ""),
                cells.get("severity", ""),
                section,
            )
    return out


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


@functools.cache
def code_docs() -> dict[str, CodeDoc]:
    """The documented codes (empty when the page is missing: an incomplete install)."""
    try:
        return parse(errors_page().read_text(encoding="utf-8"))
    except OSError:
        return {}


def plain(markdown: str) -> str:
    """Table-cell Markdown as plain text: links by their text, no code marks or anchors."""
    text = re.sub(r"<a id=\"[^\"]*\"></a>", "", markdown)
    text = _LINK.sub(lambda m: m["text"], text)
    return text.replace("**", "").replace("`", "")


def absolute(markdown: str, page: str = "errors.md") -> str:
    """Markdown of `page` with its relative links made absolute (for text shown elsewhere)."""

    def fix(m: re.Match[str]) -> str:
        href = m["href"]
        if "://" not in href:
            target, _, anchor = href.partition("#")
            href = page_url(target or page, anchor)
        return f"[{m['text']}]({href})"

    return _LINK.sub(fix, markdown)


__all__ = [
    "DOCS_URL",
    "CodeDoc",
    "absolute",
    "code_docs",
    "errors_page",
    "page_url",
    "parse",
    "plain",
]
