"""Run All reaches the last cell of 04 and 05 as released (blank stubs), and with each exercise broken in turn.

The README promises that a failing self-check does not stop Run All. Each broken variant fills every answer
cell with the reference answer, then puts one plausible mistake into one exercise (some crash a demonstration
cell, which must then print one "Skipped this cell" line; some only give wrong numbers). Every variant is
executed once per session, two at a time (tests/nbrun.py); a notebook takes about 5 s on one core.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from autograder.student.settings import notebooks_dir, solutions_dir

NOTEBOOKS, SOLUTIONS = notebooks_dir(), solutions_dir()

# (assignment, exercise id, reference text, broken text, whether a demonstration cell crashes on it)
MISTAKES = [
    ("04_backprop", "module_base", "self.bwd(self.out, *self.args)", "self.bwd(self.out, self.args)", True),
    ("04_backprop", "activation_bwd", "inp.g = (inp > 0).to(inp.dtype) * out.g", "inp.g = (inp > 0).to(inp.dtype)",
     False),
    ("04_backprop", "lin_bwd", 'reduce(out.g, "batch o -> o", "sum")', "out.g", True),
    ("04_backprop", "mse_bwd", "/ inp.numel()", "/ inp.shape[0]", False),
    ("04_backprop", "model_backward", "reversed(self.layers)", "self.layers", True),
    ("05_optimizer", "sgd", "        self.velocity = {}\n", "", True),
    ("05_optimizer", "adam", '            st["t"] += 1\n', "", False),
    # Mistakes that pass the small demonstrations and crash only in training, which leaves its results empty:
    # the last cell must then say it was skipped, not raise IndexError (found by a student walkthrough).
    ("04_backprop", "mse_bwd", "targ.view_as(inp)", "targ.view(-1, 1)", True),
    ("05_optimizer", "sgd", "buf = self.velocity.get(name)", "buf = next(iter(self.velocity.values()), None)", True),
]
STAGE = {"04_backprop": pytest.mark.backprop, "05_optimizer": pytest.mark.optimizer}


def _answers(assignment: str) -> dict[str, str]:
    """Every exercise's reference answer without nbgrader's markers: what a correct student writes."""
    nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n", "", c.source)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def _variant(assignment: str, broken: str | None, old: str = "", new: str = "") -> nbformat.NotebookNode:
    """The released notebook: as is when `broken` is None, else every answer filled in and one of them broken."""
    nb = nbformat.read(NOTEBOOKS / assignment / f"{assignment}.ipynb", as_version=4)
    if broken is None:
        return nb
    answers = _answers(assignment)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id]
            if grade_id == broken:
                assert old in cell.source, f"the {broken} mistake no longer applies to the reference answer"
                cell.source = cell.source.replace(old, new)
    return nb


@pytest.fixture(scope="module")
def executed() -> dict:
    """Every variant executed once, two at a time: each key's executed notebook, or the exception it raised.

    Keys: (assignment, None) as released, (assignment, i) for MISTAKES[i].
    """
    from nbrun import Job, execute_many
    jobs = {(a, None): Job(_variant(a, None), NOTEBOOKS / a, False, 300) for a in STAGE}
    jobs |= {(a, i): Job(_variant(a, ex, old, new), NOTEBOOKS / a, False, 300)
             for i, (a, ex, old, new, _) in enumerate(MISTAKES)}
    return execute_many(jobs)


def _printed(nb: nbformat.NotebookNode) -> list[str]:
    return ["".join(o.get("text", "") for o in c.outputs if o.get("name") == "stdout")
            for c in nb.cells if c.cell_type == "code"]


def _reached_the_end(outcome, what: str) -> list[str]:
    if isinstance(outcome, BaseException):  # a cell raised: Run All would have stopped there
        raise AssertionError(f"Expected Run All to reach the last cell {what}; a cell raised:\n{outcome}") from outcome
    printed = _printed(outcome[0])
    assert printed[-1].strip(), f"Expected the last cell {what} to print RESULTS or say it was skipped; it printed nothing."
    return printed


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment", [pytest.param(a, marks=m) for a, m in STAGE.items()])
def test_run_all_reaches_the_last_cell_as_released(executed: dict, assignment: str) -> None:
    printed = _reached_the_end(executed[(assignment, None)], f"of {assignment} as released")
    assert printed[-1].startswith("Skipped this cell"), printed[-1]


@pytest.mark.notebooks
@pytest.mark.parametrize("index,assignment,exercise,crashes", [
    pytest.param(i, a, ex, crashes, marks=STAGE[a], id=f"{a}-{ex}-{new.strip()[:28] or 'line removed'}")
    for i, (a, ex, _, new, crashes) in enumerate(MISTAKES)])
def test_run_all_reaches_the_last_cell_with_one_exercise_broken(executed: dict, index: int, assignment: str,
                                                                 exercise: str, crashes: bool) -> None:
    printed = _reached_the_end(executed[(assignment, index)], f"of {assignment} with {exercise} broken")
    assert any(text.startswith(f"FAIL {exercise}:") for text in printed), (
        f"Expected the self-check to FAIL {exercise} (the mistake must be one it catches); got {printed}.")
    skipped = [text for text in printed if text.startswith("Skipped this cell")]
    assert all(len(text.splitlines()) == 1 for text in skipped), skipped
    if crashes:
        assert skipped and f"({exercise}" in skipped[0], (
            f"Expected the first skipped cell to name {exercise}; got {skipped}.")
