"""Post-incident review: each duty met on time, late, never, before it arose, or open."""

from __future__ import annotations

import datetime as dt

import pytest

from intervene_rules import ResponsesError, load_ruleset, load_timeline, review
from intervene_rules.review import DutyReview, load_responses
from intervene_rules.review.run import recipients_of

RS = load_ruleset("minneapolis-pd")
CHIEF = "the chief law enforcement officer of the observing officer's own agency"
COMMANDER = "a commander or the commander's superiors"

TIMELINE = """\
incident: review test
date: 2024-06-01
officers:
  - {id: A, rank: sergeant}
  - {id: B, rank: officer}
  - {id: C, rank: lieutenant}
subject: {resistance: compliant, restrained: true}
events:
  - {at: 0, kind: force_started, officer: A, type: bodyweight_compression, still_needed: false}
  - {at: 30, kind: medical_distress}
  - {at: 120, kind: force_stopped, officer: A}
"""


def run(responses: str, timeline: str = TIMELINE) -> list[DutyReview]:
    t = load_timeline("t.yaml", text=timeline)
    r, doc = load_responses("r.yaml", text=responses)
    return list(review(RS, t, r, doc=doc).duties)


def one(duties: list[DutyReview], observer: str, duty: str, to: str | None = None) -> DutyReview:
    (d,) = [x for x in duties if x.observer == observer and x.duty == duty and x.to == to]
    return d


def test_met_late_and_never() -> None:
    duties = run(
        "responses:\n"
        "  - {at: 20, officer: B, kind: verbal_intervention}\n"
        "  - {at: 200, officer: B, kind: aid_rendered}\n"
    )
    intervene = one(duties, "B", "intervene")
    assert intervene.status == "met" and intervene.met_at == 20.0
    assert intervene.delay_s == 20.0 - intervene.arose_at  # type: ignore[operator]
    assert intervene.rules and intervene.sources  # which rules, which sources
    aid = one(duties, "B", "render_aid")
    assert aid.status == "late" and aid.late_by_s == 80.0  # due by the incident's end, 120 s
    assert one(duties, "C", "intervene").status == "not_met"
    assert one(duties, "C", "intervene").met_at is None


@pytest.mark.parametrize(("after", "status"), [(-1, "met"), (0, "met"), (1, "late")])
def test_a_report_before_at_and_after_its_deadline(after: int, status: str) -> None:
    base = run("responses: []\n")
    arose = one(base, "B", "report", CHIEF).arose_at
    assert arose is not None
    at = arose + 24 * 3600 + after
    duties = run(f'responses:\n  - {{at: {at}, officer: B, kind: report_filed, to: "{CHIEF}"}}\n')
    d = one(duties, "B", "report", CHIEF)
    assert d.within == "PT24H" and d.due_by == arose + 24 * 3600
    assert d.status == status


def test_an_act_before_the_duty_arose_is_credited_and_said_so() -> None:
    timeline = TIMELINE.replace(
        "  - {at: 30, kind: medical_distress}\n",
        "  - {at: 0, kind: supervisor_requested, officer: B}\n  - {at: 30, kind: medical_distress}\n",
    )
    duties = run("responses: []\n", timeline)
    sup = one(duties, "B", "request_supervisor")
    assert sup.arose_at is not None and sup.arose_at > 0
    assert sup.status == "met_before" and "credited" in sup.note


def test_two_observers_of_different_ranks_each_get_their_duties() -> None:
    duties = run("responses: []\n")
    assert {d.observer for d in duties} == {"B", "C"}
    assert all(d.actor == "A" for d in duties)


def test_an_unknown_fact_leaves_a_duty_open_with_what_decides_it() -> None:
    """Whether the subject showed distress is not known: rendering aid stays open."""
    timeline = TIMELINE.replace(
        "subject: {resistance: compliant, restrained: true}",
        "subject: {resistance: compliant, restrained: true, medical_distress: null}",
    ).replace("  - {at: 30, kind: medical_distress}\n", "")
    duties = run("responses: []\n", timeline)
    aid = one(duties, "B", "render_aid")
    assert aid.status == "open" and aid.arose_at is None
    assert "medical distress" in aid.arose_by  # the deciding fact, in words
    assert one(duties, "B", "intervene").status == "not_met"  # certain either way


