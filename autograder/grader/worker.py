"""Grade one submission in its own course root, with its own copy of the gradebook."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil

from ..student.settings import course_root
from .subprocess_env import venv_env
from .collect import id_problem, printable_id
from . import details
from .kernel import sandbox_env
from .run_one import AUTOGRADED, Forked, start_grade
from .types import Job, Limits, Result
from .validate import validate

FEEDBACK_S = 300  # seconds allowed for the feedback HTML once the notebook has been autograded


def _env(job: Job, tmp: str) -> dict[str, str]:
    """What the grading process and its kernel inherit: the sandbox's contract and one thread count."""
    return venv_env() | sandbox_env(job.limits.memory_mb, job.limits.notebook_timeout_s * 2, job.deny, tmp) | {
        "JUPYTER_PATH": str(job.work.parent), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": str(job.threads), "MKL_NUM_THREADS": str(job.threads)}


def _wait(proc: subprocess.Popen | Forked, marker: Path, notebook_s: float) -> int:
    """Wait for the grading process: notebook_s until autograding is marked done, then FEEDBACK_S; -9 if killed."""
    deadline, extended = time.monotonic() + notebook_s, False
    while True:
        try:
            return proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            if not extended and marker.exists():
                deadline, extended = time.monotonic() + FEEDBACK_S, True
            if time.monotonic() > deadline:
                kill_tree(proc.pid)
                proc.wait()
                return -9


def kill_tree(pid: int) -> None:
    """SIGKILL pid, its descendants (psutil) and their process groups: jupyter_client starts the kernel in a session of its own."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    groups = set()
    for proc in procs:
        try:
            groups.add(os.getpgid(proc.pid))
        except ProcessLookupError:
            pass
    for group in groups:  # a group also holds what a kernel started and left orphaned
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def _run_one(job: Job) -> tuple[int, str]:
    """Autograde and write feedback in ONE process (run_one.py); (exit code, log); -9 when the notebook ran too long."""
    a, s = job.sub.assignment, job.sub.student
    spec = {"assignment": a, "student": s, "root": str(job.work), "cell_timeout_s": job.limits.cell_timeout_s}
    log_path = job.work / "nbgrader.log"  # a file, not a pipe: a chatty kernel cannot block the process
    tmp = job.work / "t"  # the kernel's TMPDIR: short whatever the id (the work root is short), private to this job
    tmp.mkdir(exist_ok=True)
    proc = start_grade(spec, _env(job, str(tmp)), course_root(), log_path)  # run_one's `grade`, forked warm
    code = _wait(proc, job.work / AUTOGRADED, job.limits.notebook_timeout_s)
    return code, log_path.read_text(errors="replace")


def _stage(job: Job, repaired: dict | None) -> Path:
    """A fresh course root holding a copy of the template gradebook and a copy of the submission (or its repair)."""
    shutil.rmtree(job.work, ignore_errors=True)
    a, s = job.sub.assignment, job.sub.student
    dest = job.work / "submitted" / s / a / f"{a}.ipynb"
    dest.parent.mkdir(parents=True)
    shutil.copyfile(job.template / "gradebook.db", job.work / "gradebook.db")
    if repaired is None:
        shutil.copyfile(job.sub.path, dest)
    else:  # the student's own file stays as handed in
        dest.write_text(json.dumps(repaired, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return dest


def _read_grades(job: Job) -> tuple[dict[str, float], float, float]:
    """Points per exercise from this job's gradebook (test cell grade_id minus '_tests')."""
    from nbgrader.api import Gradebook
    a = job.sub.assignment
    with Gradebook(f"sqlite:///{job.work / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(a, a, job.sub.student)
        points = {g.name.removesuffix("_tests"): float(g.score or 0.0) for g in nb.grades}
        return points, float(nb.score or 0.0), float(nb.max_score or 0.0)


def max_points(template: Path, assignment: str) -> tuple[dict[str, float], float]:
    """Each exercise's maximum from the template gradebook (for rows that were never graded)."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{template / 'gradebook.db'}") as gb:
        nb = gb.find_notebook(assignment, assignment)
        cells = {c.name.removesuffix("_tests"): float(c.max_score) for c in nb.grade_cells}
        return cells, sum(cells.values())


def _execution_notes(autograded: Path, limits: Limits) -> list[str]:
    """What went wrong while the notebook ran: timeouts, exits, memory, huge output."""
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    notes, size = [], autograded.stat().st_size
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            ename = out.get("ename", "")
            if ename == "CellTimeoutError":
                notes.append(f"cell {i} ran past the {limits.cell_timeout_s} s limit and was stopped")
            elif ename == "SystemExit":
                notes.append(f"cell {i} called sys.exit(); the cell was stopped, the notebook went on")
            elif ename == "MemoryError":
                notes.append(f"cell {i} ran out of memory (limit {limits.memory_mb} MiB) and was stopped")
            elif ename == "PermissionError" and "grader does not let" in out.get("evalue", ""):
                notes.append(f"cell {i}: {out['evalue']}")
            elif ename == "DeadKernelError":
                notes.append(f"the kernel died in cell {i} (os._exit, a crash, or the memory limit)")
    if size > 5 * 2**20:
        notes.append(f"the notebook's output is {size / 2**20:.0f} MiB; feedback shows it cut short")
    return list(dict.fromkeys(notes))


def _explain(log: str, code: int, limits: Limits) -> str:
    """One sentence for an nbgrader failure, from its log."""
    if code == -9:
        return f"grading stopped after {limits.notebook_timeout_s} s for the whole notebook"
    low = log.lower()
    if "kernel died" in low or "deadkernel" in low or "kernel died" in low:
        return "the notebook's kernel died while running (os._exit, a crash, or the memory limit)"
    if "timeout" in low and "kernel" in low:
        return "the kernel did not start or stopped answering"
    generic = ("there was an error processing", "please see the", "traceback (most recent", "removing failed")
    lines = [ln.split("ERROR]", 1)[-1].strip() for ln in log.splitlines() if "| ERROR]" in ln]
    lines = [ln for ln in lines if ln and not ln.lower().startswith(generic)]
    return f"nbgrader could not grade it: {(lines[0] if lines else log.strip()[-200:])[:200]}"


def _copy_outputs(job: Job) -> None:
    """Copy the feedback HTML (hidden tests stripped by HideHiddenTests) and the autograded notebook to out."""
    a, s = job.sub.assignment, job.sub.student
    for kind in ("feedback", "autograded"):
        src = job.work / kind / s / a
        if src.is_dir():
            dest = job.out / kind / s / a
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.txt", "k-*"))


def grade_one(job: Job) -> Result:
    """Validate, autograde and write feedback for one submission; every failure becomes a reason."""
    start = time.perf_counter()
    a, s = job.sub.assignment, job.sub.student
    cells, total = max_points(job.template, a)
    blank = Result(printable_id(s), a, "invalid", 0.0, total, {k: 0.0 for k in cells})
    problem = id_problem(s)
    verdict = validate(job.sub.path, job.template / "release" / a / f"{a}.ipynb") if not problem else None
    if verdict is None or not verdict.ok:
        blank.reason = problem or verdict.reason
    else:
        _stage(job, verdict.notebook)
        code, log = _run_one(job)
        (job.out / "logs").mkdir(parents=True, exist_ok=True)
        (job.out / "logs" / f"{s}__{a}.log").write_text(log)
        autograded = job.work / "autograded" / s / a / f"{a}.ipynb"
        if not (job.work / AUTOGRADED).exists() or not autograded.exists():
            blank.status, blank.reason = "error", _explain(log, code, job.limits)
        else:
            recorded, _, _ = _read_grades(job)
            # The maxima are the release's (the template's), never the job's gradebook, which ran beside the kernel.
            points = {k: min(recorded.get(k, 0.0), top) for k, top in cells.items()}
            score = sum(points.values())
            notes = details.integrity_notes(autograded, points) + verdict.repaired + verdict.notes + \
                _execution_notes(autograded, job.limits)
            checks = details.check_details(autograded, points)
            notes += [why for why in [details.first_mistake(checks, points, cells)] if why and not notes]
            blank = Result(s, a, "graded", score, total, points, "; ".join(notes), checks=checks)
            _copy_outputs(job)
        shutil.rmtree(job.work, ignore_errors=True)
    blank.seconds = time.perf_counter() - start
    return blank
