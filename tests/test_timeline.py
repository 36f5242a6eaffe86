"""Timelines: located errors, exact moments, both evaluators, the law of the day, the page."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intervene_rules import (
    Timeline,
    TimelineError,
    evaluate,
    list_rulesets,
    load_ruleset,
    load_timeline,
)
from intervene_rules.situation import Force, Situation
from intervene_rules.testing.strategies import timelines
from intervene_rules.vocabulary import ForceType

EXAMPLE = (
    resources.files("intervene_rules") / "examples" / "timelines" / "training-prone-restraint.yaml"
)
RULESETS = [r["id"] for r in list_rulesets()]


def example() -> Timeline:
    return load_timeline(str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))


def errors(text: str) -> list[tuple[str, int]]:
    with pytest.raises(TimelineError) as info:
        load_timeline("t.yaml", text=text)
    return [(i.code, i.loc.line) for i in info.value.issues]


BASE = """\
incident: test
date: 2024-06-01
officers:
  - {id: A, rank: sergeant}
  - {id: B, rank: officer}
events:
"""


def test_the_example_loads_and_every_moment_is_evaluate_itself() -> None:
    t = example()
    rs = load_ruleset("minneapolis-pd")
    r = t.evaluate(rs)
    assert [(ln.observer, ln.actor) for ln in r.lines] == [("Baker", "Adams"), ("Cruz", "Adams")]
    for line in r.lines:
        for m in line.moments:
            assert m.decision == evaluate(rs, m.situation, as_of=t.date)
    baker = r.lines[0]
    assert baker.arises_at == 8.0
    assert [m.at for m in baker.moments if m.escalates] == [10.0]
    cruz = r.lines[1]
    assert cruz.moments[0].at == 90.0  # Cruz is there from 1:30 only
    # the duration Cruz counts starts when Cruz arrives: 10 s later, the threshold
    assert any(m.event is None and m.at == 100.0 for m in cruz.moments)


def test_both_evaluators_give_the_same_timeline() -> None:
    pytest.importorskip("durable", reason="durable_rules cannot be imported on this Python")
    t = example()
    rs = load_ruleset("minneapolis-pd")
    native, durable = t.evaluate(rs), t.evaluate(rs, backend="durable")
    assert native == durable


@given(st.sampled_from(RULESETS), timelines(officers=3, max_events=12))
def test_no_change_of_the_duty_is_missed_between_moments(rid: str, t: Timeline) -> None:
    """Between two moments of a line, the decision is the earlier moment's at every time."""
    rs = load_ruleset(rid)
    r = t.evaluate(rs)
    for line in r.lines:
        ms = line.moments
        for a, b in itertools.pairwise(ms):
            if b.at <= a.at:
                continue
            for frac in (0.25, 0.5, 0.999):
                later = evaluate(rs, _later(a.situation, (b.at - a.at) * frac), as_of=t.date)
                assert _what(later) == _what(a.decision), (line.observer, a.at, b.at, frac)


def _later(s: Situation, dt_s: float) -> Situation:
    f = s.force
    if f.type is ForceType.NONE or f.duration_s is None:
        return s
    later = Force(type=f.type, still_needed=f.still_needed, duration_s=f.duration_s + dt_s)
    return s.model_copy(update={"force": later})


def _what(d: Any) -> tuple[Any, ...]:
    """What a decision requires (its trace may say how long the force has lasted)."""
    return (d.action, d.duties, d.methods, d.reports)


# --- bad input -------------------------------------------------------------------------------


def test_events_out_of_order_are_located() -> None:
    text = BASE + "  - {at: 10, kind: subject_restrained}\n  - {at: 5, kind: medical_distress}\n"
    assert ("timeline_out_of_order", 8) in errors(text)


def test_unknown_officer_kind_and_time_are_located_all_at_once() -> None:
    text = BASE + (
        "  - {at: 0, kind: force_started, officer: Z, type: cew}\n"
        "  - {at: 1, kind: force_started_now, officer: A}\n"
        '  - {at: "1:7x", kind: subject_restrained}\n'
    )
    found = errors(text)
    assert ("timeline_unknown_event_kind", 8) in found
    assert any(code.startswith("timeline_") and line == 9 for code, line in found)


def test_every_problem_is_said_once_and_none_is_spurious() -> None:
    text = BASE.replace("sergeant", "sergent") + (
        "  - {at: 0, kind: force_started, officer: A, type: cew, colour: red}\n"
        "  - {at: -3, kind: subject_restraind}\n"
    )
    found = errors(text)
    codes = [c for c, _ in found]
    assert ("timeline_unknown_value", 4) in found  # the rank, with "did you mean"
    assert ("timeline_unknown_key", 7) in found
    assert codes.count("timeline_unknown_event_kind") == 1
    assert not any(line == 6 for c, line in found if c == "timeline_invalid_value")  # events: ok


def test_unknown_officer_is_named_with_the_officers() -> None:
    text = BASE + "  - {at: 0, kind: force_started, officer: Z, type: cew}\n"
    with pytest.raises(TimelineError) as info:
        load_timeline("t.yaml", text=text)
    (issue,) = info.value.issues
    assert issue.code == "timeline_unknown_officer" and issue.loc.line == 7
    assert "A, B" in issue.help


