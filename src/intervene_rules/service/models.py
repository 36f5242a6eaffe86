"""Response models of the catalogue endpoints (what a ruleset is, which law it rests on)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from intervene_rules.decision import Citation, Decision, Notice
from intervene_rules.ruleset.ruleset import Ruleset


class LayerInfo(BaseModel):
    """One layer of a merged ruleset and its own period of force."""

    model_config = ConfigDict(extra="forbid")

    id: str
    effective: dt.date | None = None
    ended: dt.date | None = None
    ended_by: str | None = None
    not_before: dt.date | None = None


class RulesetSummary(BaseModel):
    """A ruleset the service answers for."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    version: str
    jurisdiction: str
    digest: str = Field(description="sha256 of the ruleset's meaning; stamped on decisions.")
    layers: list[str] = Field(description="Merge order: the floor first, this ruleset last.")
    rules: int


class RulesetDetail(RulesetSummary):
    """A ruleset with its layers, sources and periods of force."""

    layer_periods: list[LayerInfo]
    circuit: str | None = Field(default=None, description="Its federal circuit, if stated.")
    periods: list[dt.date] = Field(
        description="Every date on which a source, layer or rule enters or leaves force: "
        "between two of them the law applied is the same."
    )
    sources: list[Citation] = Field(
        description="Every source, with its verification status and its period of force."
    )
    notices: list[Notice]
    rank_titles: dict[str, str] = Field(
        description="The ruleset's own rank titles, accepted for either rank: title -> rung."
    )


class ExplainedDecision(BaseModel):
    """`?explain=true`: the decision and its plain-language explanation."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    explanation: str


class Health(BaseModel):
    """`/healthz` and `/readyz`."""

    status: str
    rulesets: int = 0


def summary(rs: Ruleset) -> RulesetSummary:
    """What `GET /v1/rulesets` lists of `rs`."""
    return RulesetSummary(
        id=rs.id,
        title=rs.title,
        version=rs.version,
        jurisdiction=rs.jurisdiction,
        digest=rs.digest,
        layers=list(rs.layers),
        rules=len(rs.program.rules),
    )


def detail(rs: Ruleset) -> RulesetDetail:
    """What `GET /v1/rulesets/{id}` says of `rs`."""
    return RulesetDetail(
        **summary(rs).model_dump(),
        layer_periods=[
            LayerInfo(
                id=layer,
                effective=start,
                ended=end,
                ended_by=by,
                not_before=rs.layer_bounds.get(layer, (None, None))[0],
            )
            for layer, (start, end, by) in rs.layer_periods.items()
        ],
        circuit=rs.circuit,
        periods=rs.periods(),
        sources=[rs.sources[sid] for sid in sorted(rs.sources)],
        notices=list(rs.notices),
        rank_titles={t: r.value for t, r in sorted(rs.program.rank_aliases.items())},
    )
