"""Observe and judge for stage 03 (relu, flatten, simple_mlp) and stage 00 (update): the reference's code,
observed and passed through the file format, gets full marks from the tape alone; another challenge, a
forged tape or an unreadable answer scores 0 with a reason; the judge needs no student class to exist."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.student.checks import judge as J
from autograder.student.checks.tape import load, save
from catalogue.observations import PLAIN, leaf_kinds

ROOT = Path(__file__).resolve().parents[1]
MLP = [pytest.param(e, marks=pytest.mark.mlp) for e in ("relu", "flatten", "simple_mlp")]
ALL = MLP + [pytest.param("update", marks=pytest.mark.backdrop)]


def _as_student(path: str, name: str):
    """The reference file's code loaded as a student's module (not under solutions/), as typed into a notebook."""
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _submission(exercise: str):
    """The reference solution of the exercise, as the student's own code."""
    if exercise == "update":
        return _as_student("solutions/backdrop.py", "student_backdrop").update
    mlp = _as_student("solutions/mlp.py", "student_mlp")
    return {"relu": mlp.ReLU, "flatten": mlp.Flatten, "simple_mlp": mlp.SimpleMLP}[exercise]


@pytest.mark.parametrize("exercise", ALL)
def test_the_reference_observed_and_judged_gets_full_marks(exercise: str) -> None:
    assert J.judged(exercise), f"Expected {exercise} to be judged (every check a generator); got unjudged."
    observations = load(save(J.observe(exercise, _submission(exercise), seed=11)))
    report = J.judge(exercise, observations, seed=11)
    assert report.passed and report.score == report.max_score and not report.integrity, \
        f"Expected full marks for the reference from its observations; got\n{report}"
    kinds = leaf_kinds(observations)
    assert kinds <= PLAIN, \
        f"Expected observations to hold plain values only; got {sorted(kinds)}."


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


JUDGE_ALONE = """
import sys
sys.modules['solutions'] = None          # neither the reference nor the student's module can be imported
import torch
from autograder.student.checks import judge as J
from autograder.student.checks.tape import load
for exercise, path in zip(sys.argv[1::2], sys.argv[2::2]):
    report = J.judge(exercise, load(open(path, 'rb').read()), 11)
    print(exercise, report.score, report.max_score)
assert 'student_mlp' not in sys.modules and 'student_backdrop' not in sys.modules
"""


@pytest.mark.mlp
@pytest.mark.backdrop
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
    assert scores and all(float(got) == float(full) for _, got, full in scores), \
        f"Expected full marks judged in a process without the student's classes; got {scores}."
