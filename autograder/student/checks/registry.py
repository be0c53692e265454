"""The exercise registry: exercise id (the nbgrader grade_id) -> its checks, and the points table."""
from __future__ import annotations

from typing import Callable

from . import backdrop, backprop, iter1, iter2, mlp, optimizer
from .compare import restore_genuine  # noqa: F401 - used by check_report on a fresh copy
from .core import Check, run_checks  # noqa: F401 - idem

EXERCISES: dict[str, Callable[[], list[Check]]] = {
    "update": backdrop.update_checks,
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
