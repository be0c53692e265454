"""Grading beyond one machine: grade one deterministic slice of a class, then merge the slices' outputs.

    course grade A SUBMISSIONS --shard I/N --out out-I     # on machine I of N (I = 0 .. N-1)
    course merge out-0 out-1 ... --out grading_out         # anywhere, once every shard is done

A student belongs to shard int(sha256(student id)[:16], 16) mod N: the same on every run and every
machine (Python's own hash() is salted per process), and independent of the order of the files.
All of a student's assignments land in the same shard. Each shard writes a manifest (shard.json: I/N, what
it graded, the command that re-runs it, and whether it finished), so `course merge` names a missing or
partial shard and how to re-run it. Merging rebuilds grades.csv from the rows with the same writer as one
run, and computes `similarity` over the whole class (a copy split across shards is still found), so the
merged file is identical to a run over the whole class.
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path

from .collect import Submission, collect
from .classreport import load_results
from .report import FIXED, TEXT, read_csv, write_report
from .types import Result

OUTPUT_TREES = ("feedback", "autograded", "logs")
MANIFEST = "shard.json"


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


RERUN_ENV = "COURSE_SHARD_RERUN"  # a job script's own re-run command, with {i} for the shard (Slurm: sbatch --array={i} ...)


def rerun_command(manifest: dict, i: int, out: Path | None = None) -> str:
    """The command that grades shard i of the series a manifest belongs to (into `out`, else beside its sibling)."""
    if manifest.get("rerun"):
        return manifest["rerun"].replace("{i}", str(i))
    old, n = manifest["shard"]
    if out is None:
        sibling = Path(manifest["out"])
        stem = sibling.name.removesuffix(str(old)) if sibling.name.endswith(str(old)) else sibling.name + "-"
        out = sibling.parent / f"{stem}{i}"
    return shlex.join(["course", "grade", manifest["assignment"], manifest["submissions"], "--shard", f"{i}/{n}",
                       "--out", str(out)])


def write_manifest(out: Path, i: int, n: int, assignment: str, submissions: Path, graded: int, complete: bool) -> None:
    """out/shard.json: which slice this is, what it graded, and whether it finished."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps({
        "shard": [i, n], "assignment": assignment, "submissions": str(Path(submissions).resolve()),
        "out": str(out.resolve()), "submissions_graded": graded, "complete": complete,
        "rerun": os.environ.get(RERUN_ENV, "")}, indent=1) + "\n")


def grade_shard(assignments: list[str], submissions: Path, out: Path, shard: str, assignment: str = "",
                **kwargs) -> list[Result]:
    """Grade only shard I/N of the class in `submissions`; write its grades.csv, feedback and manifest to out."""
    from .pipeline import grade_submissions
    i, n = parse_shard(shard)
    out = Path(out)
    assignment = assignment or (assignments[0] if len(assignments) == 1 else "all")
    mine = select(collect(Path(submissions), assignments), i, n)
    print(f"shard {i}/{n}: {len(mine)} submission(s) from {len({s.student for s in mine})} student(s)")
    write_manifest(out, i, n, assignment, submissions, len(mine), complete=False)
    if not mine:
        write_report([], out)
        write_manifest(out, i, n, assignment, submissions, 0, complete=True)
        return []
    links = Path(tempfile.mkdtemp(prefix=f"shard{i}-"))
    try:
        results = grade_submissions(assignments, link_shard(mine, links), out, **kwargs)
    finally:
        shutil.rmtree(links, ignore_errors=True)
    write_manifest(out, i, n, assignment, submissions, len(mine), complete=True)
    return results


