"""Role-play scenarios and quizzes for training, generated from a ruleset and a seed.

The IACP guide asks for "role-play scenarios that enable officers to practice how they
would intervene in a wide range of situations". Scenarios here are drawn to teach, not as
uniform noise: junior observers facing senior actors half the time, force that goes on
after the subject is restrained, force beyond what the resistance allows next to lawful
force (where nothing is required), misconduct without force, medical distress, a verbal
step already ignored. Each is told as a short narrative written from its situation
(templates with variety; no network, no model), then decided by the ruleset; its answer,
the 3 D's phrased for the rank relation, its teaching points (the rule's reason and its
sources) and the one fact that would change the answer all come from the decision. A quiz
asks for the action and the duties; its answer key is the evaluator's decision, so a quiz
cannot disagree with the ruleset. The same seed gives the same output.
"""

from __future__ import annotations

import datetime as dt
import html as _html
import json
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from intervene_rules import words
from intervene_rules._evaluate import evaluate
from intervene_rules._evaluate_partial import what_would_change
from intervene_rules.explain import methods
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import (
    Action,
    Duty,
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Resistance,
)

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset

Focus = Literal["rank", "medical", "misconduct", "escalation"]
FOCI: tuple[str, ...] = ("rank", "medical", "misconduct", "escalation")

_KINDS = ("after_restraint", "beyond_grid", "lawful", "misconduct", "medical", "escalation")
_WEIGHTS = (3, 3, 2, 2, 2, 2)
_BY_FOCUS: dict[str, tuple[str, ...]] = {
    "rank": _KINDS,
    "medical": ("medical",),
    "misconduct": ("misconduct",),
    "escalation": ("escalation",),
}
_SETTINGS = (
    "a traffic stop on a busy road",
    "a domestic disturbance call",
    "a shoplifting arrest outside a store",
    "a welfare check on a person in crisis",
    "a fight outside a bar at closing time",
    "a warrant arrest at an apartment",
    "a trespass call at a bus station",
)
_HEAVY = (
    ForceType.BODYWEIGHT_COMPRESSION,
    ForceType.NECK_RESTRAINT,
    ForceType.HARD_EMPTY_HAND,
    ForceType.IMPACT_WEAPON,
    ForceType.CEW,
)
_ARTICLE = {r: ("an " if words.RANK[r][0] in "aeiou" else "a ") for r in Rank}


class Scenario(BaseModel):
    """One role-play scenario: the narrative, the decision's answer, how to act, why."""

    model_config = ConfigDict(frozen=True)
    number: int
    kind: str
    narrative: str
    situation: Situation
    action: Action
    duties: tuple[Duty, ...]
    answer: str
    how: tuple[str, ...]
    teaching_points: tuple[str, ...]
    would_change: tuple[str, ...]


class ScenarioSet(BaseModel):
    """Scenarios from one ruleset, seed and focus."""

    model_config = ConfigDict(frozen=True)
    ruleset: str
    version: str
    as_of: dt.date
    seed: int
    focus: str | None
    scenarios: tuple[Scenario, ...]
    disclaimer: str


_RANK_WEIGHTS = (6, 3, 4, 3, 2, 1, 0.5, 0.5)
"""How often each rank appears (officers most, chiefs seldom), bottom of the ladder first."""


def _rank(rnd: random.Random, ranks: Sequence[Rank]) -> Rank:
    ladder = list(Rank)
    return rnd.choices(list(ranks), [_RANK_WEIGHTS[ladder.index(r)] for r in ranks])[0]


def _ranks(rnd: random.Random, focus: str | None) -> tuple[Rank, Rank]:
    """(actor, observer): a junior observer facing a senior actor half the time."""
    ladder = list(Rank)
    roll = rnd.random()
    if roll < (0.6 if focus == "rank" else 0.5):
        observer = _rank(rnd, ladder[:-1])
        actor = _rank(rnd, ladder[ladder.index(observer) + 1 :])
    elif roll < 0.8:
        actor = observer = _rank(rnd, ladder[:4])
    else:
        actor = _rank(rnd, ladder[:-1])
        observer = _rank(rnd, ladder[ladder.index(actor) + 1 :])
    return actor, observer


