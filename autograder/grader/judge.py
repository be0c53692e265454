"""The judge in nbgrader's autograde: a challenge before the notebook runs, the points after, in this process.

    c.Autograde.autograde_preprocessors = ["autograder.grader.judge.WriteChallenge", Execute...,
                                           "autograder.grader.judge.JudgeObservations", ... SaveAutoGrades ...]

`WriteChallenge` leaves a fresh seed next to the notebook and keeps its own copy. The hidden test cells
of judged exercises (autograder.student.checks.judge) only observe, and write their observations next
to the notebook. `JudgeObservations` judges them here, outside the kernel, running no student code, and
replaces each hidden test cell's outputs with the judge's report and points: SaveAutoGrades records those,
whatever the notebook printed, returned or displayed. Missing, malformed or stale observations score 0
with a reason. `course grade` and plain `nbgrader autograde` with the course's config both run these.
"""
from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from ..student.checks import CHALLENGE_FILE, OBSERVATIONS_DIR, RESULT_PREFIX
from ..student.checks.core import Report, StaleTape
from ..student.checks.judge import judge, judged
from ..student.checks.tape import MAX_TAPE_BYTES, load
from .borrowing import borrowed, with_source_gate
from .copies import without_solution_markers
from .flags import reaching, roots_of

SEED_KEY = "course_challenge_seed"


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
    exercise = str(meta.get("grade_id", "")).removesuffix("_tests")
    return exercise if judged(exercise) else None


class WriteChallenge(NbGraderPreprocessor):
    """Before Execute: a fresh seed in the notebook's folder for the hidden tests; the judge keeps its own copy."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        folder = _folder(resources)
        _clear(folder)
        seed = secrets.randbelow(2**31 - 1) + 1
        (folder / CHALLENGE_FILE).write_text(json.dumps({"seed": seed}) + "\n", encoding="utf-8")
        resources[SEED_KEY] = seed
        return nb, resources


def read_observations(folder: Path, exercise: str) -> Any:
    """The observations the hidden test wrote for exercise; StaleTape when missing, too big or unreadable."""
    path = folder / OBSERVATIONS_DIR / f"{exercise}.pt"
    if path.is_symlink() or not path.is_file():
        raise StaleTape("no observations: the hidden test cell did not run to its end (an error, a time-out or "
                        "a dead kernel before it)")
    if path.stat().st_size > MAX_TAPE_BYTES:
        raise StaleTape(f"the observations file is larger than {MAX_TAPE_BYTES // 2**20} MiB")
    return load(path.read_bytes())


def judged_report(folder: Path, exercise: str, seed: int | None) -> Report:
    """The judge's report for one exercise from the observations in folder."""
    if seed is None:
        return Report(exercise, integrity=f"the observations of {exercise} could not be judged (no challenge was set)")
    try:
        observations = read_observations(folder, exercise)
    except StaleTape as exc:
        return Report(exercise, integrity=f"the observations of {exercise} could not be judged ({exc})")
    return judge(exercise, observations, seed)


def report_outputs(report: Report) -> list[NotebookNode]:
    """What the hidden-test cell shows: the report, its per-check line, and its points as the cell's result."""
    text = f"{report}\n{RESULT_PREFIX} {report.exercise} {json.dumps(report.detail(), sort_keys=True)}\n"
    score = float(round(report.score, 4))
    return [new_output("stream", name="stdout", text=text),
            new_output("execute_result", data={"text/plain": repr(score)}, execution_count=None)]


def _source(cell: NotebookNode) -> str:
    """A cell's source as one string."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def answer_source(nb: NotebookNode, exercise: str) -> tuple[str, list[str]]:
    """(the exercise's answer cell, every other code cell before it) as the student handed them in."""
    cells: list[str] = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code":
            continue
        if meta.get("solution") and meta.get("grade_id") == exercise:
            return without_solution_markers(_source(cell)), cells
        cells.append(_source(cell))
    return "", cells


def source_gated(report: Report, nb: NotebookNode) -> Report:
    """The judge's report, failed on its required check when the answer cell's source borrows torch's answer."""
    answer, cells = answer_source(nb, report.exercise)
    found = borrowed(report.exercise, answer, cells)
    return with_source_gate(report, found) if found and not report.integrity else report


def reached(report: Report, where: str | None) -> Report:
    """0 points for the exercise when a cell before its hidden test reaches past the checks (flags.reaching)."""
    if where is None or report.integrity:
        return report
    return Report(report.exercise, integrity=f"{where} reaches past the course's checks, so the observations of "
                  f"{report.exercise} cannot be trusted; remove that code and hand in again")


class JudgeObservations(NbGraderPreprocessor):
    """After Execute: judge each judged exercise's observations and make its hidden-test cell show that verdict."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        folder, seed = _folder(resources), resources.get(SEED_KEY)
        first_reach: str | None = None   # the first cell so far whose code reaches past the checks
        sources: list[str] = []
        for number, cell in enumerate(nb.cells, 1):
            exercise = hidden_test_exercise(cell)
            if exercise is None:
                if cell.get("cell_type") == "code" and first_reach is None:
                    sources.append(_source(cell))
                    found = reaching(sources[-1], roots_of(sources))
                    label = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or str(number)
                    first_reach = found and f"{found} (cell {label})"
                continue
            report = reached(source_gated(judged_report(folder, exercise, seed), nb), first_reach)
            cell.outputs = report_outputs(report)
            self.log.info("judged %s: %s", exercise, report.headline())
        _clear(folder)
        return nb, resources
