"""One source of truth: notebooks/ is exactly what nbgrader generates from solutions/."""
import json
from pathlib import Path

import pytest

from autograder.student.settings import notebooks_dir, solutions_dir
NOTEBOOKS, SOLUTIONS = notebooks_dir(), solutions_dir()
from autograder.grader.pipeline import assignments
from autograder.authoring.release import release
from autograder.authoring.setup_cell import SETUP_CELL

pytestmark = pytest.mark.skeleton


def source_notebooks() -> list[Path]:
    """Every instructor notebook in solutions/."""
    return sorted(SOLUTIONS.glob("*/*.ipynb"))


def test_every_assignment_is_released():
    assert assignments(), "solutions/ holds no assignment"
    for a in assignments():
        assert sorted(p.name for p in (NOTEBOOKS / a).glob("*.ipynb")) == \
            sorted(p.name for p in (SOLUTIONS / a).glob("*.ipynb")), f"notebooks/{a} is missing notebooks"


def test_notebooks_are_exactly_the_generated_ones(tmp_path):
    written = release(dest=tmp_path / "release", db=tmp_path / "gradebook.db")
    assert written
    stale = []
    for fresh in written:
        rel = fresh.relative_to(tmp_path / "release")
        committed = NOTEBOOKS / rel
        if not committed.exists() or json.loads(committed.read_text()) != json.loads(fresh.read_text()):
            stale.append(str(rel))
    assert not stale, f"notebooks/ is out of date for {stale}. Fix: run `make release` and commit notebooks/."


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda p: p.parent.name)
def test_setup_cell_is_identical_everywhere(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    got = "".join(cells[0]["source"])
    assert got == SETUP_CELL, (f"{path.name}: the first code cell is not autograder/authoring/setup_cell.py's SETUP_CELL. "
                               "Fix: run `.venv/bin/course sync-setup`.")


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda p: p.parent.name)
def test_test_cell_points_equal_the_checks_points(path):
    from autograder.student.checks import EXERCISES, max_points
    for cell in json.loads(path.read_text())["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and cell["cell_type"] == "code":
            src = "".join(cell["source"])
            exercise = meta["grade_id"].removesuffix("_tests")
            assert exercise in EXERCISES and f'grade("{exercise}"' in src, \
                f"{meta['grade_id']}: its hidden test must call grade(\"{exercise}\", ...)"
            assert meta["points"] == max_points(exercise), \
                f"{meta['grade_id']} is worth {meta['points']} in the notebook but {max_points(exercise)} in the checks"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_student_notebooks_hold_stubs_not_solutions(path):
    text = path.read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "raise NotImplementedError" in text
