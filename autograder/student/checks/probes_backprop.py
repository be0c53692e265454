"""What observing stage 4 may do to the student's classes: the probes backprop.py's judged checks ask (tape.py).

Each probe runs in the student's process: it builds the student's layer, runs forward and bwd (or the
student's Model over the checks' own autograd-backed layers) and returns what came out: tensors, the .g
values, how bwd was called, names. Nothing here compares or decides: the judge does, from the answers.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch.overrides import TorchFunctionMode

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


def parameters(cls: type, method: str) -> list[str] | None:
    """The parameter names of cls.method after self, e.g. ['out', 'inp'] for bwd (None when unreadable)."""
    try:
        names = list(inspect.signature(getattr(cls, method)).parameters)
    except (AttributeError, TypeError, ValueError):
        return None
    return names[1:]


# ---- layers: forward and bwd -----------------------------------------------------------------------

def _one_pass(layer: Any, inputs: Sequence[torch.Tensor], out_g: torch.Tensor | None) -> tuple[Any, Any]:
    """layer.forward(*inputs); when it returns a tensor, set out.g (unless None: a loss) and call
    layer.bwd(out, *inputs). Returns (what forward returned, what bwd returned)."""
    out = layer.forward(*inputs)
    if not isinstance(out, torch.Tensor):
        return out, None
    if out_g is not None:
        out.g = out_g
    return out, layer.bwd(out, *inputs)


def run_bwd(layer: Any, inputs: Sequence[torch.Tensor], out_g: torch.Tensor | None) -> Any:
    """One forward and bwd of a live layer (see _one_pass); returns what forward returned."""
    return _one_pass(layer, inputs, out_g)[0]


def bwd_pass(cls: type, params: list, inputs: list, out_g: torch.Tensor | None, earlier: tuple | None = None,
             after: bool = False) -> dict:
    """cls(*params); with `earlier` = (inputs, out_g), one pass on those first (as a training loop does); then a
    pass on inputs: what forward returned, whether bwd ran and what it returned, the .g of every input and
    parameter (and whether their .grad holds a tensor), out.g after bwd, and with `after` the inputs' and
    parameters' values after the pass."""
    layer = cls(*params)
    passes = [earlier, (inputs, out_g)] if earlier is not None else [(inputs, out_g)]
    for pass_inputs, pass_g in passes:
        out, returned = _one_pass(layer, pass_inputs, pass_g)
        if not isinstance(out, torch.Tensor):
            return {"out": out, "ran": False}
    seen = {"out": out, "ran": True, "out_g": getattr(out, "g", None), "returned": returned,
            "inputs_g": [getattr(t, "g", None) for t in inputs], "params_g": [getattr(p, "g", None) for p in params],
            "inputs_grad": [isinstance(t.grad, torch.Tensor) for t in inputs],
            "params_grad": [isinstance(getattr(p, "grad", None), torch.Tensor) for p in params]}
    if after:
        seen |= {"inputs": list(inputs), "params": list(params)}
    return seen


def forward(cls: type, params: list, inputs: list) -> Any:
    """cls(*params).forward(*inputs)."""
    return cls(*params).forward(*inputs)


class _TargShapes(TorchFunctionMode):
    """Records the shape of every tensor made from targ itself (targ.reshape, targ.unsqueeze, targ[None]...)."""

    def __init__(self, targ: torch.Tensor) -> None:
        super().__init__()
        self.targ, self.shapes = targ, []

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        out = func(*args, **(kwargs or {}))
        if args and args[0] is self.targ and isinstance(out, torch.Tensor) and out.shape != self.targ.shape:
            self.shapes.append(list(out.shape))
        return out


def targ_shapes(cls: type, params: list, inputs: list) -> list[list[int]]:
    """cls(*params).forward(inp, targ): the shapes of the tensors forward made from targ (reshaped, unsqueezed...)."""
    layer = cls(*params)
    with _TargShapes(inputs[1]) as mode:
        layer.forward(*inputs)
    return mode.shapes


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