def read_manifests(outs: list[Path]) -> dict[Path, dict]:
    """Each output folder's manifest; a folder that is missing, unfinished or from another series is named."""
    found: dict[Path, dict] = {}
    for out in outs:
        try:
            manifest = json.loads((out / MANIFEST).read_text())
        except (OSError, ValueError):
            continue
        twice = [o for o, m in found.items() if m["shard"] == manifest["shard"]]
        if twice:
            i, n = manifest["shard"]
            raise ValueError(f"Expected each student in one shard only; got shard {i}/{n} twice, in {twice[0]} and "
                             f"again in {out}. Hint: merge the outputs of one --shard I/N series, each once.")
        found[out] = manifest
    if not found:
        raise FileNotFoundError(f"Expected shard outputs with {MANIFEST} (written by `course grade --shard I/N`); "
                                f"got none in {', '.join(map(str, outs))}.")
    first = next(iter(found.values()))
    n = first["shard"][1]
    series = {(m["shard"][1], m["assignment"], m["submissions"]) for m in found.values()}
    if len(series) > 1:
        raise ValueError(f"Expected the outputs of one --shard I/N series; got {sorted(series)}.")
    present = {m["shard"][0]: out for out, m in found.items() if m.get("complete")}
    partial = {m["shard"][0]: out for out, m in found.items() if not m.get("complete")}
    unfinished = [o for o in outs if o not in present.values()]
    guess = unfinished[0] if len(unfinished) == 1 else None  # the one folder given that holds no finished shard
    problems = []
    for i in range(n):
        if i in partial:
            problems.append(f"shard {i}/{n} did not finish (its {MANIFEST} in {partial[i]} says so); "
                            f"re-run it: {rerun_command(first, i, partial[i])}")
        elif i not in present:
            problems.append(f"shard {i}/{n} is missing (no finished output among the folders given); "
                            f"re-run it: {rerun_command(first, i, guess)}")
    if problems:
        raise FileNotFoundError("Expected every shard finished before merging; " + "; ".join(problems) + ".")
    return found


def _result(row: dict[str, str], fixed: set[str]) -> Result:
    """A grades.csv row back into the Result it was written from."""
    points = {k: float(v) for k, v in row.items() if k not in fixed and v != ""}
    return Result(row["student"], row["assignment"], row["status"], float(row["score"]),
                  float(row["max_score"]), points, row["reason"], similarity=row.get("similarity", ""),
                  flags=row.get("flags", ""))


def merge(outs: list[Path], dest: Path) -> list[Result]:
    """Join the shards' grades.csv (one row per student and assignment) and their feedback into dest."""
    fixed = set(FIXED + TEXT)
    outs = [Path(o) for o in outs]
    manifests = read_manifests(outs)
    results: dict[tuple[str, str], Result] = {}
    for out in manifests:
        if not (out / "grades.csv").is_file():
            raise FileNotFoundError(f"Expected a shard's output folder with grades.csv; got {out}, which has none. "
                                    "Hint: wait until every shard has finished, or rerun the missing one.")
        # results.json keeps each row's per-check results (the class report); grades.csv is the fallback
        rows = load_results(out / "results.json") if (out / "results.json").is_file() else \
            [_result(row, fixed) for row in read_csv(out / "grades.csv")]
        for row in rows:
            key = (row.student, row.assignment)
            if key in results:
                raise ValueError(f"Expected each student in one shard only; got {key[0]} ({key[1]}) twice, "
                                 f"again in {out}. Hint: merge the outputs of one --shard I/N series.")
            results[key] = row
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for out in manifests:
        for tree in OUTPUT_TREES:
            if (out / tree).is_dir() and (out / tree).resolve() != (dest / tree).resolve():
                shutil.copytree(out / tree, dest / tree, dirs_exist_ok=True)
    merged = [results[k] for k in sorted(results)]
    class_wide_similarity(merged, next(iter(manifests.values())))
    write_report(merged, dest)
    return merged


def class_wide_similarity(results: list[Result], manifest: dict) -> None:
    """Set `similarity` from every submission of the class, across shards (within a shard, a copy in another
    shard is invisible)."""
    from ..student.settings import notebooks_dir
    from .copies import similarity
    graded = {(r.student, r.assignment) for r in results}
    assignments = sorted({r.assignment for r in results})
    subs = [s for s in collect(Path(manifest["submissions"]), assignments) if (s.student, s.assignment) in graded]
    flagged = similarity(subs, notebooks_dir())
    for r in results:
        r.similarity = flagged.get((r.student, r.assignment), "")
