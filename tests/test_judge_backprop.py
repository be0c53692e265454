"""Observe and judge for stage 04 (module_base, activation_bwd, lin_bwd, mse_bwd, model_backward): the reference's
code, observed and passed through the file format, gets full marks from the tape alone; the tape holds plain values
and no verdict; another challenge, a forged tape or an unreadable answer scores 0 with a reason; the judge needs no
student class to exist; a common mistake judged from its tape reads as it does live."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from autograder.student.checks import judge as J
from autograder.student.checks.core import run_checks
from autograder.student.checks.registry import EXERCISES
from autograder.student.checks.tape import load, save
from catalogue import backprop_cases
from catalogue.observations import PLAIN, leaf_kinds

pytestmark = pytest.mark.backprop

ROOT = Path(__file__).resolve().parents[1]
STAGE = ("module_base", "activation_bwd", "lin_bwd", "mse_bwd", "model_backward")


def _as_student(path: str, name: str):
    """The reference file's code loaded as a student's module (not under solutions/), as typed into a notebook."""
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _submission(exercise: str):
    """The reference solution of the exercise, as the student's own code."""
    bp = _as_student("solutions/backprop.py", "student_backprop")
    return {"module_base": bp.Module, "activation_bwd": (bp.Relu, bp.Sigmoid), "lin_bwd": bp.Lin,
            "mse_bwd": bp.Mse, "model_backward": bp.Model}[exercise]


@pytest.mark.parametrize("exercise", STAGE)
def test_the_reference_observed_and_judged_gets_full_marks(exercise: str) -> None:
    assert J.judged(exercise), f"Expected {exercise} to be judged (every check a generator); got unjudged."
    observations = load(save(J.observe(exercise, _submission(exercise), seed=11)))
    report = J.judge(exercise, observations, seed=11)
    assert report.passed and report.score == report.max_score and not report.integrity, \
        f"Expected full marks for the reference from its observations; got\n{report}"
    kinds = leaf_kinds(observations)
    assert kinds <= PLAIN, f"Expected observations to hold plain values only; got {sorted(kinds)}."


@pytest.mark.parametrize("exercise", STAGE)
def test_another_challenge_scores_zero_with_a_reason(exercise: str) -> None:
    observations = load(save(J.observe(exercise, _submission(exercise), seed=3)))
    report = J.judge(exercise, observations, seed=4)
    assert report.score == 0 and "another challenge" in report.integrity, \
        f"Expected observations of another seed to score 0 with a reason; got\n{report}"


@pytest.mark.parametrize("exercise", STAGE)
def test_a_forged_answer_on_the_tape_is_refused(exercise: str) -> None:
    observations = load(save(J.observe(exercise, _submission(exercise), seed=5)))
    tape = next(c["tape"] for c in observations["checks"] if c["tape"])
    tape[0]["digest"] = "0" * 24   # the answer now claims to answer another question
    report = J.judge(exercise, observations, seed=5)
    assert report.score == 0 and "answers another question" in report.integrity, \
        f"Expected an answer to another question to score 0; got\n{report}"
    observations = load(save(J.observe(exercise, _submission(exercise), seed=5)))
    entry = next(e for c in observations["checks"] for e in c["tape"] if isinstance(e.get("value"), dict))
    entry["value"] = {"__forged__": 1}
    report = J.judge(exercise, observations, seed=5)
    assert report.score == 0 and "cannot read" in report.integrity, \
        f"Expected an answer the judge cannot read to score 0; got\n{report}"


def test_a_forged_gradient_cannot_earn_more_than_the_tape_it_replaces() -> None:
    """The judge recomputes autograd's gradient itself: a tape whose w.g answers are swapped for zeros loses them."""
    observations = load(save(J.observe("lin_bwd", _submission("lin_bwd"), seed=7)))
    weight = next(c for c in observations["checks"] if c["id"] == "lin_bwd.weight_grad")
    for entry in weight["tape"]:
        for key, value in entry["value"]["__map__"]:
            if key == "params_g":
                value["__seq__"][0]["__tensor__"].zero_()
    report = J.judge("lin_bwd", observations, seed=7)
    weight_points = report.result("lin_bwd.weight_grad").check.points
    assert not report.result("lin_bwd.weight_grad").passed and report.score == 5 - weight_points, \
        f"Expected zeroed w.g answers to fail weight_grad only; got\n{report}"


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.exercise}: {c.name}") for c in backprop_cases.CASES if c.first])
def test_a_mistake_judged_from_its_tape_reads_as_it_does_live(case) -> None:
    """The tape carries the student's answers and errors, never a verdict: the judge alone names the mistake."""
    observations = load(save(J.observe(case.exercise, case.obj, seed=0)))
    errors = {e["error"]["__error__"] for c in observations["checks"] for e in c["tape"] if "error" in e}
    assert "CheckFailure" not in errors, f"Expected no verdict on the tape; got errors {sorted(errors)}."
    judged = J.judge(case.exercise, observations, seed=0)
    live = J.run_live(case.exercise, EXERCISES[case.exercise](), case.obj)
    assert [r.message for r in judged.results] == [r.message for r in live.results], \
        f"Expected the judged report to read as the live one; got\n{judged}\n---\n{live}"
    graded = J.judge(case.exercise, load(save(J.observe(case.exercise, case.obj, seed=2))), seed=2)
    assert [r.passed for r in graded.results] == [r.passed for r in live.results] and graded.diagnoses == \
        judged.diagnoses, f"Expected another challenge (other inputs) to name the same mistake; got\n{graded}\n---\n{live}"

