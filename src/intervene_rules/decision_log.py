"""Decision records: an append-only JSON Lines log of what was decided, when, and on what.

    with DecisionLog("decisions.jsonl") as log:           # opt-in; fails at once if unwritable
        decision = evaluate(ruleset, situation, as_of=day)
        log.record(situation, decision, as_of=day, reference="CAD-2024-0117")

One line per decision (`LogRecord`): a time-ordered id (UUIDv7), the UTC time, the ruleset's
id, version and digest, `as_of`, the situation, the decision, and the caller's request id and
own reference. `intervene log verify` checks a log; `intervene log replay` re-evaluates it.

A decision's full JSON (its citations and trace: ~14 KB) is written once per log writer, on a
line of its own (`{"v":1,"kind":"decision","sha256":…,"decision":{…}}`) just before the
first record that refers to it, in the same write; records name it by the sha256 of that
JSON (`decision_sha256`). Decisions are shared by the many situations that share an
answer, so a record stays a few hundred bytes and writing it costs less than the
evaluation; `read_log` puts the decision back into every record and checks its hash.

Each record is written whole: the file is opened with `O_APPEND` and a line is written by
one `os.write` (short writes continued) while holding an exclusive `flock` on the file, so
lines of threads and of processes writing the same file never interleave, and ids increase
down the file even across processes (a writer that finds the file grown reads the last id
and continues after it). A line torn by a crash (no newline at the end) is sealed with a
newline by the next writer; readers report it with its line number and skip it.

Durability (`docs/decision-log.md` has the table and the measured cost):

- ``"fsync"``: `record()` returns after the line reached the disk (fdatasync): a record
  returned survives a process crash and a power loss.
- ``"group"`` (default): `record()` returns once the line is in the OS page cache; a flusher
  thread syncs the file every `group_ms`. A writer keeps the file's lock from its first
  record to the flusher's next tick, so another process writing the same log waits at most
  `group_ms` for its turn. A record returned survives a process crash
  (SIGKILL); a power loss may lose the last `group_ms` of records.
- ``"none"``: never synced by the log (the OS writes back in its own time, ~30 s on Linux):
  survives a process crash; a power loss may lose the last half-minute or so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno as errno_codes
import hashlib
import json
import logging
import os
import random
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json

from intervene_rules.decision import Decision, RulesetRef
from intervene_rules.errors import DecisionLogError, FileIssuesError, Issue
from intervene_rules.location import SourceLocation
from intervene_rules.situation import Situation, rank_titles

try:  # POSIX; elsewhere (Windows) lines of one process still never interleave
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms CI runs
    fcntl = None  # type: ignore[assignment]

_flock = fcntl.flock if fcntl is not None else None
_LOCK_EX = fcntl.LOCK_EX if fcntl is not None else 0
_LOCK_UN = fcntl.LOCK_UN if fcntl is not None else 0

Durability = Literal["group", "fsync", "none"]

FORMAT_VERSION = 1
"""The `v` of every record written by this version."""

MIN_FREE_BYTES = 1 << 20
"""Free space below which opening a log fails (1 MiB): a full disk is refused at start."""

_BYTES_KEPT = 256
"""Decisions whose encoded JSON a log keeps (by identity; see `DecisionLog._decision_line`)."""

_log = logging.getLogger(__name__)
_HEAD = b'{"v":1,"id":"'
_DECISION_HEAD = b'{"v":1,"kind":"decision","sha256":"'
_DECISION_MID = b'","decision":'
_DECISION_BODY = len(_DECISION_HEAD) + 64 + len(_DECISION_MID)
_WRITTEN_KEPT = 100_000
"""Hashes of decisions a writer remembers having written; beyond, it forgets them all (and
writes each decision once more: a repeat is harmless, the reader keeps one)."""
_ID_LEN = 36
_bits = random.getrandbits
_sync = getattr(os, "fdatasync", os.fsync)  # the size change is synced too; not the atime


# --- ids: UUIDv7, strictly increasing ----------------------------------------------------


class _Ids:
    """UUIDv7 (RFC 9562) ids, strictly increasing within a log even within one millisecond.

    Written here (about fifteen lines) rather than taken from `uuid6` or Python 3.14's
    `uuid.uuid7`: the log must continue *after* an id it read from the file (another
    process's, or one written before the clock was set back), which neither offers. The
    48-bit millisecond time and the 74 random bits are read as one 122-bit number; a new id
    is the time and fresh random bits, or the last id plus a random step of up to 2**32 when
    that is not larger (RFC 9562 §6.2, method 2: the random part as the counter).

    The bits come from `random`'s shared generator (seeded from the OS, and re-seeded in a
    forked child): ids must be unique, not secret, and `os.urandom` costs a system call.
    Writers of one file cannot collide whatever the bits: each continues after the last id.
    """

    def __init__(self) -> None:
        self.last = 0

    def next(self, ms: int) -> str:
        value = (ms << 74) | _bits(74)
        if value <= self.last:
            value = self.last + 1 + _bits(32)
        self.last = value
        u = (
            (value >> 74) << 80
            | 0x7 << 76
            | ((value >> 62) & 0xFFF) << 64
            | 0b10 << 62
            | (value & ((1 << 62) - 1))
        )
        h = f"{u:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def after(self, uid: str) -> None:
        """Make every later id larger than `uid` (an id read from the file)."""
        value = id_order(uid)
        if value is not None and value > self.last:
            self.last = value


def id_order(uid: str) -> int | None:
    """The 122-bit (time, random) number of a UUIDv7 string, or None if it is not one.

    Two ids of this log compare as these numbers (and as their strings).
    """
    try:
        u = int(uid.replace("-", ""), 16)
    except ValueError:
        return None
    if len(uid) != _ID_LEN or (u >> 76) & 0xF != 7 or (u >> 62) & 0b11 != 0b10:
        return None
    return (u >> 80) << 74 | ((u >> 64) & 0xFFF) << 62 | (u & ((1 << 62) - 1))


# --- the record ---------------------------------------------------------------------------


class LogRecord(BaseModel):
    """One line of a decision log: what was decided, when, on which ruleset and situation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = Field(default=1, description="Format version of the record.")
    id: str = Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        description="Decision id: a UUIDv7, increasing down the file.",
    )
    time: dt.datetime = Field(description="When the record was written (UTC).")
    ruleset: RulesetRef = Field(description="The ruleset that decided: id, version, digest.")
    as_of: dt.date | None = Field(
        description="The date the caller asked evaluate() to apply; null for 'today' (the "
        "date applied is the decision's own `as_of`)."
    )
    request_id: str | None = Field(default=None, description="The service's request id.")
    reference: str | None = Field(
        default=None, description="The caller's own reference, e.g. a CAD incident number."
    )
    situation: dict[str, Any] = Field(description="The situation as evaluated (JSON).")
    decision: Decision = Field(description="The decision, as `Decision.model_dump_json()`.")
    decision_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="On the line: the sha256 of the decision's JSON, written once on its own "
        "`decision` line before the first record that names it (`read_log` puts it back).",
    )