def test_the_day_a_law_took_effect() -> None:
    """Washington's reporting duty (RCW 10.93.190) from 2021-07-25, not the day before."""
    wa = load_ruleset("washington")
    before = load_timeline("b.yaml", text=TIMELINE.replace("2024-06-01", "2021-07-24"))
    after = load_timeline("a.yaml", text=TIMELINE.replace("2024-06-01", "2021-07-25"))
    empty, _ = load_responses("r.yaml", text="responses: []\n")
    reports = [
        {d.to for d in review(wa, t, empty).duties if d.duty == "report"} for t in (before, after)
    ]
    assert reports[0] != reports[1]
    assert recipients_of(wa, dt.date(2021, 7, 25)) - recipients_of(wa, dt.date(2021, 7, 24))


@pytest.mark.parametrize(
    ("responses", "code"),
    [
        (
            "  - {at: 50, officer: B, kind: aid_rendered}\n  - {at: 10, officer: B, kind: aid_rendered}\n",
            "responses_out_of_order",
        ),
        ("  - {at: 5, officer: Z, kind: aid_rendered}\n", "responses_unknown_officer"),
        (
            "  - {at: 5, officer: B, kind: report_filed, to: the mayor}\n",
            "responses_unknown_recipient",
        ),
        ("  - {at: 5, officer: B, kind: report_filed}\n", "responses_report_without_recipient"),
        ("  - {at: -5, officer: B, kind: aid_rendered}\n", "responses_before_incident"),
        ("  - {at: 5, officer: B, kind: aid_given}\n", "responses_unknown_value"),
    ],
)
def test_bad_responses_are_located(responses: str, code: str) -> None:
    with pytest.raises(ResponsesError) as info:
        run("responses:\n" + responses)
    codes = [i.code for i in info.value.issues]
    assert code in codes
    assert all(i.loc.line >= 2 for i in info.value.issues)


def test_every_output_opens_with_the_disclaimer() -> None:
    t = load_timeline("t.yaml", text=TIMELINE)
    r, _ = load_responses("r.yaml", text="responses: []\n")
    result = review(RS, t, r)
    assert result.text().startswith("Decision support, not legal advice")
    assert "not a finding of liability" in result.text().split("\n")[0]
    page = result.html()
    assert page.index("not a finding of liability") < page.index("<svg")
    assert "<script" not in page.lower()


def test_an_intervention_toward_one_officer_does_not_answer_for_another() -> None:
    timeline = TIMELINE.replace(
        "  - {at: 30, kind: medical_distress}\n",
        "  - {at: 0, kind: force_started, officer: C, type: neck_restraint}\n"
        "  - {at: 30, kind: medical_distress}\n",
    ).replace(
        "  - {at: 120, kind: force_stopped, officer: A}\n",
        "  - {at: 120, kind: force_stopped, officer: A}\n"
        "  - {at: 121, kind: force_stopped, officer: C}\n",
    )
    duties = run(
        "responses:\n  - {at: 15, officer: B, kind: verbal_intervention, to: A}\n", timeline
    )
    toward = {d.actor: d.status for d in duties if d.observer == "B" and d.duty == "intervene"}
    assert toward == {"A": "met", "C": "not_met"}


def test_cli_review(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    from intervene_rules.cli import main

    root = resources.files("intervene_rules") / "examples" / "timelines"
    t = root / "training-prone-restraint.yaml"
    r = root / "training-prone-restraint.responses.yaml"
    assert main(["review", str(t), "--responses", str(r)]) == 0
    out = capsys.readouterr().out
    assert "MET LATE" in out and "NOT MET" in out
    page = tmp_path / "review.html"
    assert (
        main(["review", str(t), "--responses", str(r), "--format", "html", "--out", str(page)]) == 0
    )
    assert "<svg" in page.read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text("responses:\n  - {at: 5, officer: Nobody, kind: aid_rendered}\n")
    assert main(["review", str(t), "--responses", str(bad)]) == 2
    assert "responses_unknown_officer" in capsys.readouterr().err