def _recording_layers(cls: type) -> tuple[type, type, list[tuple], list[Any]]:
    """Double (one input) and Add (two inputs) on the student's Module; bwd calls and what Double's forward
    received are recorded."""
    calls: list[tuple] = []
    forwarded: list[Any] = []

    def double_forward(self: Any, inp: Any) -> Any:
        forwarded.append(inp)
        return 2 * inp

    def double_bwd(self: Any, *args: Any) -> None:  # bwd(out, inp), recording however it is called
        calls.append(args)
        if len(args) == 2 and hasattr(args[0], "g") and isinstance(args[1], torch.Tensor):
            args[1].g = 2 * args[0].g

    def add_bwd(self: Any, *args: Any) -> None:  # bwd(out, a, b)
        calls.append(args)
        if len(args) == 3 and hasattr(args[0], "g") and all(isinstance(a, torch.Tensor) for a in args[1:]):
            args[1].g, args[2].g = args[0].g.clone(), args[0].g.clone()
    # Named after the student's class: an error message names only what the student wrote.
    name = cls.__name__
    double_bwd.__qualname__ = add_bwd.__qualname__ = f"{name}.bwd"
    double = type(name, (cls,), {"forward": double_forward, "bwd": double_bwd})
    add = type(name, (cls,), {"forward": lambda self, a, b: a + b, "bwd": add_bwd})
    return double, add, calls, forwarded


def _packed(forwarded: list[Any], args: tuple) -> bool:
    """Whether forward received the call's inputs as one tuple (self.forward(args) without the star)."""
    return any(isinstance(f, (tuple, list)) and len(f) == len(args) and all(a is b for a, b in zip(f, args))
               for f in forwarded)


def module_call(cls: type, kind: str, *args: torch.Tensor) -> dict:
    """A Double ('double') or Add ('add') layer on the student's Module, called: what it returned (and whether that
    was the layer itself), how many bwd calls, whether forward received the inputs as one tuple ('packed')."""
    double, add, calls, forwarded = _recording_layers(cls)
    layer = (double if kind == "double" else add)()
    out = layer(*args)
    return {"out": out, "returned_self": out is layer, "bwd_calls": len(calls), "packed": _packed(forwarded, args)}


def module_backward(cls: type, kind: str, out_g: torch.Tensor, calls: list) -> dict:
    """A Double or Add layer on the student's Module called with each argument tuple in turn, out.g set on the last
    output (unless the call returned no tensor: then what it returned), backward() called: how many bwd calls, and
    what each argument of the last one was ('out': the very
    output of the last call; 'arg0', 'arg1': its very inputs; 'copy_out', 'copy_arg0': a tensor equal to one of
    them; 'part_arg0': a view of an input such as one of its rows; 'tuple'; or 'other')."""
    double, add, recorded, forwarded = _recording_layers(cls)
    layer = (double if kind == "double" else add)()
    for args in calls:
        out = layer(*args)
    if not isinstance(out, torch.Tensor):  # what m(x) returned cannot carry out.g
        return {"out": out, "returned_self": out is layer, "packed": _packed(forwarded, calls[-1])}
    out.g = out_g
    layer.backward()
    last_args = calls[-1]

    def equal(a: Any, b: Any) -> bool:
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape and \
            a.dtype == b.dtype and bool(torch.equal(a.detach(), b.detach()))

    def which(value: Any) -> str:
        if value is out:
            return "out"
        found = [f"arg{i}" for i, a in enumerate(last_args) if value is a]
        found += ["copy_out"] if equal(value, out) else []
        found += [f"copy_arg{i}" for i, a in enumerate(last_args) if equal(value, a)]
        found += [f"part_arg{i}" for i, a in enumerate(last_args)
                  if isinstance(value, torch.Tensor) and value._base is not None and value._base is a]
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


class _Chain:
    """What the checks' layers saw inside one Model: backward calls in order, which layer fed which, who stored which
    .g, and the order of the forward calls."""

    def __init__(self, x: torch.Tensor) -> None:
        self.x, self.log, self.calls = x, [], []
        self.layers: list[AutogradLayer] = []
        self.fed: dict[str, str] = {}       # layer -> the layer that received its very output
        self.copied: dict[str, str] = {}    # layer -> the layer that received a copy of its output
        self.stored: list[tuple[torch.Tensor, str]] = []  # (a .g a layer's bwd stored, that layer)

    def source(self, t: Any) -> str:
        """Where a layer's input came from: 'x' (the model's input), a layer's name, 'copy of <name>', or 'other'."""
        if t is self.x:
            return "x"
        for seen in self.layers:
            if t is getattr(seen, "out", None):
                return seen.name
        for seen in self.layers:
            out = getattr(seen, "out", None)
            if isinstance(t, torch.Tensor) and isinstance(out, torch.Tensor) and t.shape == out.shape \
                    and bool(torch.equal(t.detach(), out)):
                return f"copy of {seen.name}"
        return "other"

    def stored_by(self, g: Any) -> str | None:
        """The layer whose bwd stored this very tensor as a .g, or None."""
        return next((name for t, name in self.stored if t is g), None)


