"""Shared test configuration: Hypothesis profiles and the --thorough switch.

Profiles: `default` (fast, for every run) and `ci` (thorough; selected with
HYPOTHESIS_PROFILE=ci). `--thorough` (or INTERVENE_THOROUGH=1) runs the tests marked
`thorough`: whole-space differential checks that take minutes.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None)
# 600 examples a property in CI: the discrete space is proven exhaustively by the thorough
# tests, so Hypothesis samples what they cannot enumerate (real durations, random input
# text); 1,500 made the CI run ~18 min against its 15-minute budget, mostly here.
settings.register_profile(
    "ci",
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--thorough",
        action="store_true",
        default=os.environ.get("INTERVENE_THOROUGH") == "1",
        help="run the long exhaustive checks (marked `thorough`)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--thorough"):
        return
    skip = pytest.mark.skip(reason="long exhaustive check: run with --thorough (CI does)")
    for item in items:
        if "thorough" in item.keywords:
            item.add_marker(skip)
