"""Grade a class: one template gradebook, then one private course root per submission, in parallel."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from ..student.settings import WORKERS, course_root, solutions_dir
from .subprocess_env import venv_env
from . import sandbox
from .collect import Submission, collect
from .kernel import short_tmp_root, write_kernelspec
from .copies import similarity
from .flags import notebook_flags
from .report import write_report
from .types import Job, Limits, Result
from .worker import grade_one


def assignments() -> list[str]:
    """The assignment ids: the folders of solutions/ that hold a notebook, in course order."""
    return sorted(p.name for p in solutions_dir().iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def generate_assignments(assignments: list[str], root: Path, release: Path, db: Path | None = None) -> None:
    """nbgrader generate_assignment for each, in one process (run_one): the gradebook learns the hidden tests."""
    job = {"assignments": assignments, "root": str(root), "release": str(release), "db": str(db) if db else None}
    cmd = [sys.executable, "-m", "autograder.grader.run_one", "generate", json.dumps(job)]
    proc = subprocess.run(cmd, cwd=course_root(), capture_output=True, text=True, env=venv_env())
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {' '.join(assignments)} failed (exit {proc.returncode}):"
                           f"\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")


def build_template(assignments: list[str], folder: Path) -> Path:
    """Generate every assignment into folder: a gradebook that knows its hidden tests, and the release."""
    folder.mkdir(parents=True, exist_ok=True)
    generate_assignments(assignments, folder, folder / "release")
    return folder


def run_jobs(jobs: list[Job], workers: int, progress: bool = True) -> list[Result]:
    """Grade every job with `workers` at a time; results sorted by student and assignment."""
    from tqdm import tqdm
    results: list[Result] = []
    # No bar when stderr is not a terminal (a log file, a Slurm task): its carriage returns would fill the log.
    bar = tqdm(total=len(jobs), unit="nb", desc="grading", disable=not (progress and sys.stderr.isatty()),
               file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(grade_one, j): j for j in jobs}
        for fut in as_completed(futures):
            results.append(fut.result())
            bar.set_postfix_str(f"{results[-1].student}: {results[-1].status}")
            bar.update()
    bar.close()
    return sorted(results, key=lambda r: (r.student, r.assignment))


def grade_submissions(assignments: list[str], submissions: Path, out: Path, workers: int = WORKERS,
                      limits: Limits = Limits(), progress: bool = True, report: bool = True) -> list[Result]:
    """Grade every submission in `submissions` for `assignments`; write grades.csv, feedback and a summary to out."""
    subs: list[Submission] = collect(submissions, assignments)
    if not subs:
        raise FileNotFoundError(f"Expected notebooks for {', '.join(assignments)} in {submissions}; got none.")
    no_sandbox = sandbox.unavailable()
    if no_sandbox:
        print(f"note: grading WITHOUT the OS sandbox: {no_sandbox}. Student code is fenced only by an audit hook "
              "in its kernel; see the trust model in the docs.", flush=True)
    out = Path(out).resolve()
    for kind in ("feedback", "autograded", "logs"):
        shutil.rmtree(out / kind, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    # Short: kernels talk over ipc sockets in it, and each job's j{i}/t is its kernel's TMPDIR (unix sockets too).
    work = Path(tempfile.mkdtemp(prefix="grade-", dir=short_tmp_root()))
    try:
        write_kernelspec(work)
        template = build_template(sorted({s.assignment for s in subs}), work / "template")
        deny = (str(work), str(out), str(Path(submissions).resolve()))
        # One torch thread per kernel: the course's small models gain nothing from more, and extra
        # threads per worker oversubscribe the cores (measured: tools/bench_grading.py).
        jobs = [Job(s, template, work / f"j{i}", out, limits, deny, 1) for i, s in enumerate(subs)]
        results = run_jobs(jobs, workers, progress)
        flagged = similarity(subs, template / "release")
        paths = {(s.student, s.assignment): s.path for s in subs}
        for r in results:
            r.similarity = flagged.get((r.student, r.assignment), "")
            r.flags = notebook_flags(paths[(r.student, r.assignment)], template / "release" / r.assignment
                                     / f"{r.assignment}.ipynb")
            if no_sandbox:
                r.reason = "; ".join(filter(None, [r.reason, f"graded without the OS sandbox ({no_sandbox})"]))
        if report:
            write_report(results, out)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)