def _default(value: Any) -> Any:
    raise TypeError(f"a situation holds only JSON values, not {type(value).__name__}")


def _dumps(value: Any) -> str:
    return to_json(value, fallback=_default).decode()


def situation_json(situation: Situation | Mapping[str, Any] | str | bytes) -> str:
    """The JSON stored for a situation.

    A `Situation` is written as its validated fields, with any ruleset rank title it was
    written with put back (so a replay cites the title's sources as the decision did). A
    mapping or JSON text is written as received: it is what `evaluate()` validated when the
    decision was made, in the caller's own words.
    """
    if isinstance(situation, Situation):
        titles = rank_titles(situation)
        if not titles:
            return situation.model_dump_json()
        data = situation.model_dump(mode="json")
        for role, title in titles:
            data[role]["rank"] = title
        return _dumps(data)
    if isinstance(situation, str | bytes):
        situation = json.loads(situation)
    if not isinstance(situation, Mapping):
        raise TypeError(
            f"record() takes the situation as a Situation, a mapping or JSON text of an "
            f"object, not {type(situation).__name__}"
        )
    return _dumps(situation)


# --- the writer ---------------------------------------------------------------------------


def _advice(path: Path, exc: OSError, doing: str) -> DecisionLogError:
    code = exc.errno
    if code == errno_codes.ENOENT:
        why = f"the folder {path.parent} does not exist"
        what = "create it first, or give a path in an existing folder"
    elif code in (errno_codes.EACCES, errno_codes.EPERM):
        why = "permission denied"
        what = "make the file and its folder writable by this user, or give another path"
    elif code == errno_codes.EROFS:
        why = "the file system is read-only"
        what = "give a path on a writable file system"
    elif code == errno_codes.ENOTDIR:
        why = "a part of the path is a file, not a folder"
        what = "give a path whose folders exist"
    elif code == errno_codes.EISDIR:
        why = "it is a folder"
        what = "give the path of a file (e.g. decisions.jsonl) in that folder"
    elif code in (errno_codes.ENOSPC, errno_codes.EDQUOT):
        why = "the disk is full" if code == errno_codes.ENOSPC else "the disk quota is used up"
        what = "free space, or give a path on a disk with room"
    else:
        why = exc.strerror or str(exc)
        what = "check the path and the disk"
    return DecisionLogError(
        f"decision log {path}: cannot {doing}: {why}; {what}", errno=code, path=str(path)
    )


