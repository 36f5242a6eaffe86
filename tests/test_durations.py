"""One ISO-8601 duration parser (issue 9, point 12): what rulesets may write as a deadline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from intervene_rules import RulesetError, load_ruleset
from intervene_rules.durations import iso_seconds, parse_iso_duration
from intervene_rules.suggest import closest, did_you_mean


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("PT0S", dt.timedelta(0)),
        ("PT24H", dt.timedelta(hours=24)),
        ("PT72H", dt.timedelta(hours=72)),
        ("P5D", dt.timedelta(days=5)),
        ("P10D", dt.timedelta(days=10)),
        ("P1W", dt.timedelta(days=7)),
        ("P1Y", dt.timedelta(days=365)),  # a year as 365 days, as the merge always ordered it
        ("P1M", dt.timedelta(days=30)),  # a month as 30
        ("P1DT2H30M", dt.timedelta(days=1, hours=2, minutes=30)),
        ("PT1.5H", dt.timedelta(minutes=90)),  # ISO-8601 allows a fraction of the last unit
    ],
)
def test_iso_durations_are_read(text: str, length: dt.timedelta) -> None:
    assert parse_iso_duration(text) == length
    assert iso_seconds(text) == length.total_seconds()


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "P1DT", "-P1D", "01:00:00", "3600", "1 day", "p1d", "PT1X", "24h"]
)
def test_what_is_not_an_iso_duration_is_refused(text: str) -> None:
    """Pydantic alone also reads `HH:MM:SS`, seconds, signs and a trailing `T`; we do not."""
    with pytest.raises(ValueError, match="not an ISO-8601 duration"):
        parse_iso_duration(text)
    assert iso_seconds(text) == float("inf")


def test_no_fixed_clock_sorts_last() -> None:
    assert iso_seconds(None) == float("inf") > iso_seconds("P1Y")


def _ruleset(tmp_path: Path, within: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(
        'id: t\ntitle: T\nversion: "1"\njurisdiction: X\nextends: [federal-baseline]\nrules:\n'
        "  - id: r\n    stage: take_action\n"
        f"    then: {{reports: [{{to: supervisor, within: '{within}'}}]}}\n"
        "    because: b\n    basis: [graham_v_connor_1989]\n"
    )
    return path


def test_a_ruleset_deadline_is_kept_as_written(tmp_path: Path) -> None:
    rs = load_ruleset(_ruleset(tmp_path, "PT24H"))
    (rule,) = [r for r in rs.program.rules if r.id == "r"]
    assert rule.reports[0].within == "PT24H"


@pytest.mark.parametrize("within", ["24 hours", "01:00:00", "-PT1H"])
def test_a_ruleset_deadline_that_is_no_duration_is_located(tmp_path: Path, within: str) -> None:
    with pytest.raises(RulesetError) as info:
        load_ruleset(_ruleset(tmp_path, within))
    (issue,) = info.value.issues
    assert issue.loc.line == 9 and "not an ISO-8601 duration" in issue.message


def test_did_you_mean() -> None:
    assert did_you_mean("rulez", ["id", "rules", "sources"]) == "did you mean 'rules'? "
    assert did_you_mean("zzz", ["id", "rules"]) == ""
    assert closest("force.typ", ["force.type", "force.still_needed"]) == "force.type"
    assert closest("ab", ["abcdef"], cutoff=0.9) is None
