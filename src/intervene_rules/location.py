"""One location type for the whole pipeline: where in which ruleset file a thing was written.

Loader errors, IR nodes, trace steps and analysis findings all carry a `SourceLocation`, so
every message a policy team reads can point back to `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A position in a ruleset file: 1-based line and column, plus the field path there."""

    file: str
    line: int = 0
    column: int = 0
    path: tuple[str | int, ...] = field(default=())

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file

    @property
    def dotted_path(self) -> str:
        """The field path as `rules[3].when.force.type`."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + part
        return out
