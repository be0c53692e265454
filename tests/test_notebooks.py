"""Execute every notebook: the solutions must reach the course's figures, the student stubs must fail fast and clearly.

Each solutions notebook ends with a cell that builds a `RESULTS` dict of its figures; the test
appends one cell that prints it as JSON and reads it back from the executed outputs.
"""
from __future__ import annotations

import json
import math
import sys
from functools import partial
from pathlib import Path

import nbformat
import pytest

from autograder.student.settings import notebooks_dir, solutions_dir
NOTEBOOKS, SOLUTIONS = notebooks_dir(), solutions_dir()
from nbrun import Job, Prefetch, execute_many

MARK = "RESULTS_JSON="
STAGES = {"00_mnist": "backdrop", "01_iter1": "iter1", "02_iter2": "iter2", "03_mlp": "mlp",
          "04_backprop": "backprop", "05_optimizer": "optimizer"}

pytestmark = pytest.mark.notebooks


def notebook_job(path: Path, allow_errors: bool, cell_timeout: int = 300) -> Job:
    """A run of a notebook from its own folder; without allow_errors, one more cell prints its RESULTS as JSON."""
    nb = nbformat.read(path, as_version=4)
    if not allow_errors:
        nb.cells.append(nbformat.v4.new_code_cell(f"import json; print({MARK!r} + json.dumps(RESULTS))"))
    return Job(nb, path.parent, allow_errors, cell_timeout)


def run_notebook(path: Path, allow_errors: bool, cell_timeout: int = 300) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook in the course kernel from its own folder; return it with its outputs and the seconds taken."""
    outcome = execute_many({path: notebook_job(path, allow_errors, cell_timeout)})[path]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def results_of(nb: nbformat.NotebookNode) -> dict:
    """The RESULTS dict printed by the appended last cell."""
    for out in nb.cells[-1].get("outputs", []):
        if out.get("output_type") == "stream":
            for line in out["text"].splitlines():
                if line.startswith(MARK):
                    return json.loads(line[len(MARK):])
    raise AssertionError(f"Expected the last cell to print {MARK}{{...}}; got outputs {nb.cells[-1].get('outputs')}. "
                         "Hint: the notebook must define RESULTS in its final cell.")


_runs = Prefetch()


def _solution(assignment: str) -> tuple[str, str]:
    return "solution", assignment


def _solution_job(assignment: str) -> Job:
    return notebook_job(SOLUTIONS / assignment / f"{assignment}.ipynb", allow_errors=False)


def _stub(assignment: str) -> tuple[str, str]:
    return "stub", assignment


def _stub_job(assignment: str) -> Job:
    return notebook_job(NOTEBOOKS / assignment / f"{assignment}.ipynb", allow_errors=True, cell_timeout=120)


@pytest.fixture(scope="session", autouse=True)
def _notebooks_this_session_needs(request):
    """Queue the runs the selected tests of this module will use, so the first use executes them two at a time."""
    by_marker = {marker: assignment for assignment, marker in STAGES.items()}
    for item in request.session.items:
        if getattr(item, "module", None) is not sys.modules[__name__]:
            continue
        stages = [by_marker[m.name] for m in item.iter_markers() if m.name in by_marker]
        if {"solution_results", "solution_notebook"} & set(item.function.__code__.co_names):
            for assignment in stages:
                _runs.want(_solution(assignment), partial(_solution_job, assignment))
        elif item.function is test_student_notebook_runs_and_its_self_checks_name_the_stub:
            for assignment in stages:
                _runs.want(_stub(assignment), partial(_stub_job, assignment))


_printed: set[str] = set()


def solution_results(assignment: str) -> dict:
    """Execute solutions/<a>/<a>.ipynb once per session (stopping at the first error) and return its RESULTS."""
    nb, seconds = _runs.get(_solution(assignment), partial(_solution_job, assignment))
    results = results_of(nb) | {"_seconds": seconds}
    if assignment not in _printed:  # shown with -s; with two notebooks at a time, seconds include the sharing
        _printed.add(assignment)
        print(f"{assignment}: executed in {seconds:.1f} s; RESULTS {results}")
    return results


def solution_notebook(assignment: str) -> nbformat.NotebookNode:
    """The executed solutions notebook (see solution_results)."""
    solution_results(assignment)
    return _runs.get(_solution(assignment), partial(_solution_job, assignment))[0]


@pytest.mark.parametrize("assignment", [pytest.param(a, marks=getattr(pytest.mark, m), id=a)
                                        for a, m in STAGES.items()])
def test_reference_solution_earns_every_point_of_its_hidden_tests(assignment):
    graded = [c for c in solution_notebook(assignment).cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded, f"Expected graded test cells in {assignment}; got none."
    for cell in graded:
        meta = cell.metadata["nbgrader"]
        results = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
        got = float(results[0]["data"]["text/plain"]) if results else None
        stderr = [o for o in cell.outputs if o.get("name") == "stderr"]
        assert got == meta["points"] and not stderr, \
            (f"Expected the reference solution to earn {meta['points']} points in {meta['grade_id']} with no "
             f"stderr (nbgrader gives 0 for stderr); got {got} and stderr {stderr}. Hint: see the cell's report.")


def expect_between(name: str, value: float, low: float, high: float, hint: str) -> None:
    """Assert low <= value <= high with the course's Expected / got / Hint message."""
    assert low <= value <= high, f"Expected {name} between {low} and {high}; got {value:.4f}. Hint: {hint}"


