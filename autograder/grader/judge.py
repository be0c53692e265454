"""The judge in nbgrader's autograde: a challenge before the notebook runs, the points after, in this process.

    c.Autograde.autograde_preprocessors = ["autograder.grader.judge.WriteChallenge",
                                           "autograder.grader.judge.ExecuteAndCollect",
                                           "autograder.grader.judge.JudgeObservations", ... SaveAutoGrades ...]

`WriteChallenge` leaves a fresh seed next to the notebook and keeps its own copy. The hidden test cells
of judged exercises (autograder.student.checks.judge) only observe, and write their observations next
to the notebook; `ExecuteAndCollect` takes them away the moment each hidden test cell ends, before any
later cell runs. `JudgeObservations` judges them here, outside the kernel, running no student code, and
replaces each hidden test cell's outputs with the judge's report and points: SaveAutoGrades records those,
whatever the notebook printed, returned or displayed. Missing, malformed or stale observations score 0
with a reason. `course grade` and plain `nbgrader autograde` with the course's config both run these.
"""
from __future__ import annotations

import functools
import json
import secrets
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from ..student.handover import CHALLENGE_FILE, MAX_TAPE_BYTES, OBSERVATIONS_DIR, RESULT_PREFIX
from .cells import code_cells
from .flags import reaching, roots_of

if TYPE_CHECKING:
    from ..student.checks.core import Report, StaleTape

# The checks (torch, and torch.optim's first optimizer, which loads torch._dynamo: 2.5 s together) are imported
# by warm_up() in a thread while the kernel starts, not when nbgrader imports this module: measured with
# tools/bench_grading.py, that was most of the judge's cost per submission.

SEED_KEY = "course_challenge_seed"
COLLECTED_KEY = "course_observations"   # exercise -> the bytes its hidden test wrote (or why none)


def _folder(resources: dict) -> Path:
    """The folder the notebook runs in (the kernel's working directory)."""
    return Path(resources.get("metadata", {}).get("path") or ".")


def _clear(folder: Path) -> None:
    """Remove a challenge and observations left in the folder (handed in, or from an earlier run)."""
    for path in (folder / OBSERVATIONS_DIR, folder / CHALLENGE_FILE):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink(missing_ok=True)


def hidden_test_exercise(cell: NotebookNode) -> str | None:
    """The exercise of a judged hidden-test cell (grade_id '<exercise>_tests'), else None."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
        return None
    from ..student.checks.judge import judged
    exercise = str(meta.get("grade_id", "")).removesuffix("_tests")
    return exercise if judged(exercise) else None


@functools.cache  # once per process: a grading process forked from grader/preload.py inherits it done
def _load_judge() -> None:
    """Import what judging needs and build one torch.optim optimizer of each kind (their first use imports more)."""
    import torch
    from ..student.checks import judge  # noqa: F401 - imported for its cost
    from . import borrowing  # noqa: F401
    w = torch.zeros(1, requires_grad=True)
    w.grad = torch.ones(1)
    for opt in (torch.optim.SGD([w], lr=0.1), torch.optim.Adam([w])):
        opt.step()


def warm_up() -> threading.Thread:
    """Start importing the judge in the background; an import in another thread waits for it (Python's import lock)."""
    thread = threading.Thread(target=_load_judge, name="judge-warm-up", daemon=True)
    thread.start()
    return thread


class WriteChallenge(NbGraderPreprocessor):
    """Before Execute: a fresh seed in the notebook's folder for the hidden tests; the judge keeps its own copy."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        warm_up()  # while the kernel starts: Execute comes next
        folder = _folder(resources)
        _clear(folder)
        seed = secrets.randbelow(2**31 - 1) + 1
        (folder / CHALLENGE_FILE).write_text(json.dumps({"seed": seed}) + "\n", encoding="utf-8")
        resources[SEED_KEY] = seed
        return nb, resources


def take_observations(folder: Path, exercise: str) -> bytes | StaleTape:
    """The bytes the hidden test wrote for exercise, removed from the folder at once; StaleTape when missing or too big."""
    from ..student.checks.core import StaleTape
    path = folder / OBSERVATIONS_DIR / f"{exercise}.pt"
    if path.is_symlink() or not path.is_file():
        return StaleTape("no observations: the hidden test cell did not run to its end (an error, a time-out or "
                         "a dead kernel before it)")
    try:
        if path.stat().st_size > MAX_TAPE_BYTES:
            return StaleTape(f"the observations file is larger than {MAX_TAPE_BYTES // 2**20} MiB")
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


class ExecuteAndCollect(Execute):
    """nbgrader's Execute that takes each judged hidden test's observations away the moment its cell ends.

    The kernel keeps running after that cell: a later cell could rewrite the file. What is judged is what the
    hidden test wrote, held in this process (resources[COLLECTED_KEY]), never the folder at the end of the run.
    """

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, dict]:
        folder, collected = _folder(resources), resources.setdefault(COLLECTED_KEY, {})

        self._collect_into = (folder, collected)
        return super().preprocess(nb, resources, km=km)

    def on_cell_executed(self, **kwargs: Any) -> None:
        """nbgrader's own hook (it records a time-out's error), then the observations taken away."""
        super().on_cell_executed(**kwargs)
        folder, collected = self._collect_into
        exercise = hidden_test_exercise(kwargs["cell"])
        if exercise is not None:
            collected[exercise] = take_observations(folder, exercise)


def judged_report(collected: dict, exercise: str, seed: int | None) -> Report:
    """The judge's report for one exercise from the observations its hidden test cell left."""
    from ..student.checks.core import Report, StaleTape
    from ..student.checks.judge import judge
    from ..student.checks.tape import load
    if seed is None:
        return Report(exercise, integrity=f"the observations of {exercise} could not be judged (no challenge was set)")
    taken = collected.get(exercise, StaleTape("no observations: the hidden test cell did not run to its end (an "
                                              "error, a time-out or a dead kernel before it)"))
    try:
        if isinstance(taken, StaleTape):
            raise taken
        observations = load(taken)
    except StaleTape as exc:
        return Report(exercise, integrity=f"the observations of {exercise} could not be judged ({exc})")
    return judge(exercise, observations, seed)


