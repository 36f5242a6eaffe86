"""mkdocs hook: generate one reference page per bundled ruleset and the comparison matrix.

The pages are built from the rulesets at docs-build time, so they cannot drift from them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from mkdocs.structure.files import File, Files


def _rulesets() -> list[Any]:
    from intervene_rules import list_rulesets, load_ruleset

    return [load_ruleset(r["id"]) for r in list_rulesets()]


def on_config(config: Any) -> Any:
    """Add the generated pages to the navigation."""
    ids = [rs.id for rs in _rulesets()]
    pages: list[Any] = [{"Comparison": "rulesets/index.md"}]
    pages += [{rid: f"rulesets/{rid}.md"} for rid in ids]
    config["nav"] = [*config["nav"], {"Rulesets": pages}]
    return config


def on_files(files: Files, config: Any) -> Files:
    """Generate the comparison page and one page per bundled ruleset."""
    from intervene_rules.reference import comparison_matrix, ruleset_page

    rulesets = _rulesets()

    def href(rid: str, anchor: str) -> str:
        page = f"{rid}/" if config["use_directory_urls"] else f"{rid}.html"
        return page + (f"#{anchor}" if anchor else "")

    matrix = comparison_matrix(rulesets, dt.date.today(), href)
    files.append(File.generated(config, "rulesets/index.md", content=matrix))
    for rs in rulesets:
        files.append(File.generated(config, f"rulesets/{rs.id}.md", content=ruleset_page(rs)))
    return files


_EXAMPLE = re.compile(
    r'^```json title="(?P<name>[^"]+)"\n(?P<body>.*?)^```\n+'
    r"<!-- output: (?P<what>range|changes) (?P<rid>[\w-]+) (?P<day>\d{4}-\d{2}-\d{2}) -->$",
    re.M | re.S,
)


_TIMELINE = re.compile(r"^<!-- timeline: (?P<name>[\w.-]+) -->$", re.M)
_REVIEW = re.compile(r"^<!-- review: (?P<timeline>[\w.-]+) (?P<responses>[\w.-]+) -->$", re.M)
_SCENARIOS = re.compile(
    r"^<!-- scenarios: (?P<rid>[\w-]+) (?P<count>\d+) (?P<seed>\d+) (?P<part>\w+) -->$", re.M
)


def _timeline(m: re.Match[str]) -> str:
    """The bundled example timeline's picture and text, made by the tool."""
    from importlib import resources

    from intervene_rules import load_ruleset, load_timeline
    from intervene_rules.timeline.render import svg

    path = resources.files("intervene_rules") / "examples" / "timelines" / m["name"]
    t = load_timeline(m["name"], text=path.read_text(encoding="utf-8"))
    r = t.evaluate(load_ruleset(t.ruleset or "model-policy"))
    return f'<div class="timeline">{svg(r)}</div>\n\n```text\n{r.text()}\n```'


def _review(m: re.Match[str]) -> str:
    """A bundled example reviewed against its responses: the picture and the text."""
    from importlib import resources

    from intervene_rules import load_ruleset, load_timeline, review
    from intervene_rules.review import load_responses
    from intervene_rules.timeline.render import svg

    root = resources.files("intervene_rules") / "examples" / "timelines"
    t = load_timeline(m["timeline"], text=(root / m["timeline"]).read_text(encoding="utf-8"))
    responses, doc = load_responses(
        m["responses"], text=(root / m["responses"]).read_text(encoding="utf-8")
    )
    r = review(load_ruleset(t.ruleset or "model-policy"), t, responses, doc=doc)
    return f'<div class="timeline">{svg(r.timeline)}</div>\n\n```text\n{r.text()}\n```'


def _scenarios(m: re.Match[str]) -> str:
    """Role-play scenarios made by the tool (the same seed, the same text)."""
    from intervene_rules import load_ruleset
    from intervene_rules.roleplay import generate, markdown

    sset = generate(
        load_ruleset(m["rid"]),
        count=int(m["count"]),
        seed=int(m["seed"]),
        as_of=dt.date(2024, 6, 1),
    )
    text = markdown(sset, part=m["part"])  # type: ignore[arg-type]
    return "```markdown\n" + text.rstrip() + "\n```"


