"""The nbgrader exchange of a class: the course id, the exchange folder and the students' side of the config.

The instructor's side lives in nbgrader_config.py (driven by COURSE_ROOT, COURSE_ID and COURSE_EXCHANGE);
students only need to know the course id and where the exchange is, in a config file of their own.
"""
from __future__ import annotations

from pathlib import Path

from ..student.settings import course_id, exchange_root


def student_config(course: str | None = None, exchange: Path | None = None) -> str:
    """The nbgrader_config.py a student needs (in ~/.jupyter/ or /etc/jupyter/) to fetch, submit and get feedback."""
    return (f"# nbgrader exchange of the course (written by autograder.grader.exchange)\n"
            f"c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {course or course_id()!r}\n"
            f"c.Exchange.root = {str(exchange or exchange_root())!r}\n")


def write_student_config(home: Path, course: str | None = None, exchange: Path | None = None) -> Path:
    """Write the student's config to home/.jupyter/nbgrader_config.py; return its path."""
    path = Path(home) / ".jupyter" / "nbgrader_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(student_config(course, exchange))
    return path


if __name__ == "__main__":  # print the students' config: python -m autograder.grader.exchange > /etc/jupyter/nbgrader_config.py
    print(student_config(), end="")
