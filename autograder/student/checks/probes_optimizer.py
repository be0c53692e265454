"""What observing may do to a student's optimizer (stage 05): run it on the check's model and batches.

Each probe runs in the student's process, builds the check's small model from the parameters the check sent,
runs the student's SGD or Adam on it and returns what happened as plain values (parameters after each step,
gradients, which parameters stopped being leaves). The comparison with torch.optim, the named mistakes and
the points are decided by the checks (optimizer.py), from these answers alone.
"""
from __future__ import annotations

import inspect
from typing import Any, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from . import source
from .probes import PROBES


def _model(params0: list[torch.Tensor], frozen: tuple = ()) -> nn.Module:
    """Linear, ReLU, Linear, ... holding copies of params0 (weight, bias per layer); layers in frozen keep
    requires_grad False, as a frozen backbone does."""
    layers: list[nn.Module] = []
    for i in range(0, len(params0), 2):
        w = params0[i]
        if layers:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(w.shape[1], w.shape[0]).to(w.dtype))
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for p, value in zip(model.parameters(), params0):
            p.copy_(value)
    for k, layer in enumerate(m for m in model if isinstance(m, nn.Linear)):
        if k in frozen:
            layer.requires_grad_(False)
    return model


def _optimizer(cls: Any, model: nn.Module, style: str, hp: dict) -> Any:
    """The student's optimizer on the model, given named_parameters() or parameters() (both generators)."""
    params = model.named_parameters() if style == "named" else model.parameters()
    return cls(params, **hp)


def _held_tensors(obj: Any, depth: int = 0) -> Iterator[torch.Tensor]:
    """The tensors an optimizer keeps in its attributes, lists, tuples and dicts (a few levels deep)."""
    if isinstance(obj, torch.Tensor):
        yield obj
        return
    if depth > 4:
        return
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        items = list(obj)
    else:
        items = list(getattr(obj, "__dict__", {}).values())
    for item in items[:1000]:
        yield from _held_tensors(item, depth + 1)


def _set_lr(opt: Any, lr: float) -> None:
    """What a schedule does between steps: torch.optim's param_groups[...]["lr"], or opt.lr."""
    if isinstance(opt, torch.optim.Optimizer):
        for group in opt.param_groups:
            group["lr"] = lr
    else:
        opt.lr = lr


def _storage(t: torch.Tensor) -> int:
    """Where a tensor's values live (a view shares it with its base)."""
    return t.untyped_storage().data_ptr()


def optimizer_trajectory(cls: Any, params0: list[torch.Tensor], xs: list[torch.Tensor], ys: list[torch.Tensor],
                         style: str, hp: dict, lrs: Any, clear: str, frozen: tuple = ()) -> dict:
    """The student's optimizer trained on the model for len(xs) steps (lr set to lrs[k] before step k when lrs;
    before each backward the gradients are cleared: clear "none" sets them to None, "zero" zeroes them in place as
    zero_grad(set_to_none=False) does, "own" calls the student's opt.zero_grad()): the parameters after each step,
    how many of the model's parameters the optimizer holds, the parameters no longer leaves requiring grad
    (frozen ones excepted), whether the model's parameters were replaced by other tensors, and the parameters
    whose .grad shared its memory with a tensor the optimizer held after some step."""
    model = _model(params0, tuple(frozen))
    before = [id(p) for p in model.parameters()]
    opt = _optimizer(cls, model, style, hp)
    ids = {id(p) for p in model.parameters()}
    held = len({id(t) for t in _held_tensors(opt) if id(t) in ids})
    wanted = {n for n, p in model.named_parameters() if p.requires_grad}
    out, aliased = [], set()
    for k, (x, y) in enumerate(zip(xs, ys)):
        if lrs:
            _set_lr(opt, lrs[k])
        if clear == "own":
            opt.zero_grad()
        for p in model.parameters():
            if clear == "none":
                p.grad = None
            elif clear == "zero" and p.grad is not None:
                p.grad.zero_()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        out.append([p.detach().clone() for p in model.parameters()])
        kept = {_storage(t) for t in _held_tensors(opt) if id(t) not in ids and t.device.type != "meta"}
        aliased |= {n for n, p in model.named_parameters() if p.grad is not None and _storage(p.grad) in kept}
    return {"trajectory": out, "held": held,
            "aliased": sorted(aliased),
            "graph_nodes": [n for n, p in model.named_parameters()
                            if (n in wanted and not (p.is_leaf and p.requires_grad)) or p.grad_fn is not None],
            "replaced": [id(p) for p in model.parameters()] != before}


def optimizer_zero_grad(cls: Any, params0: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor, style: str,
                        hp: dict) -> dict:
    """One backward on the model, then the student's opt.zero_grad(): every parameter's .grad by name."""
    model = _model(params0)
    opt = _optimizer(cls, model, style, hp)
    F.cross_entropy(model(x), y).backward()
    opt.zero_grad()
    return {n: p.grad for n, p in model.named_parameters()}


def init_defaults(cls: Any) -> dict:
    """The default values of the class's __init__ arguments that are numbers or tuples of numbers, by name."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return {}
    plain = (int, float, tuple)
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty and isinstance(
        p.default, plain) and not isinstance(p.default, bool) and all(
        isinstance(v, (int, float)) for v in (p.default if isinstance(p.default, tuple) else (p.default,)))}


def source_match(cls: Any, pattern: str) -> str | None:
    """The first text in the class's code (comments and strings dropped) that matches pattern, or None."""
    return source.source_uses(cls, pattern) if isinstance(cls, type) else None


PROBES.update({fn.__name__: fn for fn in (optimizer_trajectory, optimizer_zero_grad, init_defaults, source_match)})