def report_outputs(report: Report) -> list[NotebookNode]:
    """What the hidden-test cell shows: the report, its per-check line, and its points as the cell's result."""
    text = f"{report}\n{RESULT_PREFIX} {report.exercise} {json.dumps(report.detail(), sort_keys=True)}\n"
    score = float(round(report.score, 4))
    return [new_output("stream", name="stdout", text=text),
            new_output("execute_result", data={"text/plain": repr(score)}, execution_count=None)]


def answer_source(nb: NotebookNode, exercise: str) -> tuple[str, list[str]]:
    """(the exercise's answer cell, every other code cell before it) as the student handed them in."""
    cells: list[str] = []
    for cell in code_cells(nb):
        if cell.answer and cell.grade_id == exercise:
            return cell.answer_source, cells
        cells.append(cell.source)
    return "", cells


def source_gated(report: Report, nb: NotebookNode) -> Report:
    """The judge's report, failed on its required check when the answer cell's source borrows torch's answer."""
    answer, cells = answer_source(nb, report.exercise)
    from .borrowing import borrowed, with_source_gate
    found = borrowed(report.exercise, answer, cells)
    return with_source_gate(report, found) if found and not report.integrity else report


def reached(report: Report, where: str | None) -> Report:
    """0 points for the exercise when a cell of the notebook reaches past the checks (flags.reaching)."""
    from ..student.checks.core import Report
    if where is None or report.integrity:
        return report
    return Report(report.exercise, integrity=f"{where} reaches past the course's checks, so the observations of "
                  f"{report.exercise} cannot be trusted; remove that code and hand in again")


def first_reaching(nb: NotebookNode) -> str | None:
    """'construct (cell label)' of the first code cell anywhere in the notebook that reaches past the checks.

    Anywhere, not only before a hidden test: the kernel runs on after it, and a later cell is still student code.
    """
    from ..student.checks.judge import judged
    student = [c for c in code_cells(nb) if not (c.graded_test and judged(c.grade_id.removesuffix("_tests")))]
    for i, cell in enumerate(student):
        found = reaching(cell.source, roots_of([c.source for c in student[:i + 1]]))
        if found:
            return f"{found} ({cell.label})"
    return None


class JudgeObservations(NbGraderPreprocessor):
    """After Execute: judge each judged exercise's observations and make its hidden-test cell show that verdict."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        folder, seed, where = _folder(resources), resources.get(SEED_KEY), first_reaching(nb)
        for cell in nb.cells:
            exercise = hidden_test_exercise(cell)
            if exercise is None:
                continue
            report = reached(source_gated(judged_report(resources.get(COLLECTED_KEY, {}), exercise, seed), nb), where)
            cell.outputs = report_outputs(report)
            self.log.info("judged %s: %s", exercise, report.headline())
        _clear(folder)
        return nb, resources
