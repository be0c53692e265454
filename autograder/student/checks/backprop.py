"""Checks for stage 4: hand-written backward passes (`.g`) compared with autograd, in float64.

Each layer is driven through its own `forward(*args)` and `bwd(out, *args)`, so a layer's grade does
not depend on the student's `Module`; `Model` is driven with the checks' own autograd-backed layers,
so its grade does not depend on the student's layers. Nothing here imports the reference solutions.

Judged (tape.py): every check is a generator that asks the student's classes through the probes of
probes_backprop.py (forward and bwd run there, in the student's process, and come back as tensors and .g
values); autograd's gradients, the comparisons, the diagnoses and the points are all computed here.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch import nn

from . import asks
from .asks import Q
from .compare import close, identical, max_diff
from .core import Check, CheckFailure, _where, checks_of, varied
# Importing probes_backprop registers the probes these checks ask; run_bwd drives a live layer (the tests use it).
from .probes_backprop import run_bwd  # noqa: F401
from .tape import Handle, ask

DTYPE = torch.float64
LIN_SHAPES = [(8, 784, 50), (1, 3, 2), (4, 5, 3)]   # (batch, in, out): MNIST-sized, batch 1, small
ACT_SHAPES = [(1, 1), (1, 7), (4, 5), (3, 2, 6)]
TOL = {"rtol": 1e-9, "atol": 1e-11}
AUTOGRAD_SOURCE = r"\.backward\(|\bautograd\b|\btorch\.func\b|\bfunctorch\b|\bvjp\(|\bjacobian\("
_TORCH_DIR = str(Path(torch.__file__).resolve().parent)
# The references, taken from torch's C functions: a notebook that reassigns torch.relu / torch.sigmoid /
# F.mse_loss cannot change what the checks compare with.
relu = torch._C._VariableFunctions.relu
sigmoid = torch._C._VariableFunctions.sigmoid
_mse_loss = torch._C._nn.mse_loss


def rand(*shape: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    """Seeded float64 values (no exact zeros, so relu's derivative is defined everywhere)."""
    g = torch.Generator().manual_seed(varied(seed))
    x = torch.randn(shape, generator=g, dtype=DTYPE) * scale
    return torch.where(x == 0, torch.full_like(x, 0.5), x)


def _genuine_grad() -> Callable[..., Any]:
    """torch.autograd.grad, refusing a replacement defined outside torch."""
    fn = torch.autograd.grad
    code = getattr(fn, "__code__", None)
    if code is None or not str(Path(code.co_filename).resolve()).startswith(_TORCH_DIR):
        raise CheckFailure("the genuine torch.autograd.grad", "a replaced function",
                           "do not reassign torch.autograd.grad in the notebook; restart the kernel.")
    return fn


def autograd_vjp(fn: Callable[..., torch.Tensor], inputs: Sequence[torch.Tensor],
                 out_g: torch.Tensor | None) -> list[torch.Tensor]:
    """d(sum(fn(*inputs) * out_g)) / d inputs, from autograd on fresh leaf copies."""
    leaves = [t.detach().clone().requires_grad_() for t in inputs]
    with torch.enable_grad():
        out = fn(*leaves)
    grad_out = torch.ones_like(out) if out_g is None else out_g
    return list(_genuine_grad()(out, leaves, grad_out, allow_unused=True))


def _type_name(value: Any) -> str:
    """The type name of an answer: the student's class name for a handle."""
    return value.name.rsplit(".", 1)[-1] if isinstance(value, Handle) else type(value).__name__


STORED_IN_GRAD = ("you stored the gradient in .grad, the attribute PyTorch's autograd fills; the layers you are "
                  "writing keep it in .g")
RETURNED_GRAD = "your bwd returns the gradient, and backward() ignores what bwd returns: store it on the tensor"
G_PLUS_EQUALS = "you add to .g with += before anything stored it"


def _g_of(g: Any, name: str, hint: str, in_grad: bool = False, returned: Any = None) -> torch.Tensor:
    """The `.g` a bwd stored (as the probe saw it), failing readably when it is missing or not a tensor.

    in_grad: the tensor's .grad holds a tensor (PyTorch's habit); returned: what bwd returned.
    """
    if not isinstance(g, torch.Tensor):
        if g is None and in_grad:
            hint = f"{STORED_IN_GRAD}: set {name} = ... instead."
        elif g is None and isinstance(returned, torch.Tensor):
            hint = f"{RETURNED_GRAD}, {name} = ... ."
        raise CheckFailure(f"{name} (a tensor) set by bwd", "no .g attribute" if g is None else _type_name(g), hint)
    return g


def _seen_g(seen: dict, kind: str, i: int, name: str, hint: str) -> torch.Tensor:
    """_g_of for input (kind 'inputs') or parameter ('params') i of a bwd_pass answer."""
    return _g_of(seen[f"{kind}_g"][i], name, hint, seen[f"{kind}_grad"][i], seen["returned"])


def explain_plus_equals(exc: BaseException) -> str | None:
    """Name `x.g += ...` on a first backward pass (an AttributeError for .g in a line that adds to a .g)."""
    found = re.search(r"`([\w.]+)\.g\s*\+=", _where(exc))
    if not (isinstance(exc, AttributeError) and "'g'" in str(exc) and found):
        return None
    name = found.group(1)
    return (f"{G_PLUS_EQUALS}: `{name}.g += ...` reads {name}.g, which does not exist on a first backward pass; "
            f"store a new tensor, {name}.g = ... (.g is not PyTorch's .grad, which accumulates).")


def explain_activation(exc: BaseException, obj: Any) -> str | None:
    """Name the mistake behind an error raised in Relu or Sigmoid."""
    return explain_plus_equals(exc)


def expect_grad(name: str, got: torch.Tensor, want: torch.Tensor, hint: str,
                mistakes: Sequence[tuple[str, Callable[[], torch.Tensor]]] = (), where: str = "") -> None:
    """Fail with the gradient's name and shape, naming a known mistake when `got` matches one."""
    if tuple(got.shape) != tuple(want.shape):
        for label, alternative in mistakes:  # a mistake that changes the shape: name it
            alt = alternative()
            if tuple(alt.shape) == tuple(got.shape) and close(got, alt, **TOL):
                raise CheckFailure(f"{name} shaped {tuple(want.shape)}{where}", f"{tuple(got.shape)}",
                                   f"you computed {label}. Want: {hint}")
        raise CheckFailure(f"{name} shaped {tuple(want.shape)}{where}", f"{tuple(got.shape)}", hint)
    name = f"{name}{where}"
    if close(got, want, **TOL):
        return
    for label, alternative in mistakes:
        alt = alternative()
        if tuple(alt.shape) == tuple(got.shape) and close(got, alt, **TOL):
            raise CheckFailure(f"{name} equal to autograd's (float64, shape {tuple(want.shape)})",
                               f"{label}", f"you computed {label}. Want: {hint}")
    raise CheckFailure(f"{name} equal to autograd's (float64, shape {tuple(want.shape)})",
                       f"max difference {max_diff(got, want):.3g}", hint)


BWD_SWAPPED = ("your bwd is def bwd(self, {got}), but backward() calls it as bwd({want}), the output first: the "
               "tensor you named out is the input, which has no .g; write def bwd(self, {want})")


def bwd_pass(cls: Handle, params: list, inputs: list, out_g: torch.Tensor | None, earlier: tuple | None = None,
             after: bool = False) -> Q:
    """The student's cls(*params) run forward(*inputs), out.g = out_g (unless None: a loss), bwd(out, *inputs), in
    the student's process (probes_backprop.bwd_pass): what came out, failing when forward returns no tensor."""
    try:
        seen = yield ask("bwd_pass", cls, params, inputs, out_g, earlier, after)
    except Exception:
        names = yield ask("parameters", cls, "bwd")
        if names and names[0] != "out" and "out" in names[1:]:  # bwd(self, inp, out): the error came from there
            want = ", ".join(["out"] + [n for n in names if n != "out"])
            raise CheckFailure(f"def bwd(self, {want}): the output first", f"def bwd(self, {', '.join(names)})",
                               BWD_SWAPPED.format(got=", ".join(names), want=want) + ".") from None
        raise
    if not seen["ran"]:
        raise CheckFailure("forward to return a tensor", _type_name(seen["out"]), "return the result of forward.")
    return seen


def _is_class(value: Any) -> bool:
    """A handle for a class."""
    return isinstance(value, Handle) and value.kind == "class"


def _name(cls: Handle) -> str:
    """The class's own name (its __name__)."""
    return cls.name.rsplit(".", 1)[-1]


def _classes(obj: Any, names: Sequence[str]) -> Q:
    """Unpack a class or a tuple of classes (e.g. (Relu, Sigmoid)), failing readably."""
    is_sequence = isinstance(obj, Handle) and (obj.derives("builtins.tuple") or obj.derives("builtins.list"))
    classes = list((yield ask("items", obj))) if is_sequence else [obj]
    if len(classes) != len(names) or not all(_is_class(c) for c in classes):
        want = ", ".join(names)
        raise CheckFailure(f"the class{'es' if len(names) > 1 else ''} {want}", (yield ask("describe", obj))[:80],
                           f"call the check with ({want}) (the classes themselves, without ()).")
    return classes


def _not_reference(*classes: Handle) -> None:
    """Fail for the course's reference solution."""
    for cls in classes:
        origin = asks.reference_origin(cls)
        if origin:
            raise CheckFailure("your own class", f"the course's reference {origin}",
                               "write bwd yourself instead of importing the solution.")


def _by_hand(classes: Sequence[Handle], runs: Sequence[tuple]) -> Q:
    """Gate: bwd is written by hand: no autograd in its code and no autograd call while it runs.

    runs: per class, (params, inputs, out_g) of one forward and bwd; an error stops the runs (it is no evidence
    of autograd: the check it concerns reports it).
    """
    _not_reference(*classes)
    for cls in classes:
        used = yield ask("source_match", cls, AUTOGRAD_SOURCE)
        if used:
            raise CheckFailure(f"{_name(cls)}'s gradients written by hand", f"`{used}` in its code",
                               "compute .g with tensor operations: autograd is what you are building.")
    seen = 0
    for cls, (params, inputs, out_g) in zip(classes, runs):
        found = yield ask("engine_calls", cls, params, inputs, out_g)
        seen += found["calls"]
        if found["stopped"]:
            break
    if seen:
        raise CheckFailure("gradients written by hand", "a call to autograd's engine during bwd",
                           "compute .g with tensor operations, not .backward() or torch.autograd.grad.")


# ---- Module -------------------------------------------------------------------------------------

def _module_class(cls: Any) -> Handle:
    """The student's Module, on which the probes build small layers with the checks' own forward and bwd."""
    if not _is_class(cls):
        raise CheckFailure("a class (pass Module itself)", _type_name(cls), "call self_check with Module, without ().")
    return cls


MODULE_NO_RETURN = "your __call__ returns None: end it with return self.out, which the next layer receives"
MODULE_RETURNS_SELF = "your __call__ returns the layer itself: return self.out, the output of forward"
MODULE_NO_STAR = ("your __call__ passes forward the tuple of inputs as one argument, self.forward(args): unpack it "
                  "with a star, self.out = self.forward(*args)")
MODULE_NO_OUT_ARG = ("backward() passed bwd the inputs without the output: bwd takes the output first, "
                     "self.bwd(self.out, *self.args)")
MODULE_ARGS_TENSOR = ("your __call__ keeps one tensor in self.args (args[0]), so *self.args unpacked its rows into bwd: "
                      "keep the whole tuple of inputs, self.args = args")
MODULE_RECOMPUTED = ("bwd got a new tensor equal to the output, not self.out itself: it has no .g (the next layer set "
                     "that on self.out), so pass self.out as it is (do not clone it or call forward again)")
MODULE_COPIED_ARGS = ("bwd got a copy of the input, not the caller's tensor, so the .g it sets lands on the copy: store "
                      "self.args = args as they are (do not clone them)")
MODULE_FIRST_ONLY = ("backward() passed bwd only the first input: a layer with two inputs (like Mse(inp, targ)) needs "
                     "both, so store self.args = args and call self.bwd(self.out, *self.args)")


def value_summary(value: Any) -> str:
    """What a student's code returned, without memory addresses or module names (stable across runs)."""
    if isinstance(value, torch.Tensor):
        return f"a tensor shaped {tuple(value.shape)}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}: " + ", ".join(_type_name(v) for v in value[:6])
    return f"{_type_name(value)}" if value is not None else "None"


def _not_returned(what: str, seen: dict) -> None:
    """Fail for a call that did not return forward's output."""
    got = seen["out"]
    raise CheckFailure(f"{what} to return forward's output", value_summary(got),
                       MODULE_NO_RETURN + "." if got is None else MODULE_RETURNS_SELF + "." if seen["returned_self"] else
                       MODULE_NO_STAR + "." if seen.get("packed") else
                       "__call__ stores the inputs, calls self.forward(*args), stores and returns the output.")


def check_module_call(cls: Any) -> Q:
    """m(*args) returns forward(*args), for one and for two inputs."""
    cls = _module_class(cls)
    x, a, b = rand(3, 4, seed=1), rand(3, 4, seed=2), rand(3, 4, seed=3)
    calls = 0
    for what, kind, args, want in (("m(x) for a subclass whose forward is 2 * x", "double", (x,), 2 * x),
                                   ("m(a, b) for a subclass whose forward is a + b", "add", (a, b), a + b)):
        seen = yield ask("module_call", cls, kind, *args)
        got, calls = seen["out"], calls + seen["bwd_calls"]
        if not isinstance(got, torch.Tensor) or not close(got, want, **TOL):
            _not_returned(what, seen)
    if calls:
        raise CheckFailure("__call__ to run forward only", "a call to bwd during __call__ (before out.g exists)",
                           "bwd runs later, from backward(), once the next layer has set out.g.")


def check_module_backward(cls: Any) -> Q:
    """backward() calls bwd(out, *args) with the very tensors of the last call."""
    cls = _module_class(cls)
    # an earlier call first: backward must use the last one
    seen = yield ask("module_backward", cls, "double", rand(2, 3, seed=6), [(rand(2, 3, seed=4),), (rand(2, 3, seed=5),)])
    if "last" not in seen:
        _not_returned("m(x) for a subclass whose forward is 2 * x", seen)
    if not seen["bwd_calls"]:
        raise CheckFailure("backward() to call self.bwd(self.out, *self.args)", "no call to bwd",
                           "def backward(self): self.bwd(self.out, *self.args)")
    got = seen["last"]
    if len(got) == 2 and got[1] == "tuple":
        raise CheckFailure("bwd(out, x): each stored input as its own argument", "bwd(out, (x,)): the tuple of inputs",
                           "you passed self.args as one argument: unpack it, self.bwd(self.out, *self.args).")
    if got != ["out", "arg0"]:
        named = (MODULE_NO_OUT_ARG if "out" not in got and "copy_out" not in got and got[:1] == ["arg0"] else
                 MODULE_ARGS_TENSOR if "part_arg0" in got else MODULE_RECOMPUTED if "copy_out" in got else
                 MODULE_COPIED_ARGS if "copy_arg0" in got else None)
        raise CheckFailure("bwd(out, x) with the very output m(x) returned and the very input of the last call",
                           "other tensors (a copy, a recomputed output, or an earlier call's)"
                           if named is None or named == MODULE_RECOMPUTED else
                           f"bwd called with {len(got)} argument(s): {', '.join(_ARG_WORDS.get(w, w) for w in got)}",
                           named + "." if named else
                           "store self.args = args and self.out in __call__; backward passes them unchanged "
                           "(do not clone them or call forward again).")
    seen2 = yield ask("module_backward", cls, "add", rand(2, 3, seed=9), [(rand(2, 3, seed=7), rand(2, 3, seed=8))])
    if "last" not in seen2:
        _not_returned("m(a, b) for a subclass whose forward is a + b", seen2)
    last = seen2["last"] if seen2["bwd_calls"] else got  # no call of its own: the last bwd call is still Double's
    if last != ["out", "arg0", "arg1"]:
        raise CheckFailure("bwd(out, a, b) for a module called with two inputs (like Mse(inp, targ))",
                           f"bwd called with {len(last) - 1} input(s) or other tensors",
                           MODULE_FIRST_ONLY + "." if last == ["out", "arg0"] else
                           "unpack all stored inputs: self.bwd(self.out, *self.args).")


_ARG_WORDS = {"out": "the output", "arg0": "x", "copy_out": "a copy of the output", "copy_arg0": "a copy of x",
              "part_arg0": "a row of x", "tuple": "a tuple", "other": "another object"}


MODULE_NO_OUT = ("your __call__ does not store self.out: backward() reads it, so set "
                 "self.out = self.forward(*args) in __call__ and return self.out")
MODULE_NO_ARGS = "your __call__ does not store self.args: backward() reads it, so set self.args = args in __call__"


def explain_module(exc: BaseException, cls: Any) -> str | None:
    """Name what __call__ forgot to store, when backward() reads an attribute that is not there."""
    found = re.search(r"has no attribute '(\w+)'", str(exc)) if isinstance(exc, AttributeError) else None
    name = getattr(exc, "name", None) or (found.group(1) if found else None)  # a judged error carries its message
    if name in ("out", "args"):
        return (MODULE_NO_OUT if name == "out" else MODULE_NO_ARGS) + "."
    if isinstance(exc, TypeError) and "object is not callable" in str(exc):
        return MODULE_NOT_CALLABLE + "."
    return None


MODULE_NOT_CALLABLE = ("your Module has no __call__ method, so a layer cannot be called as layer(x): define "
                       "__call__(self, *args), which stores self.args, calls self.forward(*args), stores the result "
                       "in self.out and returns it")


def module_checks() -> list[Check]:
    """Module: 2 points."""
    return [Check("module_base.call", "m(*args) returns forward(*args)", 1, check_module_call, explain=explain_module),
            Check("module_base.backward", "backward() calls bwd(out, *args) with the last call's tensors", 1,
                  check_module_backward, explain=explain_module)]


# ---- Relu and Sigmoid -----------------------------------------------------------------------------

NO_OUT_G = "the local derivative alone, without the factor out.g"


def _act_grad(cls: Handle, torch_fn: Callable[[torch.Tensor], torch.Tensor], name: str, hint: str,
              mistakes: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], list]) -> Q:
    """inp.g equals autograd's for random out.g over several shapes."""
    for k, shape in enumerate(ACT_SHAPES):
        x, out_g = rand(*shape, seed=10 + k, scale=2), rand(*shape, seed=20 + k)
        seen = yield from bwd_pass(cls, [], [x.clone()], out_g.clone())
        out = seen["out"]
        want, = autograd_vjp(torch_fn, [x], out_g)
        got = _seen_g(seen, "inputs", 0, "inp.g", f"in bwd, set inp.g = out.g * ({hint}).")
        expect_grad(f"{name} inp.g for input shaped {shape}", got, want, f"inp.g = out.g * ({hint}).",
                    [(NO_OUT_G, lambda: autograd_vjp(torch_fn, [x], None)[0])] + mistakes(x, out, out_g))


