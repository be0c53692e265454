"""What observing stage 4 may do to the student's classes: the probes backprop.py's judged checks ask (tape.py).

Each probe runs in the student's process: it builds the student's layer, runs forward and bwd (or the
student's Model over the checks' own autograd-backed layers) and returns what came out: tensors, the .g
values, how bwd was called, names. Nothing here compares or decides: the judge does, from the answers.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from . import adapters, source
from .probes import PROBES

_TORCH_DIR = str(Path(torch.__file__).resolve().parent)
# The checks' own layers compute with torch's C functions: a notebook that rebinds torch.relu cannot change them.
_relu = torch._C._VariableFunctions.relu
_sigmoid = torch._C._VariableFunctions.sigmoid
_mse_loss = torch._C._nn.mse_loss


def items(obj: Any) -> list:
    """The items of a tuple or list handed in, e.g. (Relu, Sigmoid)."""
    return list(obj)


def describe(obj: Any) -> str:
    """repr() of what was handed in (for a message that says what it was)."""
    return repr(obj)


def source_match(cls: type, pattern: str) -> str | None:
    """The first call in the class's code that matches pattern (comments and strings dropped), or None."""
    return source.source_uses(cls, pattern)


# ---- layers: forward and bwd -----------------------------------------------------------------------

def run_bwd(layer: Any, inputs: Sequence[torch.Tensor], out_g: torch.Tensor | None) -> Any:
    """layer.forward(*inputs); when it returns a tensor, set out.g (unless None: a loss) and call
    layer.bwd(out, *inputs). Returns what forward returned."""
    out = layer.forward(*inputs)
    if isinstance(out, torch.Tensor):
        if out_g is not None:
            out.g = out_g
        layer.bwd(out, *inputs)
    return out


def bwd_pass(cls: type, params: list, inputs: list, out_g: torch.Tensor | None, earlier: tuple | None = None,
             after: bool = False) -> dict:
    """cls(*params); with `earlier` = (inputs, out_g), one pass on those first (as a training loop does); then a
    pass on inputs: what forward returned, whether bwd ran, the .g of every input and parameter, out.g after
    bwd, and with `after` the inputs' and parameters' values after the pass."""
    layer = cls(*params)
    passes = [earlier, (inputs, out_g)] if earlier is not None else [(inputs, out_g)]
    for pass_inputs, pass_g in passes:
        out = run_bwd(layer, pass_inputs, pass_g)
        if not isinstance(out, torch.Tensor):
            return {"out": out, "ran": False}
    seen = {"out": out, "ran": True, "out_g": getattr(out, "g", None),
            "inputs_g": [getattr(t, "g", None) for t in inputs], "params_g": [getattr(p, "g", None) for p in params]}
    if after:
        seen |= {"inputs": list(inputs), "params": list(params)}
    return seen


def forward(cls: type, params: list, inputs: list) -> Any:
    """cls(*params).forward(*inputs)."""
    return cls(*params).forward(*inputs)


def engine_calls(cls: type, params: list, inputs: list, out_g: torch.Tensor | None) -> dict:
    """How often autograd's engine ran during bwd_pass (its errors are no evidence: stopped says one happened)."""
    import torch.autograd as autograd_module
    stopped = False
    with adapters.record_calls([(autograd_module, "_engine_run_backward")]) as seen:
        try:
            stopped = not bwd_pass(cls, params, inputs, out_g)["ran"]
        except Exception:  # noqa: BLE001 - the check the error concerns reports it
            stopped = True
    return {"calls": len(seen), "stopped": stopped}


# ---- Module: the checks' own forward and bwd on the student's base class -----------------------------

