"""Checks for every exercise. Visible self-checks and nbgrader's hidden tests call the same functions.

    self_check("linear_randn", MyLinear)   # prints the report (first line PASS, or FAIL naming the mistake)
    grade("linear_randn", MyLinear)        # prints the report; returns the points (nbgrader partial credit)

A failing self-check does not raise: "Run All" goes on to the cells below (a 1-point slip must not hide
the training runs), and the report's first line says FAIL and names the first mistake.

Integrity: importing this package captures the genuine grader before any student code runs
(integrity/guard.py: this module, its namespace and functions' code, builtins, the modules the checks
use, the checks' code compiled from source, the reference solutions' code). Every report first compares
the present with that capture: a change to the grader itself (a fake module in sys.modules, a name
written into this package, a replaced builtin such as __import__) puts back what it can and scores 0
with the first line "integrity: ...". In the grading kernel grade() also gets its score sealed (see
integrity/seal.py), and `course grade` trusts no score without its seal.

Tamper resistance: `compare` snapshots the genuine torch/numpy functions at import. Every report
restores any replaced one (torch.allclose, torch.testing.assert_close, numpy.allclose, ...) and notes
it ("tampering detected"; the checks simply run with the genuine functions), then runs the checks from a
fresh copy of these modules, so a student's reassignment of a helper (e.g.
`autograder.student.checks.iter2.check_forward = ...`) has no effect. This package's own names (grade,
self_check, ...) are read-only.
"""
from __future__ import annotations

import json as _json
import secrets
import sys
import types
from pathlib import Path
from typing import Any

from ..integrity import guard as _guard
from .compare import _GENUINE
from .core import Check, CheckFailure, CheckResult, Report, run_checks
from .registry import EXERCISES, points_table

_SNAPSHOT = types.MappingProxyType(dict(_GENUINE))  # taken at import, before student code
_HERE = Path(__file__).resolve().parent
# Bound at import, so that a notebook that replaces sys.audit, types.ModuleType, ... changes nothing here
# (and a notebook that rebinds these names is caught by the namespace comparison).
_audit, _modules, _ModuleType, _token = sys.audit, sys.modules, types.ModuleType, secrets.token_hex
_tampering, _borrowed = _guard.tampering, _guard.borrowed_reference
RESULT_PREFIX = "[course result]"  # grade()'s line of per-check results (check id, points, diagnosis id)
SEAL_EVENT = _guard.SEAL_EVENT  # the sandbox kernel's sealing hook signs it (integrity/seal.py)


def _fresh_modules() -> types.ModuleType:
    """The checks executed anew from the code compiled at import (before student code), under a private random name.

    Not from disk and not through the import system: a notebook cannot plant a module under the private
    name, intercept the loader or feed in other source. Returns the fresh package (.registry, .judge, ...).
    """
    name = f"_mlp_course_checks_{_token(8)}"
    package = _ModuleType(name)
    package.__package__ = name  # no __path__: `from . import x` reads the attribute set below
    _modules[name] = package
    try:
        for sub, path, code in _STATE.compiled:
            module = _ModuleType(f"{name}.{sub}")
            module.__package__, module.__file__ = name, path
            _modules[module.__name__] = module
            exec(code, vars(module))
            setattr(package, sub, module)
        return package
    finally:
        for k in [k for k in _modules if k == name or k.startswith(name + ".")]:
            del _modules[k]


