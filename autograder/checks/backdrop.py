"""Checks for stage 0's update(x, y, lr): one SGD step with weight decay on the notebook-global `model`."""
from __future__ import annotations

import copy
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from . import adapters
from .compare import close, max_diff
from .core import Check, CheckFailure

LR = 0.37  # an unusual learning rate, so a hard-coded one shows
WD = 1e-5  # the course's weight decay (the notebooks' `wd`)


def sgd_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float, wd: float = WD) -> float:
    """The SGD formula the checks own (no answer key needed): p <- p - lr * d/dp [CE + wd * sum p**2]; returns the loss."""
    params = list(model.parameters())
    loss = F.cross_entropy(model(x), y) + wd * sum((p * p).sum() for p in params)
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        for p, g in zip(params, grads):
            p.copy_(p - lr * g)
    return float(loss.detach())


def _model() -> nn.Module:
    """A small float64 model; float64 makes the tiny weight-decay term measurable."""
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(20, 12), nn.ReLU(), nn.Linear(12, 5)).double()


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed batch of inputs and integer labels."""
    g = torch.Generator().manual_seed(2)
    return torch.randn(16, 20, generator=g, dtype=torch.float64), torch.randint(0, 5, (16,), generator=g)


def _wd_of(update: Callable[..., Any]) -> float:
    """The weight decay the notebook defines (global `wd`), or the course's 1e-5."""
    value = getattr(update, "__globals__", {}).get("wd", WD)
    return float(value) if isinstance(value, (int, float)) else WD


def run_student(update: Callable[..., Any], model: nn.Module, lr: float = LR) -> Any:
    """Call update(x, y, lr) with the notebook's global `model` swapped for `model`."""
    x, y = _batch()
    with adapters.swapped_global(update, "model", model):
        try:
            return adapters.call(update, x, y, lr)
        except RuntimeError as e:
            if "leaf Variable" not in str(e):
                raise
            raise CheckFailure("the update to run", "RuntimeError: a leaf Variable that requires grad is "
                               "being used in an in-place operation",
                               "update the parameters inside `with torch.no_grad():`.") from None


def run_reference(model: nn.Module, wd: float, lr: float = LR) -> float:
    """The reference step on `model` in place."""
    x, y = _batch()
    return sgd_step(model, x, y, lr, wd=wd)


def _moved_like(model: nn.Module, ref: nn.Module) -> bool:
    """True when both models hold the same parameters (float64 tolerance)."""
    return all(close(p, q, rtol=1e-12, atol=1e-14) for p, q in zip(model.parameters(), ref.parameters()))


def _stepped(update: Callable[..., Any], wd: float) -> tuple[nn.Module, nn.Module, nn.Module, Any]:
    """(student model, reference with wd, reference without wd, returned value) after one step each."""
    start = _model()
    mine, ref, ref0 = copy.deepcopy(start), copy.deepcopy(start), copy.deepcopy(start)
    out = run_student(update, mine)
    run_reference(ref, wd)
    run_reference(ref0, 0.0)
    return mine, ref, ref0, out


def check_moves_parameters(update: Callable[..., Any]) -> None:
    """The parameters move exactly as the reference SGD step moves them (same start, batch and lr)."""
    mine, ref, ref0, _ = _stepped(update, _wd_of(update))
    if _moved_like(mine, ref) or _moved_like(mine, ref0):
        return  # a step without weight decay is judged by its own check
    start = _model()
    if _moved_like(mine, start):
        raise CheckFailure("the parameters of the global `model` to change", "no change",
                           "subtract lr * p.grad in place (p -= lr * p.grad) under torch.no_grad().")
    diff = max(max_diff(p, q) for p, q in zip(mine.parameters(), ref.parameters()))
    raise CheckFailure(f"parameters after one step equal p - lr * p.grad (lr = {LR})",
                       f"max difference {diff:.3g} from the reference step",
                       "use the lr argument, the loss F.cross_entropy(model(x), y) + wd * sum of squares, "
                       "and subtract lr * p.grad from every parameter.")


def check_weight_decay(update: Callable[..., Any]) -> None:
    """The loss includes wd * (sum of squared parameters), so the step shrinks the weights."""
    mine, ref, ref0, out = _stepped(update, _wd_of(update))
    if _moved_like(mine, ref):
        return
    if _moved_like(mine, ref0):
        raise CheckFailure("a step including weight decay (loss + wd * sum of p**2 over parameters)",
                           "the step of the loss without weight decay",
                           "add wd * sum((p ** 2).sum() for p in model.parameters()) to the loss.")
    raise CheckFailure("a step matching the reference with weight decay", "a different step",
                       "see the parameter check first.")


def check_returns_float(update: Callable[..., Any]) -> None:
    """update returns the loss (weight decay included) as a Python float."""
    mine, ref, ref0, out = _stepped(update, _wd_of(update))
    if not isinstance(out, float):
        raise CheckFailure("a Python float (the loss)", f"{type(out).__name__}",
                           "return loss.item(), which also frees the graph.")
    want = run_reference(_model(), _wd_of(update))
    if abs(out - want) > 1e-9 * max(1.0, abs(want)):
        raise CheckFailure(f"the loss before the step, {want:.10g}", f"{out:.10g}",
                           "return the loss you called backward on, including the weight-decay term.")


def check_zero_grad(update: Callable[..., Any]) -> None:
    """Gradients are zeroed (or set to None) after the step, so the next step does not accumulate."""
    mine = _model()
    run_student(update, mine)
    left = [n for n, p in mine.named_parameters() if p.grad is not None and p.grad.abs().sum() != 0]
    if left:
        raise CheckFailure("every p.grad zero (or None) after update", f"non-zero gradients in {left}",
                           "call p.grad.zero_() for each parameter after the step (or model.zero_grad()).")


def check_no_graph(update: Callable[..., Any]) -> None:
    """The step runs under torch.no_grad(): parameters stay leaf tensors that require grad."""
    mine = _model()
    run_student(update, mine)
    bad = [n for n, p in mine.named_parameters() if not (p.is_leaf and p.requires_grad) or p.grad_fn is not None]
    if bad:
        raise CheckFailure("parameters that stay leaf tensors requiring grad", f"{bad} changed into graph nodes",
                           "update the parameters inside `with torch.no_grad():`.")


def update_checks() -> list[Check]:
    """The update() checks, with their points (4 in total)."""
    return [
        Check("update.moves_parameters", "parameters move like the reference SGD step", 1.5, check_moves_parameters),
        Check("update.weight_decay", "weight decay included", 1, check_weight_decay),
        Check("update.returns_float", "returns the loss as a Python float", 0.5, check_returns_float),
        Check("update.zero_grad", "gradients zeroed after the step", 0.5, check_zero_grad),
        Check("update.no_graph", "no autograd graph through the update (no_grad)", 0.5, check_no_graph),
    ]