def check_activation_by_hand(obj: Any) -> Q:
    """Gate: Relu.bwd and Sigmoid.bwd compute .g by hand (no autograd)."""
    classes = yield from _classes(obj, ["Relu", "Sigmoid"])
    yield from _by_hand(classes, [([], [rand(3, 4, seed=1)], rand(3, 4, seed=2)) for _ in classes])


def _not_a_tensor(got: Any) -> str:
    """Name a forward that returns something other than a tensor (a NumPy array, a list...)."""
    numpy = isinstance(got, Handle) and got.derives("numpy.ndarray")
    what = "a NumPy array" if numpy else f"a {_type_name(got)}"
    return (f"your forward returns {what}, not a tensor: the next layer and bwd need a torch tensor"
            + (" (no .numpy(), no np. functions)" if numpy else ""))


def check_activation_forward(obj: Any) -> Q:
    """Relu.forward equals torch.relu and Sigmoid.forward equals torch.sigmoid."""
    relu_cls, sigmoid_cls = yield from _classes(obj, ["Relu", "Sigmoid"])
    for cls, fn, hint in ((relu_cls, relu, "inp.clamp_min(0.)"), (sigmoid_cls, sigmoid, "1 / (1 + (-inp).exp())")):
        for k, shape in enumerate(ACT_SHAPES):
            x = rand(*shape, seed=30 + k, scale=3)
            got = yield ask("forward", cls, [], [x.clone()])
            want = fn(x)
            if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape) or not close(got, want, **TOL):
                raise CheckFailure(f"{_name(cls)}.forward equal to torch.{fn.__name__} on shape {shape}",
                                   f"{tuple(got.shape) if isinstance(got, torch.Tensor) else _type_name(got)}"
                                   + (f", max difference {max_diff(got, want):.3g}"
                                      if isinstance(got, torch.Tensor) and got.shape == want.shape else ""),
                                   f"return {hint}." if got is None or isinstance(got, torch.Tensor) else
                                   f"{_not_a_tensor(got)}: return {hint}.")