def check_report(exercise: str, obj: Any) -> Report:
    """Run all checks of one exercise against the student's object, with genuine functions and fresh checks.

    The grader is first compared with what it was before student code ran (the module, its functions'
    code, builtins, sys.modules): any change scores 0 with a first line "integrity: ...", and no check
    runs. A class whose functions run the reference solution's code is checked as usual (the required
    check names the reference where it can tell), then withheld the same way.
    """
    if exercise not in EXERCISES:
        raise KeyError(f"Unknown exercise {exercise!r}; expected one of {sorted(EXERCISES)}.")
    found = _tampering(_STATE)
    if found:
        return Report(exercise, integrity=f"the grader's own code was changed in this notebook ({found[0]})")
    package = _fresh_modules()
    fresh = package.registry
    tampered = fresh.restore_genuine(_SNAPSHOT)
    if package.judge.judged(exercise):  # observed here, then judged from the observations alone, as in grading
        report = package.judge.observe_and_judge(exercise, obj)
    else:
        report = fresh.run_checks(exercise, fresh.EXERCISES[exercise](), obj)
        named = fresh._named_mistakes() if not report.passed else []  # scanned once per report, only when it failed
        report.diagnoses = [fresh.diagnosis_id(r.check.id, r.hint or r.message, named) if not r.passed else ""
                            for r in report.results]
    if tampered:
        report.notices.append(f"tampering detected: {', '.join(tampered)} had been replaced; the genuine "
                              "functions were restored before grading.")
    borrowed = _borrowed(obj, _STATE)
    if borrowed:
        report.integrity = f"{borrowed} runs the reference solution's code, not code written in this notebook"
    return report


def self_check(exercise: str, obj: Any) -> Report:
    """Visible self-check: print the report, whose first line says PASS or FAIL and names the first mistake.

    It never raises, so that Run All reaches the rest of the notebook; the points are recorded only by
    the hidden tests (grade).
    """
    report = check_report(exercise, obj)
    print(report)
    return report


CHALLENGE_FILE = ".course_challenge.json"   # written next to the notebook by the grader (grader/judge.py)
OBSERVATIONS_DIR = ".course_observations"    # where the hidden tests leave their observations for the grader


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

    When the grader has left a challenge next to the notebook and the exercise is judged apart, this only
    observes: it writes the observations for the grader, which judges them in its own process and sets the
    cell's points and report itself (autograder/grader/judge.py). Otherwise the score is sealed: the kernel's
    audit hook signs it only for this very function running over the untouched grader.
    """
    challenge = _challenge()
    package = _fresh_modules() if challenge is not None else None
    if package is not None and package.judge.judged(exercise):
        package.registry.restore_genuine(_SNAPSHOT)
        data = package.tape.save(package.judge.observe(exercise, obj, challenge["seed"]))
        Path(OBSERVATIONS_DIR).mkdir(exist_ok=True)
        (Path(OBSERVATIONS_DIR) / f"{exercise}.pt").write_bytes(data)
        print(f"{exercise}: observed; the grader judges the observations outside this notebook.")
        return 0.0
    report = check_report(exercise, obj)
    print(report)
    score = float(round(report.score, 4))
    print(f"{RESULT_PREFIX} {exercise} {_json.dumps(report.detail(), sort_keys=True)}")  # per check, for the class report
    sealed: list[str] = []
    _audit(SEAL_EVENT, exercise, score, sealed)
    for line in sealed:
        print(line)
    return score


def max_points(exercise: str) -> float:
    """Points an exercise is worth: the sum of its checks' points."""
    return sum(c.points for c in EXERCISES[exercise]())


class _ReadOnlyModule(types.ModuleType):
    """This package's names cannot be reassigned from a notebook (submodule imports still work)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") or isinstance(value, types.ModuleType):
            super().__setattr__(name, value)
            return
        raise AttributeError(f"autograder.student.checks.{name} is read-only: the checks cannot be replaced.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"autograder.student.checks.{name} is read-only.")


__all__ = ["Check", "CheckFailure", "CheckResult", "Report", "EXERCISES",
           "check_report", "self_check", "grade", "max_points", "points_table", "run_checks"]

sys.modules[__name__].__class__ = _ReadOnlyModule
_STATE: _guard.Genuine = _guard.capture(sys.modules[__name__])  # before any student code: see integrity/guard.py
_STATE.namespace["_STATE"] = _STATE