def _draw(rnd: random.Random, kind: str, focus: str | None) -> dict[str, Any]:
    actor, observer = _ranks(rnd, focus)
    force, needed, duration = rnd.choice(_HEAVY), True, float(rnd.choice([4, 15, 45, 120, 300]))
    resistance = rnd.choice(list(Resistance))
    restrained, distress, misconduct = False, False, []
    prior = PriorIntervention.NONE
    if kind == "after_restraint":
        restrained, needed = True, False
        resistance = rnd.choice([Resistance.COMPLIANT, Resistance.PASSIVE_RESISTANCE])
    elif kind == "beyond_grid":
        resistance = rnd.choice([Resistance.COMPLIANT, Resistance.PASSIVE_RESISTANCE])
    elif kind == "lawful":
        force = rnd.choice([ForceType.TAKEDOWN, ForceType.SOFT_CONTROL, ForceType.CEW])
        resistance = rnd.choice([Resistance.ACTIVE_AGGRESSION, Resistance.AGGRAVATED_AGGRESSION])
    elif kind == "misconduct":
        force, needed, duration = ForceType.NONE, False, None  # type: ignore[assignment]
        resistance = Resistance.COMPLIANT
        misconduct = rnd.sample(list(Misconduct), rnd.choice([1, 1, 2]))
    elif kind == "medical":
        distress = True
        restrained = rnd.random() < 0.7
    elif kind == "escalation":
        prior = PriorIntervention.VERBAL
        restrained = rnd.random() < 0.5
        needed = rnd.random() < 0.3
    if focus == "medical":
        distress = True
    opportunity = rnd.choice([True, True, None])
    return {
        "actor": {"rank": actor.value},
        "observer": {
            "rank": observer.value,
            "realistic_opportunity": opportunity,
            "prior_intervention": prior.value,
        },
        "force": {"type": force.value, "still_needed": needed, "duration_s": duration},
        "subject": {
            "resistance": resistance.value,
            "restrained": restrained,
            "medical_distress": distress,
        },
        "misconduct": [m.value for m in misconduct],
    }


def _narrative(rnd: random.Random, s: Situation) -> str:
    a, o = words.RANK[s.actor.rank], words.RANK[s.observer.rank]
    opening = rnd.choice(
        [
            f"You are {_ARTICLE[s.observer.rank]}{o} backing up {_ARTICLE[s.actor.rank]}{a} at "
            f"{rnd.choice(_SETTINGS)}.",
            f"At {rnd.choice(_SETTINGS)}, you, {_ARTICLE[s.observer.rank]}{o}, arrive to assist "
            f"{_ARTICLE[s.actor.rank]}{a}.",
            f"You and {_ARTICLE[s.actor.rank]}{a} answer {rnd.choice(_SETTINGS)}; you are "
            f"{_ARTICLE[s.observer.rank]}{o}.",
        ]
    )
    parts = [opening]
    subject = f"The subject is {words.RESISTANCE[s.subject.resistance]}"
    if s.subject.restrained:
        subject += rnd.choice([" and already handcuffed", ", now restrained"])
    parts.append(subject + ".")
    f = s.force
    if f.type is not ForceType.NONE:
        clause = f"The {a} is using {words.FORCE[f.type]}"
        if f.duration_s is not None:
            clause += f"; it has gone on for about {words.seconds(f.duration_s)}"
        parts.append(clause + ".")
        if not f.still_needed:
            parts.append(
                rnd.choice(
                    [
                        "The subject is under control; the force is no longer needed.",
                        "Nothing the subject does calls for the force any more.",
                    ]
                )
            )
    if s.misconduct:
        listed = ", ".join(words.MISCONDUCT[m] for m in s.misconduct)
        parts.append(f"You see the {a} commit {listed}.")
    if s.subject.medical_distress:
        parts.append(
            rnd.choice(
                [
                    'The subject gasps: "I can\'t breathe."',
                    "The subject goes limp and is struggling to breathe.",
                ]
            )
        )
    if s.observer.prior_intervention is PriorIntervention.VERBAL:
        parts.append(f"You already told the {a} to stop; the {a} ignored you.")
    if s.observer.realistic_opportunity is None and f.type is ForceType.NONE:
        parts.append("It is not clear whether you could step in at this moment.")
    elif s.observer.realistic_opportunity is False:
        parts.append("You are too far away to reach them in time.")
    parts.append("What do you do?")
    return " ".join(parts)


