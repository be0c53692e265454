"""The course's settings in one place: where the course is, the grading limits, the class's exchange, where it is published.

The notebooks, the `course` command, the grading pipeline and nbgrader_config.py all read this module, so
each default exists once. It lives in the student runtime because students need part of it (the data's
folder, the published location) and the grader may import the runtime, never the reverse.
"""
from __future__ import annotations

import os
from pathlib import Path

# ---- where the course is ---------------------------------------------------------------------------

HOME_ENV = "COURSE_HOME"  # the course folder, when neither this package's location nor the working folder tells


def _is_course(folder: Path) -> bool:
    """A course folder holds the data and the student notebooks (the main tree and the student edition alike)."""
    return (folder / "data" / "mnist").is_dir() and (folder / "notebooks").is_dir()


def course_root() -> Path:
    """The course folder, found in one place: $COURSE_HOME, else the checkout this package sits in, else the
    working folder or its nearest parent that is a course folder (a plain install run from the edition).

    A clone on sys.path (Colab) and an editable install both sit in the course folder; a plain install sits in
    site-packages, so there the working folder decides. Raises with what to do when none is a course folder.
    """
    forced = os.environ.get(HOME_ENV, "").strip()
    if forced:
        return Path(forced).expanduser().resolve()
    beside = Path(__file__).resolve().parents[2]  # autograder/student/settings.py -> the folder holding autograder/
    if _is_course(beside):
        return beside
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if _is_course(folder):
            return folder
    raise FileNotFoundError(
        f"Expected to find the course folder (one holding data/mnist/ and notebooks/) beside the autograder package "
        f"({beside}) or above the working folder ({here}); found none. Hint: run from inside the course folder, or "
        f"set {HOME_ENV}=/path/to/the/course.")


def solutions_dir() -> Path:
    """The instructor notebooks and reference code (the main tree only; the student edition has none)."""
    return course_root() / "solutions"


def notebooks_dir() -> Path:
    """The student notebooks, generated from solutions/ by `make release`."""
    return course_root() / "notebooks"


def pins_files() -> tuple[Path, ...]:
    """Where the exact versions the course is tested with are: the lock, else the edition's requirements.txt."""
    root = course_root()
    return root / "requirements.lock", root / "requirements.txt"


# ---- grading limits (one default each; `course grade` flags and nbgrader_config.py read them) -------------

CELL_TIMEOUT_S = 120        # seconds one notebook cell may run before it is interrupted
NOTEBOOK_TIMEOUT_S = 900    # seconds a whole notebook may run before its kernel is stopped
MEMORY_MB = 4096            # address space one grading kernel may use, MiB
WORKERS = 2                 # notebooks graded at the same time

# ---- the class's nbgrader exchange (README, "Running a class") -------------------------------------------

CLASS_ROOT_ENV, COURSE_ID_ENV, EXCHANGE_ENV = "COURSE_ROOT", "COURSE_ID", "COURSE_EXCHANGE"
DEFAULT_COURSE_ID = "mlp-course"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"


def class_root() -> Path:
    """Where the class's gradebook and submitted/, autograded/, feedback/ live: $COURSE_ROOT, else the course folder."""
    return Path(os.environ.get(CLASS_ROOT_ENV) or course_root()).resolve()


def course_id() -> str:
    """The exchange's course id: $COURSE_ID, else the default."""
    return os.environ.get(COURSE_ID_ENV) or DEFAULT_COURSE_ID


def exchange_root() -> Path:
    """The exchange folder shared by instructor and students: $COURSE_EXCHANGE, else the default."""
    return Path(os.environ.get(EXCHANGE_ENV) or DEFAULT_EXCHANGE)


# ---- where the course is published ---------------------------------------------------------------------
# Stamped by `make release` from pyproject.toml's [tool.course] (an installed package cannot read
# pyproject.toml); the student edition stamps its own repository and branch here. Do not edit by hand.
# <published>
PUBLISHED = {"repository": "pytorch-from-scratch/mlp-course", "branch": "main", "notebooks": "notebooks"}
# </published>