def check_relu_grad(obj: Any) -> Q:
    """Relu's inp.g equals autograd's: out.g where inp > 0, else 0."""
    relu_cls, _ = yield from _classes(obj, ["Relu", "Sigmoid"])
    yield from _act_grad(relu_cls, relu, "Relu", "inp > 0", lambda x, out, g: [
        ("out.g unmasked (the derivative of the identity)", lambda: g),
        ("out.g * inp (the input, not the 0/1 mask of inp > 0)", lambda: g * x)])


def check_sigmoid_grad(obj: Any) -> Q:
    """Sigmoid's inp.g equals autograd's: out.g * out * (1 - out)."""
    _, sigmoid_cls = yield from _classes(obj, ["Relu", "Sigmoid"])
    s = sigmoid
    yield from _act_grad(sigmoid_cls, s, "Sigmoid", "out * (1 - out)", lambda x, out, g: [
        ("out.g * sigmoid(out) * (1 - sigmoid(out)): the derivative applied to the output, which is already "
         "sigmoid(inp)", lambda: g * s(s(x)) * (1 - s(s(x)))),
        ("out.g * out * out (the output used twice instead of out * (1 - out))", lambda: g * s(x) * s(x)),
        ("out.g * (1 - out): the factor out is missing, sigmoid' = out * (1 - out)", lambda: g * (1 - s(x))),
        ("out.g * inp * (1 - inp) (the input where the output belongs)", lambda: g * x * (1 - x))])


