"""The nbgrader exchange of a class: the course id, the exchange folder and the students' side of the config.

The instructor's side lives in nbgrader_config.py (driven by COURSE_ROOT, COURSE_ID and COURSE_EXCHANGE);
students only need to know the course id and where the exchange is, in a config file of their own.
"""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_COURSE_ID = "mlp-course"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"


def course_id() -> str:
    """The exchange's course id: COURSE_ID, or the default the instructor's config uses."""
    return os.environ.get("COURSE_ID") or DEFAULT_COURSE_ID


def exchange_root() -> Path:
    """The exchange directory shared by instructor and students: COURSE_EXCHANGE, or the default."""
    return Path(os.environ.get("COURSE_EXCHANGE") or DEFAULT_EXCHANGE)


def student_config(course: str | None = None, exchange: Path | None = None) -> str:
    """The nbgrader_config.py a student needs (in ~/.jupyter/ or /etc/jupyter/) to fetch, submit and get feedback."""
    return (f"# nbgrader exchange of the course (written by autograder.exchange)\n"
            f"c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {course or course_id()!r}\n"
            f"c.Exchange.root = {str(exchange or exchange_root())!r}\n")


def write_student_config(home: Path, course: str | None = None, exchange: Path | None = None) -> Path:
    """Write the student's config to home/.jupyter/nbgrader_config.py; return its path."""
    path = Path(home) / ".jupyter" / "nbgrader_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(student_config(course, exchange))
    return path


if __name__ == "__main__":  # print the students' config: python -m autograder.exchange > /etc/jupyter/nbgrader_config.py
    print(student_config(), end="")
