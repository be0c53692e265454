"""Fast checks of the grading pieces: validation reasons, hidden-test stripping, layouts, the sandbox's rules."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.grading.collect import collect
from autograder.grading.democlass import CLASS, EXPECTED, solution_code
from autograder.grading.feedback import PLACEHOLDER, hide_tests
from autograder.grading.kernel import Fence
from autograder.grading.pipeline import build_template
from autograder.grading.validate import validate
from autograder.course import SOLUTIONS

pytestmark = pytest.mark.grading
A = "01_iter1"


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A fresh release of 01_iter1 (notebooks/ untouched)."""
    t = build_template([A], tmp_path_factory.mktemp("tpl"))
    return t / "release" / A / f"{A}.ipynb"


@pytest.mark.parametrize("student", sorted(s for s, (w, _) in EXPECTED.items() if w == "invalid"))
def test_damaged_notebook_gets_reason(release, tmp_path, student):
    sol = solution_code(json.loads((SOLUTIONS / A / f"{A}.ipynb").read_text()))
    path = tmp_path / "nb.ipynb"
    path.write_bytes(CLASS[student](json.loads(release.read_text()), sol))
    v = validate(path, release)
    assert not v.ok and EXPECTED[student][1] in v.reason, \
        f"Expected {student} rejected with {EXPECTED[student][1]!r}; got ok={v.ok}, reason {v.reason!r}."


def test_released_notebook_is_valid(release):
    v = validate(release, release)
    assert v.ok and not v.notes, f"Expected the release itself to validate cleanly; got {v}."


def test_hide_tests_keeps_visible_part():
    src = "# visible\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nafter()"
    assert hide_tests(src) == f"# visible\n{PLACEHOLDER}\nafter()", f"Expected only the region hidden; got {hide_tests(src)!r}."
    assert "secret" not in hide_tests("### BEGIN HIDDEN TESTS\nsecret()"), "Expected an unterminated region hidden too."


def test_collect_both_layouts(tmp_path):
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "Alice Smith.ipynb").write_text("{}")
    nbg = tmp_path / "course" / "submitted" / "bob" / A
    nbg.mkdir(parents=True)
    (nbg / f"{A}.ipynb").write_text("{}")
    loose, layout = collect(tmp_path / "loose", [A]), collect(tmp_path / "course", [A])
    assert [(s.student, s.assignment) for s in loose] == [("Alice_Smith", A)], f"Expected Alice_Smith; got {loose}."
    assert [(s.student, s.assignment) for s in layout] == [("bob", A)], f"Expected bob; got {layout}."


def test_fence_rules(tmp_path):
    work, deny = tmp_path / "work", tmp_path / "grading"
    fence = Fence(str(work), [str(deny), str(SOLUTIONS / A)], str(work / ".tmp"))
    cases = {  # path -> (may read, may write)
        str(work / "model.pt"): (True, True),
        str(work / f"{A}.ipynb"): (False, False),
        str(SOLUTIONS / A / f"{A}.ipynb"): (False, False),
        str(deny / "gradebook.db"): (False, False),
        str(SOLUTIONS / "linear.py"): (True, False),
        "/etc/hostname": (True, False),
    }
    got = {p: (fence.may_read(p), fence.may_write(p)) for p in cases}
    assert got == cases, f"Expected these read/write rules {cases}; got {got}."