def _untouched(cls: Handle, named_inputs: dict[str, torch.Tensor], out_g: torch.Tensor | None,
                params: dict[str, torch.Tensor] | None = None) -> Q:
    """forward and bwd leave their inputs, out.g and the parameters unchanged."""
    watched = {**named_inputs, **(params or {})}
    before = {name: t.clone() for name, t in watched.items()}
    g_before = None if out_g is None else out_g.clone()
    seen = yield from bwd_pass(cls, list((params or {}).values()), list(named_inputs.values()), out_g, after=True)
    for name, t in zip(watched, seen["inputs"] + seen["params"]):
        if not identical(t, before[name]):
            raise CheckFailure(f"{_name(cls)} to leave {name} unchanged", f"{name} modified in place",
                               "return new tensors: no clamp_, no x[mask] = 0, no -=, += or *= on inputs.")
    if g_before is not None:
        g = seen["out_g"]
        if not isinstance(g, torch.Tensor) or not identical(g, g_before):
            raise CheckFailure(f"{_name(cls)}.bwd to leave out.g unchanged",
                               "out.g modified in place", "compute inp.g as a new tensor (out.g * mask), not "
                               "out.g[mask] = 0 or out.g *= ... : out.g belongs to the layer after this one.")


def check_activation_untouched(obj: Any) -> Q:
    """Relu and Sigmoid leave inp and out.g unchanged (in-place changes corrupt other layers' gradients)."""
    for cls in (yield from _classes(obj, ["Relu", "Sigmoid"])):
        yield from _untouched(cls, {"inp": rand(4, 5, seed=40, scale=2)}, rand(4, 5, seed=41))


def activation_checks() -> list[Check]:
    """Relu and Sigmoid: 3 points."""
    return [Check("activation_bwd.by_hand", "gradients by hand (no autograd, not the reference)", 0,
                  check_activation_by_hand, gate=True),
            Check("activation_bwd.forward", "forward equals torch.relu / torch.sigmoid", 0.5, check_activation_forward,
                  explain=explain_activation),
            Check("activation_bwd.relu_grad", "Relu: inp.g equals autograd's", 1, check_relu_grad,
                  explain=explain_activation),
            Check("activation_bwd.sigmoid_grad", "Sigmoid: inp.g equals autograd's", 1, check_sigmoid_grad,
                  explain=explain_activation),
            Check("activation_bwd.untouched", "inp and out.g left unchanged (no in-place edits)", 0.5,
                  check_activation_untouched, explain=explain_activation)]


# ---- Lin ------------------------------------------------------------------------------------------

def lin_params(batch: int, n_in: int, n_out: int, seed: int) -> tuple[torch.Tensor, ...]:
    """inp (batch, in), w (in, out), b (out,) with a non-zero bias, and out.g (batch, out)."""
    return (rand(batch, n_in, seed=seed), rand(n_in, n_out, seed=seed + 1, scale=n_in ** -0.5),
            rand(n_out, seed=seed + 2), rand(batch, n_out, seed=seed + 3))


