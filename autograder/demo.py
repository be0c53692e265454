"""The demo: autograde a reference and a blank submission of every assignment with nbgrader."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from .course import ROOT, SOLUTIONS, NOTEBOOKS, assignments, nbgrader, release

DEMO = ROOT / "demo_out"


def stage_submissions(root: Path) -> list[str]:
    """Copy the reference (solution) and blank (released) notebooks into nbgrader's submitted/ layout."""
    students = {"reference": SOLUTIONS, "blank": NOTEBOOKS}
    for student, src in students.items():
        for a in assignments():
            dest = root / "submitted" / student / a
            dest.mkdir(parents=True, exist_ok=True)
            for nb in (src / a).glob("*.ipynb"):
                shutil.copy2(nb, dest / nb.name)
    return list(students)


def print_table(csv_path: Path) -> None:
    """Print one line per student and assignment: score out of max."""
    rows = list(csv.DictReader(csv_path.open()))
    print(f"\n{'student':<12} {'assignment':<12} {'score':>7} {'max':>5}")
    for r in sorted(rows, key=lambda r: (r["student_id"], r["assignment"])):
        print(f"{r['student_id']:<12} {r['assignment']:<12} {float(r['score']):>7g} {float(r['max_score']):>5g}")


def run_demo() -> int:
    """Release the notebooks, autograde both demo students, write grades.csv and feedback, print grades."""
    print("1/4 generating the student notebooks from solutions/ ...")
    release()
    shutil.rmtree(DEMO, ignore_errors=True)
    DEMO.mkdir()
    db = DEMO / "gradebook.db"
    for a in assignments():  # the demo's own gradebook learns each assignment's hidden tests
        nbgrader("generate_assignment", a, "--force", root=DEMO, db=db)
    students = stage_submissions(DEMO)
    print(f"2/4 autograding {len(students)} demo students x {len(assignments())} assignments ...")
    for a in assignments():
        nbgrader("autograde", a, "--create", "--force", root=DEMO, db=db)
    print("3/4 generating feedback HTML ...")
    for a in assignments():
        nbgrader("generate_feedback", a, "--force", root=DEMO, db=db)
    print("4/4 exporting grades ...")
    grades = DEMO / "grades.csv"
    nbgrader("export", f"--to={grades}", root=DEMO, db=db)
    print_table(grades)
    print(f"\ngrades: {grades.relative_to(ROOT)}   feedback: {(DEMO / 'feedback').relative_to(ROOT)}/")
    return 0
