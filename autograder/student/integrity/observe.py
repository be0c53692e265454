"""Observe which torch functions a student's forward calls, so "built, not borrowed" is judged by what runs."""
from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

FORBIDDEN: dict[str, set[str]] = {
    "Linear": {"torch.nn.functional.linear", "torch._C._nn.linear"},
    "ReLU": {"torch.relu", "torch.nn.functional.relu", "torch._C._VariableFunctions.relu",
             "torch.relu_", "torch.nn.functional.relu_", "torch.Tensor.relu", "torch.Tensor.relu_"},
    "Flatten": {"torch.flatten", "torch._C._VariableFunctions.flatten", "torch.Tensor.flatten"},
}


def _name(func: Callable[..., Any]) -> str:
    """Give a torch function a stable dotted name, whatever alias the student used."""
    for mod, label in ((F, "torch.nn.functional"), (torch, "torch"), (torch._C._nn, "torch._C._nn")):
        for attr in ("linear", "relu", "relu_", "flatten"):
            if getattr(mod, attr, None) is func:
                return f"{label}.{attr}"
    qual = getattr(func, "__qualname__", getattr(func, "__name__", repr(func)))
    if qual.startswith("TensorBase.") or qual.startswith("Tensor."):
        return "torch.Tensor." + qual.split(".", 1)[1]
    return f"{getattr(func, '__module__', None) or 'torch'}.{qual}"


class Recorder(TorchFunctionMode):
    """Record the name of every torch function called while the mode is active."""

    def __init__(self) -> None:
        super().__init__()
        self.called: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: D401
        self.called.append(_name(func))
        return func(*args, **(kwargs or {}))


def forbidden_calls(exercise: str, run: Callable[[], Any]) -> list[str]:
    """Run `run` (e.g. lambda: layer(x)) and return the forbidden torch calls it made for `exercise`."""
    rec = Recorder()
    with rec:
        run()
    banned = FORBIDDEN.get(exercise, set())
    return sorted({c for c in rec.called if c in banned})
