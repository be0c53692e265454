"""Benchmark `course grade` on whole-course submissions: serially, then with 2 workers; the grader's own overhead.

    .venv/bin/python tools/bench_grading.py [--n 4]                  # 4 students x 4 assignments = 16 notebooks
    .venv/bin/python tools/bench_grading.py --assignment 01_iter1 --n 6   # quick: 6 notebooks of one assignment

Whole course: student k hands in the reference solutions when k is even and the blank releases when k is odd,
in nbgrader's submitted/{student}/{assignment}/ layout. Prints submissions per minute for both runs, the
speedup, each distinct notebook's run time alone (best of 2; nbclient, plain course kernel, one torch thread
as the grader's kernels) and the grader's overhead per submission beyond that. Run it on an otherwise idle machine:
it prints the load average before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from autograder.student.settings import solutions_dir  # noqa: E402
SOLUTIONS = solutions_dir()
from autograder.grader.pipeline import assignments  # noqa: E402
from autograder.grader.pipeline import build_template, grade_submissions  # noqa: E402
from autograder.grader.types import Limits, Result  # noqa: E402

QUICK_MIX = ["correct", "transposed_weight", "missing_bias", "blank"]  # graded notebooks, no timeouts
QUICK_LIMITS = Limits(cell_timeout_s=60, notebook_timeout_s=300, memory_mb=4096)  # as the demo class


def notebook_alone(path: Path, runs: int = 2) -> float:
    """Best of `runs` executions of one notebook (a private copy), nbclient, plain course kernel, one thread.

    The best, not the first: the first kernel start of a run can pay for a cold disk cache (seen: 17 s vs 9 s).
    """
    return min(_execute_once(path) for _ in range(runs))


def _execute_once(path: Path) -> float:
    """Seconds to execute one notebook (a private copy) with nbclient and the plain course kernel, one thread."""
    import nbformat
    from nbclient import NotebookClient
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # as the pipeline's kernels
    with tempfile.TemporaryDirectory(prefix="alone-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        nb = nbformat.read(copy, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, kernel_name="mlp-course", timeout=600, allow_errors=True,
                       resources={"metadata": {"path": tmp}}).execute()
        return time.perf_counter() - start


def whole_course(folder: Path, n: int, releases: Path) -> dict[str, Path]:
    """n students x every assignment in submitted/ layout; {file: the distinct notebook it copies}."""
    made = {}
    for k in range(n):
        kind, source = ("reference", SOLUTIONS) if k % 2 == 0 else ("blank", releases)
        for a in assignments():
            dest = folder / "submitted" / f"s{k:02d}_{kind}" / a / f"{a}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / a / f"{a}.ipynb", dest)
            made[str(dest)] = source / a / f"{a}.ipynb"
    return made


def one_assignment(folder: Path, n: int, assignment: str) -> dict[str, Path]:
    """n loose notebooks of one assignment from the demo class's graded mix; {file: its distinct source}."""
    from autograder.demo import make_class
    make_class(folder.parent / "class", assignment)
    folder.mkdir(parents=True)
    made = {}
    for i in range(n):
        kind = QUICK_MIX[i % len(QUICK_MIX)]
        src = folder.parent / "class" / f"{kind}.ipynb"
        shutil.copyfile(src, folder / f"s{i:02d}_{kind}.ipynb")
        made[str(folder / f"s{i:02d}_{kind}.ipynb")] = src
    return made


def timed_grade(chosen: list[str], subs: Path, out: Path, workers: int, limits: Limits) -> tuple[float, list[Result]]:
    """Wall seconds for the whole pipeline (template included) and its rows."""
    start = time.perf_counter()
    rows = grade_submissions(chosen, subs, out, workers=workers, limits=limits, progress=False, report=False)
    return time.perf_counter() - start, rows


def _label(path: Path, tmp: Path) -> str:
    """A short name for a distinct notebook: solutions/..., release/... or class/..."""
    base = tmp if tmp in path.parents else SOLUTIONS.parent
    parts = path.relative_to(base).parts
    return "/".join(p for p in parts if p not in ("template",))


def _row(r: Result) -> tuple:
    """What must not depend on the number of workers."""
    return r.student, r.assignment, r.status, r.score, json.dumps(r.points, sort_keys=True), r.reason


def main() -> None:
    """Build the submissions, time notebooks alone, grade serially and with 2 workers; print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4, help="students (whole course) or notebooks (--assignment); default 4")
    ap.add_argument("--assignment", help="benchmark one assignment's demo mix instead of the whole course")
    args = ap.parse_args()
    load_before = os.getloadavg()
    chosen = [args.assignment] if args.assignment else assignments()
    limits = QUICK_LIMITS if args.assignment else Limits()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        template = build_template(chosen, tmp / "template")
        template_s = time.perf_counter() - start
        made = (one_assignment(tmp / "subs", args.n, args.assignment) if args.assignment
                else whole_course(tmp / "subs", args.n, template / "release"))
        alone = {src: notebook_alone(src) for src in sorted(set(made.values()))}
        alone_total = sum(alone[src] for src in made.values())
        alone_s = {_label(p, tmp): round(s, 1) for p, s in alone.items()}
        serial, rows1 = timed_grade(chosen, tmp / "subs", tmp / "o1", 1, limits)
        parallel, rows2 = timed_grade(chosen, tmp / "subs", tmp / "o2", 2, limits)
    n = len(made)
    figures = {
        "submissions": n, "assignments": chosen, "serial_s": round(serial, 1), "two_workers_s": round(parallel, 1),
        "serial_per_min": round(60 * n / serial, 2), "two_workers_per_min": round(60 * n / parallel, 2),
        "speedup": round(serial / parallel, 2), "template_build_s": round(template_s, 1),
        "notebook_alone_s": alone_s,
        "notebook_alone_mean_s": round(alone_total / n, 1),
        "overhead_per_submission_s": round((serial - alone_total) / n, 1),
        "graded": sum(r.status == "graded" for r in rows1), "points_serial": sum(r.score for r in rows1),
        "same_rows_serial_and_parallel": [_row(r) for r in rows1] == [_row(r) for r in rows2],
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(figures, indent=1))
    print(f"{n} submissions ({', '.join(chosen)}): serial {serial:.0f} s ({60 * n / serial:.2f}/min), "
          f"2 workers {parallel:.0f} s ({60 * n / parallel:.2f}/min), speedup {serial / parallel:.2f}x; "
          f"a notebook alone {alone_total / n:.1f} s (mean), grader overhead {(serial - alone_total) / n:.1f} s "
          f"per submission (serial, template build of {template_s:.1f} s included)")


if __name__ == "__main__":
    main()
