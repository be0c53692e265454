"""The check machinery: named checks worth points, run with a time limit, reported as Expected / Got / Hint."""
from __future__ import annotations

import contextlib
import inspect
import io
import re
import signal
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Iterator

import torch



ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")


class CheckFailure(Exception):
    """A check found a mistake; it carries what was expected, what was got and a hint."""

    def __init__(self, expected: str, got: str, hint: str = "") -> None:
        super().__init__(f"Expected {expected}; got {got}." + (f" Hint: {hint}" if hint else ""))
        self.expected, self.got, self.hint = expected, got, hint


class StaleTape(BaseException):
    """The tape does not answer the question the judge asks: observations of another challenge, missing or forged."""


class CheckTimeout(BaseException):
    """Raised inside a check that ran past its time limit (BaseException so student code can't swallow it)."""


@dataclass(frozen=True)
class Check:
    """One gradeable property of a student's exercise, worth `points`.

    A `gate` check (worth 0 points) guards the whole exercise: when it fails, the exercise scores 0,
    e.g. a layer that wraps nn.Linear earns nothing for matching nn.Linear. A gate fails only on
    evidence of borrowing; an error raised by the student's own arithmetic belongs to the check it
    concerns, whose `explain` turns it into a sentence naming the likely mistake.
    """

    id: str            # stable, e.g. "linear_kaiming.bias_init": tests and the registry match on it
    title: str         # what a student reads; free to reword
    points: float
    fn: Callable[[Any], None]
    timeout_s: float = 15.0
    gate: bool = False
    # names the mistake behind an error raised by student code inside this check (None: no idea)
    explain: Callable[[BaseException, Any], "str | None"] | None = None

    def __post_init__(self) -> None:
        if not ID_PATTERN.fullmatch(self.id):
            raise ValueError(f"Expected a check id like 'exercise.check_name'; got {self.id!r}.")

    @property
    def judged(self) -> bool:
        """True when the check asks its questions through a tape (tape.py), so it can be judged apart."""
        return inspect.isgeneratorfunction(self.fn)


def checks_of(exercise: str, explain: Callable[[BaseException, Any], "str | None"] | None = None
              ) -> Callable[..., Check]:
    """One factory per exercise: check(name, title, points, fn, gate=False) -> Check '<exercise>.<name>'."""
    def check(name: str, title: str, points: float, fn: Callable[[Any], Any], gate: bool = False) -> Check:
        return Check(f"{exercise}.{name}", title, points, fn, gate=gate, explain=explain)
    return check


@dataclass
class CheckResult:
    """The outcome of one check: passed, or failed with a one-sentence reason."""

    check: Check
    passed: bool
    message: str = ""
    seconds: float = 0.0
    timed_out: bool = False   # stopped at its time limit (the rest of the exercise is then skipped)
    hint: str = ""            # the sentence that names the mistake (also inside `message`)

    @property
    def score(self) -> float:
        """Points earned by this check."""
        return self.check.points if self.passed else 0.0


@dataclass
class Report:
    """All check results for one exercise; prints as a short table with one line per failure."""

    exercise: str
    results: list[CheckResult] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    integrity: str = ""   # one sentence when the grade was withheld (the grader was tampered with)
    diagnoses: list[str] = field(default_factory=list)  # per result: the stable id of the mistake it names

    @property
    def gated(self) -> bool:
        """True when a gate check found borrowing, which zeroes the exercise (a time-out is no evidence)."""
        return any(r.check.gate and not r.passed and not r.timed_out for r in self.results)

    @property
    def score(self) -> float:
        """Points earned (0 when a gate check failed or the grade was withheld for integrity)."""
        return 0.0 if self.gated or self.integrity else sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(r.check.points for r in self.results)

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return not self.integrity and all(r.passed for r in self.results)

    def failures(self) -> list[CheckResult]:
        """The checks that failed, in order (gate failures first: they matter most)."""
        failed = [r for r in self.results if not r.passed]
        return sorted(failed, key=lambda r: not r.check.gate)

    def headline(self) -> str:
        """The first line: PASS, or FAIL with the points and the sentence naming the first mistake."""
        if self.integrity:
            return f"integrity: {self.integrity}."
        points = f"{self.score:g} / {self.max_score:g} points"
        if self.passed:
            return f"PASS {self.exercise}: {points}"
        first = self.failures()[0]
        why = " (a required check failed)" if self.gated else ""
        return f"FAIL {self.exercise}: {points}{why}. {first.check.title}: {first.hint or first.message}"

    def detail(self) -> list[dict]:
        """Per check: id, points earned and available, and for a failure the mistake's id and sentence."""
        out = []
        for i, r in enumerate(self.results):
            diagnosis = self.diagnoses[i] if i < len(self.diagnoses) else r.check.id
            out.append({"check": r.check.id, "passed": r.passed, "points": r.score, "max": r.check.points,
                        "gate": r.check.gate, "diagnosis": "" if r.passed else diagnosis,
                        "sentence": "" if r.passed else (r.hint or r.message)})
        return out

    def result(self, check_id: str) -> CheckResult:
        """The result of the check with this id (e.g. "linear_kaiming.bias_init")."""
        found = [r for r in self.results if r.check.id == check_id]
        if not found:
            raise KeyError(f"Expected a check id in {[r.check.id for r in self.results]}; got {check_id!r}.")
        return found[0]

    def __str__(self) -> str:
        lines = [self.headline()]
        if self.integrity:
            lines.append(f"  The grade for {self.exercise} was withheld: 0 points. Ask your instructor.")
        lines.extend(f"  NOTE: {n}" for n in self.notices)
        if self.gated:
            lines.append("  A required check failed, so this exercise scores 0 (see below).")
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            pts = "required" if r.check.gate else f"{r.score:g}/{r.check.points:g}"
            lines.append(f"  [{mark}] {r.check.title} ({pts})")
            if not r.passed:
                lines.extend("         " + line for line in r.message.splitlines())
        return "\n".join(lines)


