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


PROBES.update({fn.__name__: fn for fn in (
    call_off_cpu, canonical_shapes, copy_by_order, children, module_containers, cross_entropy_grads)})
