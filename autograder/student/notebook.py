"""What every notebook does first: seeds, device, plotting defaults, and an early import of the checks."""
from __future__ import annotations

import contextlib
import gc
import os
import random
import sys

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

SEED = 42
DEVICE_ENV = "COURSE_DEVICE"  # "cpu" or "cuda": force the device (the tests force the CPU)
THREADS_ENV = "OMP_NUM_THREADS"  # set it to give torch more CPU threads than the course's one


def pick_device() -> torch.device:
    """The device used throughout: $COURSE_DEVICE if set, else CUDA when available (Colab GPU), else the CPU."""
    forced = os.environ.get(DEVICE_ENV, "").strip()
    if forced:
        if forced not in ("cpu", "cuda") or (forced == "cuda" and not torch.cuda.is_available()):
            raise ValueError(f"Expected {DEVICE_ENV} to be 'cpu' or 'cuda' (with a GPU present); got {forced!r}. "
                             f"Hint: unset it to let the course pick the device.")
        return torch.device(forced)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = SEED) -> None:
    """Fix every random source so that notebook figures reproduce run after run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_threads() -> int:
    """One torch thread unless $OMP_NUM_THREADS says otherwise: the course's models are too small to share out.

    A 784x100 layer on a batch of 128 is too little work to split: the threads' synchronisation costs more
    than it saves, and on a busy machine they wait for each other (README, "make bench-course", has figures).
    """
    forced = os.environ.get(THREADS_ENV, "").strip()
    if not forced:
        return 1
    if not forced.isdigit() or int(forced) < 1:
        raise ValueError(f"Expected {THREADS_ENV} to be a whole number of at least 1; got {forced!r}. "
                         f"Hint: unset it to let the course use one thread.")
    return int(forced)


def _freeze_imports() -> None:
    """Exempt everything imported so far (torch, matplotlib, the checks) from the garbage collector.

    Those objects live as long as the kernel, so the collector need not walk them again; above all the
    kernel then exits in a fraction of a second instead of spending a second or more tearing torch down
    (README, "make bench-course"). Done once per process: a second call would also freeze the notebook's own objects.
    """
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True


_FROZEN = False


def _drop_duplicate_paths() -> None:
    """Keep the first of repeated sys.path entries (a second run of the Colab setup cell adds one)."""
    sys.path[:] = list(dict.fromkeys(sys.path))


def course_mismatch(cwd: Path | None = None) -> str | None:
    """A warning when the notebook sits in one copy of the course but Python imported another one's checks."""
    from .settings import course_root
    try:
        imported = course_root()
    except FileNotFoundError:
        return None
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "autograder").is_dir() and (folder / "notebooks").is_dir():  # this layout or an older one
            if folder == imported:
                return None
            return (f"warning: this notebook is in the course at {folder}, but Python imported the course's checks "
                    f"from {imported}. Your self-checks run that copy's code. Fix: choose the kernel of {folder}'s "
                    f".venv (Kernel -> Change Kernel), or run `pip install -e {folder}` in this kernel's environment.")
    return None


def setup_notebook(seed: int = SEED) -> torch.device:
    """Seed, choose the device and import the checks before any student code runs; safe to call twice."""
    from .colab import in_colab, install_missing
    if in_colab():
        _drop_duplicate_paths()
        install_missing()
    import autograder.student.checks  # noqa: F401 - imported before student code, so it holds the real torch functions
    import matplotlib
    matplotlib.rcParams.update({"figure.figsize": (6, 3.5), "figure.dpi": 90})
    torch.set_num_threads(pick_threads())
    _freeze_imports()
    seed_everything(seed)
    device = pick_device()
    print(f"device: {device}, torch {torch.__version__}, seed {seed}")
    warning = course_mismatch()
    if warning:
        print(warning)
    return device


_SKIPPED: list[str] = []   # the cells skip_if_broken skipped in this kernel, so later cells can say why they fail
_FAILING: dict[str, str] = {}   # exercise -> its failing self-check, as skip_if_broken last named it before a cell
_REPORTS: dict[tuple[str, tuple[int, ...]], tuple[Any, Any]] = {}  # (exercise, ids of the classes) -> (them, report)