def test_live_checks_must_be_asked_through_a_tape() -> None:
    with pytest.raises(TypeError, match="asks through a tape"):
        run_checks("lin_bwd", EXERCISES["lin_bwd"](), backprop_cases.Lin)


JUDGE_ALONE = """
import sys
sys.modules['solutions'] = None          # neither the reference nor the student's module can be imported
import torch
from autograder.student.checks import judge as J
from autograder.student.checks.tape import load
for exercise, path in zip(sys.argv[1::2], sys.argv[2::2]):
    report = J.judge(exercise, load(open(path, 'rb').read()), 11)
    print(exercise, report.score, report.max_score)
assert 'student_backprop' not in sys.modules
"""


def test_the_judge_needs_no_student_code(tmp_path: Path) -> None:
    args = []
    for exercise in STAGE:
        path = tmp_path / f"{exercise}.pt"
        path.write_bytes(save(J.observe(exercise, _submission(exercise), seed=11)))
        args += [exercise, str(path)]
    done = subprocess.run([sys.executable, "-c", JUDGE_ALONE, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"Expected the judge to run without the student's code; got\n{done.stderr[-2000:]}"
    scores = [line.split() for line in done.stdout.splitlines()]
    assert len(scores) == len(STAGE) and all(float(got) == float(full) for _, got, full in scores), \
        f"Expected full marks judged in a process without the student's classes; got {scores}."



def _digests(exercise: str, obj, seed: int) -> list[str]:
    """The digests of every question an exercise's checks asked under one challenge."""
    return [q["digest"] for c in J.observe(exercise, obj, seed)["checks"] for q in c["tape"]]


@pytest.mark.parametrize("exercise, obj", [("lin_bwd", backprop_cases.Lin), ("mse_bwd", backprop_cases.Mse)])
def test_each_challenge_asks_about_other_inputs_and_a_self_check_always_the_same(exercise, obj) -> None:
    """Observations cannot be computed ahead of time and planted: another challenge asks about other tensors."""
    assert _digests(exercise, obj, 0) == _digests(exercise, obj, 0), "Expected a self-check to ask the same questions."
    a, b = _digests(exercise, obj, 11), _digests(exercise, obj, 12)
    shared = set(a) & set(b)   # questions without tensors (the class's source, its name) stay the same
    assert len(shared) <= len(set(a)) // 5, f"Expected two challenges to ask about other inputs; {len(shared)} of " \
        f"{len(set(a))} questions are shared. Hint: seed the checks' inputs with core.varied()."


CHECKS_OWN_LABELS = r"\b(Lin|Relu|Sigmoid)\d\b"   # the probe's names for its layers: the student never wrote them


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in backprop_cases.CASES
                                  if c.exercise == "model_backward" and not c.correct])
def test_a_model_report_names_layers_as_the_students_code_does(case) -> None:
    """Every line names a layer as self.layers[i] (a Lin), as the first line does, never as the checks' Lin1."""
    report = str(J.run_live("model_backward", EXERCISES["model_backward"](), case.obj))
    assert not re.search(CHECKS_OWN_LABELS, report), f"Expected no check-internal layer names; got\n{report}"


def _try_it_cell() -> str:
    """The source of 04's "Try it on a small input" cell after the activations (the master notebook)."""
    nb = nbformat.read(ROOT / "solutions" / "04_backprop" / "04_backprop.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.get("id") == "cell-13-try")


def test_the_activation_demo_names_an_in_place_relu_and_still_shows_sigmoid_right(capsys) -> None:
    """Relu.forward clamping x in place (self-check 2.5 / 3) must not make the sigmoid line show wrong values."""
    from autograder.student.notebook import skip_if_broken
    for relu, warned in ((backprop_cases.Relu, False), (backprop_cases.ReluClampInPlace, True)):
        exec(_try_it_cell(), {"torch": torch, "skip_if_broken": skip_if_broken, "Module": backprop_cases.Module,
                              "Relu": relu, "Sigmoid": backprop_cases.Sigmoid})
        shown = capsys.readouterr().out
        assert "sigmoid inp.g: tensor([0.1050, 0.2350, 0.2350, 0.1050])" in shown, shown
        assert ("ReluClampInPlace.forward changed its input in place" in shown) == warned, shown
