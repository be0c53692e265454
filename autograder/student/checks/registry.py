"""The exercise registry: exercise id (the nbgrader grade_id) -> its checks, and the points table."""
from __future__ import annotations

from typing import Callable

from . import backprop, iter1, iter2, mlp, mnist, optimizer
from .core import Check

EXERCISES: dict[str, Callable[[], list[Check]]] = {
    "update": mnist.update_checks,
    "linear_randn": iter1.linear_checks,
    "linear_kaiming": iter2.linear_checks,
    "relu": mlp.relu_checks,
    "flatten": mlp.flatten_checks,
    "simple_mlp": mlp.simple_mlp_checks,
    "module_base": backprop.module_checks,
    "activation_bwd": backprop.activation_checks,
    "lin_bwd": backprop.lin_checks,
    "mse_bwd": backprop.mse_checks,
    "model_backward": backprop.model_checks,
    "sgd": optimizer.sgd_checks,
    "adam": optimizer.adam_checks,
}


STAGES = {"mnist": mnist, "backprop": backprop, "iter1": iter1, "iter2": iter2, "mlp": mlp,
          "optimizer": optimizer}


def _named_mistakes() -> list[tuple[str, str]]:
    """(sentence, diagnosis id) for every mistake sentence a stage module names as a constant, longest first.

    The id is the module and the constant (`linear.missing_t` for checks/linear.py's MISSING_T): stable while
    the constant keeps its name, whatever its wording.
    """
    modules = dict(STAGES)
    for module in list(STAGES.values()):
        for name, value in vars(module).items():
            if type(value).__name__ == "module" and value.__name__.rsplit(".", 1)[0] == module.__name__.rsplit(".", 1)[0]:
                modules.setdefault(value.__name__.rsplit(".", 1)[1], value)
    found = {}
    for short, module in modules.items():
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and len(value) > 20:
                found.setdefault(value.strip().rstrip("."), f"{short}.{name.lower()}")
    return sorted(found.items(), key=lambda kv: -len(kv[0]))


def diagnosis_id(check_id: str, hint: str, named: list[tuple[str, str]] | None = None) -> str:
    """The stable id of the mistake a failing check named: a named sentence's id, else the check's own id.

    `named` is _named_mistakes(), passed in by a caller that names several results (scanned once, not per result).
    """
    text = hint.strip().rstrip(".")
    if not text:
        return ""
    for sentence, ident in named if named is not None else _named_mistakes():
        if text == sentence or text.startswith(sentence):
            return ident
    return check_id


def check_ids() -> list[str]:
    """Every check id in course order; unique, and each starts with its exercise's id."""
    return [c.id for checks in EXERCISES.values() for c in checks()]


def points_table() -> str:
    """A markdown table exercise -> check -> points, generated from the registry (for the README)."""
    lines = ["| exercise | check id | check | points |", "| --- | --- | --- | ---: |"]
    for exercise, checks in EXERCISES.items():
        total = 0.0
        for c in checks():
            lines.append(f"| `{exercise}` | `{c.id}` | {c.title} | {'required' if c.gate else f'{c.points:g}'} |")
            total += c.points
        lines.append(f"| `{exercise}` | | **total** | **{total:g}** |")
    return "\n".join(lines)
