"""The demo: generate the demo class (one notebook per simulated student) and grade it with `course grade`."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .course import ROOT, SOLUTIONS
from .grading.democlass import write_class
from .grading.pipeline import build_template, grade_submissions
from .grading.worker import Limits

DEMO = ROOT / "demo_out"
DEMO_ASSIGNMENT = "01_iter1"
# The demo's infinite loop costs one cell timeout; 60 s is far above any cell of 01_iter1.
DEMO_LIMITS = Limits(cell_timeout_s=60, notebook_timeout_s=300, memory_mb=4096)


def make_class(folder: Path, assignment: str = DEMO_ASSIGNMENT) -> list[Path]:
    """Write the demo class's notebooks, made from a fresh release of the assignment (notebooks/ untouched)."""
    with tempfile.TemporaryDirectory(prefix="demo-release-") as tmp:
        template = build_template([assignment], Path(tmp))
        return write_class(template / "release" / assignment / f"{assignment}.ipynb",
                           SOLUTIONS / assignment / f"{assignment}.ipynb", folder)


def run_demo(workers: int = 2) -> int:
    """Generate the demo class in demo_out/submissions, grade it into demo_out/ and print the table."""
    submissions = DEMO / "submissions"
    shutil.rmtree(submissions, ignore_errors=True)
    paths = make_class(submissions)
    print(f"demo class: {len(paths)} students for {DEMO_ASSIGNMENT} in {submissions.relative_to(ROOT)}/")
    grade_submissions([DEMO_ASSIGNMENT], submissions, DEMO, workers=workers, limits=DEMO_LIMITS)
    return 0
