"""A catalogue of student submissions: realistic wrong ones (each with the check it must fail) and correct ones."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Wrong:
    """A wrong submission: it must fail the check `{exercise}.{check}` (a check id), with `fragment` in the message."""

    exercise: str
    name: str
    obj: Any
    check: str
    fragment: str
    marker: str

    @property
    def check_id(self) -> str:
        """The full id of the check this submission must fail."""
        return f"{self.exercise}.{self.check}"


@dataclass(frozen=True)
class Correct:
    """A correct submission in some style: it must get full marks."""

    exercise: str
    name: str
    obj: Any
    marker: str


def all_wrong() -> list[Wrong]:
    """Every wrong submission in the catalogue."""
    from . import backdrop_cases, backprop_cases, linear_wrong, mlp_cases, optimizer_cases
    return (linear_wrong.WRONG + backdrop_cases.WRONG + mlp_cases.WRONG + backprop_cases.WRONG
            + optimizer_cases.WRONG)


def all_correct() -> list[Correct]:
    """Every correct submission in the catalogue."""
    from . import backdrop_cases, backprop_cases, linear_correct, mlp_cases, optimizer_cases
    return (linear_correct.CORRECT + backdrop_cases.CORRECT + mlp_cases.CORRECT + backprop_cases.CORRECT
            + optimizer_cases.CORRECT)


@dataclass(frozen=True)
class Mistake:
    """A common mistake: its report's first failure is check `{exercise}.{first}`, its first line names the
    mistake with every one of `words`, and it loses exactly `lost` points. Only borrowing may fail a
    required check."""

    exercise: str
    name: str
    obj: Any
    first: str
    words: tuple[str, ...]
    lost: float
    marker: str
    borrowing: bool = False

    @property
    def first_id(self) -> str:
        """The full id of the check that must fail first."""
        return f"{self.exercise}.{self.first}"


def all_mistakes() -> list[Mistake]:
    """Every common mistake in the catalogue."""
    from . import backprop_cases, linear_mistakes, mlp_mistakes, optimizer_mistakes, update_mistakes
    return (update_mistakes.MISTAKES + linear_mistakes.MISTAKES + mlp_mistakes.MISTAKES + backprop_cases.MISTAKES
            + optimizer_mistakes.MISTAKES)
