"""The grading pipeline's shared data: what a notebook may use, one job, one row of grades.csv."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..student import settings
from .collect import Submission


@dataclass(frozen=True)
class Limits:
    """What one notebook may use: seconds per cell, seconds for the whole notebook, memory."""

    cell_timeout_s: int = settings.CELL_TIMEOUT_S
    notebook_timeout_s: int = settings.NOTEBOOK_TIMEOUT_S
    memory_mb: int = settings.MEMORY_MB


@dataclass
class Result:
    """One row of grades.csv: a student's points for one assignment, or why there are none."""

    student: str
    assignment: str
    status: str                        # graded | invalid | error
    score: float = 0.0
    max_score: float = 0.0
    points: dict[str, float] = field(default_factory=dict)   # exercise id -> points
    reason: str = ""
    seconds: float = 0.0
    similarity: str = ""               # 'reference' or another student's name (score unchanged)
    flags: str = ""                    # code that hides its calls or reaches for the grader (flags.py; score unchanged)
    checks: dict[str, list[dict]] = field(default_factory=dict)  # exercise -> per-check results (class report)


@dataclass(frozen=True)
class Job:
    """Everything a worker needs: the submission, the template gradebook and release, where to write."""

    sub: Submission
    template: Path         # folder with gradebook.db and release/{assignment}/{assignment}.ipynb
    work: Path             # this job's own course root (created by the worker)
    out: Path              # the run's output folder (feedback/, autograded/, logs/)
    limits: Limits
    deny: tuple[str, ...]  # folders the student's code may not read
    threads: int = 1       # torch threads per kernel: the cores shared out among the workers