class AutogradLayer:
    """The checks' own layer with the course's protocol (__call__ stores, backward sets .g), via autograd.

    It also answers bwd(out, *args) as the course's Module does, and stops the student's Model (raising _Stop with
    what it saw) where a layer gets an input of the wrong width or an out.g that is missing or of another shape.
    """

    def __init__(self, fn: Callable[..., torch.Tensor], *params: torch.Tensor, chain: _Chain, name: str) -> None:
        self.fn, self.params, self.chain, self.name = fn, params, chain, name
        chain.layers.append(self)

    def __call__(self, *args: torch.Tensor) -> torch.Tensor:
        chain, source = self.chain, self.chain.source(args[0]) if args else "other"
        if source in [layer.name for layer in chain.layers]:
            chain.fed[source] = self.name
        elif source.startswith("copy of "):
            chain.copied[source.removeprefix("copy of ")] = self.name
        if self.params and isinstance(args[0], torch.Tensor) and args[0].shape[-1:] != self.params[0].shape[:1]:
            raise _Stop("lin_input", self.name, list(args[0].shape), int(self.params[0].shape[0]), source,
                        list(chain.calls))
        chain.calls.append(self.name)
        self.args = args
        self.out = self.fn(*args, *self.params).detach()
        return self.out

    def backward(self) -> None:
        if not hasattr(self, "out"):
            self.chain.log.append(self.name)
            raise _Stop("no_forward", self.name)
        self.bwd(self.out, *self.args)

    def forward(self, *args: torch.Tensor) -> None:
        """Called by a Model that runs layer.forward(x): nothing would store inp and out for backward()."""
        raise _Stop("called_forward", self.name)

    def bwd(self, out: torch.Tensor | None = None, *args: torch.Tensor) -> None:
        chain = self.chain
        if out is None:  # layer.bwd() with no arguments, for layer.backward()
            raise _Stop("bwd_without_out", self.name)
        chain.log.append(self.name)
        out_g = getattr(out, "g", None)
        if self.name != "loss" and out_g is None:
            raise _Stop("no_out_g", self.name, chain.fed.get(self.name), chain.copied.get(self.name), list(chain.log))
        if isinstance(out_g, torch.Tensor) and out_g.shape != out.shape:
            raise _Stop("out_g_shape", self.name, list(out_g.shape), list(out.shape), chain.stored_by(out_g))
        inputs = [*args, *self.params]
        for t, g in zip(inputs, _vjp(self.fn, inputs, out_g)):
            if g is not None:
                t.g = g
                chain.stored.append((g, self.name))


class _ModelCase:
    """The student's model with the tensors it was given and what the checks' layers saw."""

    def __init__(self, model: Any, x: torch.Tensor, targ: torch.Tensor, params: tuple, chain: _Chain) -> None:
        self.model, self.x, self.targ, self.params, self.chain = model, x, targ, params, chain


def model_case(cls: type, acts: list, x: torch.Tensor, targ: torch.Tensor, *params: torch.Tensor) -> _ModelCase:
    """The student's Model(layers, loss) over the checks' own layers: Lin(w, b) for each (w, b) in params, each
    but the last followed by acts[i] ('relu' or 'sigmoid'); the loss is the MSE."""
    x, targ, params = x.clone(), targ.clone(), tuple(p.clone() for p in params)
    chain = _Chain(x)
    layers: list[AutogradLayer] = []
    for i in range(len(params) // 2):
        layers.append(AutogradLayer(_lin, params[2 * i], params[2 * i + 1], chain=chain, name=f"Lin{i}"))
        if i < len(acts):
            layers.append(AutogradLayer(_relu if acts[i] == "relu" else _sigmoid, chain=chain,
                                        name=f"{acts[i].capitalize()}{i}"))
    model = cls(layers, AutogradLayer(_loss, chain=chain, name="loss"))
    return _ModelCase(model, x, targ, params, chain)


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
        return {"stop": stop.seen, "log": list(case.chain.log)}
    return {"stop": None, "log": list(case.chain.log), "x_g": getattr(case.x, "g", None),
            "params_g": [getattr(p, "g", None) for p in case.params]}


PROBES.update({fn.__name__: fn for fn in (
    items, describe, source_match, parameters, bwd_pass, forward, targ_shapes, engine_calls, module_call, module_backward, model_case,
    model_layers, model_call, model_backward)})