class _Flusher(threading.Thread):
    """Group commit: every `interval` seconds, lets other writers in and syncs the file.

    With group commit a writer keeps the file's lock from its first record until the next
    tick (`release`), so the records of one group cost one `write` each; another process
    waits at most `interval` for its turn.
    """

    def __init__(self, fd: int, interval: float, name: str, release: Callable[[], None]) -> None:
        super().__init__(name=f"decision-log-flusher {name}", daemon=True)
        self.fd = fd
        self.interval = interval
        self.release = release
        self.dirty = False
        self.error: OSError | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.release()
            if self.dirty:
                self.dirty = False
                try:
                    _sync(self.fd)
                except OSError as exc:  # reported by the next record()
                    self.error = exc
                    return


class DecisionLog:
    """An append-only JSON Lines decision log; thread-safe and safe across processes.

    Args:
        path: the log file; created if missing (its folder must exist). Records are
            appended to an existing file, after its last id.
        durability: ``"group"`` (default), ``"fsync"`` or ``"none"``: what a record
            returned by `record()` survives (see the module docs and docs/decision-log.md).
        group_ms: with ``"group"``, the interval between syncs in milliseconds.

    Raises:
        DecisionLogError: the path cannot be written (missing folder, read-only, a
            folder, no permission) or the disk is full, naming the path and what to do.
        ValueError: an unknown `durability` or a `group_ms` not above zero.

    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        durability: Durability = "group",
        group_ms: float = 10.0,
    ) -> None:
        if durability not in ("group", "fsync", "none"):
            raise ValueError(f"durability must be 'group', 'fsync' or 'none', not {durability!r}")
        if not group_ms > 0:
            raise ValueError(f"group_ms must be above zero, not {group_ms!r}")
        self.path = Path(path)
        self.durability: Durability = durability
        self.group_ms = float(group_ms)
        self._lock = threading.Lock()
        self._ids = _Ids()
        self._closed = True  # until opened: __del__ must not close an fd it does not own
        self._seal = False
        self._second = -1
        self._stamp = b""
        self._flusher: _Flusher | None = None
        self._bytes: dict[int, tuple[Decision, str, bytes, bytes, bytes]] = {}
        self._written: set[str] = set()
        self._held = False  # group commit: the file's lock kept until the flusher's tick
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise _advice(self.path, exc, "open it for appending") from exc
        self._fd = fd
        try:
            _check_room(self.path, fd)
            if _flock is not None:
                _flock(fd, _LOCK_EX)
            try:
                self._end = self._catch_up(os.fstat(fd).st_size)
            finally:
                if _flock is not None:
                    _flock(fd, _LOCK_UN)
        except BaseException:
            os.close(fd)
            raise
        self._closed = False
        if durability == "group":
            self._flusher = _Flusher(fd, self.group_ms / 1000.0, str(self.path), self._release)
            self._flusher.start()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<DecisionLog {str(self.path)!r} {self.durability} {state}>"

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def record(
        self,
        situation: Situation | Mapping[str, Any] | str | bytes,
        decision: Decision,
        *,
        as_of: dt.date | None = None,
        request_id: str | None = None,
        reference: str | None = None,
    ) -> str:
        """Append one record; returns its decision id (a UUIDv7 string).

        Args:
            situation: the situation evaluated: a `Situation`, or the mapping or JSON text
                as received.
            decision: what `evaluate()` returned for it.
            as_of: the `as_of` passed to `evaluate()` (None for today; the date applied is
                in the decision).
            request_id: the service's id of the request, if any.
            reference: the caller's own reference (e.g. a CAD incident number), if any.

        Raises:
            DecisionLogError: the disk is full or the write failed; the record was not
                logged (nothing logged before is lost).
            TypeError: an argument of the wrong type.
            ValueError: the log is closed.

        """
        if type(decision) is not Decision:
            raise TypeError(f"record() takes a Decision, not {type(decision).__name__}")
        if as_of is not None and type(as_of) is not dt.date:
            raise TypeError(f"as_of must be a datetime.date or None, not {type(as_of).__name__}")
        if request_id is not None and not isinstance(request_id, str):
            raise TypeError(f"request_id must be a str or None, not {type(request_id).__name__}")
        if reference is not None and not isinstance(reference, str):
            raise TypeError(f"reference must be a str or None, not {type(reference).__name__}")
        hit = self._bytes.get(id(decision))
        if hit is None or hit[0] is not decision:
            hit = self._decision_line(decision)
        _, digest, line, before, after = hit
        if type(situation) is dict:  # the common case, as received: straight to JSON
            try:
                as_json = to_json(situation)
            except ValueError:  # a value JSON cannot hold: said by `situation_json`
                as_json = situation_json(situation).encode()
        else:
            as_json = situation_json(situation).encode()
        # the record after its id and time, as bytes (the decision's parts made once)
        tail = b"".join(
            [
                before,
                b"null" if as_of is None else b'"%s"' % as_of.isoformat().encode(),
                b',"request_id":',
                b"null" if request_id is None else to_json(request_id),
                b',"reference":',
                b"null" if reference is None else to_json(reference),
                b',"situation":',
                as_json,
                after,
            ]
        )
        with self._lock:
            if self._closed:
                raise ValueError(f"the decision log {self.path} is closed")
            flusher = self._flusher
            if flusher is not None and flusher.error is not None:
                raise _advice(self.path, flusher.error, "sync it to disk")
            fd = self._fd
            held = self._held
            if not held and _flock is not None:
                _flock(fd, _LOCK_EX)
            try:
                if held:  # nobody else wrote since the lock was taken
                    size = self._end
                else:
                    size = os.fstat(fd).st_size
                    if size != self._end:  # another process wrote: continue after its last id
                        size = self._catch_up(size)
                    self._held = flusher is not None
                ns = time.time_ns()
                uid = self._ids.next(ns // 1_000_000)
                data = b"".join([_HEAD, uid.encode(), b'","time":"', self._time(ns), tail])
                if digest not in self._written:  # its decision line first, in one write
                    if len(self._written) >= _WRITTEN_KEPT:
                        self._written.clear()
                    data = line + data
                self._end = size + self._write(data, uid)
                self._written.add(digest)
            finally:
                if not self._held and _flock is not None:
                    _flock(fd, _LOCK_UN)
            if self.durability == "fsync":
                try:
                    _sync(self._fd)
                except OSError as exc:
                    raise _advice(self.path, exc, "sync it to disk") from exc
            elif flusher is not None:
                flusher.dirty = True
        return uid

    def _release(self) -> None:
        """Let other writers in (the flusher's tick, with group commit)."""
        with self._lock:
            if self._held and not self._closed:
                self._held = False
                if _flock is not None:
                    _flock(self._fd, _LOCK_UN)

    def _decision_line(self, decision: Decision) -> tuple[Decision, str, bytes, bytes, bytes]:
        """The decision's entry: itself, its JSON's sha256, its line, and two record parts.

        The parts are what a record says of it before `as_of` (its ruleset) and after the
        situation (its hash). The engine hands out one shared `Decision` object per (rules
        fired, ranks, date), so all are kept by identity (holding the decision, so its id is
        not reused): encoding and hashing ~14 KB of JSON costs more than an evaluation.
        """
        body = decision.model_dump_json().encode()
        digest = hashlib.sha256(body).hexdigest()
        line = b"".join([_DECISION_HEAD, digest.encode(), _DECISION_MID, body, b"}\n"])
        before = b'","ruleset":' + decision.ruleset.model_dump_json().encode() + b',"as_of":'
        after = b',"decision_sha256":"' + digest.encode() + b'"}\n'
        if len(self._bytes) >= _BYTES_KEPT:
            self._bytes.clear()
        entry = (decision, digest, line, before, after)
        self._bytes[id(decision)] = entry
        return entry

    def _time(self, ns: int) -> bytes:
        second, rest = divmod(ns, 1_000_000_000)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second)).encode()
        return b"%s%06dZ" % (self._stamp, rest // 1000)

    def _write(self, data: bytes, uid: str) -> int:
        """Write `data` whole (continuing a short write); returns the bytes written."""
        if not self._seal:  # the common case: one write of the whole line
            try:
                n = os.write(self._fd, data)
            except OSError as exc:
                raise _advice(
                    self.path, exc, f"write the record {uid} (it was not logged)"
                ) from exc
            if n == len(data):
                return n
            self._seal = True
            data = data[n:]
            return n + self._write_rest(data, uid)
        return self._write_rest(b"\n" + data, uid)

    def _write_rest(self, data: bytes, uid: str) -> int:
        """Write `data` whole after a short write or an error; returns the bytes written."""
        done = 0
        try:
            while done < len(data):
                n = os.write(self._fd, data[done:] if done else data)
                if n <= 0:
                    raise OSError(errno_codes.EIO, "write returned no progress")
                done += n
        except OSError as exc:
            self._seal = done > 0 or self._seal
            raise _advice(self.path, exc, f"write the record {uid} (it was not logged)") from exc
        self._seal = False
        return done

    def _catch_up(self, size: int) -> int:
        """Read the last id in the file and seal a torn last line; returns the file size."""
        if size == 0:
            return 0
        if os.pread(self._fd, 1, size - 1) != b"\n":
            _log.warning(
                "decision log %s: its last line was torn (a writer stopped mid-record); "
                "sealed it with a newline: readers report it and skip it",
                self.path,
            )
            self._write(b"\n", "(seal)")
            size += 1
        uid = last_id(self._fd, size)
        if uid is not None:
            self._ids.after(uid)
        return size

    # -- syncing and closing ---------------------------------------------------------------

    def flush(self) -> None:
        """Sync every record written so far to disk (whatever the durability mode).

        Raises:
            DecisionLogError: the sync failed (e.g. the disk is full).
            ValueError: the log is closed.

        """
        with self._lock:
            if self._closed:
                raise ValueError(f"the decision log {self.path} is closed")
            try:
                _sync(self._fd)
            except OSError as exc:
                raise _advice(self.path, exc, "sync it to disk") from exc

    def close(self) -> None:
        """Stop the flusher, sync (unless durability is "none") and close; idempotent."""
        flusher = self._flusher
        if flusher is not None and not self._closed:
            # stopped before taking the lock: its tick takes the lock too
            flusher.stop.set()
            if flusher is not threading.current_thread():
                flusher.join()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self.durability != "none":
                    _sync(self._fd)
            except OSError as exc:
                raise _advice(self.path, exc, "sync it to disk") from exc
            finally:
                os.close(self._fd)

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            with contextlib.suppress(Exception):  # nothing to report to at interpreter exit
                self.close()


def _check_room(path: Path, fd: int) -> None:
    try:
        st = os.fstatvfs(fd)
    except (OSError, AttributeError):  # no statvfs here: the first write will tell
        return
    free = st.f_bavail * st.f_frsize
    if free < MIN_FREE_BYTES:
        raise DecisionLogError(
            f"decision log {path}: cannot open it for appending: the disk is full "
            f"({free:,} bytes free, fewer than {MIN_FREE_BYTES:,}); free space, or give a "
            "path on a disk with room",
            errno=errno_codes.ENOSPC,
            path=str(path),
        )


def last_id(fd: int, size: int) -> str | None:
    """The id of the last record in the first `size` bytes of the open log `fd`, if any.

    Lines are read backwards from the end (a bad or torn line is passed over); a line this
    module wrote is recognised by its head, any other by parsing it.
    """
    chunk = 1 << 16
    while True:
        start = max(0, size - chunk)
        lines = os.pread(fd, size - start, start).split(b"\n")
        if start > 0:
            lines = lines[1:]  # may begin mid-line
        for line in reversed(lines):
            uid = _id_of(line)
            if uid is not None:
                return uid
        if start == 0:
            return None
        chunk *= 4


def _id_of(line: bytes) -> str | None:
    if line.startswith(_HEAD):
        uid = line[len(_HEAD) : len(_HEAD) + _ID_LEN].decode("ascii", "replace")
    else:
        try:
            uid = json.loads(line).get("id")
        except (ValueError, AttributeError):
            return None
    return uid if isinstance(uid, str) and id_order(uid) is not None else None


# --- the reader ---------------------------------------------------------------------------


class DecisionLogFormatError(FileIssuesError):
    """A line of a decision log is not a record; `.issues` says which line and why."""

    what = "decision log"


class TornLineWarning(UserWarning):
    """A line of a decision log was cut short by a crash; it was skipped."""


def _cut_short(raw: bytes) -> bool:
    """Whether `raw` is not JSON but the start of a JSON object (a line a crash cut)."""
    try:
        json.loads(raw)
    except ValueError:
        return _is_cut_short(raw)
    return False


def _is_cut_short(raw: bytes) -> bool:
    """Whether `raw` is the start of a JSON object cut short (a torn record)."""
    from pydantic_core import from_json

    if not raw.startswith(b"{"):
        return False
    try:
        from_json(raw, allow_partial=True)
    except ValueError:
        return False
    return True


def _line_issue(path: str, number: int, raw: bytes, last: bool) -> Issue:
    loc = SourceLocation(path, number, 1)
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if _is_cut_short(raw):
            where = "the last line" if last else "a line"
            return Issue(
                "log_torn_line",
                f"{where} is a record cut short ({len(raw):,} bytes): a writer stopped "
                "mid-record; skipped",
                loc,
                help="the record was never acknowledged (record() had not returned); "
                "the records before and after it are whole",
                severity="warning",
            )
        return Issue(
            "log_bad_line",
            f"not a JSON record: {exc.msg} at column {exc.colno}",
            SourceLocation(path, number, exc.colno),
            help="a decision log holds one JSON object per line, as DecisionLog writes",
        )
    try:
        LogRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return Issue(
            "log_bad_record",
            f"not a decision record: {field or 'record'}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""),
            loc,
            help="see `intervene schema log-record` for the record's fields",
        )
    raise AssertionError("unreachable: the line parsed")  # pragma: no cover


def read_log(
    path: str | os.PathLike[str], *, issues: list[Issue] | None = None
) -> Iterator[tuple[int, LogRecord]]:
    """Yield `(line number, record)` for every record of the log at `path` (1-based lines).

    A line cut short by a crash (the last line, or a line a later writer sealed with a
    newline) is reported as a warning (`log_torn_line`, with its line) and skipped: it was
    never acknowledged, and every record before and after it is read. Another bad line is an
    error. With `issues` given, every problem is appended to it and reading goes on;
    without, a torn line warns (`TornLineWarning`) and any other bad line raises.

    Raises:
        DecisionLogFormatError: a line is not a record (only when `issues` is None).
        OSError: the file cannot be read.

    """
    name = os.fspath(path)
    bodies: dict[str, bytes] = {}  # sha256 -> the decision's JSON, from its decision line
    parsed: dict[str, Decision] = {}

    def report(issue: Issue) -> None:
        if issues is not None:
            issues.append(issue)
        elif issue.severity == "warning":
            warnings.warn(str(issue), TornLineWarning, stacklevel=3)
        else:
            raise DecisionLogFormatError([issue])

    with open(path, "rb") as f:
        number = 0
        for raw in f:
            number += 1
            last = not raw.endswith(b"\n")
            line = raw.rstrip(b"\n")
            if line.startswith(_DECISION_HEAD):
                issue = _decision_line(name, number, line, last, bodies)
                if issue is not None:
                    report(issue)
                continue
            try:
                data = json.loads(line)
            except ValueError:
                report(_line_issue(name, number, line, last))
                continue
            if isinstance(data, dict) and data.get("kind") == "decision":  # reformatted
                issue = _loose_decision(name, number, data, bodies)
                if issue is not None:
                    report(issue)
                continue
            try:
                record = _record(data, bodies, parsed)
            except _MissingDecision as exc:
                report(
                    Issue(
                        "log_decision_missing",
                        f"the record names decision {exc.digest[:12]}…, which no earlier "
                        "decision line of this log holds",
                        SourceLocation(name, number, 1),
                        help="a record's decision is written on its own line before the first "
                        "record naming it: keep the log whole (do not cut it into parts)",
                    )
                )
                continue
            except ValueError:
                report(_line_issue(name, number, line, last))
                continue
            yield number, record


class _MissingDecision(Exception):
    def __init__(self, digest: str) -> None:
        self.digest = digest


def _record(data: Any, bodies: dict[str, bytes], parsed: dict[str, Decision]) -> LogRecord:
    """The record of a line's JSON, its decision put back from its decision line.

    Raises:
        ValueError: the line is not a record (pydantic's error).
        _MissingDecision: it names a decision no earlier line holds.

    """
    if isinstance(data, dict) and "decision" not in data and "decision_sha256" in data:
        digest = data["decision_sha256"]
        decision = parsed.get(digest) if isinstance(digest, str) else None
        if decision is None and isinstance(digest, str):
            body = bodies.get(digest)
            if body is None:
                raise _MissingDecision(digest)
            decision = parsed[digest] = Decision.model_validate_json(body)
        data["decision"] = decision
    return LogRecord.model_validate(data)


def _loose_decision(
    name: str, number: int, data: dict[str, Any], bodies: dict[str, bytes]
) -> Issue | None:
    """A decision line not in the writer's layout (reformatted): checked in canonical form."""
    loc = SourceLocation(name, number, 1)
    digest = data.get("sha256")
    try:
        body = Decision.model_validate(data.get("decision")).model_dump_json().encode()
    except ValidationError as exc:
        return Issue(
            "log_bad_record",
            f"not a decision line: {exc.errors()[0]['msg']}",
            loc,
            help="see `intervene schema decision` for a decision's fields",
        )
    if not isinstance(digest, str) or hashlib.sha256(body).hexdigest() != digest:
        return Issue(
            "log_decision_hash",
            "the decision on this line does not match its sha256: it was changed after it "
            "was written",
            loc,
            help="a decision log is append-only: restore the line from a copy",
        )
    bodies[digest] = body
    return None


def _decision_line(
    name: str, number: int, line: bytes, last: bool, bodies: dict[str, bytes]
) -> Issue | None:
    """Keep the decision of a decision line, checked against its hash; or say what is wrong."""
    loc = SourceLocation(name, number, 1)
    digest = line[len(_DECISION_HEAD) : len(_DECISION_HEAD) + 64].decode("ascii", "replace")
    body = line[_DECISION_BODY:-1]
    whole = line[len(_DECISION_HEAD) + 64 : _DECISION_BODY] == _DECISION_MID and line.endswith(b"}")
    if not whole or hashlib.sha256(body).hexdigest() != digest:
        if _cut_short(line):
            return Issue(
                "log_torn_line",
                f"{'the last line' if last else 'a line'} is a decision cut short "
                f"({len(line):,} bytes): a writer stopped mid-write; skipped",
                loc,
                help="the record that would have named it was never acknowledged",
                severity="warning",
            )
        return Issue(
            "log_decision_hash",
            f"the decision on this line does not match its sha256 {digest[:12]}…: it was "
            "changed after it was written",
            loc,
            help="a decision log is append-only: restore the line from a copy",
        )
    bodies[digest] = body
    return None


__all__ = [
    "DecisionLog",
    "DecisionLogError",
    "DecisionLogFormatError",
    "Durability",
    "LogRecord",
    "TornLineWarning",
    "id_order",
    "read_log",
]
