"""What observing may do to the student's objects: the probes a judged check's questions name (tape.py).

Each probe runs in the student's process and returns what the student's code gave back; tape.Recorder
turns it into plain values. Nothing here decides anything: the judge does, from the answers.
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from .adapters import _not_counting, _TorchCalls


def build(target: Any, *args: Any, **kwargs: Any) -> Any:
    """The student's class called: a new layer (or whatever it returns)."""
    return target(*args, **kwargs)


def call(target: Any, *args: Any, **kwargs: Any) -> Any:
    """The student's object called: a layer's forward, a function."""
    return target(*args, **kwargs)


def method(target: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """One of the student's methods called (state_dict, load_state_dict, to, extra_repr, reset_parameters...)."""
    return getattr(target, name)(*args, **kwargs)


def get(target: Any, name: str, *default: Any) -> Any:
    """An attribute of the student's object (or default, when given and it has none)."""
    return getattr(target, name, *default)


def named_parameters(module: nn.Module) -> list[tuple[str, torch.Tensor]]:
    """(name, parameter) pairs, as module.named_parameters() lists them."""
    return list(module.named_parameters())


def named_modules(module: nn.Module) -> list[tuple[str, Any]]:
    """(name, submodule) pairs, the module itself first."""
    return list(module.named_modules())


def grads(layer: Any, x: torch.Tensor, g: torch.Tensor) -> dict:
    """Forward x, then backward (out * g).sum(): the output, whether it has a grad_fn, every parameter's grad."""
    out = layer(x)
    connected = isinstance(out, torch.Tensor) and out.grad_fn is not None
    if connected:
        (out * g).sum().backward()
    return {"out": out, "connected": connected, "x_grad": x.grad,
            "grads": {n: p.grad for n, p in layer.named_parameters()}}


def torch_calls(layer: Any, x: torch.Tensor, skip: tuple = ()) -> list[str]:
    """The names of torch's functions called while layer(x) runs (outside the modules in skip); errors ignored."""
    inside = [0]
    recorder = _TorchCalls(inside)
    try:
        with _not_counting(list(skip), inside), recorder:
            layer(x)
    except (Exception, SystemExit, KeyboardInterrupt):  # noqa: BLE001 - an error is no evidence of borrowing
        pass
    return recorder.names


def fill_parameters(module: nn.Module, value: float) -> None:
    """Set every parameter of the student's module to value (before asking it to redraw them)."""
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(value)


def build_counting(cls: type, name: str, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """Build the student's layer through a subclass that counts calls to one of its methods (reset_parameters)."""
    calls: list[int] = []

    def counted(self: Any, *a: Any, **k: Any) -> Any:
        calls.append(1)
        return getattr(super(Probe, self), name)(*a, **k)
    Probe = type(cls.__name__, (cls,), {name: counted, "__module__": cls.__module__})
    return Probe(*args, **kwargs), len(calls)


PROBES: dict[str, Callable[..., Any]] = {fn.__name__: fn for fn in (
    build, call, method, get, named_parameters, named_modules, grads, torch_calls, fill_parameters, build_counting)}


# --- stage 03 and 00 probes
from .adapters import canonical_parameters as _canonical_parameters  # noqa: E402 - kept in this section
from .adapters import swapped_global  # noqa: E402 - kept in this section

_MODULE_BOOKKEEPING = frozenset(vars(nn.Module()))  # _modules, _parameters, hooks...: nn.Module's own dicts


def call_off_cpu(target: Any, *shape: int) -> dict:
    """The student's object called on a randn input on cuda (meta without one): the device, the output's, the RuntimeError."""
    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("meta")
    try:
        out = target(torch.randn(*shape, device=device))
    except RuntimeError as e:
        return {"device": str(device), "error": str(e).splitlines()[0][:150] if str(e) else "", "out_device": None,
                "out_type": None}
    return {"device": str(device), "error": None, "out_type": type(out).__name__,
            "out_device": str(out.device) if isinstance(out, torch.Tensor) else None}


def canonical_shapes(module: nn.Module) -> list[list[int]]:
    """The shapes of the module's parameters module by module, each module's weight-like ones first."""
    return [list(p.shape) for p in _canonical_parameters(module)]


def copy_by_order(module: nn.Module, tensors: list) -> None:
    """Copy these tensors into the module's parameters in canonical order (shapes were compared by the check)."""
    with torch.no_grad():
        for p, t in zip(_canonical_parameters(module), tensors):
            p.copy_(t)


def children(module: nn.Module) -> list[Any]:
    """The module's direct submodules, as module.children() lists them."""
    return list(module.children())


def module_containers(module: nn.Module) -> list[tuple[str, str]]:
    """(attribute, type name) of each plain list, tuple or dict attribute holding modules (unregistered ones)."""
    found = []
    for name, value in vars(module).items():
        if name in _MODULE_BOOKKEEPING:
            continue
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
        if any(isinstance(v, nn.Module) for v in items):
            found.append((name, type(value).__name__))
    return found


def cross_entropy_grads(module: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict:
    """F.cross_entropy(module(x), y).backward(): every parameter's grad by name."""
    torch.nn.functional.cross_entropy(module(x), y).backward()
    return {n: p.grad for n, p in module.named_parameters()}


def _linear_from(weight: torch.Tensor, bias: torch.Tensor) -> nn.Module:
    """A fresh nn.Linear holding copies of these parameters (the check's model, as notebook 0's `model`)."""
    model = nn.Linear(weight.shape[1], weight.shape[0]).to(weight.dtype)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    return model


def _update_on(model: nn.Module, update: Any, x: torch.Tensor, y: torch.Tensor, lr: float,
               hook: Callable[[int], Callable[[torch.Tensor], None]]) -> Any:
    """update(x, y, lr) with the notebook's global `model` swapped for this one, a grad hook on each parameter."""
    hooks = [p.register_post_accumulate_grad_hook(hook(i)) for i, p in enumerate(model.parameters())]
    try:
        with swapped_global(update, "model", model):
            return call(update, x.clone(), y.clone(), lr)
    finally:
        for h in hooks:
            h.remove()


def update_step(update: Any, weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                lr: float, wd: float) -> dict:
    """One call of the student's update on a fresh nn.Linear(weight, bias): parameters after, the grads backward
    left (before any zeroing), what it returned, whether it changed parameters in place, the grads after, the
    parameters no longer leaves requiring grad, and the notebook's global `wd` (or wd)."""
    model = _linear_from(weight, bias)
    versions = [p._version for p in model.parameters()]
    grads: list = [None] * 2

    def keep(i: int) -> Callable[[torch.Tensor], None]:
        def hook(p: torch.Tensor) -> None:
            grads[i] = None if p.grad is None else p.grad.detach().clone()
        return hook
    out = _update_on(model, update, x, y, lr, keep)
    params = list(model.named_parameters())
    value = getattr(update, "__globals__", {}).get("wd", wd)
    return {"after": [p.detach().clone() for _, p in params], "grads": grads,
            "returned": float(out) if isinstance(out, float) else out,
            "in_place": any(p._version != v for (_, p), v in zip(params, versions)),
            "grads_after": [None if p.grad is None else p.grad.detach().clone() for _, p in params],
            "graph_nodes": [n for n, p in params if not (p.is_leaf and p.requires_grad) or p.grad_fn is not None],
            "wd": float(value) if isinstance(value, (int, float)) and value > 0 else wd}


def update_backward_ran(update: Any, weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                        lr: float) -> bool:
    """Whether the student's update filled any p.grad before it failed (its error is the one being explained)."""
    filled: list[bool] = []
    try:
        _update_on(_linear_from(weight, bias), update, x, y, lr, lambda i: lambda p: filled.append(True))
    except Exception:  # noqa: BLE001 - the error being explained
        pass
    return bool(filled)


PROBES.update({fn.__name__: fn for fn in (
    call_off_cpu, canonical_shapes, copy_by_order, children, module_containers, cross_entropy_grads,
    update_step, update_backward_ran)})
