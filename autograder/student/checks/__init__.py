"""Checks for every exercise. Visible self-checks and nbgrader's hidden tests call the same functions.

    self_check("linear_randn", MyLinear)   # prints the report (first line PASS, or FAIL naming the mistake)
    grade("linear_randn", MyLinear)        # prints the report; returns the points (nbgrader partial credit)

A failing self-check does not raise: "Run All" goes on to the cells below (a 1-point slip must not hide
the training runs), and the report's first line says FAIL and names the first mistake.

Trust: nothing computed here decides a grade. A self-check observes the student's objects and judges the
observations in the same process (judge.py), so a notebook that tampers with it only fools itself. In
`course grade` the hidden tests only observe; the grader's own process judges (autograder/grader/judge.py).
"""
from __future__ import annotations

import json as _json
from pathlib import Path
from typing import Any

from ..handover import CHALLENGE_FILE, OBSERVATIONS_DIR, RESULT_PREFIX  # noqa: F401 - the grader reads them too
from .core import Check, CheckFailure, CheckResult, Report, run_checks
from .judge import observe, observe_and_judge
from .registry import EXERCISES, points_table
from .tape import save


def check_report(exercise: str, obj: Any) -> Report:
    """Run all checks of one exercise against the student's object: observed, then judged from the observations."""
    if exercise not in EXERCISES:
        raise KeyError(f"Unknown exercise {exercise!r}; expected one of {sorted(EXERCISES)}.")
    return observe_and_judge(exercise, obj)


def self_check(exercise: str, obj: Any) -> Report:
    """Visible self-check: print the report, whose first line says PASS or FAIL and names the first mistake.

    It never raises, so that Run All reaches the rest of the notebook; the points are recorded only by
    the hidden tests (grade).
    """
    report = check_report(exercise, obj)
    print(report)
    return report


def _challenge() -> dict | None:
    """The grader's challenge for this run ({"seed": n}), when this kernel is grading; None in a student's notebook."""
    try:
        with open(CHALLENGE_FILE, encoding="utf-8") as f:
            found = _json.load(f)
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("seed"), int) else None


def grade(exercise: str, obj: Any) -> float:
    """Hidden test: print the report and return the points earned, which nbgrader records as partial credit.

    When the grader has left a challenge next to the notebook, this only observes: it writes the observations
    for the grader, which judges them in its own process and sets the cell's points and report itself
    (autograder/grader/judge.py). Whatever this function prints or returns then changes no grade.
    """
    challenge = _challenge()
    if challenge is not None and exercise in EXERCISES:
        data = save(observe(exercise, obj, challenge["seed"]))
        Path(OBSERVATIONS_DIR).mkdir(exist_ok=True)
        (Path(OBSERVATIONS_DIR) / f"{exercise}.pt").write_bytes(data)
        print(f"{exercise}: observed; the grader judges the observations outside this notebook.")
        return 0.0
    report = check_report(exercise, obj)
    print(report)
    print(f"{RESULT_PREFIX} {exercise} {_json.dumps(report.detail(), sort_keys=True)}")  # per check, for the class report
    return float(round(report.score, 4))


def max_points(exercise: str) -> float:
    """Points an exercise is worth: the sum of its checks' points."""
    return sum(c.points for c in EXERCISES[exercise]())


__all__ = ["Check", "CheckFailure", "CheckResult", "Report", "EXERCISES",
           "check_report", "self_check", "grade", "max_points", "points_table", "run_checks"]