def _answer(d: Any) -> str:
    duties = [words.DUTY[x] for x in d.duties if x is not Duty.INTERVENE]
    out = words.ACTION[d.action].capitalize()
    if duties:
        out += "; also: " + ", ".join(duties)
    reports = [f"report to {r.to} {words.duration(r.within)}" for r in d.reports]
    if reports:
        out += "; " + "; ".join(reports)
    return out + "."


def _teaching(d: Any) -> list[str]:
    points = []
    cited = {c.id: c for c in d.basis}
    for step in d.trace:
        if any(c.startswith("action=") for c in step.concludes) and step.op == "fire":
            names = [
                f"{cited[b].title} ({cited[b].citation})" if cited[b].title else cited[b].citation
                for b in step.basis
                if b in cited
            ]
            points.append(step.because + (" Sources: " + "; ".join(names) + "." if names else ""))
    if not points:
        points.append(
            "No rule of this ruleset requires an action here: the conduct, as described, is "
            "within what the policy allows."
        )
    return points


def generate(
    ruleset: Ruleset,
    *,
    count: int,
    seed: int,
    focus: str | None = None,
    as_of: dt.date | None = None,
) -> ScenarioSet:
    """`count` scenarios, the same for the same arguments.

    Raises:
        ValueError: `count` below 1, or a focus not in `FOCI`.

    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    if focus is not None and focus not in FOCI:
        raise ValueError(f"unknown focus {focus!r}; one of: {', '.join(FOCI)}")
    day = as_of or ruleset.as_of or dt.date.today()
    rnd = random.Random(seed)
    kinds = _BY_FOCUS[focus] if focus else _KINDS
    weights = _WEIGHTS if focus in (None, "rank") else (1,) * len(kinds)
    out = []
    for n in range(1, count + 1):
        kind = rnd.choices(kinds, weights)[0]
        s = Situation.model_validate(_draw(rnd, kind, focus))
        d = evaluate(ruleset, s, as_of=day)
        changes = what_would_change(ruleset, s, as_of=day)
        change_text = [
            f"{c.text[:1].upper()}{c.text[1:]}" for c in (*changes.up[:2], *changes.down[:2])
        ]
        out.append(
            Scenario(
                number=n,
                kind=kind,
                narrative=_narrative(rnd, s),
                situation=s,
                action=d.action,
                duties=d.duties,
                answer=_answer(d),
                how=tuple(methods(d, s)),
                teaching_points=tuple(_teaching(d)),
                would_change=tuple(change_text),
            )
        )
    ref = ruleset.period(day).ref
    from intervene_rules.decision import DISCLAIMER

    return ScenarioSet(
        ruleset=ref.id,
        version=ref.version,
        as_of=day,
        seed=seed,
        focus=focus,
        scenarios=tuple(out),
        disclaimer=DISCLAIMER,
    )


# --- quizzes ---------------------------------------------------------------------------------

_LETTERS = "ABCD"


def question_options() -> list[tuple[str, Action]]:
    """The multiple-choice options of the action question, in order (A-D)."""
    return list(zip(_LETTERS, Action, strict=True))


def answer_letter(action: Action) -> str:
    """The letter of `action` in `question_options()`."""
    return dict((a, x) for x, a in question_options())[action]


def markdown(sset: ScenarioSet, *, part: Literal["all", "questions", "answers"] = "all") -> str:
    """Scenarios as Markdown: all (narrative then answer), the questions, or the answer key."""
    head = (
        f"# Role-play scenarios: {sset.ruleset} {sset.version}\n\n"
        f"Law in force on {sset.as_of.isoformat()}; seed {sset.seed}"
        + (f"; focus {sset.focus}" if sset.focus else "")
        + f".\n\n*{sset.disclaimer}*\n"
    )
    if part == "answers":
        head = head.replace("# Role-play scenarios", "# Answer key")
    out = [head]
    for sc in sset.scenarios:
        out.append(f"\n## Scenario {sc.number}\n")
        if part != "answers":
            out.append(sc.narrative + "\n")
        if part == "questions":
            out.append("\n1. What does the policy require of you?\n")
            out += [f"   - {x}. {words.ACTION[a]}" for x, a in question_options()]
            out.append("\n2. Which of these duties do you owe? (all that apply)\n")
            out += [f"   - [ ] {words.DUTY[d]}" for d in Duty]
            out.append("\n3. How would you intervene, given your rank and theirs?\n")
            continue
        if part == "answers":
            out.append(f"1. **{answer_letter(sc.action)}**: {words.ACTION[sc.action]}")
            duties = ", ".join(words.DUTY[d] for d in sc.duties) or "none"
            out.append(f"2. {duties}")
            out.append("3. " + (" ".join(sc.how) or "No intervention is required."))
        else:
            out.append(f"**Answer.** {sc.answer}\n")
            if sc.how:
                out.append("**How.**\n")
                out += [f"- {h}" for h in sc.how]
        out.append("\n**Teaching points.**\n")
        out += [f"- {t}" for t in sc.teaching_points]
        if sc.would_change:
            out.append("\n**What would change the answer.**\n")
            out += [f"- {t}" for t in sc.would_change]
    return "\n".join(out) + "\n"


def to_json(sset: ScenarioSet, *, part: Literal["all", "questions", "answers"] = "all") -> str:
    """The scenarios as JSON; `questions` leaves out every answer, `answers` is the key."""
    if part == "all":
        return sset.model_dump_json(indent=2)
    items: list[dict[str, Any]] = []
    for sc in sset.scenarios:
        if part == "questions":
            items.append(
                {
                    "number": sc.number,
                    "narrative": sc.narrative,
                    "situation": sc.situation.model_dump(mode="json"),
                    "action_options": {x: a.value for x, a in question_options()},
                    "duty_options": [d.value for d in Duty],
                }
            )
        else:
            items.append(
                {
                    "number": sc.number,
                    "action": sc.action.value,
                    "letter": answer_letter(sc.action),
                    "duties": [d.value for d in sc.duties],
                    "how": list(sc.how),
                }
            )
    return json.dumps(
        {
            "ruleset": sset.ruleset,
            "version": sset.version,
            "as_of": sset.as_of.isoformat(),
            "seed": sset.seed,
            "focus": sset.focus,
            part: items,
            "disclaimer": sset.disclaimer,
        },
        indent=2,
    )


def to_html(sset: ScenarioSet, *, part: Literal["all", "questions", "answers"] = "all") -> str:
    """The Markdown as a self-contained page (paragraphs and lists; no network)."""
    body: list[str] = []
    in_list = False
    for raw in markdown(sset, part=part).splitlines():
        line = raw.strip()
        item = line.startswith("- ") or line[:2] in ("1.", "2.", "3.")
        if in_list and not item:
            body.append("</ul>")
            in_list = False
        if not line:
            continue
        text = _html.escape(line.lstrip("-# ").strip())
        text = text.replace("**", "")
        if line.startswith("# "):
            body.append(f"<h1>{text}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{text}</h2>")
        elif item:
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_html.escape(line[2:].strip()).replace('**', '')}</li>")
        else:
            body.append(f"<p>{text.replace('*', '')}</p>")
    if in_list:
        body.append("</ul>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\"><title>Role-play scenarios</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:860px;margin:24px auto;"
        "color:#1b2631;line-height:1.45}h2{border-top:1px solid #ddd;padding-top:12px}"
        "</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )


def render(sset: ScenarioSet, fmt: str, part: Literal["all", "questions", "answers"]) -> str:
    """`sset` in `fmt` (md, json, html)."""
    if fmt == "json":
        return to_json(sset, part=part)
    if fmt == "html":
        return to_html(sset, part=part)
    return markdown(sset, part=part)


__all__: Sequence[str] = (
    "FOCI",
    "Scenario",
    "ScenarioSet",
    "answer_letter",
    "generate",
    "markdown",
    "question_options",
    "render",
    "to_html",
    "to_json",
)