# ---- solutions notebooks: the course's figures ---------------------------------------------------

@pytest.mark.backdrop
def test_mnist_backdrop_trains_logistic_regression():
    r = solution_results("00_mnist")
    assert r["steps"] == 781, f"Expected 781 steps of 64 (fastai drops the last batch); got {r['steps']}."
    expect_between("nn.Linear's loss after one epoch", r["linear_loss"], 0.3, 0.7,
                   "update() or the lr 2e-2 / bs 64 settings changed.")
    expect_between("nn.Linear's validation accuracy", r["linear_valid_acc"], 0.85, 0.95,
                   "logistic regression reaches about 88% after one epoch.")


@pytest.mark.iter1
def test_iteration1_randn_trains_badly_and_the_baseline_does_not():
    r = solution_results("01_iter1")
    expect_between("the randn layer's loss after one epoch", r["iter1_loss"], 2.0, 4.0,
                   "the course states 'about 2.5-3' for iteration 1; check MyLinear's randn init and the settings.")
    expect_between("the nn.Linear baseline's loss after one epoch", r["linear_loss"], 0.3, 0.7,
                   "the baseline should match notebook 0.")
    assert r["iter1_valid_acc"] < r["linear_valid_acc"], \
        f"Expected randn to do worse than nn.Linear; got {r['iter1_valid_acc']:.3f} vs {r['linear_valid_acc']:.3f}."


@pytest.mark.iter2
def test_iteration2_kaiming_reaches_about_half():
    r = solution_results("02_iter2")
    expect_between("the Kaiming layer's loss after one epoch", r["iter2_loss"], 0.3, 0.7,
                   "the course states about 0.5 for iteration 2.")
    expect_between("the Kaiming layer's validation accuracy", r["iter2_valid_acc"], 0.85, 0.95,
                   "about 88.5% after one epoch.")
    expect_between("the randn comparison's loss", r["iter1_loss"], 2.0, 4.0, "it should repeat notebook 1.")


@pytest.mark.iter2
def test_iteration2_activation_statistics_tell_the_sqrt5_story():
    stds = solution_results("02_iter2")["deep_std_layer50"]
    by_kind = {k.split(" ")[0].split("(")[0]: v for k, v in stds.items()}
    assert not math.isfinite(by_kind["randn"]), f"Expected randn to overflow in 50 layers; got std {by_kind['randn']}."
    assert by_kind["kaiming_uniform_"] < 1e-10, \
        f"Expected nn.Linear's default to vanish (std < 1e-10 at layer 50); got {by_kind['kaiming_uniform_']:.3g}."
    expect_between("Kaiming-for-ReLU's std at layer 50", by_kind["kaiming_normal_"], 0.2, 5.0,
                   "Var(w) = 2/fan_in keeps the signal's size through Linear+ReLU layers.")


@pytest.mark.mlp
def test_mlp_reaches_97_5_percent():
    r = solution_results("03_mlp")
    assert r["n_params"] == 79_510, f"Expected 79,510 parameters; got {r['n_params']:,}."
    expect_between("SimpleMLP's validation accuracy", r["mlp_valid_acc"], 0.975, 1.0,
                   "the recipe is 5 epochs of SGD+Nesterov with one-cycle to lr 0.3, batches of 128.")