@pytest.mark.parametrize(
    ("events", "code"),
    [
        ("  - {at: 0, kind: force_stopped, officer: A}\n", "timeline_force_not_started"),
        (
            "  - {at: 0, kind: force_started, officer: A, type: cew}\n"
            "  - {at: 1, kind: force_started, officer: A, type: cew}\n",
            "timeline_force_already_started",
        ),
        (
            "  - {at: 0, kind: observer_left, officer: B}\n"
            "  - {at: 1, kind: aid_rendered, officer: B}\n",
            "timeline_officer_not_present",
        ),
        (
            "  - {at: 0, kind: verbal_intervention, officer: B, outcome: ignored}\n",
            "timeline_nobody_to_address",
        ),
        (
            "  - {at: 0, kind: observer_arrived, officer: B}\n"
            "  - {at: 1, kind: observer_arrived, officer: B}\n",
            "timeline_already_present",
        ),
    ],
)
def test_contradictory_events_are_located(events: str, code: str) -> None:
    assert code in [c for c, _ in errors(BASE + events)]


def test_a_timeline_past_midnight_into_a_change_of_law_says_so() -> None:
    text = (
        "incident: midnight\ndate: 2021-07-24\nstart: '23:59:00'\n"
        "officers: [{id: A, rank: sergeant}, {id: B, rank: officer}]\n"
        "events:\n"
        "  - {at: 0, kind: force_started, officer: A, type: neck_restraint}\n"
        "  - {at: 120, kind: force_stopped, officer: A}\n"
    )
    t = load_timeline("m.yaml", text=text)
    rs = load_ruleset("washington")
    assert rs.period(t.date) is not rs.period(t.date.replace(day=25))
    r = t.evaluate(rs)
    assert r.as_of == t.date
    assert any("past midnight" in n and "2021-07-24" in n for n in r.notices)
    for m in r.lines[0].moments:
        assert m.decision.as_of == t.date


# --- the page --------------------------------------------------------------------------------


def test_the_page_is_self_contained() -> None:
    page = example().evaluate(load_ruleset("minneapolis-pd")).html()
    low = page.lower()
    assert "<svg" in low and "<script" not in low and "<link" not in low
    assert "http://" not in low.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in low and "url(" not in low
    assert "duty arises" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _render(page: Path, tmp: Path) -> tuple[bytes, str]:
    """A screenshot of `page` in headless Chromium, and the URLs of its network log."""
    shot, log = tmp / (page.stem + ".png"), tmp / (page.stem + ".netlog")
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tempfile.mkdtemp()}",
            f"--log-net-log={log}",
            "--window-size=1280,900",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    urls = re.findall(r'"url":"([^"]+)"', log.read_text(encoding="utf-8", errors="replace"))
    # Chromium's own calls home (its clock, its updates) are not the page's
    own = ("google.com", "gstatic.com", "googleapis.com")
    return shot.read_bytes(), "\n".join(
        u for u in urls if u.startswith("http") and not any(h in u for h in own)
    )


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (.ci/run installs Debian's chromium)",
)
def test_the_page_renders_in_a_real_browser_without_requests(tmp_path: Path) -> None:
    page = tmp_path / "timeline.html"
    page.write_text(example().evaluate(load_ruleset("minneapolis-pd")).html(), encoding="utf-8")
    png, requests = _render(page, tmp_path)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # rendered, not blank
    assert requests == ""
    # the check sees a page's request: the same page with an outside image, CSP removed
    leaky = tmp_path / "leaky.html"
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", text)
    leaky.write_text(text.replace("<h1>", '<img src="http://example.invalid/x.png"><h1>'))
    _, leaked = _render(leaky, tmp_path)
    assert "example.invalid" in leaked


PUBLIC = ("timpa-dallas-2016.yaml", "floyd-minneapolis-2020.yaml", "mohamed-madison-2002.yaml")


@pytest.mark.parametrize("name", PUBLIC)
def test_public_incidents_cite_a_source_for_every_event(name: str) -> None:
    """No fact without a source: each event names one, or says the sources do not give it."""
    path = resources.files("intervene_rules") / "examples" / "timelines" / name
    t = load_timeline(name, text=path.read_text(encoding="utf-8"))
    assert t.sources and t.approximate
    for e in t.events:
        assert e.source or (e.note and "not stated" in e.note), e
    r = t.evaluate(load_ruleset(t.ruleset or ""))
    assert r.as_of == t.date and r.lines
    assert any("approximate" in n for n in r.notices)


def test_unknown_facts_give_each_moment_its_exact_range() -> None:
    from intervene_rules import PartialSituation, evaluate_partial

    text = BASE + (
        "  - {at: 0, kind: force_started, officer: A, type: bodyweight_compression, still_needed: null}\n"
        "  - {at: 20, kind: medical_distress}\n"
    )
    text = text.replace("events:", "subject: {restrained: null}\nevents:")
    t = load_timeline("u.yaml", text=text)
    rs = load_ruleset("minneapolis-pd")
    r = t.evaluate(rs)
    ranged = [m for line in r.lines for m in line.moments if m.range is not None]
    assert ranged and all(m.decision is None for m in ranged)
    for m in ranged:
        assert isinstance(m.situation, PartialSituation)
        assert m.range is not None and "subject.restrained" in m.range.unknown
        # the opportunity stays the contract's "not stated" (derived), not an unknown
        assert "observer.realistic_opportunity" not in m.range.unknown
        assert m.range == evaluate_partial(rs, m.situation, as_of=t.date)
    assert "facts unknown" in r.text() or "whatever the unknown facts" in r.text()
