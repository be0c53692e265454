"""Observe and judge for stage 05 (sgd, adam): the reference optimizers, observed and passed through the file
format, get full marks from the tape alone; the tape holds plain values only (parameter trajectories, gradients,
names); another challenge or a forged tape scores 0 with a reason; the judge needs no student class to exist."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.student.checks import judge as J
from autograder.student.checks.tape import load, save
from catalogue import optimizer_cases as opt
from catalogue.observations import PLAIN, leaf_kinds

ROOT = Path(__file__).resolve().parents[1]
ALL = [pytest.param(e, marks=pytest.mark.optimizer) for e in ("sgd", "adam")]


def _as_student(path: str, name: str):
    """The reference file's code loaded as a student's module (not under solutions/), as typed into a notebook."""
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _submission(exercise: str):
    """The reference solution of the exercise, as the student's own code."""
    return getattr(_as_student("solutions/optimizer.py", "student_optimizer"), {"sgd": "SGD", "adam": "Adam"}[exercise])


@pytest.mark.parametrize("exercise", ALL)
def test_the_reference_observed_and_judged_gets_full_marks(exercise: str) -> None:
    assert J.judged(exercise), f"Expected {exercise} to be judged (every check a generator); got unjudged."
    observations = load(save(J.observe(exercise, _submission(exercise), seed=11)))
    report = J.judge(exercise, observations, seed=11)
    assert report.passed and report.score == report.max_score and not report.integrity, \
        f"Expected full marks for the reference from its observations; got\n{report}"
    kinds = leaf_kinds(observations)
    assert kinds <= PLAIN, f"Expected observations to hold plain values only; got {sorted(kinds)}."


@pytest.mark.optimizer
def test_a_wrong_optimizer_judged_from_its_tape_loses_what_the_live_report_says() -> None:
    from autograder.student.checks import check_report
    observations = load(save(J.observe("sgd", opt.SGDNoBuffer, seed=7)))
    judged = J.judge("sgd", observations, seed=7)
    live = check_report("sgd", opt.SGDNoBuffer)
    assert not judged.result("sgd.momentum").passed and judged.score == live.score, \
        f"Expected the judged report to fail momentum as the self-check does; got\n{judged}\nand\n{live}"
    assert "not kept from one step to the next" in judged.result("sgd.momentum").message, str(judged)


@pytest.mark.parametrize("exercise", ALL)
def test_another_challenge_scores_zero_with_a_reason(exercise: str) -> None:
    observations = load(save(J.observe(exercise, _submission(exercise), seed=3)))
    report = J.judge(exercise, observations, seed=4)
    assert report.score == 0 and "another challenge" in report.integrity, \
        f"Expected observations of another seed to score 0 with a reason; got\n{report}"


@pytest.mark.parametrize("exercise", ALL)
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


@pytest.mark.optimizer
def test_a_wrapper_of_torch_optim_judged_from_its_tape_fails_the_required_check() -> None:
    """The gate's evidence (torch.optim in the class's code) travels on the tape as the text found, not a verdict."""
    observations = load(save(J.observe("sgd", opt.SGDWrapsTorch, seed=5)))
    report = J.judge("sgd", observations, seed=5)
    assert report.gated and report.score == 0, f"Expected the wrapper of torch.optim.SGD to score 0; got\n{report}"


def _wrong():
    """Wrong optimizers whose tapes hold errors, aliased names, a frozen layer's run and __init__'s defaults."""
    return [pytest.param("sgd", opt.SGDGradAsBuffer, "sgd.momentum", id="sgd buffer is p.grad"),
            pytest.param("sgd", opt.SGDNoneGrads, "sgd.frozen", id="sgd fails on p.grad None"),
            pytest.param("sgd", opt.SGDNoMomentumArgument, "sgd.momentum", id="sgd __init__ without momentum"),
            pytest.param("sgd", opt.SGDZeroGradUnguarded, "sgd.zero_grad", id="sgd zero_grad fails on p.grad None"),
            pytest.param("adam", opt.AdamNoneGrads, "adam.frozen", id="adam fails on p.grad None"),
            pytest.param("adam", opt.AdamDefaultBetas, "adam.defaults", id="adam default betas"),
            pytest.param("adam", opt._adam_with(opt.AdamStepFromZero), "adam.defaults", id="adam t from 0 (nan)")]


@pytest.mark.optimizer
@pytest.mark.parametrize("exercise, cls, first", _wrong())
def test_a_wrong_optimizer_is_judged_from_plain_values(exercise: str, cls, first: str) -> None:
    observations = load(save(J.observe(exercise, cls, seed=9)))
    kinds = leaf_kinds(observations)
    assert kinds <= PLAIN, f"Expected observations to hold plain values only; got {sorted(kinds)}."
    report = J.judge(exercise, observations, seed=9)
    assert not report.integrity and report.failures()[0].check.id == first, \
        f"Expected the judge to fail {first} first from the tape alone; got\n{report}"


