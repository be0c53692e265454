"""The notebooks' setup: one torch thread unless OMP_NUM_THREADS says otherwise (the course's models are small),
and a warning when the notebook sits in one copy of the course but imports another copy's checks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.student.notebook import THREADS_ENV, course_mismatch, pick_threads

pytestmark = pytest.mark.skeleton


def test_one_thread_unless_omp_num_threads_says_otherwise(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert pick_threads() == 1, f"Expected 1 thread without {THREADS_ENV}; got {pick_threads()}."
    monkeypatch.setenv(THREADS_ENV, "3")
    assert pick_threads() == 3, f"Expected {THREADS_ENV}=3 to give 3 threads; got {pick_threads()}."


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_nonsense_thread_count_is_refused_in_one_sentence(monkeypatch, value):
    monkeypatch.setenv(THREADS_ENV, value)
    with pytest.raises(ValueError, match=f"Expected {THREADS_ENV} to be a whole number of at least 1; got '{value}'"):
        pick_threads()


@pytest.mark.parametrize("env, expected", [({}, 1), ({THREADS_ENV: "2"}, 2)])
def test_setup_notebook_sets_torch_threads(env, expected):
    base = {k: v for k, v in os.environ.items() if k not in (THREADS_ENV, "MKL_NUM_THREADS")}
    code = ("import torch; torch.set_num_threads(4)\n"
            "from autograder.student.notebook import setup_notebook; setup_notebook()\n"
            "print('threads', torch.get_num_threads())")
    proc = subprocess.run([sys.executable, "-c", code], env=base | env | {"COURSE_DEVICE": "cpu"},
                          capture_output=True, text=True, timeout=300)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    assert last == f"threads {expected}", \
        (f"Expected setup_notebook() with {env or 'no thread setting'} to leave torch {expected} thread(s); "
         f"got {last!r}. Hint: setup_notebook() calls torch.set_num_threads(pick_threads()).")


def test_setup_notebook_freezes_the_imports_once():
    code = ("import gc\n"
            "from autograder.student.notebook import setup_notebook\n"
            "setup_notebook(); first = gc.get_freeze_count()\n"
            "keep = [[i] for i in range(1000)]\n"
            "setup_notebook(); print('frozen', first, gc.get_freeze_count())")
    proc = subprocess.run([sys.executable, "-c", code], env=os.environ | {"COURSE_DEVICE": "cpu"},
                          capture_output=True, text=True, timeout=300)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    words = last.split()
    assert words[0] == "frozen" and int(words[1]) > 10_000 and int(words[2]) <= int(words[1]), \
        (f"Expected setup_notebook() to freeze the imported objects (torch: > 10,000) once, and a second call to "
         f"freeze nothing more (not the notebook's 1,000 new lists); got {last!r}. Hint: _freeze_imports() calls gc.freeze() on the first call only.")


ROOT = Path(__file__).resolve().parents[1]


def _fake_course(tmp_path: Path) -> Path:
    """A second copy of the course's layout (an old clone, say) with a notebook folder in it."""
    other = tmp_path / "old-clone"
    (other / "autograder" / "checks").mkdir(parents=True)
    (other / "notebooks" / "01_iter1").mkdir(parents=True)
    return other


def test_a_notebook_in_another_copy_of_the_course_is_warned(tmp_path):
    other = _fake_course(tmp_path)
    warning = course_mismatch(other / "notebooks" / "01_iter1")
    assert warning and str(other) in warning and str(ROOT) in warning and "Fix:" in warning, \
        f"Expected a warning naming both copies and the fix; got {warning!r}."


def test_a_notebook_in_this_course_or_outside_any_course_is_not_warned(tmp_path):
    assert course_mismatch(ROOT / "notebooks" / "01_iter1") is None, "Expected no warning inside this course."
    assert course_mismatch(tmp_path) is None, "Expected no warning for a notebook outside any copy of the course."