_AUDIT = re.compile(r"^<!-- audit: (?P<cw>[\w-]+) (?P<rid>[\w-]+) (?P<part>\w+) -->$", re.M)
_AUDITS: dict[tuple[str, str], Any] = {}


def _audit(m: re.Match[str]) -> str:
    """A part of the audit of a committed sample, made by the tool at build time."""
    from pathlib import Path

    from intervene_rules import load_ruleset
    from intervene_rules.audit import load_crosswalk
    from intervene_rules.audit import report as rp
    from intervene_rules.audit.run import RELATION_ORDER, audit

    key = (m["cw"], m["rid"])
    if key not in _AUDITS:
        sample = Path(__file__).resolve().parents[2] / "samples" / m["cw"]
        _AUDITS[key] = audit(
            load_crosswalk(m["cw"]),
            sample,
            [load_ruleset(m["rid"])],
            by_record_date=True,
            assume={"misconduct": []},
        )
    result = _AUDITS[key]
    a = result.audits[0]
    p = result.prepared
    part = m["part"]
    if part == "counts":
        o = a.overall
        rows = [
            ("records in the sample", p.records),
            ("evaluated (at least one observer pair)", p.evaluable),
            ("rejected", sum(p.rejected.values())),
            ("not evaluable (no other officer in the data)", sum(p.not_evaluable.values())),
            ("observer pairs", result.pairs),
            ("pairs: duty to intervene certain", o.certain),
            ("pairs: duty possible (facts missing)", o.possible),
            ("pairs: no legal duty; only guidance that binds no one expects it", o.guidance),
            ("pairs: no duty", o.absent),
        ]
        body = "\n".join(f"| {k} | {v:,} |" for k, v in rows)
        return "| the sample | count |\n|---|---:|\n" + body
    if part == "grid":
        return rp.legend() + rp.grid(a.by_force_resistance, "duty by force and resistance")
    if part == "relation":
        rows = [(r, a.by_relation[r]) for r in RELATION_ORDER if r in a.by_relation]
        return rp.legend() + rp.bars(rows, "duty by rank relation")
    if part == "year":
        years = sorted(k for k in a.by_year if isinstance(k, int))
        rows = [(str(y), a.by_year[y]) for y in years]
        notes = {str(y): a.law_by_year.get(y, []) for y in years}
        return rp.legend() + rp.columns(rows, notes, "duty by year")
    if part == "facts":
        return rp.facts_chart(a.deciding.most_common(), a.overall.possible, "missing facts")
    raise ValueError(f"unknown audit part {part!r}")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Put the tool's own output where a page marks it: worked examples cannot drift.

    `<!-- output: range|changes RULESET DATE -->` after a JSON block: its `--explain` text;
    `<!-- timeline: FILE -->`: a bundled example timeline's picture and text;
    `<!-- scenarios: RULESET COUNT SEED PART -->`: generated role-play scenarios;
    `<!-- audit: CROSSWALK RULESET PART -->`: a chart of the audit of a committed sample.
    """
    markdown = _TIMELINE.sub(_timeline, markdown)
    markdown = _REVIEW.sub(_review, markdown)
    markdown = _SCENARIOS.sub(_scenarios, markdown)
    markdown = _AUDIT.sub(_audit, markdown)
    if "<!-- output:" not in markdown:
        return markdown
    from intervene_rules import evaluate, evaluate_partial, load_ruleset

    def render(m: re.Match[str]) -> str:
        rs = load_ruleset(m["rid"])
        data = json.loads(m["body"])
        day = dt.date.fromisoformat(m["day"])
        if m["what"] == "range":
            text = evaluate_partial(rs, data, as_of=day).explain()
        else:
            text = evaluate(rs, data, as_of=day).what_would_change(data, rs).explain()
        return m[0] + "\n\n```text\n" + text.rstrip() + "\n```"

    return _EXAMPLE.sub(render, markdown)
