"""The demo: release the notebooks, grade the whole course for a reference and a blank student, grade the demo class."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .authoring.release import release
from .grader.democlass import ANSWER, BACKDROP_ANSWER, BACKDROP_CLASS, write_class
from .grader.pipeline import assignments, build_template, grade_submissions
from .grader.types import Limits
from .student.settings import WORKERS, course_root, notebooks_dir, solutions_dir

ROOT = course_root()
SOLUTIONS, NOTEBOOKS = solutions_dir(), notebooks_dir()
DEMO = ROOT / "demo_out"
DEMO_ASSIGNMENT = "01_iter1"
BACKDROP_ASSIGNMENT = "00_mnist"  # a few of the class also hand in 00_mnist: the report ranks across both
# The demo's infinite loop costs one cell timeout; 30 s is far above any cell of 00_mnist or 01_iter1 (a few s).
DEMO_LIMITS = Limits(cell_timeout_s=30, notebook_timeout_s=300)


def make_class(folder: Path, assignment: str = DEMO_ASSIGNMENT, class_: dict | None = None,
               grade_id: str = ANSWER) -> list[Path]:
    """Write the demo class's notebooks, made from a fresh release of the assignment (notebooks/ untouched)."""
    with tempfile.TemporaryDirectory(prefix="demo-release-") as tmp:
        template = build_template([assignment], Path(tmp))
        return write_class(template / "release" / assignment / f"{assignment}.ipynb",
                           SOLUTIONS / assignment / f"{assignment}.ipynb", folder, class_, grade_id)


def make_course_class(folder: Path) -> list[Path]:
    """The demo class in nbgrader's layout: every student's 01_iter1, and some students' 00_mnist too."""
    paths = []
    for assignment, class_, grade_id in ((DEMO_ASSIGNMENT, None, ANSWER),
                                         (BACKDROP_ASSIGNMENT, BACKDROP_CLASS, BACKDROP_ANSWER)):
        with tempfile.TemporaryDirectory(prefix="demo-class-") as tmp:
            for loose in make_class(Path(tmp), assignment, class_, grade_id):
                dest = folder / "submitted" / loose.stem / assignment / f"{assignment}.ipynb"
                dest.parent.mkdir(parents=True, exist_ok=True)
                paths.append(Path(shutil.copyfile(loose, dest)))
    return paths


def make_course_pair(folder: Path) -> Path:
    """nbgrader's submitted/ layout with two whole-course students: `reference` (the solutions) and `blank`."""
    for student, source in (("reference", SOLUTIONS), ("blank", NOTEBOOKS)):
        for a in assignments():
            dest = folder / "submitted" / student / a
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / a / f"{a}.ipynb", dest / f"{a}.ipynb")
    return folder


def run_demo(workers: int = WORKERS) -> int:
    """Release, grade the reference/blank pair on every assignment, then the demo class; print both tables."""
    print("1/3 generating the student notebooks in notebooks/ from solutions/ ...")
    for path in release():
        print(f"    {path.relative_to(ROOT)}")
    course = DEMO / "course"
    shutil.rmtree(course, ignore_errors=True)
    pair = make_course_pair(course / "submissions")
    print(f"\n2/3 grading the whole course ({', '.join(assignments())}) for a reference and a blank student")
    grade_submissions(assignments(), pair, course, workers=workers)
    submissions = DEMO / "class" / "submissions"
    shutil.rmtree(submissions, ignore_errors=True)
    paths = make_course_class(submissions)
    print(f"\n3/3 grading the demo class: {len(paths)} notebooks of {BACKDROP_ASSIGNMENT} and {DEMO_ASSIGNMENT} "
          f"(mistakes and broken notebooks; see autograder/grader/democlass.py)")
    grade_submissions([BACKDROP_ASSIGNMENT, DEMO_ASSIGNMENT], submissions, DEMO / "class", workers=workers,
                      limits=DEMO_LIMITS)
    print(f"class report: {DEMO / 'class' / 'report.html'}")
    return 0
