"""The engine's shared decisions against the reference build, and its caches' bounds.

`Engine.decide` shares one decision between every situation of a class key and stamps the
ranks and the date on; `Engine.compute` builds each decision afresh and validates it. They
must agree field for field and in JSON byte for byte; each check here is shown to fail on a
planted fault.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from intervene_rules import Decision, Rank, Situation, evaluate, load_ruleset
from intervene_rules.analysis.space import Space
from intervene_rules.engine import merge, table
from intervene_rules.engine.merge import Budget
from intervene_rules.engine.table import Engine, engine_for
from intervene_rules.ruleset.load import bundled_ids

DAYS = (dt.date(2019, 1, 1), dt.date(2021, 6, 1), dt.date(2026, 12, 1))


def _sample(space: Space, stride: int) -> list[Situation]:
    return [space.situation(p) for p in itertools.islice(space.points(), 0, None, stride)]


def _mismatches(engine: Engine, sits: list[Situation], day: dt.date) -> list[str]:
    bad = []
    ranks = list(Rank)
    for i, s in enumerate(sits):
        # every rank pair of the class, not only the representative
        a, o = ranks[i % 8], ranks[(i * 3) % 8]
        s = s.model_copy(
            update={
                "actor": s.actor.model_copy(update={"rank": a}),
                "observer": s.observer.model_copy(update={"rank": o}),
            }
        )
        want = engine.compute(s, day)
        got = engine.decide(s, day)
        if got != want or got.model_fields_set != want.model_fields_set:
            bad.append(f"{s.model_dump_json()}: fields differ")
        elif got.model_dump_json() != Decision.model_dump_json(want, round_trip=False):
            bad.append(f"{s.model_dump_json()}: JSON differs")
    return bad


def _shared_equal_reference(rid: str, days: list[dt.date], points: int) -> None:
    rs = load_ruleset(rid)
    for day in days:
        view = rs.period(day)
        engine = Engine(view, Budget(10_000, 10_000, 1 << 20))
        space = Space(view.program)
        sits = _sample(space, max(1, space.size // points) | 1)
        assert _mismatches(engine, sits, day) == [], (rid, day)


@pytest.mark.parametrize("rid", bundled_ids())
def test_shared_decisions_equal_the_reference(rid: str) -> None:
    """Three dates and the start of the latest period (every period: the thorough run)."""
    days = sorted({*DAYS, load_ruleset(rid).periods()[-1]})
    _shared_equal_reference(rid, days, 250)


@pytest.mark.thorough
@pytest.mark.parametrize("rid", bundled_ids())
def test_shared_decisions_equal_the_reference_in_every_period(rid: str) -> None:
    rs = load_ruleset(rid)
    _shared_equal_reference(rid, sorted({dt.date.min, *DAYS, *rs.periods()}), 1500)


def test_a_share_key_that_forgets_a_read_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    rs = load_ruleset("federal-baseline")
    view = rs.period(dt.date(2026, 1, 1))
    original = merge.share_key

    def forgetful(seen: Any, fired: Any) -> Any:
        return original(seen, fired)[:1]  # only the rules fired: drops what was read

    monkeypatch.setattr(table, "share_key", forgetful)  # where the engine calls it
    engine = Engine(view, Budget(10_000, 10_000, 1 << 20))
    assert _mismatches(engine, _sample(Space(view.program), 97), dt.date(2026, 1, 1))


def test_days_of_one_period_share_one_engine() -> None:
    rs = load_ruleset("minneapolis-pd")
    bounds = rs.periods()
    first, second = bounds[0], bounds[1]
    inside = [first, first + dt.timedelta(days=1), second - dt.timedelta(days=1)]
    assert len({id(rs.period(d)) for d in inside}) == 1
    assert rs.period(first) is not rs.period(second)
    assert engine_for(rs.period(inside[0])) is engine_for(rs.period(inside[2]))
    s = _sample(Space(rs.program), 1001)[5]
    for day in inside:
        assert evaluate(rs, s, as_of=day).as_of == day
    assert rs.at(inside[1]).program is rs.period(inside[1]).program


def test_engines_go_with_their_ruleset() -> None:
    import gc

    rs = load_ruleset("model-policy")
    view = rs.period(dt.date(2026, 1, 1))
    engine_for(view)
    key = id(view)
    assert key in table._engines
    del rs, view
    gc.collect()
    assert key not in table._engines


def test_small_budgets_bound_the_caches_and_keep_answers() -> None:
    rs = load_ruleset("houston-pd")
    view = rs.period(dt.date(2026, 1, 1))
    engine = Engine(view, Budget(shared=5, stamped=7, json_bytes=1000))
    sits = _sample(Space(view.program), 211)
    assert _mismatches(engine, sits, dt.date(2026, 1, 1)) == []
    assert len(engine._shared) <= 5
    stamped = sum(
        1 for sh in engine._shared.values() if sh.variants for d in sh.variants if d is not None
    )
    assert stamped <= 7
    assert engine.budget.json[0] >= 0


def test_a_copy_does_not_keep_a_stale_json() -> None:
    rs = load_ruleset("model-policy")
    s = _sample(Space(rs.program), 1001)[7]
    d = evaluate(rs, s)
    d.model_dump_json()
    c = d.model_copy(update={"as_of": dt.date(2000, 1, 2), "observer_rank": Rank.CHIEF})
    assert c.model_dump_json() == Decision.model_dump_json(c, round_trip=False)
    assert '"as_of":"2000-01-02"' in c.model_dump_json()


def test_a_busy_engine_moves_its_classes_to_a_flat_list_and_answers_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rs = load_ruleset("federal-baseline")
    day = dt.date(2024, 1, 1)
    view = rs.period(day)
    probe = Engine(view, Budget(1000, 1000, 1 << 20))
    monkeypatch.setattr(table, "DENSE_FROM", probe.size // 40)  # a list after ~40 classes
    engine = Engine(view, Budget(1000, 1000, 1 << 20))
    space = Space(view.program)
    points = list(itertools.islice(space.points(), 0, None, 997))[:300]
    assert isinstance(engine._slots, dict)
    seen: list[Decision] = []
    for p in points:
        s = space.situation(p)
        seen.append(engine.decide(s, day))
    assert isinstance(engine._slots, list) and len(engine._slots) == engine.size
    assert sum(x is not None for x in engine._slots) == len(
        {engine.key(space.situation(p)) for p in points}
    )
    for p, d in zip(points, seen, strict=True):
        s = space.situation(p)
        assert d == engine.compute(s, day) == engine.decide(s, day)


_SIT = {
    "actor": {"rank": "sergeant"},
    "observer": {"rank": "officer", "realistic_opportunity": True},
    "force": {"type": "neck_restraint", "still_needed": False},
    "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
}


def test_a_quiet_engine_stays_small() -> None:
    rs = load_ruleset("washington")
    engine = engine_for(rs.period(dt.date(2024, 1, 1)))
    evaluate(rs, Situation.model_validate(_SIT), as_of=dt.date(2024, 1, 1))
    assert isinstance(engine._slots, dict) and len(engine._slots) <= 1