def _describe(exc: BaseException, diagnosis: str | None = None) -> str:
    """One sentence for an exception raised by student code: where it came from, and the likely mistake."""
    if isinstance(exc, (CheckFailure, CheckTimeout)):
        return str(exc)
    if isinstance(exc, SystemExit):
        return (f"Expected your code to return or raise an exception; got SystemExit({exc.code!r}) "
                "(sys.exit / exit() was called). Hint: a library must never end the program: raise "
                "a ValueError with a clear message instead.")
    if isinstance(exc, KeyboardInterrupt):
        return ("Expected your code to run to the end; got KeyboardInterrupt. Hint: do not raise "
                "KeyboardInterrupt in a layer.")
    if isinstance(exc, NotImplementedError):
        return (f"Expected a working implementation; got NotImplementedError{_where(exc)}. Hint: replace the "
                "`raise NotImplementedError` stub with your code.")
    where = _where(exc)
    text = str(exc).splitlines()[0] if str(exc) else ""
    hint = diagnosis or _undefined_name(exc) or "run the failing call yourself in a new cell to see the full error."
    return f"Expected no error; got {type(exc).__name__}: {text}{where}. Hint: {hint}"


def _undefined_name(exc: BaseException) -> str | None:
    """The hint for a NameError: what is missing is a cell not yet run (or a name misspelt), not a bug in the check."""
    name = getattr(exc, "name", None) if isinstance(exc, NameError) else None
    if not name:
        return None
    return (f"your code uses {name}, which is not defined in this kernel: run the cell that defines it "
            "(Run All from the top after a restart), or check the spelling.")


def _where(exc: BaseException) -> str:
    """' (at line N: `code`)' for the innermost frame of the student's code (not torch's, not the checks')."""
    if hasattr(exc, "course_where"):  # an error observed in the student's process, judged here (tape.py)
        return str(exc.course_where)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not any(part in f.filename for part in ("/torch/", "/autograder/student/checks/", "/site-packages/"))]
    if not frames:
        return ""
    f = frames[-1]
    where = f"in {f.name}, " if f.name != "<module>" else ""
    code = f": `{f.line.strip()}`" if (f.line or "").strip() else ""
    return f" ({where}at line {f.lineno}{code})"


def _hint_of(exc: BaseException, diagnosis: str | None) -> str:
    """The sentence that names the mistake, when known: the check's own hint or the diagnosis of an error."""
    if isinstance(exc, CheckFailure):
        return exc.hint
    return diagnosis or _undefined_name(exc) or ""


class _Explained(Exception):
    """An error raised by student code inside a check, with the check's diagnosis of it."""

    def __init__(self, original: BaseException, diagnosis: str | None) -> None:
        super().__init__(str(original))
        self.original, self.diagnosis = original, diagnosis


def _explained(check: Check, obj: Any, side: Any = None) -> Callable[[], None]:
    """check.fn(obj), whose student errors carry the check's diagnosis (computed inside the time limit).

    A judged check (a generator) has its questions answered by `side`: tape.Recorder or tape.Replayer.
    """
    def run() -> None:
        try:
            found = check.fn(obj)
            if inspect.isgenerator(found):
                drive(found, side)
        except CheckFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - student code may raise anything
            if check.explain is None or isinstance(exc, NotImplementedError):
                raise
            try:
                diagnosis = check.explain(exc, obj)
                if inspect.isgenerator(diagnosis):
                    diagnosis = drive(diagnosis, side)
            except StaleTape:
                raise
            except Exception:  # noqa: BLE001 - a diagnosis is a bonus; student code may fail again inside it
                diagnosis = None
            raise _Explained(exc, diagnosis) from None
    return run


