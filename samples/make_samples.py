"""Regenerate the committed samples from the full datasets in ../shared/data.

Deterministic: rows are chosen by rule (see each sample's README), written as their original
bytes (line endings, quoting and a UTF-8 byte-order mark are kept), and gzip files are written
with no name and mtime 0, so a second run gives identical files.

    python samples/make_samples.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _open(path: Path) -> io.TextIOWrapper:
    """The file as text, line endings and a BOM as they are."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.GzipFile(path, "rb"), encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def rows(path: Path) -> Iterator[tuple[list[str], str]]:
    """(fields, original text) of each CSV record, the header first (BOM kept in its text)."""
    with _open(path) as fh:
        buf: list[str] = []

        def lines() -> Iterator[str]:
            for line in fh:
                buf.append(line)
                yield line

        for fields in csv.reader(lines()):
            text = "".join(buf)
            buf.clear()
            yield fields, text


def write(path: Path, texts: list[str]) -> None:
    """Write the records' text; gzip with no name and mtime 0 (reproducible bytes)."""
    data = "".join(texts).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with path.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


def column(header: list[str], name: str) -> int:
    """Index of `name` in a header whose spellings vary (BOM, spaces)."""
    clean = [" ".join(h.lstrip("\ufeff").split()) for h in header]
    return clean.index(name)


def cut(src: Path, dst: Path, keep: Callable[[int, list[str], list[str]], bool]) -> int:
    """Copy the header and the records `keep(line_index, header, fields)` accepts."""
    it = rows(src)
    header, head_text = next(it)
    out = [head_text]
    for i, (fields, text) in enumerate(it, start=2):
        if keep(i, header, fields):
            out.append(text)
    write(dst, out)
    return len(out) - 1


def first_groups(src: Path, name: str, n: int) -> set[str]:
    """The first `n` values of column `name`, sorted as text (whole incidents are kept)."""
    it = rows(src)
    header, _ = next(it)
    k = column(header, name)
    return set(sorted({f[k].strip() for f, _ in it if len(f) > k})[:n])


def nj(data: Path, out: Path) -> None:
    """The reports of the first 600 incidents by incident id, and the field definitions."""
    src = data / "nj-oag-uof" / "NJOAG_UoF_Dashboard_2020-10-01_to_2021-02-28.csv.gz"
    keep = first_groups(src, "incident_id", 600)
    n = cut(src, out / src.name, lambda _, h, f: f[column(h, "incident_id")].strip() in keep)
    (out / "metadata.csv").write_bytes((data / "nj-oag-uof" / "metadata.csv").read_bytes())
    print(f"nj-oag-2020: {n} reports of {len(keep)} incidents")


def austin(data: Path, out: Path) -> None:
    """2009 and 2017 (both header spellings): the reports of the first 400 offence reports."""
    for year in ("2009", "2017"):
        src = data / "austin-r2r" / f"R2R_{year}.csv.gz"
        keys = first_groups(src, "Primary Key", 400)

        def keep(_: int, h: list[str], f: list[str], keys: set[str] = keys) -> bool:
            return f[column(h, "Primary Key")].strip() in keys

        n = cut(src, out / src.name, keep)
        print(f"austin-r2r: {src.name}: {n} reports of {len(keys)} offence reports")


ORLANDO_LINES = ((2, 400), (690, 730), (2700, 2760))
"""File lines kept (1 = the header): both lines repeating the header (28 and 2,727) and
rows repeating an incident number (704, 724) are in."""


def orlando(data: Path, out: Path) -> None:
    """Fixed line ranges, chosen to hold the file's faults (see ORLANDO_LINES)."""
    src = data / "orlando-r2r" / "OPD_Response_To_Resistance.csv.gz"
    n = cut(src, out / src.name, lambda i, _h, _f: any(a <= i <= b for a, b in ORLANDO_LINES))
    print(f"orlando-r2r: {n} lines")


def chicago(data: Path, out: Path) -> None:
    """The TRRs of the first 1,500 events of trr_main, in the four files the audit reads."""
    folder = data / "chicago_trr_2004_2016"
    main = folder / "trr_main.csv.gz"
    it = rows(main)
    header, _ = next(it)
    ev, tid = column(header, "event_no"), column(header, "trr_id")
    events: list[str] = []
    for f, _ in it:
        if f[ev] not in events:
            events.append(f[ev])
            if len(events) == 1500:
                break
    chosen = set(events)
    trrs: set[str] = set()
    for f, _ in rows(main):
        if f[ev] in chosen:
            trrs.add(f[tid])
    for name in ("trr_main", "trr_officers", "trr_subjects", "trr_actions_responses"):
        src = folder / f"{name}.csv.gz"
        n = cut(src, out / src.name, lambda _, h, f: f[column(h, "trr_id")] in trrs)
        print(f"chicago-trr-2004-2016: {src.name}: {n} rows")


def main() -> None:
    """Write every sample."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = ap.parse_args()
    nj(args.data, HERE / "nj-oag-2020")
    austin(args.data, HERE / "austin-r2r")
    orlando(args.data, HERE / "orlando-r2r")
    chicago(args.data, HERE / "chicago-trr-2004-2016")


if __name__ == "__main__":
    main()
