"""Checks for every exercise. Visible self-checks and nbgrader's hidden tests call the same functions.

    self_check("linear_randn", MyLinear)   # prints the report; raises a short error if anything failed
    grade("linear_randn", MyLinear)        # prints the report; returns the points (nbgrader partial credit)
"""
from __future__ import annotations

from typing import Any, Callable

from .core import Check, CheckFailure, Report, run_checks
from . import iter1

# exercise id -> function returning its checks. The ids match the notebooks' nbgrader grade_ids.
EXERCISES: dict[str, Callable[[], list[Check]]] = {
    "linear_randn": iter1.linear_checks,
}


class SelfCheckFailed(AssertionError):
    """A self-check found mistakes; Jupyter shows only the report, not a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"SelfCheckFailed: {self.args[0]}"]


def check_report(exercise: str, obj: Any) -> Report:
    """Run all checks of one exercise against the student's object."""
    if exercise not in EXERCISES:
        raise KeyError(f"Unknown exercise {exercise!r}; expected one of {sorted(EXERCISES)}.")
    return run_checks(exercise, EXERCISES[exercise](), obj)


def self_check(exercise: str, obj: Any) -> Report:
    """Visible self-check: print the report and stop the notebook at the first failed check."""
    report = check_report(exercise, obj)
    print(report)
    if not report.passed:
        first = report.failures()[0]
        raise SelfCheckFailed(f"{first.check.name}: {first.message}")
    return report


def grade(exercise: str, obj: Any) -> float:
    """Hidden test: print the report and return the points earned, which nbgrader records as partial credit."""
    report = check_report(exercise, obj)
    print(report)
    return round(report.score, 4)


def max_points(exercise: str) -> float:
    """Points an exercise is worth: the sum of its checks' points."""
    return sum(c.points for c in EXERCISES[exercise]())


__all__ = ["Check", "CheckFailure", "Report", "EXERCISES", "SelfCheckFailed",
           "check_report", "self_check", "grade", "max_points"]
