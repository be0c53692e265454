"""setup_notebook() warns when a notebook sits in one copy of the course but imports another copy's checks."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.notebook import course_mismatch

pytestmark = pytest.mark.colab
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