def drive(gen: Generator[Any, Any, Any], side: Any) -> Any:
    """Run a judged check: answer each question it yields; throw the student's error in at the yield."""
    try:
        question = next(gen)
        while True:
            if type(question).__name__ != "Ask":
                raise TypeError(f"a judged check yielded {type(question).__name__}, not a question")
            try:
                answer = side.answer(question)
            except StaleTape:
                gen.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - the student's error (or a time-out) goes back into the check
                question = gen.throw(exc)
                continue
            question = gen.send(answer)
    except StopIteration as stop:
        return stop.value


def _run_with_alarm(fn: Callable[[], None], timeout_s: float) -> None:
    """Run fn in the main thread, interrupting it with CheckTimeout after timeout_s seconds."""
    def on_alarm(signum: int, frame: Any) -> None:
        raise CheckTimeout(
            f"Expected the check to finish within {timeout_s:g} s; got no answer (it was stopped). "
            "Hint: look for an infinite loop or a very slow Python loop over elements.")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _run_in_thread(fn: Callable[[], None], timeout_s: float) -> None:
    """Fallback off the main thread: wait at most timeout_s for fn (a hung thread is abandoned)."""
    box: dict[str, BaseException] = {}

    def target() -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller
            box["exc"] = e
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout_s)
    if t.is_alive():
        raise CheckTimeout(f"Expected the check to finish within {timeout_s:g} s; got no answer. "
                           "Hint: look for an infinite loop.")
    if "exc" in box:
        raise box["exc"]


CHALLENGE_STRIDE = 1009   # judge._check_seed: check i under challenge c runs with seed c * 1009 + i
_challenge = [0]          # the challenge of the check running now (0 in a self-check)


def varied(seed: int) -> int:
    """A check's fixed input seed moved by the grader's challenge: the same inputs in every self-check, fresh
    ones in every graded run (so observations cannot be computed ahead of time and planted)."""
    return seed + 7919 * _challenge[0]


@contextlib.contextmanager
def _quiet_and_seeded(seed: int) -> Iterator[None]:
    """Silence warnings and student prints (stderr output zeroes an nbgrader cell); keep the caller's RNG."""
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    sink = io.StringIO()
    with warnings.catch_warnings(), torch.random.fork_rng(devices=devices), \
            contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        torch.manual_seed(seed)
        before, _challenge[0] = _challenge[0], seed // CHALLENGE_STRIDE
        try:
            yield
        finally:
            _challenge[0] = before


def run_check(check: Check, obj: Any, seed: int = 0, side: Any = None) -> CheckResult:
    """Run one check against a student object; any exception, exit or hang becomes a failed result.

    StaleTape (the judge's tape does not answer its questions) is not a result: it stops the exercise.
    A judged check needs a side (judge.observe / judge.judge / judge.run_live give one).
    """
    if side is None and check.judged:
        raise TypeError(f"{check.id} asks through a tape: run it with judge.run_live, observe or judge")
    start = time.perf_counter()
    try:
        with _quiet_and_seeded(seed):
            if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
                _run_with_alarm(_explained(check, obj, side), check.timeout_s)
            else:
                _run_in_thread(_explained(check, obj, side), check.timeout_s)
    except StaleTape:
        raise
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything, exits included
        diagnosis = None
        if isinstance(exc, _Explained):
            exc, diagnosis = exc.original, exc.diagnosis
        return CheckResult(check, False, _describe(exc, diagnosis), time.perf_counter() - start,
                           timed_out=isinstance(exc, CheckTimeout), hint=_hint_of(exc, diagnosis))
    return CheckResult(check, True, "", time.perf_counter() - start)


def run_checks(exercise: str, checks: list[Check], obj: Any) -> Report:
    """Run every check of an exercise in order; after a time-out, fail the rest at once so grading stays bounded."""
    results: list[CheckResult] = []
    for i, check in enumerate(checks):
        if any(r.timed_out for r in results):
            results.append(CheckResult(check, False, "Expected this check to run; got skipped, because an "
                                       "earlier check ran out of time. Hint: fix the infinite loop first."))
            continue
        results.append(run_check(check, obj, seed=i))
    return Report(exercise, results)
