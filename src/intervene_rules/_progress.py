"""A progress bar on stderr for long work (exhaustive analysis), silent when not a terminal."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """Callable as `progress(done, total)`; draws `label [####---] 45% 67,000/149,760 … ETA 0:12`.

    `unit` names what is counted (situations of one walk, or rulesets of a check).
    """

    def __init__(
        self,
        label: str,
        stream: TextIO,
        *,
        enabled: bool | None = None,
        unit: str = "situations",
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.start = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(now - self.start, 1e-9)
        bar = "#" * filled + "-" * (width - filled)
        eta = ""
        if 0 < done < total and rate > 0:
            left = (total - done) / rate
            eta = f" ETA {int(left // 60)}:{int(left % 60):02d}"
        self.stream.write(
            f"\r{self.label} [{bar}] {100 * done / max(total, 1):3.0f}% "
            f"{done:,}/{total:,} {self.unit} {rate:,.0f}/s{eta}"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
