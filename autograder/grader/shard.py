"""Grading beyond one machine: grade one deterministic slice of a class, then merge the slices' outputs.

    course grade A SUBMISSIONS --shard I/N --out out-I     # on machine I of N (I = 0 .. N-1)
    course merge out-0 out-1 ... --out grading_out         # anywhere, once every shard is done

A student belongs to shard int(sha256(student id)[:16], 16) mod N: the same on every run and every
machine (Python's own hash() is salted per process), and independent of the order of the files.
All of a student's assignments land in the same shard. Merging rebuilds grades.csv from the rows with
the same writer as one run, so the merged file is identical to a run over the whole class.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from .collect import Submission, collect
from .report import read_csv, write_report
from .types import Result

OUTPUT_TREES = ("feedback", "autograded", "logs")


def parse_shard(spec: str) -> tuple[int, int]:
    """'I/N' -> (I, N) with 0 <= I < N; a clear error otherwise."""
    try:
        i, n = (int(part) for part in spec.split("/"))
    except ValueError:
        raise ValueError(f"Expected --shard I/N with whole numbers, e.g. 0/4; got {spec!r}.") from None
    if n < 1 or not 0 <= i < n:
        raise ValueError(f"Expected --shard I/N with 0 <= I < N (shards are numbered from 0, like a Slurm "
                         f"array or a Kubernetes completion index); got {spec!r}.")
    return i, n


def shard_of(student: str, n: int) -> int:
    """The shard (0 .. n-1) a student belongs to: a stable hash of the id, not Python's salted hash()."""
    digest = hashlib.sha256(student.encode("utf-8")).hexdigest()
    return int(digest[:16], 16) % n


def select(subs: list[Submission], i: int, n: int) -> list[Submission]:
    """The submissions of shard i of n."""
    return [s for s in subs if shard_of(s.student, n) == i]


def link_shard(subs: list[Submission], folder: Path) -> Path:
    """folder/submitted/{student}/{assignment}/{file}: links to the shard's notebooks, which stay untouched."""
    base = folder / "submitted"
    for s in subs:
        dest = base / s.student / s.assignment / s.path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(s.path.resolve())
    return base


def grade_shard(assignments: list[str], submissions: Path, out: Path, shard: str, **kwargs) -> list[Result]:
    """Grade only shard I/N of the class in `submissions`; write its grades.csv and feedback to out."""
    from .pipeline import grade_submissions
    i, n = parse_shard(shard)
    mine = select(collect(Path(submissions), assignments), i, n)
    print(f"shard {i}/{n}: {len(mine)} submission(s) from {len({s.student for s in mine})} student(s)")
    if not mine:
        Path(out).mkdir(parents=True, exist_ok=True)
        write_report([], Path(out))
        return []
    links = Path(tempfile.mkdtemp(prefix=f"shard{i}-"))
    try:
        return grade_submissions(assignments, link_shard(mine, links), Path(out), **kwargs)
    finally:
        shutil.rmtree(links, ignore_errors=True)


def _result(row: dict[str, str], fixed: set[str]) -> Result:
    """A grades.csv row back into the Result it was written from."""
    points = {k: float(v) for k, v in row.items() if k not in fixed and v != ""}
    return Result(row["student"], row["assignment"], row["status"], float(row["score"]),
                  float(row["max_score"]), points, row["reason"], similarity=row.get("similarity", ""))


def merge(outs: list[Path], dest: Path) -> list[Result]:
    """Join the shards' grades.csv (one row per student and assignment) and their feedback into dest."""
    fixed = {"student", "assignment", "status", "score", "max_score", "reason", "similarity"}  # copies: within a shard
    results: dict[tuple[str, str], Result] = {}
    for out in map(Path, outs):
        if not (out / "grades.csv").is_file():
            raise FileNotFoundError(f"Expected a shard's output folder with grades.csv; got {out}, which has none. "
                                    "Hint: wait until every shard has finished, or rerun the missing one.")
        for row in read_csv(out / "grades.csv"):
            key = (row["student"], row["assignment"])
            if key in results:
                raise ValueError(f"Expected each student in one shard only; got {key[0]} ({key[1]}) twice, "
                                 f"again in {out}. Hint: merge the outputs of one --shard I/N series.")
            results[key] = _result(row, fixed)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for out in map(Path, outs):
        for tree in OUTPUT_TREES:
            if (out / tree).is_dir() and (out / tree).resolve() != (dest / tree).resolve():
                shutil.copytree(out / tree, dest / tree, dirs_exist_ok=True)
    merged = [results[k] for k in sorted(results)]
    write_report(merged, dest)
    return merged