def _lin(inp: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The layer the checks compare with: inp @ w + b (w shaped (in, out))."""
    return inp @ w + b


def _run_lin(cls: Handle, shape: tuple[int, int, int], seed: int,
             earlier: torch.Tensor | None = None, need: Sequence[int] = (0, 1, 2)) -> Q:
    """(student's grads [inp.g, w.g, b.g], autograd's, inputs [inp, w, b, out_g]) for one shape.

    With `earlier` (an out.g), the layer first runs one backward pass on another input, as a training loop does.
    Only the grads in `need` must be there (a missing w.g costs the checks of w.g, not those of inp.g).
    """
    inp, w, b, out_g = lin_params(*shape, seed=seed)
    first = None if earlier is None else ([rand(*inp.shape, seed=seed + 7)], earlier.clone())
    seen = yield from bwd_pass(cls, [w.clone(), b.clone()], [inp.clone()], out_g.clone(), first)
    hint = "in bwd set inp.g, self.w.g and self.b.g"
    where = [("inputs", 0, "inp.g"), ("params", 0, "w.g"), ("params", 1, "b.g")]
    got = [_seen_g(seen, kind, i, name, LIN_NO_INP_G + "." if name == "inp.g" else hint) if k in need else None
           for k, (kind, i, name) in enumerate(where)]
    return got, autograd_vjp(_lin, [inp, w, b], out_g), [inp, w, b, out_g]


LIN_NO_INP_G = ("your bwd does not set inp.g: the layer before this one reads it as its own out.g, so every model "
                "with more than one layer stops there; in bwd set inp.g (out.g times w, transposed so the shapes fit), as well as self.w.g and "
                "self.b.g")


def _lin_grad(cls: Any, which: int) -> Q:
    """Compare one of inp.g, w.g, b.g with autograd's over LIN_SHAPES."""
    cls, = yield from _classes(cls, ["Lin"])
    for k, shape in enumerate(LIN_SHAPES):
        got, want, (inp, w, b, g) = yield from _run_lin(cls, shape, seed=50 + 10 * k, need=(which,))
        ones = torch.ones_like(g)
        name, hint, mistakes = [
            ("inp.g", "inp.g is out.g times the transpose of w, shaped (batch, in) like inp.",
             [(NO_OUT_G, lambda: ones @ w.T)]),
            ("w.g", "inp.T @ out.g (shape (in, out), like w), or einops.einsum(inp, out.g, 'batch i, batch o -> i o').",
             [(NO_OUT_G, lambda: inp.T @ ones),
              ("the gradient divided by the batch size (a mean, not a sum)", lambda: inp.T @ g / len(inp)),
              ("out.g.T @ inp, the transpose of w.g, shaped (out, in): w.g has w's shape", lambda: (inp.T @ g).T)]),
            ("b.g", "sum out.g over the batch: einops.reduce(out.g, 'batch out -> out', 'sum') or out.g.sum(0).",
             [("the mean over the batch instead of the sum", lambda: g.mean(0)), (NO_OUT_G, lambda: ones.sum(0)),
              ("the first row of out.g, not the sum over the batch", lambda: g[0]),
              ("out.g summed over dim 1 (the outputs), not over dim 0 (the batch)", lambda: g.sum(1)),
              ("out.g itself, shaped (batch, out), not summed over the batch", lambda: g),
              ("out.g.sum(0, keepdim=True), shaped (1, out): b.g has b's shape (out,)",
               lambda: g.sum(0, keepdim=True))]),
        ][which]
        expect_grad(name, got[which], want[which], hint, mistakes,
                    where=f" (batch {shape[0]}, in {shape[1]}, out {shape[2]})")
    if which:
        yield from _lin_second_call(cls, which)


def _lin_second_call(cls: Handle, which: int) -> Q:
    """w.g or b.g after a second backward pass of one layer is that pass's own gradient, not a running sum."""
    shape, seed = LIN_SHAPES[2], 90
    earlier_g = rand(shape[0], shape[2], seed=seed + 8)
    got, want, (inp, w, b, _) = yield from _run_lin(cls, shape, seed=seed, earlier=earlier_g, need=(which,))
    before = autograd_vjp(_lin, [rand(*inp.shape, seed=seed + 7), w, b], earlier_g)
    param = "w" if which == 1 else "b"
    accumulated = (f"the sum of this pass's and the previous pass's gradients: on a second backward pass your bwd "
                   f"adds to {param}.g (+=, accumulation) instead of storing a new tensor, so training would step "
                   "with the sum of every earlier step's gradients")
    expect_grad(f"{param}.g", got[which], want[which],
                f"store a new tensor on every call, self.{param}.g = ..., never self.{param}.g += ... "
                "(.g is not PyTorch's .grad, which accumulates until zero_grad()).",
                [(accumulated, lambda: want[which] + before[which])],
                where=f" after a second backward pass of the same layer (batch {shape[0]}, in {shape[1]}, "
                      f"out {shape[2]})")


LIN_DIMS = {"batch": 8, "in": 784, "out": 50}    # LIN_SHAPES[0]: the sizes in an error message name themselves
# every (batch, in, out) the checks use with three different sizes, so the sizes name the dimensions there too
LIN_ALL_DIMS = [LIN_DIMS, {"batch": 3, "in": 4, "out": 2}, {"batch": 4, "in": 5, "out": 3}]
TRANSPOSE_W = ("the shapes say you need the transpose: multiply out.g by w transposed, "
               "(batch, out) @ (out, in) = (batch, in)")
TRANSPOSE_INP = "the shapes say you need the transpose: self.w.g = inp.T @ out.g, (in, batch) @ (batch, out) = (in, out)"
LIN_PRODUCTS = {   # (mat1, mat2) of a failed matrix product -> the sentence naming the missing or extra transpose
    (("batch", "out"), ("in", "out")): TRANSPOSE_W,
    (("in", "out"), ("batch", "out")): TRANSPOSE_W,
    (("batch", "in"), ("batch", "out")): TRANSPOSE_INP,
    (("batch", "out"), ("batch", "in")): TRANSPOSE_INP,
    (("batch", "in"), ("out", "in")): "w is stored (in, out), so forward needs no transpose: inp @ self.w + self.b",
}


def explain_lin(exc: BaseException, cls: Any) -> str | None:
    """Name the transpose that a failed matrix product in Lin calls for, from the shapes in the error (or a .g +=)."""
    if explain_plus_equals(exc):
        return explain_plus_equals(exc)
    found = re.search(r"\((\d+)x(\d+) and (\d+)x(\d+)\)", str(exc))
    if not found:
        return None
    for dims in LIN_ALL_DIMS:
        names = {size: name for name, size in dims.items()}
        a, b, c, d = (names.get(int(n)) for n in found.groups())
        hint = LIN_PRODUCTS.get(((a, b), (c, d)))
        if hint:
            return f"({a}, {b}) @ ({c}, {d}) cannot be multiplied: {hint}."
    return None


def check_lin_by_hand(cls: Any) -> Q:
    """Gate: Lin.bwd computes .g by hand (no autograd)."""
    cls, = yield from _classes(cls, ["Lin"])
    inp, w, b, g = lin_params(*LIN_SHAPES[1], seed=1)
    yield from _by_hand([cls], [([w, b], [inp], g)])


def check_lin_forward(cls: Any) -> Q:
    """Lin(w, b).forward(inp) equals inp @ w + b, with w shaped (in, out)."""
    cls, = yield from _classes(cls, ["Lin"])
    for k, shape in enumerate(LIN_SHAPES):
        inp, w, b, _ = lin_params(*shape, seed=60 + k)
        got = yield ask("forward", cls, [w.clone(), b.clone()], [inp.clone()])
        want = _lin(inp, w, b)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape) or not close(got, want, **TOL):
            raise CheckFailure(f"forward = inp @ w + b shaped {tuple(want.shape)} (w is (in, out) = {tuple(w.shape)})",
                               f"{tuple(got.shape) if isinstance(got, torch.Tensor) else _type_name(got)}",
                               f"{FORWARD_NO_RETURN} inp @ self.w + self.b." if got is None else
                               "w is stored (in, out) as in fast.ai's course: inp @ self.w + self.b, no transpose.")


def check_lin_input_grad(cls: Any) -> Q:
    """inp.g equals autograd's: out.g @ w.T."""
    yield from _lin_grad(cls, 0)


def check_lin_weight_grad(cls: Any) -> Q:
    """w.g equals autograd's: inp.T @ out.g, shaped like w."""
    yield from _lin_grad(cls, 1)


def check_lin_bias_grad(cls: Any) -> Q:
    """b.g equals autograd's: out.g summed over the batch, shaped like b."""
    yield from _lin_grad(cls, 2)


