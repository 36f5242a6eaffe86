"""A writer of decision records for tests/test_decision_log.py, run in child processes.

    python decision_log_writer.py write LOG DECISION_JSON N       N records, then exit
    python decision_log_writer.py crash LOG DECISION_JSON ROUNDS  fork writers and SIGKILL them

`crash` forks a writer per round (the fork is cheap: the library is imported once), lets it
append records for a random few milliseconds, kills it with SIGKILL, and prints one JSON line
per round: the ids the writer acknowledged (sent down a pipe after `record()` returned) and
the size of the log just after the kill.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

from intervene_rules.decision import Decision
from intervene_rules.decision_log import DecisionLog

SITUATION = {
    "actor": {"rank": "sergeant"},
    "observer": {"rank": "officer", "realistic_opportunity": True},
    "force": {"type": "neck_restraint", "still_needed": False},
    "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
}


def write(log: str, decision: Decision, n: int) -> None:
    with DecisionLog(log) as dl:
        for i in range(n):
            dl.record(SITUATION, decision, reference=f"P{os.getpid()}-{i}")


def writer(log: str, decision: Decision, ack: int) -> None:  # in the forked child
    dl = DecisionLog(log)
    while True:
        uid = dl.record(SITUATION, decision)
        os.write(ack, uid.encode() + b"\n")


def crash(log: str, decision: Decision, rounds: int) -> None:
    rng = random.Random(int(os.environ.get("CRASH_SEED", "0")) or None)
    for k in range(rounds):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                writer(log, decision, w)
            finally:
                os._exit(1)
        os.close(w)
        time.sleep(rng.uniform(0.002, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        acked = b""
        while chunk := os.read(r, 1 << 16):
            acked += chunk
        os.close(r)
        ids = [line.decode() for line in acked.split(b"\n")[:-1]]  # complete lines only
        size = Path(log).stat().st_size
        print(json.dumps({"round": k, "acked": ids, "size": size}), flush=True)


if __name__ == "__main__":
    what, log, decision_file, count = sys.argv[1:5]
    d = Decision.model_validate_json(Path(decision_file).read_text())
    (write if what == "write" else crash)(log, d, int(count))
