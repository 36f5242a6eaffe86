"""The progress bar: counts, rate and an ETA on a terminal; nothing when not one."""

from __future__ import annotations

import io

import pytest

from intervene_rules._progress import ProgressBar


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_shows_counts_and_a_remaining_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from intervene_rules import _progress as progress

    clock = Clock()
    monkeypatch.setattr(progress, "time", type("T", (), {"perf_counter": staticmethod(clock)}))
    out = io.StringIO()
    bar = ProgressBar("audit", out, enabled=True, unit="pairs")
    clock.now = 10.0
    bar(25_000, 100_000)  # a quarter in 10 s: 30 s left
    text = out.getvalue()
    assert "25,000/100,000 pairs" in text and " 25%" in text
    assert "ETA 0:30" in text
    clock.now = 40.0
    bar(100_000, 100_000)
    assert out.getvalue().endswith("\n") and "ETA" not in out.getvalue().rsplit("\r", 1)[-1]


def test_silent_when_not_a_terminal() -> None:
    out = io.StringIO()  # not a tty
    bar = ProgressBar("audit", out)
    bar(1, 2)
    assert out.getvalue() == ""
