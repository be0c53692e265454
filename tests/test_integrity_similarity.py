"""Tests for autograder.grader.similarity: renamed copies are flagged, distinct work is not."""
import pytest

from autograder.grader.similarity import flag

pytestmark = pytest.mark.grading

REF = 'class MyLinear:\n    """Doc."""\n    def forward(self, x):\n        return x @ self.w.T + self.b  # comment\n'
RENAMED = "class L:\n    def forward(me, inp):\n        return inp @ me.w.T + me.b\n"
OWN = "class L:\n    def forward(self, x):\n        return torch.addmm(self.b, x, self.w.T)\n"


def test_renamed_reference_flagged() -> None:
    """Names, docstrings and comments do not hide a copy of the reference."""
    got = flag({"ann": RENAMED, "bob": OWN}, REF)
    assert got == {"ann": "reference"}, f"Expected only ann flagged as 'reference'; got {got}."


def test_copy_between_students_flagged() -> None:
    """Two students with the same normalised cell name each other."""
    got = flag({"ann": OWN, "bob": OWN.replace("x", "y")}, REF)
    assert got == {"ann": "bob", "bob": "ann"}, f"Expected ann and bob to name each other; got {got}."