@pytest.mark.backprop
def test_backprop_by_hand_equals_autograd_and_learns_mnist():
    r = solution_results("04_backprop")
    assert r["equivalence_max_diff"] < 1e-12, \
        f"Expected Model([Lin, Relu, Lin]) to equal nn.Sequential to float64 rounding; got {r['equivalence_max_diff']:.3g}."
    assert r["toy_max_diff"] < 1e-9, \
        f"Expected the toy's losses (Model vs nn.Sequential, float64) to agree; got a difference of {r['toy_max_diff']:.3g}."
    expect_between("the toy y = x² fit's final MSE", r["toy_final_loss"], 0.0, 0.1,
                   "y's variance is 1.46 on [-2, 2]: 1,500 steps at lr 0.05 should fit it (seed 42).")
    assert r["mnist_steps"] == 782, f"Expected one epoch of 782 batches of 64; got {r['mnist_steps']}."
    expect_between("the hand-written gradients' MNIST validation accuracy after one epoch", r["mnist_valid_acc"],
                   0.88, 0.96, "one epoch of 784-50-10 with MSE on one-hot targets, lr 1.0, reaches about 91%.")
    assert r["mnist_loss"] < r["mnist_first_loss"] / 5, \
        f"Expected the loss to fall at least 5-fold; got {r['mnist_first_loss']:.4f} -> {r['mnist_loss']:.4f}."


@pytest.mark.optimizer
def test_your_sgd_trains_the_mlp_past_97_5_percent():
    r = solution_results("05_optimizer")
    expect_between("the toy's weight (y = 3x)", r["toy_weight"], 2.999, 3.001, "100 steps of lr 0.5 fit y = 3x.")
    assert r["toy_sgd_max_diff"] < 1e-6, \
        f"Expected SGD to match torch.optim.SGD on the toy; got a difference of {r['toy_sgd_max_diff']:.3g}."
    assert r["epochs"] == 5, f"Expected 5 epochs; got {r['epochs']}."
    expect_between("SimpleMLP's validation accuracy with your SGD", r["mlp_valid_acc"], 0.975, 1.0,
                   "5 epochs, bs 128, momentum 0.9, one-cycle to lr 0.3 (seed 42) reach about 97.9%.")


# ---- student notebooks: stubs fail fast, with NotImplementedError -------------------------------

def _error_text(cell: nbformat.NotebookNode) -> str:
    """ename: evalue of every error output of a cell."""
    return " | ".join(f"{o['ename']}: {o['evalue']}" for o in cell.get("outputs", []) if o["output_type"] == "error")


def _stdout(cell: nbformat.NotebookNode) -> str:
    """Everything a cell printed to stdout."""
    return "".join(o["text"] for o in cell.get("outputs", []) if o.get("name") == "stdout")


@pytest.mark.parametrize("assignment", [pytest.param(a, marks=getattr(pytest.mark, m), id=a)
                                        for a, m in STAGES.items()])
def test_student_notebook_runs_and_its_self_checks_name_the_stub(assignment):
    nb, seconds = _runs.get(_stub(assignment), partial(_stub_job, assignment))
    graded_here = {c.metadata["nbgrader"]["grade_id"].removesuffix("_tests")
                   for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    checked = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for exercise in graded_here:
            if f'self_check("{exercise}"' in cell.source:
                checked.add(exercise)
                first = _stdout(cell).splitlines()[0] if _stdout(cell) else ""
                assert first.startswith(f"FAIL {exercise}") and "NotImplementedError" in first, (
                    f"Expected the stub's self-check for {exercise} to print a first line 'FAIL {exercise}: ...' "
                    f"naming NotImplementedError; got {first!r} (errors: {_error_text(cell) or 'none'}).")
                assert not _error_text(cell), f"Expected a failing self-check not to raise; got {_error_text(cell)}."
    assert checked == graded_here, f"Expected a self-check for each of {sorted(graded_here)}; found {sorted(checked)}."
    print(f"{assignment} (student stubs): executed in {seconds:.1f} s")


# ---- the notebooks' solution regions agree with the importable reference in solutions/*.py ------

@pytest.mark.iter2
def test_iteration2_randn_comparison_is_notebook_1s_layer():
    """02 says its randn layer is notebook 1's: same numbers after the same seed, so the same figures."""
    r1, r2 = solution_results("01_iter1"), solution_results("02_iter2")
    for key in ("iter1_loss", "iter1_valid_acc"):
        assert abs(r1[key] - r2[key]) < 1e-9, \
            f"Expected 02's randn comparison to repeat notebook 1's {key} {r1[key]:.6f}; got {r2[key]:.6f}."
