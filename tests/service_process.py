"""Start `intervene serve` as a real process on a loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.situations import random_situation_data

LISTENING = re.compile(r"listening on (http://\S+?:(\d+))")


class Server:
    """A running `intervene serve`; its stderr is collected in `errors`."""

    def __init__(self, args: Sequence[str], *, timeout: float = 60.0) -> None:
        cmd = [sys.executable, "-m", "intervene_rules.cli", "serve", "--port", "0", *args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: list[str] = []
        self.url = ""
        ready = threading.Event()

        def pump() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.lines.append(line)
                m = LISTENING.search(line)
                if m:
                    self.url = m.group(1)
                    ready.set()
            ready.set()

        self._pump = threading.Thread(target=pump, daemon=True)
        self._pump.start()
        if not ready.wait(timeout) or not self.url:
            self.stop()
            raise RuntimeError("the server did not start:\n" + self.errors)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server never became ready:\n" + self.errors)

    @property
    def errors(self) -> str:
        """Everything the server wrote on stderr so far."""
        return "".join(self.lines)

    def terminate(self) -> None:
        """SIGTERM: a graceful shutdown."""
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30.0) -> int:
        """The exit code, once the process has ended."""
        code = self.proc.wait(timeout)
        self._close()
        return code

    def _close(self) -> None:
        self._pump.join(5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def stop(self) -> None:
        """Stop the server if it still runs (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            self.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._close()


def start_failure(args: Sequence[str], timeout: float = 60.0) -> tuple[int, str]:
    """Run `intervene serve` expecting it to refuse to start: (exit code, stderr)."""
    cmd = [sys.executable, "-m", "intervene_rules.cli", "serve", "--port", "0", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stderr


def situations(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` random valid situations over the whole vocabulary (plain dicts)."""
    return random_situation_data(n, seed, (None, 0, 5, 10, 30, 240, 1200))


HERE = Path(__file__).resolve().parent