JUDGE_ALONE = """
import sys
sys.modules['solutions'] = None          # neither the reference nor the student's module can be imported
import torch
from autograder.student.checks import judge as J
from autograder.student.checks.tape import load
for exercise, path in zip(sys.argv[1::2], sys.argv[2::2]):
    report = J.judge(exercise, load(open(path, 'rb').read()), 11)
    print(exercise, report.score, report.max_score)
assert 'student_optimizer' not in sys.modules
"""


@pytest.mark.optimizer
def test_the_judge_needs_no_student_code(tmp_path: Path) -> None:
    args = []
    for param in ALL:
        exercise = param.values[0]
        path = tmp_path / f"{exercise}.pt"
        path.write_bytes(save(J.observe(exercise, _submission(exercise), seed=11)))
        args += [exercise, str(path)]
    done = subprocess.run([sys.executable, "-c", JUDGE_ALONE, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"Expected the judge to run without the student's code; got\n{done.stderr[-2000:]}"
    scores = [line.split() for line in done.stdout.splitlines()]
    assert len(scores) == 2 and all(float(got) == float(full) for _, got, full in scores), \
        f"Expected full marks judged in a process without the student's classes; got {scores}."


@pytest.mark.optimizer
def test_every_named_mistake_is_one_short_sentence_about_your_code() -> None:
    """A named mistake is the student's first line: one sentence that starts with "your" (or "you") and names the
    mistake, not "your step is <noun phrase>", and short, because the update it should be goes into Expected."""
    from autograder.student.checks import optimizer as O
    labels = {**O.SGD_MISTAKES, **O.ADAM_MISTAKES, **O.SCHEDULE_MISTAKES["sgd"], **O.SCHEDULE_MISTAKES["adam"],
              "grads_left": O.GRADS_LEFT, "grad_none": O.GRAD_NONE, "unnamed": O.UNNAMED, "read_lr": O.READ_LR}
    bad = {k: v for k, v in labels.items()
           if not (v.startswith(("your ", "you ", "no common")) and len(v) <= 200 and "your step is " not in v
                   and v.count(". ") == 0)}
    assert not bad, f"Expected one sentence of at most 200 characters naming the mistake; got {bad}"


@pytest.mark.optimizer
def test_a_zero_grad_without_the_none_guard_is_named_not_a_raw_attribute_error() -> None:
    from autograder.student.checks import check_report
    for exercise, cls in (("sgd", opt.SGDZeroGradUnguarded), ("adam", opt.AdamZeroGradUnguarded)):
        first = check_report(exercise, cls).failures()[0]
        assert first.check.id == f"{exercise}.zero_grad" and "if p.grad is not None" in first.hint, first.message
        assert "run the failing call yourself" not in first.message, first.message


@pytest.mark.optimizer
def test_a_training_cell_with_an_sgd_that_fails_its_self_check_says_so_first(capsys, monkeypatch) -> None:
    """zero_grad left as `pass` raises nothing: the training cell runs to chance, so it must say first that its
    numbers are not meaningful (on stderr, so Run All's printed results stay as they are), and the cell that gathers
    the figures says it too; once the class passes, nothing is said."""
    from autograder.student import notebook
    monkeypatch.setattr(notebook, "_FAILING", {})   # what earlier tests in this process left failing
    ran = []
    with notebook.skip_if_broken(sgd=opt.SGDZeroGradPass):
        ran.append(True)
    with notebook.skip_if_broken():
        pass
    err = capsys.readouterr().err.splitlines()
    assert ran and len(err) == 2 and "your SGDZeroGradPass fails its self-check (sgd: 4 / 5 points)" in err[0], err
    assert "not meaningful" in err[0] and "not meaningful" in err[1], err
    with notebook.skip_if_broken(sgd=opt.SGD):
        pass
    with notebook.skip_if_broken():
        pass
    assert capsys.readouterr().err == ""


@pytest.mark.optimizer
def test_a_cell_that_needs_a_skipped_training_cells_results_says_so(monkeypatch, capsys):
    """Walkthrough: an SGD that crashes only in training left history empty, and RESULTS raised IndexError."""
    from autograder.student import notebook
    monkeypatch.setattr(notebook, "_FAILING", {})
    monkeypatch.setattr(notebook, "_SKIPPED", [])
    history = []
    with notebook.skip_if_broken(sgd=opt.SGDOneBuffer):  # the training cell: crashes at its first step
        raise RuntimeError("The size of tensor a (100) must match the size of tensor b (784).")
    with notebook.skip_if_broken():  # RESULTS
        history[-1]["valid_acc"]
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "your SGDOneBuffer fails its self-check" in out[0], out
    assert out[1] == ("Skipped this cell: it needs the results of a cell above that was skipped. "
                      "(It stopped at IndexError: list index out of range.)"), out
    assert "..)" not in out[0], f"Expected one period before the parenthesis; got {out[0]!r}"
