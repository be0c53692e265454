"""A real roster: long and unusual student ids grade like a short one; ids nbgrader cannot take get a reason."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.student.settings import solutions_dir
SOLUTIONS = solutions_dir()
from autograder.demo import DEMO_ASSIGNMENT as A, DEMO_LIMITS
from autograder.grader.democlass import roster_submission
from autograder.grader.pipeline import build_template, grade_submissions

pytestmark = pytest.mark.grading
SHORT = "kim"
GOOD_IDS = [SHORT, "a" * 30, "b" * 64, "firstname.lastname@university.example", "o'brien", "anne-marie",
            "2024student", "zoë"]
BAD_IDS = {  # id -> a phrase of the rule its reason must name
    " leading-space": "starts or ends with a space",
    "alice[1]": "file pattern (glob)",
    "c" * 129: "at most 128",
}


@pytest.fixture(scope="module")
def roster(tmp_path_factory):
    """The same correct 01_iter1 (with a DataLoader-worker probe cell) under every id, graded once with 2 workers."""
    tpl = build_template([A], tmp_path_factory.mktemp("tpl"))
    body = roster_submission(tpl / "release" / A / f"{A}.ipynb", SOLUTIONS / A / f"{A}.ipynb")
    subs = tmp_path_factory.mktemp("roster")
    for student in GOOD_IDS + list(BAD_IDS):
        (subs / f"{student}.ipynb").write_bytes(body)
    out = tmp_path_factory.mktemp("out")
    results = grade_submissions([A], subs, out, workers=2, limits=DEMO_LIMITS, progress=False, report=False)
    return out, {r.student: r for r in results}


def _errors(notebook: Path) -> list[str]:
    """'cell N: ename' for every error output of an executed notebook."""
    if not notebook.exists():
        return ["no autograded notebook"]
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [f"cell {i}: {o.get('ename')}: {str(o.get('evalue'))[:80]}" for i, c in enumerate(nb["cells"])
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("student", GOOD_IDS)
def test_every_id_grades_like_a_short_one(roster, student):
    out, results = roster
    r, short = results.get(student), results[SHORT]
    got = f"{r.status}, {r.score:g}/{r.max_score:g}, reason {r.reason!r}" if r else f"no row (rows: {sorted(results)})"
    assert r and (r.status, r.score, r.reason) == ("graded", short.max_score, "") and r.score == short.score, \
        f"Expected {student!r} graded {short.max_score:g}/{short.max_score:g} with no reason, as {SHORT!r}; " \
        f"got {got}. Hint: the id is a folder name in nbgrader's layout; see grading/collect.py."
    errors = _errors(out / "autograded" / student / A / f"{A}.ipynb")
    assert not errors, \
        f"Expected every cell of {student!r}'s notebook to run without error; got {errors}. Hint: a " \
        "DataLoader worker needs unix sockets under TMPDIR (107 bytes at most); see kernel.private_tmp."


@pytest.mark.parametrize("student", sorted(BAD_IDS))
def test_an_id_nbgrader_cannot_take_is_invalid_with_the_rule(roster, student):
    _, results = roster
    r = results.get(student)
    got = f"{r.status}, reason {r.reason!r}" if r else f"no row (rows: {sorted(results)})"
    assert r and r.status == "invalid" and BAD_IDS[student] in r.reason, \
        f"Expected {student!r} invalid with a reason naming the rule ({BAD_IDS[student]!r}); got {got}. " \
        "Hint: grading/collect.py id_problem."
