"""A catalogue of student submissions, one `Case` each: what the checks must say about it.

One case file per stage, named by its notebook (mnist, linear, mlp, backprop, optimizer), each with one
`CASES` list. A submission's class or function is written once, in its stage's file, and any case that
needs it refers to it there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    """A submission to exercise `exercise`, and what its report must say.

    fails == "": a correct submission: it must get full marks.
    fails == "x": check `{exercise}.x` must fail, the exercise must lose points, and each of `words` must be
        in that check's message.
    first: a common mistake, named where a student looks: `fails` is the report's first failure, its first
        line says FAIL with every one of `words` too, the exercise loses exactly `lost` points, and a required
        check fails only when `borrowing` (the first line then says a required check failed).
    A wrong submission whose message and first line say different things is two cases sharing one `obj`.
    """

    exercise: str
    name: str
    obj: Any
    marker: str  # the pytest marker of the notebook (pyproject.toml), so that `pytest -m iter2` picks a stage
    fails: str = ""
    words: tuple[str, ...] = ()
    first: bool = False
    lost: float = 0.0
    borrowing: bool = False

    def __post_init__(self) -> None:
        if not self.fails and (self.words or self.first or self.lost or self.borrowing):
            raise ValueError(f"{self.name!r}: a correct case has no words, first, lost or borrowing.")
        if self.fails and not self.words:
            raise ValueError(f"{self.name!r}: a failing case says which words its message holds.")
        if not self.first and (self.lost or self.borrowing):
            raise ValueError(f"{self.name!r}: lost and borrowing are promises of the report's first line (first=True).")

    @property
    def correct(self) -> bool:
        """True when the submission must get full marks."""
        return not self.fails

    @property
    def check_id(self) -> str:
        """The full id of the check this submission must fail (e.g. "linear_kaiming.bias_init")."""
        return f"{self.exercise}.{self.fails}"


def correct_case(exercise: str, name: str, obj: Any, marker: str) -> Case:
    """A correct submission: full marks."""
    return Case(exercise, name, obj, marker)


def failing(exercise: str, name: str, obj: Any, marker: str, check: str, *words: str) -> Case:
    """A wrong submission that fails `check` with every one of `words` in the message."""
    return Case(exercise, name, obj, marker, check, tuple(words))


def named_first(exercise: str, name: str, obj: Any, marker: str, check: str, words, lost: float,
                borrowing: bool = False) -> Case:
    """A common mistake: `check` fails first, the first line holds `words`, and it loses exactly `lost`."""
    if isinstance(words, str):
        raise TypeError(f"{name!r}: words is a list or tuple of strings, not one string.")
    return Case(exercise, name, obj, marker, check, tuple(words), True, float(lost), borrowing)


def cases() -> list[Case]:
    """Every case in the catalogue, stage by stage."""
    from . import backprop_cases, linear_cases, mlp_cases, mnist_cases, optimizer_cases
    return (mnist_cases.CASES + linear_cases.CASES + mlp_cases.CASES + backprop_cases.CASES
            + optimizer_cases.CASES)


def correct() -> list[Case]:
    """The correct submissions: each must get full marks (and must not be flagged as reaching past the checks)."""
    return [c for c in cases() if c.correct]


def wrong() -> list[Case]:
    """Every wrong submission: each must fail its check, with its words in the message."""
    return [c for c in cases() if not c.correct]


def mistakes() -> list[Case]:
    """The common mistakes: the wrong submissions whose report's first line must name the mistake."""
    return [c for c in cases() if c.first]
