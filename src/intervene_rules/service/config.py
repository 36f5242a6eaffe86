"""What a service is started with: validated once, handed to worker processes as JSON."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ENV = "INTERVENE_SERVE_CONFIG"
"""The environment variable that carries the configuration to uvicorn's worker processes."""

MAX_SITUATION_BODY = 1 << 20
"""The largest body of a single evaluation (1 MiB): the library's own cap on a situation."""
MAX_BATCH_BODY = 64 << 20
"""The largest body of a batch (64 MiB: some 200,000 situations)."""


class ServiceConfig(BaseModel):
    """The rulesets served and the limits applied to every request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rulesets: tuple[str, ...] = Field(
        default=(), description="Bundled ids or ruleset files; empty: every bundled ruleset."
    )
    pins: tuple[str, ...] = Field(
        default=(),
        description="`ID=sha256:…` (or `sha256:…` with one ruleset): the approved digests; "
        "a ruleset whose digest differs is refused at start.",
    )
    require_pins: bool = Field(
        default=False, description="Refuse to start unless every ruleset served is pinned."
    )
    allow_paths: tuple[str, ...] = Field(
        default=(), description="Folders `extends:` of a ruleset file may also read."
    )
    decision_log: str | None = Field(
        default=None, description="Append every decision to this JSON Lines file."
    )
    durability: Literal["group", "fsync", "none"] = "group"
    max_body_bytes: int = Field(default=MAX_SITUATION_BODY, ge=1)
    max_batch_bytes: int = Field(default=MAX_BATCH_BODY, ge=1)
    body_timeout_s: float = Field(
        default=10.0, gt=0, description="A request body not received within this is refused."
    )

    def to_env(self) -> dict[str, str]:
        """The environment that passes this configuration to a worker process."""
        return {**os.environ, ENV: self.model_dump_json()}

    @classmethod
    def from_env(cls) -> ServiceConfig:
        """The configuration a parent process put in the environment (defaults if none)."""
        text = os.environ.get(ENV)
        return cls() if text is None else cls.model_validate_json(text)