def check_lin_finite_difference(cls: Any) -> Q:
    """w.g and b.g agree with central differences of sum(out * out.g) (as minitorch's grad check)."""
    cls, = yield from _classes(cls, ["Lin"])
    inp, w, b, g = lin_params(3, 4, 2, seed=70)
    got, _, _ = yield from _run_lin(cls, (3, 4, 2), seed=70, need=(1, 2))
    eps = 1e-6
    for name, param, grad, idx in (("w", w, got[1], (2, 1)), ("w", w, got[1], (0, 0)), ("b", b, got[2], (1,))):
        if tuple(grad.shape) != tuple(param.shape):
            raise CheckFailure(f"{name}.g shaped {tuple(param.shape)}", f"{tuple(grad.shape)}",
                               "a parameter's gradient has the parameter's shape.")
        plus, minus = param.clone(), param.clone()
        plus[idx] += eps
        minus[idx] -= eps
        args = (plus, b) if name == "w" else (w, plus)
        args_m = (minus, b) if name == "w" else (w, minus)
        numeric = float(((_lin(inp, *args) - _lin(inp, *args_m)) * g).sum() / (2 * eps))
        received = float(grad[idx])
        if abs(received - numeric) > 1e-5 * max(1.0, abs(numeric)):
            raise CheckFailure(f"derivative {numeric:.6g} for {name}{list(idx)} from central difference "
                               f"(eps {eps:g})", f"{received:.6g} in {name}.g",
                               "w.g = inp.T @ out.g and b.g = out.g summed over the batch.")


def check_lin_untouched(cls: Any) -> Q:
    """forward and bwd leave inp, w, b and out.g unchanged."""
    cls, = yield from _classes(cls, ["Lin"])
    inp, w, b, g = lin_params(4, 5, 3, seed=80)
    yield from _untouched(cls, {"inp": inp}, g, {"w": w, "b": b})


def lin_checks() -> list[Check]:
    """Lin: 5 points."""
    check = checks_of("lin_bwd", explain_lin)
    return [Check("lin_bwd.by_hand", "gradients by hand (no autograd, not the reference)", 0, check_lin_by_hand,
                  gate=True),
            check("forward", "forward = inp @ w + b (w shaped (in, out))", 0.5, check_lin_forward),
            # inp.g weighs most: without it (or with a wrong one) every layer before this one breaks, in any
            # model deeper than one layer; a wrong w.g or b.g spoils the training of this layer's parameters only
            check("input_grad", "inp.g equals autograd's (batch 8, 1 and 4)", 2, check_lin_input_grad),
            check("weight_grad", "w.g equals autograd's, shaped like w", 1, check_lin_weight_grad),
            check("bias_grad", "b.g equals autograd's (summed over the batch)", 0.5, check_lin_bias_grad),
            check("finite_difference", "w.g and b.g agree with central differences", 0.5, check_lin_finite_difference),
            check("untouched", "inp, w, b and out.g left unchanged", 0.5, check_lin_untouched)]


# ---- Mse ------------------------------------------------------------------------------------------

MSE_CASES = [((1, 1), (1,)), ((6, 1), (6,)), ((5, 10), (5, 10))]  # (inp shape, targ shape)