def _recording_layers(cls: type) -> tuple[type, type, list[tuple]]:
    """Double (one input) and Add (two inputs) on the student's Module; bwd calls are recorded."""
    calls: list[tuple] = []

    def double_bwd(self: Any, out: torch.Tensor, inp: torch.Tensor) -> None:
        calls.append((out, inp))
        if hasattr(out, "g") and isinstance(inp, torch.Tensor):
            inp.g = 2 * out.g

    def add_bwd(self: Any, out: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> None:
        calls.append((out, a, b))
        if hasattr(out, "g"):
            a.g, b.g = out.g.clone(), out.g.clone()
    # Named after the student's class: an error message names only what the student wrote.
    name = cls.__name__
    double_bwd.__qualname__ = add_bwd.__qualname__ = f"{name}.bwd"
    double = type(name, (cls,), {"forward": lambda self, inp: 2 * inp, "bwd": double_bwd})
    add = type(name, (cls,), {"forward": lambda self, a, b: a + b, "bwd": add_bwd})
    return double, add, calls


def module_call(cls: type, kind: str, *args: torch.Tensor) -> dict:
    """A Double ('double') or Add ('add') layer on the student's Module, called: what it returned, how many bwd calls."""
    double, add, calls = _recording_layers(cls)
    out = (double if kind == "double" else add)()(*args)
    return {"out": out, "bwd_calls": len(calls)}


def module_backward(cls: type, kind: str, out_g: torch.Tensor, calls: list) -> dict:
    """A Double or Add layer on the student's Module called with each argument tuple in turn, out.g set on the last
    output, backward() called: how many bwd calls, and what each argument of the last one was ('out': the very
    output of the last call, 'arg0', 'arg1': its very inputs, 'tuple', or 'other')."""
    double, add, recorded = _recording_layers(cls)
    layer = (double if kind == "double" else add)()
    for args in calls:
        out = layer(*args)
    out.g = out_g
    layer.backward()
    last_args = calls[-1]

    def which(value: Any) -> str:
        if value is out:
            return "out"
        found = [f"arg{i}" for i, a in enumerate(last_args) if value is a]
        return found[0] if found else "tuple" if isinstance(value, tuple) else "other"
    return {"bwd_calls": len(recorded), "last": [which(v) for v in recorded[-1]] if recorded else []}


# ---- Model: the student's Model over the checks' own layers ------------------------------------------

class _Stop(Exception):
    """Raised by the checks' own layers to stop the student's Model: what they saw, as plain values."""

    def __init__(self, *seen: Any) -> None:
        super().__init__(*seen)
        self.seen = list(seen)


def _vjp(fn: Callable[..., torch.Tensor], inputs: Sequence[torch.Tensor],
         out_g: torch.Tensor | None) -> list[torch.Tensor]:
    """d(sum(fn(*inputs) * out_g)) / d inputs, from the genuine autograd on fresh leaf copies."""
    grad = torch.autograd.grad
    code = getattr(grad, "__code__", None)
    if code is None or not str(Path(code.co_filename).resolve()).startswith(_TORCH_DIR):
        raise _Stop("grad_replaced")
    leaves = [t.detach().clone().requires_grad_() for t in inputs]
    with torch.enable_grad():
        out = fn(*leaves)
    return list(grad(out, leaves, torch.ones_like(out) if out_g is None else out_g, allow_unused=True))


def _lin(inp: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """inp @ w + b (w shaped (in, out))."""
    return inp @ w + b


def _loss(inp: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
    """The MSE, stopping for an input that is not the last layer's output."""
    if inp.numel() != targ.numel():
        raise _Stop("loss_input", targ.numel(), list(inp.shape))
    return _mse_loss(inp, targ.reshape(inp.shape), 1)  # 1: reduction "mean"


class AutogradLayer:
    """The checks' own layer with the course's protocol (__call__ stores, backward sets .g), via autograd."""

    def __init__(self, fn: Callable[..., torch.Tensor], *params: torch.Tensor, log: list, name: str) -> None:
        self.fn, self.params, self.log, self.name = fn, params, log, name

    def __call__(self, *args: torch.Tensor) -> torch.Tensor:
        self.args = args
        self.out = self.fn(*args, *self.params).detach()
        return self.out

    def backward(self) -> None:
        self.log.append(self.name)
        if not hasattr(self, "out"):
            raise _Stop("no_forward", self.name)
        out_g = getattr(self.out, "g", None)
        if self.name != "loss" and out_g is None:
            raise _Stop("no_out_g", self.name)
        inputs = [*self.args, *self.params]
        for t, g in zip(inputs, _vjp(self.fn, inputs, out_g)):
            if g is not None:
                t.g = g


class _ModelCase:
    """The student's model with the tensors it was given and the log of the layers' backward calls."""

    def __init__(self, model: Any, x: torch.Tensor, targ: torch.Tensor, params: tuple, log: list) -> None:
        self.model, self.x, self.targ, self.params, self.log = model, x, targ, params, log


def model_case(cls: type, acts: list, x: torch.Tensor, targ: torch.Tensor, *params: torch.Tensor) -> _ModelCase:
    """The student's Model(layers, loss) over the checks' own layers: Lin(w, b) for each (w, b) in params, each
    but the last followed by acts[i] ('relu' or 'sigmoid'); the loss is the MSE."""
    log: list[str] = []
    layers: list[AutogradLayer] = []
    x, targ, params = x.clone(), targ.clone(), tuple(p.clone() for p in params)
    for i in range(len(params) // 2):
        layers.append(AutogradLayer(_lin, params[2 * i], params[2 * i + 1], log=log, name=f"Lin{i}"))
        if i < len(acts):
            layers.append(AutogradLayer(_relu if acts[i] == "relu" else _sigmoid, log=log,
                                        name=f"{acts[i].capitalize()}{i}"))
    model = cls(layers, AutogradLayer(_loss, log=log, name="loss"))
    return _ModelCase(model, x, targ, params, log)


def model_layers(case: _ModelCase) -> Any:
    """What the student's model keeps as self.layers (None when it has none)."""
    return getattr(case.model, "layers", None)


def model_call(case: _ModelCase) -> dict:
    """model(x, targ): what it returned, or what stopped the checks' layers."""
    try:
        return {"out": case.model(case.x, case.targ), "stop": None}
    except _Stop as stop:
        return {"out": None, "stop": stop.seen}


def model_backward(case: _ModelCase) -> dict:
    """model.backward(): the layers' backward calls in order, x.g and each parameter's .g, or what stopped it."""
    try:
        case.model.backward()
    except _Stop as stop:
        return {"stop": stop.seen, "log": list(case.log)}
    return {"stop": None, "log": list(case.log), "x_g": getattr(case.x, "g", None),
            "params_g": [getattr(p, "g", None) for p in case.params]}


PROBES.update({fn.__name__: fn for fn in (
    items, describe, source_match, bwd_pass, forward, engine_calls, module_call, module_backward, model_case,
    model_layers, model_call, model_backward)})
