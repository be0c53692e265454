"""What a student meets in the notebooks: Run All goes on past a failing self-check, no top-level name
shadows a common alias, and the plumbing cells (hidden tests, RESULTS) are collapsed."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from autograder.student.settings import notebooks_dir, solutions_dir
NOTEBOOKS, SOLUTIONS = notebooks_dir(), solutions_dir()

ALIASES = {"t", "F", "nn", "np", "torch", "math", "plt", "optim", "einops"}  # what students write for their own


def _notebooks(root: Path) -> list[Path]:
    return sorted(root.glob("*/*.ipynb"))


def top_level_names(source: str) -> set[str]:
    """Names a cell binds at the top level (assignments, with ... as, for targets), not inside functions."""
    names: set[str] = set()
    tree = ast.parse(source)
    for node in tree.body:
        for sub in ast.walk(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and sub is not node:
                continue
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) and _at_top(tree, sub):
                names.add(sub.id)
    return names


def _at_top(tree: ast.Module, name: ast.Name) -> bool:
    """Whether a Store of `name` happens outside every function or class body."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            if any(n is name for n in ast.walk(node)):
                return False
    return True


@pytest.mark.skeleton
@pytest.mark.parametrize("path", _notebooks(SOLUTIONS), ids=lambda p: p.parent.name)
def test_no_top_level_cell_rebinds_a_common_alias(path: Path) -> None:
    """`with Timer() as t:` at the top level broke every update() written with `import torch as t`."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        clash = top_level_names(source) & ALIASES
        assert not clash, (f"Expected no top-level rebinding of {sorted(ALIASES)} in {path.name}; cell {i} binds "
                           f"{sorted(clash)}. Hint: rename it (e.g. `with Timer() as timer:`).")


@pytest.mark.skeleton
@pytest.mark.parametrize("path", _notebooks(NOTEBOOKS), ids=lambda p: p.parent.name)
def test_plumbing_cells_are_collapsed_for_students(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    plumbing = [c for c in nb.cells if c.cell_type == "code" and (
        c.metadata.get("nbgrader", {}).get("grade") or re.search(r"^\s*RESULTS = \{", c.source, re.M))]
    assert len(plumbing) >= 2, f"Expected hidden-test and RESULTS cells in {path.name}; found {len(plumbing)}."
    for cell in plumbing:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
            f"Expected {cell.source.splitlines()[0]!r} collapsed (metadata jupyter.source_hidden) in {path.name}.")


def student_answer(assignment: str, grade_id: str) -> str:
    """The reference answer of one exercise without nbgrader's markers: what a correct student writes."""
    nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n", "", cell.source)


@pytest.mark.notebooks
@pytest.mark.iter2
def test_run_all_goes_on_past_a_failing_self_check(tmp_path: Path) -> None:
    """A 1-point slip in extra_repr: the self-check's first line says FAIL and names it; every cell still runs."""
    from test_notebooks import results_of, run_notebook
    answer = student_answer("02_iter2", "linear_kaiming")
    slip = answer.replace('f"bias={self.bias is not None}")', 'f"bias={self.bias}")')
    assert slip != answer, "the repr slip no longer applies to the reference answer"
    nb = nbformat.read(NOTEBOOKS / "02_iter2" / "02_iter2.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "linear_kaiming")
    cell.source = slip
    path = tmp_path / "02_iter2.ipynb"
    nbformat.write(nb, path)
    executed, _ = run_notebook(path, allow_errors=False)  # raises CellExecutionError if any cell fails
    check = next(c for c in executed.cells if c.source.startswith("from autograder.student.checks import self_check"))
    first = "".join(o.get("text", "") for o in check.outputs if o.get("name") == "stdout").splitlines()[0]
    assert first.startswith("FAIL linear_kaiming: 11.5 / 12 points") and "extra_repr" in first, first
    assert results_of(executed)["iter2_valid_acc"] > 0.85


@pytest.mark.notebooks
@pytest.mark.backprop
def test_run_all_goes_on_past_a_class_that_breaks_a_demonstration(tmp_path: Path) -> None:
    """The walkthrough's Mse without view_as: the cells using it print one line naming Mse, MNIST still trains."""
    from nbrun import Job, execute_many
    nb = nbformat.read(NOTEBOOKS / "04_backprop" / "04_backprop.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = student_answer("04_backprop", grade_id)
            if grade_id == "mse_bwd":
                cell.source = cell.source.replace("targ.view_as(inp)", "targ")
                assert "view_as" not in cell.source, "the Mse slip no longer applies to the reference answer"
    outcome = execute_many({"broken": Job(nb, NOTEBOOKS / "04_backprop", False, 300)})["broken"]
    if isinstance(outcome, BaseException):  # a cell raised: Run All would have stopped there
        raise outcome
    printed = ["".join(o.get("text", "") for o in c.outputs if o.get("name") == "stdout")
               for c in outcome[0].cells if c.cell_type == "code"]
    skipped = [text for text in printed if text.startswith("Skipped this cell")]
    assert len(skipped) == 3 and all(len(text.splitlines()) == 1 for text in skipped), skipped
    assert all("your Mse fails its self-check (mse_bwd" in text for text in skipped[:2]), skipped
    assert "a cell above that was skipped" in skipped[2], skipped
    assert any(text.startswith("782 steps") and "validation accuracy" in text for text in printed), printed


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment", ["04_backprop", "05_optimizer"])
def test_run_all_reaches_the_last_cell_with_every_exercise_as_released(assignment: str) -> None:
    """Blank stubs everywhere: every cell that uses them names the class and goes on; no cell raises."""
    from nbrun import Job, execute_many
    nb = nbformat.read(NOTEBOOKS / assignment / f"{assignment}.ipynb", as_version=4)
    outcome = execute_many({"blank": Job(nb, NOTEBOOKS / assignment, False, 300)})["blank"]
    if isinstance(outcome, BaseException):  # a cell raised: Run All would have stopped there
        raise outcome
    printed = ["".join(o.get("text", "") for o in c.outputs if o.get("name") == "stdout")
               for c in outcome[0].cells if c.cell_type == "code"]
    assert any(text.startswith("Skipped this cell") for text in printed), printed
    assert "Skipped this cell" in printed[-1], f"Expected the RESULTS cell to say it was skipped; got {printed[-1]!r}."