def _mse(inp: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
    """The loss the checks compare with: F.mse_loss after giving targ inp's shape."""
    return _mse_loss(inp, targ.reshape(inp.shape), 1)  # 1: reduction "mean"


def check_mse_by_hand(cls: Any) -> Q:
    """Gate: Mse.bwd computes .g by hand (no autograd)."""
    cls, = yield from _classes(cls, ["Mse"])
    yield from _by_hand([cls], [([], [rand(4, 1, seed=1), rand(4, seed=2)], None)])


MSE_NO_OUT_G = ("the loss is the last layer: nothing sets out.g for it, and its gradient starts the chain: "
                "inp.g = 2 * (inp - targ) / n (d loss / d inp, with targ given inp's shape first), without out.g")
MSE_BROADCAST = ("inp (n, 1) minus targ (n,) broadcasts to an (n, n) matrix of every difference: give targ inp's "
                 "shape first, e.g. targ.view_as(inp), then .pow(2).mean()")


def explain_mse(exc: BaseException, cls: Any) -> str | None:
    """Name the mistake of a bwd that reads out.g, which nothing sets for the loss."""
    if explain_plus_equals(exc):
        return explain_plus_equals(exc)
    if isinstance(exc, AttributeError) and "'g'" in str(exc):
        return MSE_NO_OUT_G + "."
    return None


FORWARD_NO_RETURN = "your forward returns None: end it with return"


def _mse_forward_hint(got: Any, inp: torch.Tensor, targ: torch.Tensor) -> str:
    """The hint for a wrong loss: name the (n, 1) - (n,) broadcast or the missing mean when the value shows it."""
    if got is None:
        return f"{FORWARD_NO_RETURN} (inp - targ.view_as(inp)).pow(2).mean()."
    if isinstance(got, torch.Tensor) and got.numel() == 1 and inp.shape != targ.shape:
        if close(got.reshape(()), (inp - targ).pow(2).mean(), **TOL):
            return MSE_BROADCAST + "."
    if isinstance(got, torch.Tensor) and got.numel() == 1 and close(got.reshape(()), _mse(inp, targ) * inp.numel(),
                                                                    **TOL):
        return "you summed the squares: the mean divides by n = inp.numel(), e.g. .pow(2).mean()."
    return "the mean of (inp - targ.view_as(inp)).pow(2): give targ inp's shape before subtracting."


def check_mse_forward(cls: Any) -> Q:
    """Mse.forward(inp, targ) equals F.mse_loss, for inp (n, 1) with targ (n,) and for equal shapes."""
    cls, = yield from _classes(cls, ["Mse"])
    for k, (si, st) in enumerate(MSE_CASES):
        inp, targ = rand(*si, seed=90 + k), rand(*st, seed=95 + k)
        got = yield ask("forward", cls, [], [inp.clone(), targ.clone()])
        want = _mse(inp, targ)
        if not isinstance(got, torch.Tensor) or got.numel() != 1 or not close(got.reshape(()), want, **TOL):
            hint = _mse_forward_hint(got, inp, targ)
            if hint == MSE_BROADCAST + ".":  # targ reshaped, to another shape than inp's? say what it became
                made = yield ask("targ_shapes", cls, [], [inp.clone(), targ.clone()])
                hint = _mse_reshaped(made, inp, targ) or hint
            raise CheckFailure(f"the mean squared error {float(want):.6g} for inp {si} and targ {st}",
                               f"{float(got.reshape(-1)[0]) if isinstance(got, torch.Tensor) and got.numel() else got!r}"
                               + (f" (shape {tuple(got.shape)})" if isinstance(got, torch.Tensor) else ""), hint)


def _mse_reshaped(made: list, inp: torch.Tensor, targ: torch.Tensor) -> str | None:
    """Name a targ reshaped to a shape that still broadcasts against inp (targ.reshape(1, -1) for inp (n, 1))."""
    words = {len(inp): "n"}

    def broadcast(s: tuple) -> tuple | None:
        try:
            return tuple(torch.broadcast_shapes(s, tuple(inp.shape)))
        except RuntimeError:
            return None

    def shape(s: tuple) -> str:
        return "(" + ", ".join(words.get(d, str(d)) for d in s) + ("," if len(s) == 1 else "") + ")"
    wrong = [tuple(s) for s in made if broadcast(tuple(s)) not in (None, tuple(inp.shape))]
    if not wrong:
        return None
    got, want, full = shape(wrong[-1]), shape(tuple(inp.shape)), shape(broadcast(wrong[-1]))
    return (f"you reshaped targ to {got}, but inp is {want}: inp {want} minus targ {got} still broadcasts, to an "
            f"{full} matrix of every difference: give targ inp's own shape, targ.view_as(inp), then .pow(2).mean().")


def check_mse_grad(cls: Any) -> Q:
    """inp.g equals autograd's: 2 (inp - targ) / n, shaped like inp."""
    cls, = yield from _classes(cls, ["Mse"])
    for k, (si, st) in enumerate(MSE_CASES):
        inp, targ = rand(*si, seed=100 + k), rand(*st, seed=105 + k)
        seen = yield from bwd_pass(cls, [], [inp.clone(), targ.clone()], None)
        want, _ = autograd_vjp(_mse, [inp, targ], None)
        diff = inp - targ.reshape(inp.shape)
        hint = ("inp.g = 2 * (inp - targ) / n, n = inp.numel() (the number of terms in the mean), shaped like inp: "
                "give targ inp's shape first (targ.view_as(inp)), or (n, 1) - (n,) broadcasts to (n, n).")
        expect_grad(f"Mse inp.g for inp {si}, targ {st}", _seen_g(seen, "inputs", 0, "inp.g", hint), want, hint, [
            ("(inp - targ) / n: the factor 2 of the square's derivative is missing", lambda: diff / inp.numel()),
            ("2 * (inp - targ): the division by n of the mean is missing", lambda: 2 * diff),
            ("2 * (inp - targ) / batch size: the mean is over all inp.numel() terms", lambda: 2 * diff / len(inp)),
            ("2 * (targ - inp) / n: the sign is flipped", lambda: -2 * diff / inp.numel())])


def check_mse_untouched(cls: Any) -> Q:
    """forward and bwd leave inp and targ unchanged."""
    cls, = yield from _classes(cls, ["Mse"])
    yield from _untouched(cls, {"inp": rand(6, 1, seed=110), "targ": rand(6, seed=111)}, None)


def mse_checks() -> list[Check]:
    """Mse: 2 points."""
    return [Check("mse_bwd.by_hand", "gradients by hand (no autograd, not the reference)", 0, check_mse_by_hand,
                  gate=True),
            Check("mse_bwd.forward", "forward equals F.mse_loss ((n, 1) vs (n,), and equal shapes)", 0.5,
                  check_mse_forward),
            Check("mse_bwd.grad", "inp.g equals autograd's (2/n, shaped like inp)", 1, check_mse_grad,
                  explain=explain_mse),
            Check("mse_bwd.untouched", "inp and targ left unchanged", 0.5, check_mse_untouched,
                  explain=explain_mse)]


# ---- Model ----------------------------------------------------------------------------------------
# The student's Model runs over the checks' own layers (probes_backprop.AutogradLayer: the course's protocol,
# gradients through autograd), so its grade does not depend on the student's layers. When those layers stop
# the model (a loss fed the wrong tensor, a backward() before its out.g exists), the probe says what they saw.

def _model_case(cls: Handle, sizes: Sequence[int], acts: Sequence[str], targ_shape: str, seed: int) -> Q:
    """(the student's Model over the checks' layers (a handle for the probes), torch's nn.Sequential with the same
    weights, x, targ, [(name, torch grad getter)] per parameter)."""
    torch_layers, tensors, params = [], [], []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        w, b = rand(n_in, n_out, seed=seed + 2 * i, scale=n_in ** -0.5), rand(n_out, seed=seed + 2 * i + 1)
        tensors += [w, b]
        lin = nn.Linear(n_in, n_out).double()
        with torch.no_grad():
            lin.weight.copy_(w.T)
            lin.bias.copy_(b)
        torch_layers.append(lin)
        params += [(f"layers[{2 * i}].w.g", lambda lin=lin: lin.weight.grad.T),
                   (f"layers[{2 * i}].b.g", lambda lin=lin: lin.bias.grad)]
        if i < len(acts):
            torch_layers.append(nn.ReLU() if acts[i] == "relu" else nn.Sigmoid())
    x = rand(7, sizes[0], seed=seed + 50)
    targ = rand(7, seed=seed + 51) if targ_shape == "(n,)" else rand(7, sizes[-1], seed=seed + 51)
    case = yield ask("model_case", cls, list(acts), x, targ, *tensors)
    return case, nn.Sequential(*torch_layers), x, targ, params


MODEL_NO_RETURN = "your __call__ returns None: return the loss, self.loss applied to the last layer's output and targ"
MODEL_REVERSED = ("your __call__ runs the layers in another order: run self.layers first to last, "
                  "each one's output the next one's x (only backward() goes in reverse)")
MODEL_NO_ASSIGN = ("your __call__ throws each layer's output away: a bare layer(x) leaves x unchanged, so every layer "
                   "gets the model's input; pass the output on, x = layer(x)")
MODEL_COPY = ("a layer received a copy of the output before it (x.clone(), x.detach(), x + 0...): its bwd sets .g on "
              "the copy, so the layer that made x never gets its out.g; pass each output on as it is")
MODEL_SET_OUT_G = ("you set a layer's out.g yourself, to a gradient of another shape: the next layer's bwd already "
                   "stores it (as the inp.g of its own input), so backward() is only self.loss.backward(), then "
                   "layer.backward() for each layer in reversed order")


MODEL_FORWARD = ("your __call__ calls layer.forward(x), which skips Module.__call__: nothing stores the layer's "
                 "input and output for backward(); call the layer itself, x = layer(x)")
MODEL_BWD = ("your backward() calls layer.bwd() without its arguments: call layer.backward(), which passes bwd the "
             "output and inputs that __call__ stored")


def _layer_word(name: str) -> str:
    """A layer of the checks' models as the student's code names it: 'self.layers[2] (a Lin)', 'self.loss'."""
    if name == "loss":
        return "self.loss"
    kind, i = name.rstrip("0123456789"), int(name[len(name.rstrip("0123456789")):])
    return f"self.layers[{2 * i + (kind != 'Lin')}] (a {kind})"


def _layer_words(names: Sequence[str]) -> str:
    """A list of the checks' layers as the student's code names them: 'self.loss, self.layers[4], ...'."""
    return "[" + ", ".join(_layer_word(n).split(" (")[0] for n in names) + "]"


def _stopped(seen: list | None) -> None:
    """Fail with what stopped the checks' own layers inside the student's Model (nothing when nothing did)."""
    if not seen:
        return
    kind = seen[0]
    if kind == "called_forward":
        raise CheckFailure(f"{_layer_word(seen[1])} run as layer(x) (Module.__call__)", "layer.forward(x)",
                           MODEL_FORWARD + ".")
    if kind == "bwd_without_out":
        raise CheckFailure(f"the backward() of {_layer_word(seen[1])}", "layer.bwd() with no arguments",
                           MODEL_BWD + ".")
    if kind == "lin_input":
        name, shape, n_in, source, before = seen[1:]
        layer = _layer_word(name)
        if not before and name != "Lin0":
            raise CheckFailure("the layers to run first to last, self.layers[0] first", f"{layer} first",
                               MODEL_REVERSED + ".")
        if source == "x":
            raise CheckFailure(f"{layer} to receive the output of the layer before it ({n_in} features)",
                               f"the model's input x itself, shaped {tuple(shape)}", MODEL_NO_ASSIGN + ".")
        raise CheckFailure(f"{layer} to receive an input with {n_in} features, the output of the layer before it",
                           f"an input shaped {tuple(shape)}" + (f" (the output of {_layer_word(source)})"
                                                                if source[:1].isupper() else ""),
                           "pass x through every layer of self.layers, in order, keeping each output: x = layer(x).")
    if kind == "out_g_shape":
        name, got, want, by = seen[1:]
        raise CheckFailure(f"the out.g of {_layer_word(name)} shaped {tuple(want)}, like its output",
                           f"{tuple(got)}" + (f", the .g that the bwd of {_layer_word(by)} stored on its own input"
                                              if by else ""), MODEL_SET_OUT_G + ".")
    if kind == "no_out_g" and seen[3]:
        raise CheckFailure(f"the output of {_layer_word(seen[1])} to have its .g when its backward() runs",
                           f"no .g: {_layer_word(seen[3])} received a copy of it", MODEL_COPY + ".")
    if kind == "no_out_g" and seen[2] and "loss" in seen[4] and seen[2] not in seen[4]:
        first, then = _layer_word(seen[1]), _layer_word(seen[2])
        raise CheckFailure(f"the output of {first} to have its .g when its backward() runs",
                           "no .g yet (backward called too early)",
                           f"the backward() of {first} ran before that of {then}, which sets its out.g: call "
                           "self.loss.backward() first, then for layer in reversed(self.layers): layer.backward().")
    if kind == "loss_input":
        raise CheckFailure(f"the loss called with the last layer's output ({seen[1]} values, like the target)",
                           f"an input shaped {tuple(seen[2])}",
                           "pass x through every layer of self.layers, in order, then call self.loss(x, targ).")
    if kind == "no_forward":
        raise CheckFailure(f"{_layer_word(seen[1])} called forward before backward", "backward without a forward",
                           "Model.__call__ runs every layer, then the loss.")
    if kind == "no_out_g":
        raise CheckFailure(f"the output of {_layer_word(seen[1])} to have its .g when its backward() runs",
                           "no .g yet (backward called too early)",
                           "call self.loss.backward() first, then the layers in reverse order.")
    raise CheckFailure("the genuine torch.autograd.grad", "a replaced function",
                       "do not reassign torch.autograd.grad in the notebook; restart the kernel.")


def _model_run(case: Handle, backward: bool = True) -> Q:
    """model(x, targ), then (with backward) model.backward(): the probe's answers, failing where the layers stopped."""
    called = yield ask("model_call", case)
    _stopped(called["stop"])
    if not backward:
        return called, None
    back = yield ask("model_backward", case)
    _stopped(back["stop"])
    return called, back


MODEL_CASES = [((4, 6, 1), ("relu",), "(n,)"), ((5, 8, 3), ("sigmoid",), "(n, out)"),
               ((3, 5, 4, 1), ("relu", "sigmoid"), "(n,)")]


def _torch_loss(seq: nn.Module, x: torch.Tensor, targ: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """nn.Sequential's loss and the input with its .grad after backward()."""
    xl = x.clone().requires_grad_()
    out = seq(xl)
    loss = _mse(out, targ)
    loss.backward()
    return loss, xl


def check_model_forward(cls: Any) -> Q:
    """Model(layers, loss)(x, targ) returns nn.Sequential's loss with the same weights."""
    cls, = yield from _classes(cls, ["Model"])
    for k, (sizes, acts, targ_shape) in enumerate(MODEL_CASES):
        case, seq, x, targ, _ = yield from _model_case(cls, sizes, acts, targ_shape, seed=120 + 10 * k)
        stored = yield ask("model_layers", case)
        if not isinstance(stored, (list, tuple)) or len(stored) != len(model_layers(sizes, acts)):
            raise CheckFailure("Model(layers, loss) to keep the layers in self.layers (a list)",
                               f"self.layers = {value_summary(stored)}", "self.layers = list(layers); self.loss = loss.")
        got = (yield from _model_run(case, backward=False))[0]["out"]
        want, _ = _torch_loss(seq, x, targ)
        if not isinstance(got, torch.Tensor) or got.numel() != 1 or not close(got.reshape(()), want, **TOL):
            raise CheckFailure(f"the loss {float(want):.6g} of nn.Sequential with the same weights "
                               f"({len(model_layers(sizes, acts))} layers {model_layers(sizes, acts)})",
                               value_summary(got), MODEL_NO_RETURN + "." if got is None else
                               "run every layer in order on x, then return the loss of the last output and targ.")


def model_layers(sizes: Sequence[int], acts: Sequence[str]) -> list[str]:
    """The layer names of a case, for messages."""
    names = []
    for i in range(len(sizes) - 1):
        names.append("Lin")
        if i < len(acts):
            names.append(acts[i].capitalize())
    return names


def check_model_grads(cls: Any) -> Q:
    """After backward(), x.g and every w.g and b.g equal nn.Sequential's gradients (copied weights)."""
    cls, = yield from _classes(cls, ["Model"])
    for k, (sizes, acts, targ_shape) in enumerate(MODEL_CASES):
        case, seq, x, targ, params = yield from _model_case(cls, sizes, acts, targ_shape, seed=150 + 10 * k)
        _, back = yield from _model_run(case)
        _, xl = _torch_loss(seq, x, targ)
        for name, g, want in [("x.g", back["x_g"], lambda: xl.grad)] + [
                (name, g, want) for (name, want), g in zip(params, back["params_g"])]:
            hint = "backward(): self.loss.backward(), then layer.backward() for each layer in reversed order."
            expect_grad(f"{name} of {model_layers(sizes, acts)}", _g_of(g, name, hint), want(), hint)


def check_model_order(cls: Any) -> Q:
    """backward() calls the loss's backward, then every layer's once, in reverse order."""
    cls, = yield from _classes(cls, ["Model"])
    case, _, _, _, _ = yield from _model_case(cls, (3, 5, 4, 1), ("relu", "sigmoid"), "(n,)", seed=180)
    log = (yield from _model_run(case))[1]["log"]
    want = ["loss", "Lin2", "Sigmoid1", "Lin1", "Relu0", "Lin0"]
    if log != want:  # named as the student's code names them (the probe's layers carry the checks' own labels)
        raise CheckFailure(f"backward() calls in the order {_layer_words(want)}", _layer_words(log),
                           "self.loss.backward(), then for layer in reversed(self.layers): layer.backward().")


def model_checks() -> list[Check]:
    """Model: 3 points."""
    return [Check("model_backward.forward", "loss equals nn.Sequential's (copied weights)", 1, check_model_forward),
            Check("model_backward.grads", "every gradient equals nn.Sequential's after backward()", 1.5,
                  check_model_grads),
            Check("model_backward.order", "loss first, then the layers in reverse, once each", 0.5,
                  check_model_order)]

