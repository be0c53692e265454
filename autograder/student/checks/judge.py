"""Observe in the student's process, judge anywhere: one exercise's checks split at the tape (tape.py).

    observations = observe("linear_randn", MyLinear, seed)   # runs the student's code; plain values only
    report = judge("linear_randn", observations, seed)      # runs no student code: every point decided here

A self-check does both in one process. In `course grade` the hidden test cell only observes and writes
the observations next to the notebook; the grader's own process judges them (autograder/grader/judge.py).
"""
from __future__ import annotations

from typing import Any

from .core import CHALLENGE_STRIDE, CheckResult, Report, StaleTape, run_check
from .probes import PROBES
from .registry import EXERCISES, _named_mistakes, diagnosis_id
from .tape import Handle, Objects, Recorder, Replayer, decode, load, save

FORMAT = "mlp-course observations 1"


def judged(exercise: str) -> bool:
    """True when every check of the exercise asks through the tape, so the exercise can be judged apart."""
    return exercise in EXERCISES and all(c.judged for c in EXERCISES[exercise]())


def _check_seed(seed: int, index: int) -> int:
    """The checks' own RNG seed for check `index` under challenge `seed` (seed 0: the self-check's, = index)."""
    return seed * CHALLENGE_STRIDE + index


def observe(exercise: str, obj: Any, seed: int = 0) -> dict:
    """Run the exercise's checks on the student's object, keeping only the tape of questions and answers."""
    objects = Objects(obj)
    root = objects.root  # its handle even for a tuple such as (Relu, Sigmoid), which encode() would spell out
    out: dict[str, Any] = {"format": FORMAT, "exercise": exercise, "seed": int(seed), "checks": [],
                           "root": {"__handle__": root.id, "kind": root.kind, "name": root.name,
                                    "bases": list(root.bases), "callable": root.is_callable}}
    stopped = False
    for i, check in enumerate(EXERCISES[exercise]()):
        if stopped:  # after a time-out the rest are not run (as run_checks does)
            out["checks"].append({"id": check.id, "tape": [], "end": "skipped"})
            continue
        recorder = Recorder(objects, PROBES, seed * 1000 + i)
        result = run_check(check, objects.root, seed=_check_seed(seed, i), side=recorder)
        stopped = result.timed_out
        out["checks"].append({"id": check.id, "tape": recorder.tape,
                              "end": f"timeout: {result.message}" if result.timed_out else ""})
    return out


def run_live(exercise: str, checks: list, obj: Any) -> Report:
    """Run these checks on a live object, each judged check's questions answered on the spot (tests, tools)."""
    objects, results = Objects(obj), []
    for i, check in enumerate(checks):
        if any(r.timed_out for r in results):
            results.append(CheckResult(check, False, "Expected this check to run; got skipped, because an "
                                       "earlier check ran out of time. Hint: fix the infinite loop first."))
            continue
        side = Recorder(objects, PROBES, i) if check.judged else None
        results.append(run_check(check, objects.root if check.judged else obj, seed=i, side=side))
    return Report(exercise, results)


def _stale(exercise: str, why: str) -> Report:
    """0 points for the exercise: its observations cannot be judged."""
    return Report(exercise, integrity=f"the observations of {exercise} could not be judged ({why})")


def judge(exercise: str, observations: Any, seed: int) -> Report:
    """The report of the exercise from its observations alone; missing, malformed or stale ones score 0."""
    checks = EXERCISES[exercise]()
    if not isinstance(observations, dict) or observations.get("format") != FORMAT:
        return _stale(exercise, "not an observations file of this course")
    if observations.get("exercise") != exercise or observations.get("seed") != seed:
        return _stale(exercise, "they answer another challenge")
    recorded = observations.get("checks")
    if not isinstance(recorded, list) or [c.get("id") if isinstance(c, dict) else None for c in recorded] != \
            [c.id for c in checks]:
        return _stale(exercise, "they do not hold this exercise's checks")
    results = []
    try:
        root = decode(observations.get("root"))
        if not isinstance(root, Handle) or root.id != 0:
            raise StaleTape("no handle for the object handed in")
        for i, (check, obs) in enumerate(zip(checks, recorded)):
            if any(r.timed_out for r in results):
                results.append(CheckResult(check, False, "Expected this check to run; got skipped, because an "
                                           "earlier check ran out of time. Hint: fix the infinite loop first."))
                continue
            tape, end = obs.get("tape"), str(obs.get("end") or "")
            if not isinstance(tape, list):
                raise StaleTape(f"{check.id} has no tape")
            results.append(run_check(check, root, seed=_check_seed(seed, i), side=Replayer(tape, end)))
    except StaleTape as exc:
        return _stale(exercise, str(exc))
    report = Report(exercise, results)
    named = _named_mistakes() if not report.passed else []
    report.diagnoses = [diagnosis_id(r.check.id, r.hint or r.message, named) if not r.passed else ""
                        for r in report.results]
    return report


def observe_and_judge(exercise: str, obj: Any, seed: int = 0) -> Report:
    """A self-check: observe, pass the observations through the file format, judge; as `course grade` does."""
    return judge(exercise, load(save(observe(exercise, obj, seed))), seed)
