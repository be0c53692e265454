"""The grading pipeline on the demo class: expected grades, untouched originals, hidden feedback, reruns."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from autograder.demo import DEMO_ASSIGNMENT, DEMO_LIMITS, make_class
from autograder.grader.democlass import EXPECTED
from autograder.grader.pipeline import grade_submissions
from autograder.grader.report import read_csv

pytestmark = pytest.mark.grading
RERUN = ["blank", "correct", "corrupted_json", "transposed_weight"]


def _sums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in folder."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The demo class graded once with two workers: (submissions, out, results, checksums before)."""
    subs = tmp_path_factory.mktemp("class")
    make_class(subs)
    before = _sums(subs)
    out = tmp_path_factory.mktemp("out")
    results = grade_submissions([DEMO_ASSIGNMENT], subs, out, workers=2, limits=DEMO_LIMITS, progress=False)
    return subs, out, {r.student: r for r in results}, before


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_demo_student_gets_expected_grade(graded, student):
    _, _, results, _ = graded
    r, (want, phrase) = results[student], EXPECTED[student]
    got = f"status {r.status}, {r.score:g}/{r.max_score:g}, reason {r.reason!r}"
    if isinstance(want, float):
        ok = r.status == "graded" and r.score == want and r.max_score == 10
    else:
        ok = {"full": r.status == "graded" and r.score == r.max_score > 0,
              "zero": r.status == "graded" and r.score == 0,
              "invalid": r.status == "invalid" and r.score == 0,
              "error": r.status == "error" and r.score == 0}[want]
    assert ok and phrase in r.reason, \
        f"Expected {student} to be graded {want!r} with a reason containing {phrase!r}; got {got}. " \
        "Hint: see autograder/grader/democlass.py for what this student simulates."


# What the feedback page of each mistake must tell the student (the grade() report survives HideHiddenTests).
FEEDBACK_SAYS = {
    "transposed_weight": "your weight is stored as (in_features, out_features)",
    "missing_bias": "Unexpected key(s) in state_dict",
    "sys_exit_on_bad_input": "SystemExit (sys.exit was called)",
    "f_linear": "a call to F.linear (torch.nn.functional.linear)",
}


@pytest.mark.parametrize("student", sorted(FEEDBACK_SAYS))
def test_feedback_names_the_mistake(graded, student):
    _, out, _, _ = graded
    page = out / "feedback" / student / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.html"
    html = page.read_text(encoding="utf-8") if page.exists() else ""
    assert FEEDBACK_SAYS[student] in html, \
        f"Expected {student}'s feedback to say {FEEDBACK_SAYS[student]!r}; got a page without it " \
        f"({len(html)} characters). Hint: the check's Expected/Got/Hint line must reach the feedback HTML."


def test_every_row_in_grades_csv(graded):
    _, out, results, _ = graded
    rows = read_csv(out / "grades.csv")
    assert [r["student"] for r in rows] == sorted(results), \
        f"Expected one row per student, sorted; got {[r['student'] for r in rows]}. Hint: see report.write_csv."
    fixed = {"student", "assignment", "status", "score", "max_score", "linear_randn", "reason", "similarity", "flags"}
    assert fixed <= set(rows[0]), \
        f"Expected the fixed columns and one per exercise; got {list(rows[0])}."
    assert (out / "summary.png").stat().st_size > 1000, "Expected a summary.png histogram; got none or empty."


def test_originals_unchanged(graded):
    subs, _, _, before = graded
    assert _sums(subs) == before, "Expected the submitted files untouched; got changed checksums. " \
        "Hint: the worker must grade copies."


def test_feedback_hides_hidden_tests_but_shows_report(graded):
    _, out, results, _ = graded
    pages = sorted(out.glob("feedback/*/*/*.html"))
    graded_students = {s for s, r in results.items() if r.status == "graded"}
    assert {p.parts[-3] for p in pages} == graded_students, \
        f"Expected feedback for every graded student; got it for {sorted(p.parts[-3] for p in pages)}."
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for secret in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "grade</span><span class=\"p\">(", "grade(&quot;"):
            assert secret not in html, f"Expected no hidden-test source in {page.parts[-3]}'s feedback; " \
                f"got {secret!r}. Hint: autograder/grader/feedback.py HideHiddenTests."
    correct = (out / "feedback/correct" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "linear_randn:" in correct and "hidden tests" in correct, \
        "Expected the feedback to keep the grade() report and a 'hidden tests' placeholder; got neither."


def test_rerun_serially_gives_the_same_grades(graded, tmp_path):
    subs, _, results, _ = graded
    some = tmp_path / "some"
    some.mkdir()
    for s in RERUN:
        (some / f"{s}.ipynb").write_bytes((subs / f"{s}.ipynb").read_bytes())
    again = grade_submissions([DEMO_ASSIGNMENT], some, tmp_path / "out", workers=1, limits=DEMO_LIMITS,
                              progress=False)
    key = lambda r: (r.student, r.status, r.score, r.max_score, json.dumps(r.points, sort_keys=True), r.reason)  # noqa: E731
    assert [key(r) for r in again] == [key(results[s]) for s in RERUN], \
        "Expected a serial rerun to reproduce the parallel run's rows exactly; got differences. " \
        "Hint: grading must not depend on order, workers or earlier runs."


def test_the_demo_class_report_counts_shared_mistakes(graded):
    from autograder.grader.classreport import ranked
    _, out, results, _ = graded
    groups = {g["diagnosis"]: {s for s, _ in g["students"]} for g in ranked(list(results.values()))}
    assert {"missing_transpose", "missing_transpose_matmul"} <= groups.get("linear.missing_t", set()), groups
    shared = [d for d, who in groups.items() if len(who) >= 2]
    assert len(shared) >= 3, f"Expected three or more mistakes shared by two students in the demo class; got {groups}."
    assert (out / "report.html").is_file() and (out / "mistakes.csv").is_file()
