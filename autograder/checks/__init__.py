"""Checks for every exercise. Visible self-checks and nbgrader's hidden tests call the same functions.

    self_check("linear_randn", MyLinear)   # prints the report (first line PASS, or FAIL naming the mistake)
    grade("linear_randn", MyLinear)        # prints the report; returns the points (nbgrader partial credit)

A failing self-check does not raise: "Run All" goes on to the cells below (a 1-point slip must not hide
the training runs), and the report's first line says FAIL and names the first mistake.

Tamper resistance: setup_notebook() imports this package before any student code, so `compare`
snapshots the genuine torch/numpy functions. Every report first restores any replaced function
(torch.allclose, torch.testing.assert_close, numpy.allclose, ...) and notes it, then runs the checks
from a fresh copy of these modules loaded from disk, so a student's reassignment of a helper
(e.g. `autograder.checks.iter2.check_forward = ...`) has no effect. Tampering does not by itself
zero the score: the checks simply run with the genuine functions. This package's own names
(grade, self_check, ...) are read-only.
"""
from __future__ import annotations

import importlib
import importlib.util
import itertools
import sys
import types
from pathlib import Path
from typing import Any

from .compare import _GENUINE
from .core import Check, CheckFailure, CheckResult, Report, run_checks
from .registry import EXERCISES, points_table

_SNAPSHOT = types.MappingProxyType(dict(_GENUINE))  # taken at import, before student code
_HERE = Path(__file__).resolve().parent
_COUNTER = itertools.count()


def _is_solutions(name: str) -> bool:
    """True for the reference package and its modules."""
    return name == "solutions" or name.startswith("solutions.")


def _fresh_modules() -> types.ModuleType:
    """This package's registry (and the reference solutions) executed anew from disk, under a private name."""
    name = f"_mlp_course_checks_{next(_COUNTER)}"
    spec = importlib.util.spec_from_file_location(name, _HERE / "__init__.py",
                                                  submodule_search_locations=[str(_HERE)])
    sys.modules[name] = importlib.util.module_from_spec(spec)  # a bare package: __init__ is not run
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if _is_solutions(k)}
    try:
        return importlib.import_module(f"{name}.registry")
    finally:
        for k in [k for k in sys.modules if k == name or k.startswith(name + ".") or _is_solutions(k)]:
            del sys.modules[k]
        sys.modules.update(saved)


def check_report(exercise: str, obj: Any) -> Report:
    """Run all checks of one exercise against the student's object, with genuine functions and fresh checks."""
    if exercise not in EXERCISES:
        raise KeyError(f"Unknown exercise {exercise!r}; expected one of {sorted(EXERCISES)}.")
    fresh = _fresh_modules()
    tampered = fresh.restore_genuine(_SNAPSHOT)
    report = fresh.run_checks(exercise, fresh.EXERCISES[exercise](), obj)
    if tampered:
        report.notices.append(f"tampering detected: {', '.join(tampered)} had been replaced; the genuine "
                              "functions were restored before grading.")
    return report


def self_check(exercise: str, obj: Any) -> Report:
    """Visible self-check: print the report, whose first line says PASS or FAIL and names the first mistake.

    It never raises, so that Run All reaches the rest of the notebook; the points are recorded only by
    the hidden tests (grade).
    """
    report = check_report(exercise, obj)
    print(report)
    return report


def grade(exercise: str, obj: Any) -> float:
    """Hidden test: print the report and return the points earned, which nbgrader records as partial credit."""
    report = check_report(exercise, obj)
    print(report)
    return round(report.score, 4)


def max_points(exercise: str) -> float:
    """Points an exercise is worth: the sum of its checks' points."""
    return sum(c.points for c in EXERCISES[exercise]())


class _ReadOnlyModule(types.ModuleType):
    """This package's names cannot be reassigned from a notebook (submodule imports still work)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") or isinstance(value, types.ModuleType):
            super().__setattr__(name, value)
            return
        raise AttributeError(f"autograder.checks.{name} is read-only: the checks cannot be replaced.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"autograder.checks.{name} is read-only.")


__all__ = ["Check", "CheckFailure", "CheckResult", "Report", "EXERCISES",
           "check_report", "self_check", "grade", "max_points", "points_table", "run_checks"]

sys.modules[__name__].__class__ = _ReadOnlyModule
