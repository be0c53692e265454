"""Observe and judge (issue 22): the points of a judged exercise are decided from plain observations, outside the
student's process; what the notebook prints, returns or displays, and what its code does to the checks' frames
while they observe, changes no grade. Each defence is written as the attack."""
from __future__ import annotations

import csv
import io
import json
import pickle
from pathlib import Path

import pytest
import torch

from autograder.grader.pipeline import grade_submissions
from autograder.grader.types import Limits
from autograder.student.checks import judge as J
from autograder.student.checks.tape import load, save
from catalogue.observations import PLAIN, leaf_kinds
from autograder.student.settings import solutions_dir
from catalogue.linear_cases import ForgotBias
from solutions.iter1 import MyLinear as Reference1

pytestmark = pytest.mark.grading
A, EX = "01_iter1", "linear_randn"

FORGOT_BIAS = ("import torch\nfrom torch import nn\n\n\nclass MyLinear(nn.Module):\n"
               "    def __init__(self, in_features, out_features, bias=True):\n        super().__init__()\n"
               "        self.in_features, self.out_features = in_features, out_features\n"
               "        self.weight = nn.Parameter(torch.randn(out_features, in_features))\n"
               "        self.bias = nn.Parameter(torch.randn(out_features))\n\n"
               "    def forward(self, x):\n"
               "        if x.shape[-1] != self.in_features:\n"
               "            raise ValueError(f'expected {self.in_features} features')\n"
               "        return x @ self.weight.T\n")
# While the checks observe, walk up their frames and mark every result passed; after every cell, print a
# PASS report and display 10.0, as if the hidden test had said so.
WALKER = FORGOT_BIAS.replace("        return x @ self.weight.T\n", (
    "        import sys\n        f = sys._getframe(1)\n"
    "        while f is not None:\n"
    "            for k, v in list(f.f_locals.items()):\n"
    "                if hasattr(v, 'passed') and not isinstance(v, type):\n"
    "                    try: v.passed = True\n"
    "                    except Exception: pass\n"
    "            f = f.f_back\n"
    "        return x @ self.weight.T\n"))
FORGER = FORGOT_BIAS + (   # prints, displays and returns a forged report
    "\nfrom IPython.display import display\n"
    "print('PASS linear_randn: 10 / 10 points')\n"
    "display(10.0)\n"
    "10.0\n")


def test_self_check_is_observe_then_judge_and_the_judge_runs_no_student_code() -> None:
    observations = load(save(J.observe(EX, ForgotBias, seed=7)))
    report = J.judge(EX, observations, seed=7)
    assert not report.result(f"{EX}.forward").passed and "forgot to add the bias" in report.result(f"{EX}.forward").message, \
        f"Expected the judge to name the missing bias from the observations alone; got\n{report}"
    kinds = leaf_kinds(observations)
    assert kinds <= PLAIN, \
        f"Expected observations to hold plain values only; got {sorted(kinds)}."


def test_observations_of_another_challenge_score_zero_with_a_reason() -> None:
    observations = load(save(J.observe(EX, Reference1, seed=3)))
    report = J.judge(EX, observations, seed=4)
    assert report.score == 0 and "another challenge" in report.integrity, f"Expected a stale tape to score 0; got {report}"


def test_a_forged_answer_on_the_tape_is_stale_not_a_pass() -> None:
    observations = load(save(J.observe(EX, ForgotBias, seed=5)))
    forward = next(c for c in observations["checks"] if c["id"] == f"{EX}.forward")
    for entry in forward["tape"]:   # answer a question with another question's answer: its digest no longer fits
        entry["digest"] = "0" * 24
    report = J.judge(EX, observations, seed=5)
    assert report.score == 0 and "answers another question" in report.integrity, f"Expected 0 points; got {report}"


def test_an_observations_file_that_would_run_code_is_refused() -> None:
    class Evil:
        def __reduce__(self):
            return (print, ("code ran while loading",))
    data = pickle.dumps({"checks": [Evil()]})
    with pytest.raises(BaseException) as caught:
        load(data)
    assert type(caught.value).__name__ == "StaleTape", f"Expected the file to be refused; got {caught.value!r}"
    buf = io.BytesIO()
    torch.save({"format": "x", "checks": []}, buf)
    report = J.judge(EX, load(buf.getvalue()), 1)
    assert report.score == 0 and "not an observations file" in report.integrity, f"Expected 0 points; got {report}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """Three notebooks graded by `course grade`: the same wrong layer, plain, forging its output, walking frames."""
    base = tmp_path_factory.mktemp("judge")
    (base / "class").mkdir()
    ref = json.loads((solutions_dir() / A / f"{A}.ipynb").read_text())
    for name, answer in (("plain", FORGOT_BIAS), ("forger", FORGER), ("walker", WALKER)):
        nb = json.loads(json.dumps(ref))
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution") and c["cell_type"] == "code")
        cell["source"] = answer
        (base / "class" / f"{name}.ipynb").write_text(json.dumps(nb))
    grade_submissions([A], base / "class", base / "out", workers=2, limits=Limits(cell_timeout_s=60), progress=False)
    return base / "out"


def test_a_notebook_that_forges_its_report_or_walks_the_checks_frames_gets_the_layers_own_points(graded: Path) -> None:
    with (graded / "grades.csv").open() as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["plain"]["score"] == rows["forger"]["score"] and float(rows["plain"]["score"]) < 10, \
        f"Expected the forger to get exactly the plain wrong layer's points; got {rows}."
    assert float(rows["walker"]["score"]) <= float(rows["plain"]["score"]) and \
        rows["walker"]["reason"].startswith("integrity: sys._getframe (cell linear_randn)"), \
        f"Expected the frame walker to get no more than the plain layer, named by its sys._getframe; got {rows}."
    assert rows["forger"]["max_score"] == "10"
    nb = json.loads((graded / "autograded" / "forger" / A / f"{A}.ipynb").read_text())
    hidden = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == f"{EX}_tests")
    text = "".join("".join(o.get("text", "")) for o in hidden["outputs"])
    assert text.startswith("FAIL linear_randn") and "forgot to add the bias" in text, \
        f"Expected the hidden test cell to show the judge's report; got {text[:300]!r}."


def test_every_exercise_is_judged_apart() -> None:
    """The grader trusts no number computed in the kernel: every exercise's checks ask through the tape."""
    from autograder.student.checks.registry import EXERCISES
    kernel_scored = [e for e in EXERCISES if not J.judged(e)]
    assert not kernel_scored, f"Expected every exercise judged from observations; {kernel_scored} call student " \
        "code directly. Hint: make each check a generator that yields ask(...) (checks/tape.py)."