def _names(obj: Any) -> str:
    """'Mse', or 'Relu / Sigmoid' for a tuple of classes."""
    objs = obj if isinstance(obj, (tuple, list)) else (obj,)
    return " / ".join(getattr(o, "__name__", type(o).__name__) for o in objs)


def _report(exercise: str, obj: Any) -> Any:
    """The self-check's report of these classes, computed once per class object (a rerun exercise cell defines a
    new one, so it is checked again)."""
    from .checks import check_report
    objs = tuple(obj) if isinstance(obj, (tuple, list)) else (obj,)
    key = (exercise, tuple(id(o) for o in objs))
    if key not in _REPORTS:
        py_state, np_state = random.getstate(), np.random.get_state()
        with torch.random.fork_rng(devices=[]):   # the cell's random numbers stay those of a run without the check
            report = check_report(exercise, obj)
        random.setstate(py_state)
        np.random.set_state(np_state)
        _REPORTS[key] = (objs, report)   # keeps the classes alive, so an id is never reused
    return _REPORTS[key][1]


def _failing(exercises: dict[str, Any]) -> str | None:
    """'your SGD fails its self-check (sgd: 4.5 / 5 points)' for the first failing exercise, if any; remembers
    which exercises fail now (and forgets those that pass now) for the cells that gather figures."""
    first = None
    for exercise, obj in exercises.items():
        report = _report(exercise, obj)
        if report.passed:
            _FAILING.pop(exercise, None)
            continue
        why = f"your {_names(obj)} fails its self-check ({exercise}: {report.score:g} / {report.max_score:g} points)"
        _FAILING[exercise] = why
        first = first or why
    return first


def broken_exercise(exercises: dict[str, Any]) -> str | None:
    """One sentence naming the first of these exercises (check id -> your class) whose self-check fails, if any."""
    failing = _failing(exercises)
    return f"{failing}: fix it as that self-check says, rerun its cell, then this one" if failing else None


def warn_if_failing(exercises: dict[str, Any]) -> None:
    """Print one line before a cell that uses these classes runs, when one fails its self-check: the cell may run
    to the end (a zero_grad that does nothing trains to chance without an error), and its numbers mean nothing.
    With no classes, a cell that gathers figures says so when an earlier cell printed such a line. The line goes
    to stderr, which a notebook shows as a warning, flushed so that it comes before the cell's own output."""
    if not exercises:
        if _FAILING:
            print(f"Note: cells above ran while {'; '.join(_FAILING.values())}: their figures are not meaningful.",
                  file=sys.stderr, flush=True)
        return
    failing = _failing(exercises)
    if failing:
        print(f"Note: {failing}: what this cell prints is not meaningful until it passes.", file=sys.stderr,
              flush=True)


# What a cell raises when a cell above was skipped: a name it never defined, or a list it left empty
# (history[-1], max() of nothing, a mean over no steps).
EMPTY_RESULTS = (NameError, LookupError, ValueError, ZeroDivisionError)


@contextlib.contextmanager
def skip_if_broken(**exercises: Any) -> Iterator[None]:
    """Run a cell that uses your classes (check id=class, as in self_check); if it fails, say which class, go on.

    Before the cell runs, a class that fails its self-check is named in one printed line (its numbers mean
    nothing). When the cell raises, the first of the given exercises whose self-check fails (each checked once per
    class) is named in one printed line instead of a traceback, so Run All goes on to the next cell. A cell that
    needs a skipped cell's results says so. An error that no failing self-check explains is raised as usual.
    """
    warn_if_failing(exercises)
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - whatever the student's classes raise, name the class instead
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(".")
        why = broken_exercise(exercises)
        if why is None and isinstance(exc, EMPTY_RESULTS) and _SKIPPED:
            why = "it needs the results of a cell above that was skipped"
        if why is None:
            raise
        _SKIPPED.append(why)
        print(f"Skipped this cell: {why}. (It stopped at {error}.)")
