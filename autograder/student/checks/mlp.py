"""Checks for stage 3: ReLU and Flatten against torch over many shapes, and SimpleMLP against the reference."""
from __future__ import annotations

import math
import re
from typing import Any, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from . import adapters, asks
from .asks import Q
from .compare import close, expect_close, identical, max_diff, tol_for
from .core import Check, CheckFailure, checks_of
from .tape import LINEAR, Handle, ask

SWEEP = 40  # random shapes per sweep; tests/test_checks_mlp.py adds hypothesis-generated ones


def random_shapes(seed: int, min_dims: int, max_dims: int, n: int = SWEEP) -> Iterator[tuple[int, ...]]:
    """A seeded sweep of small shapes (sizes 1..5), so the same student gets the same verdict."""
    g = torch.Generator().manual_seed(seed)
    for _ in range(n):
        ndim = int(torch.randint(min_dims, max_dims + 1, (1,), generator=g))
        yield tuple(int(s) for s in torch.randint(1, 6, (ndim,), generator=g))


def relu_input(shape: tuple[int, ...], dtype: torch.dtype, seed: int) -> torch.Tensor:
    """Values of both signs, with exact zeros, negative zeros and tiny values mixed in (no inf: x * (x > 0) is fine)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 3
    specials = torch.tensor([0.0, -0.0, 1e-30, -1e-30], dtype=torch.float64)
    mask = torch.rand(shape, generator=g) < 0.2
    idx = torch.randint(0, len(specials), shape, generator=g)
    return torch.where(mask, specials[idx], x).to(dtype)


RELU = "torch.nn.modules.activation.ReLU"
FLATTEN = "torch.nn.modules.flatten.Flatten"


def _type_name(value: Any) -> str:
    """The type name of an answer: the student's class name for a handle."""
    return value.name.rsplit(".", 1)[-1] if isinstance(value, Handle) else type(value).__name__


def _not_borrowed(cls: Any, torch_cls: str, what: str) -> None:
    """Fail for the reference itself, a torch module subclass, or a torch module inside."""
    origin = asks.reference_origin(cls)
    if origin:
        raise CheckFailure(f"your own {what}", f"the course's reference {origin}",
                           "write the module yourself instead of importing the solution.")
    if isinstance(cls, Handle) and cls.kind == "class" and cls.derives(torch_cls):
        raise CheckFailure("a class built on nn.Module", f"a subclass of nn.{torch_cls.rsplit('.', 1)[-1]}",
                           "subclass nn.Module and write forward yourself.")


def _banned_call(names: list, banned: dict[str, str]) -> str | None:
    """The label of the first banned torch function among the names called, or None."""
    return next((banned[n] for n in names if n in banned), None)


def check_relu_not_borrowed(cls: Any) -> Q:
    """Your own ReLU: not nn.ReLU, torch.relu or F.relu (observed while it runs; its own errors are no evidence)."""
    _not_borrowed(cls, RELU, "ReLU")
    module = yield from asks.try_build(cls)
    if module is None:
        return
    inner = [n for n, m in (yield ask("named_modules", module)) if n and isinstance(m, Handle) and m.derives(RELU)]
    if inner:
        raise CheckFailure("no nn.ReLU inside your ReLU", f"submodule {inner[0]!r}", "write max(0, x) yourself.")
    used = _banned_call((yield ask("torch_calls", module, torch.randn(3, 4))), adapters.RELU_BANNED)
    if used:
        raise CheckFailure("max(0, x) written with tensor operations (clamp, maximum, where, ...)",
                           f"a call to {used}", "ReLU is what you are building: do not call torch's relu.")


RELU_FORMS = "use torch.maximum(x, torch.zeros_like(x)) or x.clamp(min=0)"


def explain_relu(exc: BaseException, cls: Any) -> str | None:
    """Name the mistake behind an error raised by the student's ReLU."""
    text = str(exc)
    if "ambiguous" in text:
        return f"Python's max(0, x) compares a whole tensor with 0 and cannot decide: {RELU_FORMS}"
    if "same device" in text or re.search(r"\bmeta\b", text):
        return "create new tensors with torch.zeros_like(x) (or device=x.device), not torch.zeros(x.shape)"
    if "leaf Variable" in text or "in-place" in text:
        return "you changed the input in place: return a new tensor (x.clamp(min=0)), no x[x < 0] = 0"
    return None


NOT_A_TENSOR = "return one tensor shaped like x (torch.max(x, 0) returns (values, indices)): x.clamp(min=0)"
def _is_tuple(value: Any) -> bool:
    """A tuple, or a handle for one that stays with the student (torch.max(x, 0)'s (values, indices))."""
    return isinstance(value, tuple) or isinstance(value, Handle) and value.derives("builtins.tuple")


def _kind_of(value: Any) -> str:
    """'a (values, indices) pair' for what torch.max(x, 0) returns, else 'a <type>'."""
    return "a (values, indices) pair" if _is_tuple(value) else f"a {_type_name(value)}"


KEPT_NEGATIVES = ("you kept the negatives and zeroed the positives, min(x, 0) (clamp(max=0)): ReLU is max(x, 0), "
                  "x.clamp(min=0)")


def check_relu_values(cls: Any) -> Q:
    """ReLU equals torch.relu exactly over a sweep of shapes (0-D to 4-D) and float dtypes."""
    module = yield from asks.build(cls)
    for k, shape in enumerate(random_shapes(11, 0, 4)):
        for dtype in (torch.float32, torch.float64):
            x = relu_input(shape, dtype, k)
            got = yield ask("call", module, x.clone())
            want = torch.relu(x)
            if _is_tuple(got):
                raise CheckFailure(f"a tensor shaped {tuple(want.shape)}", _kind_of(got),
                                   f"torch.max(x, 0) reduces over dimension 0 and returns (values, indices): "
                                   f"{RELU_FORMS}.")
            if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
                raise CheckFailure(f"an output shaped {tuple(want.shape)}",
                                   f"{tuple(got.shape) if isinstance(got, torch.Tensor) else _type_name(got)}",
                                   "return max(0, x) elementwise, the same shape as x.")
            if not close(got, want, rtol=0, atol=0):
                leaky = bool((got[x < 0] != 0).any()) and close(got[x > 0], x[x > 0], rtol=0, atol=0)
                raise CheckFailure(f"relu(x) for x shaped {shape} ({dtype})",
                                   f"max difference {max_diff(got, want):.3g}",
                                   "your negatives are not 0 (a leaky ReLU?): replace them by 0, e.g. x.clamp(min=0)."
                                   if leaky else KEPT_NEGATIVES + "." if close(got, x.clamp(max=0), rtol=0, atol=0)
                                   else "keep positives, replace negatives by 0 (e.g. x.clamp(min=0)).")


def check_relu_safe(cls: Any) -> Q:
    """ReLU leaves its input unchanged and keeps dtype and device."""
    module = yield from asks.build(cls)
    for dtype in (torch.float32, torch.float64, torch.float16):
        x = relu_input((4, 5), dtype, 0)
        before = x.clone()
        got = yield ask("call", module, x)
        if not isinstance(got, torch.Tensor):
            raise CheckFailure(f"a {dtype} tensor shaped like x", _kind_of(got), NOT_A_TENSOR + ".")
        if not identical(x, before):
            raise CheckFailure("the input left unchanged", "the input was modified in place",
                               "return a new tensor: no x.clamp_(), x[x < 0] = 0 or x *= ... .")
        if not isinstance(got, torch.Tensor) or got.dtype != dtype:
            raise CheckFailure(f"a {dtype} output for a {dtype} input", f"{getattr(got, 'dtype', type(got))}",
                               "avoid mixing in tensors of another dtype, such as a float32 mask (x > 0).float() "
                               "or torch.tensor(0.): x * (x > 0) and x.clamp_min(0) keep x's dtype.")
    seen = yield ask("call_off_cpu", module, 3, 4)
    device = torch.device(seen["device"])
    if seen["error"] is not None:
        raise CheckFailure(f"ReLU to work on {device}", f"RuntimeError: {seen['error']}",
                           "create new tensors with torch.zeros_like(x) or device=x.device.") from None
    if seen["out_device"] is None:
        raise AttributeError(f"'{seen['out_type']}' object has no attribute 'device'")
    if torch.device(seen["out_device"]).type != device.type:
        raise CheckFailure(f"output on {device}", f"{seen['out_device']}", "do not move tensors in forward.")


def check_relu_grad(cls: Any) -> Q:
    """The gradient is 0 where x < 0 and 1 where x > 0."""
    module = yield from asks.build(cls)
    x = torch.tensor([-3.0, -0.5, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    seen = yield ask("grads", module, x, torch.ones((), dtype=torch.float64))
    out = seen["out"]
    if not isinstance(out, torch.Tensor):
        raise CheckFailure("a tensor connected to the autograd graph", _kind_of(out), NOT_A_TENSOR + ".")
    if not seen["connected"]:
        raise CheckFailure("an output connected to the autograd graph", "no grad_fn",
                           "do not use .data, .detach() or torch.no_grad() in forward.")
    want = torch.tensor([0.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    if x.grad is None or not close(x.grad, want, rtol=0, atol=0):
        reversed_ = x.grad is not None and close(x.grad, 1 - want, rtol=0, atol=0)
        raise CheckFailure(f"d relu / dx = {want.tolist()} at x = {x.detach().tolist()}",
                           f"{None if x.grad is None else x.grad.tolist()}",
                           KEPT_NEGATIVES + "." if reversed_ else
                           "use differentiable operations (x.clamp(min=0), torch.where(x > 0, x, 0), x * (x > 0)).")


def flatten_cases(seed: int) -> Iterator[tuple[tuple[int, ...], int, int]]:
    """(shape, start_dim, end_dim) with every valid dim pair, negative ones included."""
    for shape in random_shapes(seed, 1, 5, n=12):
        n = len(shape)
        for start in range(-n, n):
            for end in range(-n, n):
                if start % n <= end % n:
                    yield shape, start, end


BATCH = ("you flattened the batch dimension too: keep the dims before start_dim (dim 0, the batch, by default) "
         "and merge only x.shape[start_dim:end_dim + 1]")
HARD_784 = "you hard-coded 784: compute the merged size from x.shape (math.prod of x.shape[start:end + 1])"
IGNORES_DIMS = ("you ignored start_dim and end_dim: merge exactly the dims start_dim..end_dim of x.shape "
                "and keep the others")
IGNORES_END = "you ignored end_dim: merge only up to end_dim (inclusive) and keep the dims after it"
END_EXCLUSIVE = "end_dim is inclusive: merge x.shape[start:end + 1], not x.shape[start:end]"
RAW_NEGATIVE = ("negative dims count from the end: turn them into indices first (end = self.end_dim % x.dim()); "
                "with end_dim=-1, end + 1 is 0 and x.shape[start:0] is empty")
NOT_CONTIGUOUS = ("your Flatten uses .view, which fails on a non-contiguous input such as x.transpose(1, 2): "
                  "use .reshape, which copies only when it must")


def _wrong_shapes(shape: tuple[int, ...], start: int, end: int) -> dict[str, tuple[int, ...]]:
    """The shape each common Flatten mistake produces (or tries to reshape to) for this input and these dims."""
    n = len(shape)
    s, e = start % n, end % n
    raw_end = shape[end + 1:] if end + 1 != 0 else shape
    return {
        BATCH: (math.prod(shape),),
        HARD_784: (-1, 784),
        IGNORES_DIMS: (shape[0], math.prod(shape[1:])) if n > 1 else (),
        IGNORES_END: (*shape[:s], math.prod(shape[s:])),
        END_EXCLUSIVE: (*shape[:s], math.prod(shape[s:e]), *shape[e:]),
        RAW_NEGATIVE: (*shape[:start], math.prod(shape[start:end + 1]), *raw_end),
    }


def _name_flatten_mistake(shape: tuple[int, ...], dims: tuple[int, ...], got: tuple[int, ...]) -> str | None:
    """The mistake whose shape equals `got` (a -1 in `got` matches any size), or None."""
    start, end = dims if dims else (1, -1)
    right = tuple(torch.empty(shape).flatten(start, end).shape)
    wrongs = list(_wrong_shapes(shape, start, end).items())
    if dims:  # with explicit dims, ignoring them is likelier than flattening everything on purpose
        wrongs = wrongs[2:] + wrongs[:2]
    for hint, wrong in wrongs:
        if wrong != right and len(wrong) == len(got) and all(g in (w, -1) or w == -1 for g, w in zip(got, wrong)):
            return hint
    return None


def _attempted_shape(exc: BaseException) -> tuple[int, ...] | None:
    """The shape a failed reshape/view asked for ("shape '[2, 784]' is invalid ..."), or None."""
    match = re.search(r"shape '\[([-\d, ]*)\]' is invalid", str(exc))
    return tuple(int(v) for v in match.group(1).split(",") if v.strip()) if match else None


def explain_flatten(exc: BaseException, cls: Any) -> str | None:
    """Name the mistake behind an error raised by the student's Flatten."""
    text = str(exc)
    if "view size is not compatible" in text:
        return NOT_CONTIGUOUS
    attempted = _attempted_shape(exc)
    if attempted and 784 in attempted:
        return HARD_784
    if isinstance(exc, IndexError) or "out of range" in text:
        return RAW_NEGATIVE
    return None


def _flatten_once(cls: Any, shape: tuple[int, ...], *dims: int) -> Q:
    """Compare one Flatten configuration with torch.flatten, naming the mistake when the shape is wrong."""
    module = yield from asks.build(cls, *dims)
    x = torch.randn(shape)
    want = torch.flatten(x, *dims) if dims else torch.flatten(x, 1)
    call = f"Flatten({', '.join(map(str, dims))}) on shape {shape}"
    try:
        got = yield ask("call", module, x)
    except RuntimeError as e:
        attempted = _attempted_shape(e)
        hint = _name_flatten_mistake(shape, dims, attempted) if attempted else None
        if hint is None:
            raise
        raise CheckFailure(f"{call} -> shape {tuple(want.shape)}", f"RuntimeError: {str(e).splitlines()[0]}",
                           hint + ".") from None
    if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
        shape_got = tuple(got.shape) if isinstance(got, torch.Tensor) else None
        hint = (_name_flatten_mistake(shape, dims, shape_got) if shape_got is not None else None) or (
            "merge dims start_dim..end_dim (inclusive; negative dims count from the end) and keep the others")
        raise CheckFailure(f"{call} -> shape {tuple(want.shape)}", f"{shape_got or _type_name(got)}", hint + ".")
    expect_close(call, got, want, "keep the elements in row-major order (reshape/view).", torch.float32)


def check_flatten_default(cls: Any) -> Q:
    """Flatten() keeps the batch dimension and merges the rest, like nn.Flatten()."""
    for shape in random_shapes(21, 2, 5):
        yield from _flatten_once(cls, shape)


def check_flatten_dims(cls: Any) -> Q:
    """Flatten(start_dim, end_dim) equals torch.flatten for all dim pairs, negative ones included."""
    for shape, start, end in flatten_cases(22):
        yield from _flatten_once(cls, shape, start, end)


def check_flatten_safe(cls: Any) -> Q:
    """Flatten works on a non-contiguous input, keeps dtype, passes gradients through."""
    module = yield from asks.build(cls)
    x = torch.randn(2, 4, 3, dtype=torch.float64).transpose(1, 2)
    out = yield ask("call", module, x)
    if not isinstance(out, torch.Tensor) or out.dtype != torch.float64:
        raise CheckFailure("a float64 output for a float64 input", f"{getattr(out, 'dtype', _type_name(out))}",
                           "reshape; do not convert dtypes.")
    want = torch.flatten(x, 1)
    expect_close("Flatten() on a non-contiguous input x.transpose(1, 2)", out, want,
                 "the same shape mistake as in Flatten() above: fix that one first." if out.shape != want.shape else
                 "the elements came out in the wrong order: x.reshape(...) keeps x's logical order, also for a "
                 "non-contiguous input (do not read its storage directly).", torch.float64)
    x = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    seen = yield ask("grads", module, x, torch.ones((), dtype=torch.float64))
    if not seen["connected"]:
        raise CheckFailure("an output connected to the autograd graph", "no grad_fn",
                           "do not use .data or .detach().")
    if x.grad is None or not close(x.grad, torch.ones_like(x)):
        raise CheckFailure("gradient of ones flowing back to the input", f"{x.grad}", "use reshape.")


def check_flatten_not_borrowed(cls: Any) -> Q:
    """Your own Flatten: not nn.Flatten, torch.flatten or the reference (observed while it runs)."""
    _not_borrowed(cls, FLATTEN, "Flatten")
    modules = [m for m in ((yield from asks.try_build(cls)), (yield from asks.try_build(cls, 0, 1))) if m is not None]
    for module in modules:
        inner = [n for n, m in (yield ask("named_modules", module))
                 if n and isinstance(m, Handle) and m.derives(FLATTEN)]
        if inner:
            raise CheckFailure("no nn.Flatten inside your Flatten", f"submodule {inner[0]!r}", "write it yourself.")
    for module in modules:
        used = _banned_call((yield ask("torch_calls", module, torch.randn(2, 3, 4))), adapters.FLATTEN_BANNED)
        if used:
            raise CheckFailure("a Flatten that computes the new shape and calls reshape", f"a call to {used}",
                               "flatten is what you are building: compute the merged size from x.shape and call "
                               "x.reshape(...) yourself.")


MLP_SHAPES = [(100, 784), (100,), (10, 100), (10,)]
PARTS = ("flatten", "linear1", "relu", "linear2")  # the contract's attribute names


def check_mlp_structure(cls: Any) -> Q:
    """flatten -> linear(784, 100) -> relu -> linear(100, 10): 79,510 parameters in that order."""
    model = yield from asks.build(cls)
    shapes = [tuple(s) for s in (yield ask("canonical_shapes", model))]
    count = sum(p.numel() for _, p in (yield ask("named_parameters", model)))
    if shapes != MLP_SHAPES or count != 79_510:
        hidden = yield from _modules_in_containers(model)
        raise CheckFailure(f"parameters shaped {MLP_SHAPES} (79,510 in all)", f"{shapes} ({count:,} in all)",
                           f"you kept layers in a plain Python {hidden}, which nn.Module does not look inside, "
                           "so their parameters are not registered: assign each layer to self.flatten, "
                           "self.linear1, self.relu, self.linear2" if hidden else
                           (yield from _wrong_sizes(model)) + "one hidden layer of 100: MyLinear(784, 100), ReLU, "
                           "MyLinear(100, 10).")
    children = yield ask("children", model)
    missing = []
    for n in PARTS:
        part = yield ask("get", model, n, None)
        if not (isinstance(part, Handle) and part.is_module):
            missing.append(n)
    if len(children) != 4 or missing:
        raise CheckFailure("4 submodules: flatten, linear1, relu, linear2",
                           f"{len(children)}: {[_type_name(c) for c in children]}",
                           (f"your SimpleMLP has no self.{missing[0]}: " if missing else "") +
                           "create self.flatten, self.linear1, self.relu, self.linear2 in __init__.")


def _wrong_sizes(model: Handle) -> Q:
    """'self.linear1 is MyLinear(784, 10); ' for each of linear1/linear2 whose weight has the wrong shape."""
    want = {"linear1": (100, 784), "linear2": (10, 100)}
    said = []
    for name, shape in want.items():
        part = yield ask("get", model, name, None)
        weight = (yield ask("get", part, "weight", None)) if isinstance(part, Handle) else None
        if isinstance(weight, torch.Tensor) and weight.dim() == 2 and tuple(weight.shape) != shape:
            out_f, in_f = weight.shape
            layer = _type_name(part)
            said.append(f"self.{name} is {layer}({in_f}, {out_f}), want {layer}({shape[1]}, {shape[0]})")
    return "; ".join(said) + ": " if said else ""


def _modules_in_containers(model: Handle) -> Q:
    """'list self.layers' when an attribute is a plain list, tuple or dict holding modules (unregistered)."""
    found = yield ask("module_containers", model)
    return f"{found[0][1]} self.{found[0][0]}" if found else None


def check_mlp_own_modules(cls: Any) -> Q:
    """Built from your own MyLinear, ReLU and Flatten: no torch modules inside, no torch calls standing in for them.

    Calls made inside your own submodules are judged by their own exercises; an error is no evidence.
    """
    model = yield from asks.build(cls)
    for name, m in (yield ask("named_modules", model)):
        if isinstance(m, Handle) and any(m.derives(t) for t in (LINEAR, RELU, FLATTEN)):
            raise CheckFailure("only your own MyLinear, ReLU and Flatten inside", f"nn.{_type_name(m)} at {name!r}",
                               f"you used torch's nn.{_type_name(m)} as self.{name}: use the class you wrote "
                               "in this notebook.")
    banned = adapters.LINEAR_BANNED | adapters.RELU_BANNED | adapters.FLATTEN_BANNED
    children = tuple((yield ask("children", model)))
    used = _banned_call((yield ask("torch_calls", model, torch.randn(2, 1, 28, 28), skip=children)), banned)
    if used:
        raise CheckFailure("forward built from your own modules", f"a call to {used} in SimpleMLP.forward",
                           "call self.flatten, self.linear1, self.relu and self.linear2 instead of torch's functions.")


def _copy_by_order(src: nn.Module, dst: Handle) -> Q:
    """Copy src's parameters into the student's module by module order and shape, whatever it calls them."""
    want = adapters.canonical_parameters(src)
    adapters.same_layout([tuple(p.shape) for p in want], [tuple(s) for s in (yield ask("canonical_shapes", dst))])
    yield ask("copy_by_order", dst, [p.detach().clone() for p in want])


def blame_part(cls: Any) -> Q:
    """The first of your modules (flatten, linear1, relu, linear2) that misbehaves on the input it receives."""
    ref = reference_mlp()
    model = yield from asks.build(cls)
    yield from _copy_by_order(ref, model)
    h = torch.rand(8, 1, 28, 28)
    for name, theirs in zip(PARTS, ref):
        mine = yield ask("get", model, name, None)
        if not (isinstance(mine, Handle) and mine.is_module):
            return None
        want = theirs(h).detach()
        what = f"your {_type_name(mine)} (self.{name})"
        fix = f"fix {_type_name(mine)} first: its own self-check names the mistake"
        try:
            got = yield ask("call", mine, h)
        except Exception as e:  # noqa: BLE001 - the part's error is what we report
            return f"{what} fails on its input shaped {tuple(h.shape)} ({type(e).__name__}: " \
                   f"{str(e).splitlines()[0][:100] if str(e) else ''}): {fix}"
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else _type_name(got)
            return f"{what} turns an input shaped {tuple(h.shape)} into {shape}, not {tuple(want.shape)}: {fix}"
        if not close(got, want):
            return f"{what} computes wrong values (max difference {max_diff(got, want):.3g}): {fix}"
        h = want
    return None


def explain_mlp(exc: BaseException, cls: Any) -> Q:
    """Name the module whose mistake made SimpleMLP fail, the missing flatten, or the MyLinear not pasted in."""
    if isinstance(exc, NameError) and getattr(exc, "name", None) == "MyLinear":
        return ("MyLinear is not defined in this notebook: paste your MyLinear from 02_iter2 into the cell "
                "'Paste your MyLinear from 02_iter2 here' near the top, run it, then run this cell again.")
    return (yield from blame_part(cls)) or (yield from _skips_flatten(cls))


def _skips_flatten(cls: Any) -> Q:
    """A sentence when forward fails on images (n, 1, 28, 28) but works on flat rows (n, 784)."""
    model = yield from asks.try_build(cls)
    if model is None:
        return None
    try:
        yield ask("call", model, torch.rand(8, 784))
    except Exception:  # noqa: BLE001 - flat rows fail too: not a missing flatten
        return None
    return "forward works on flat rows (8, 784) but not on images (8, 1, 28, 28): you did not flatten the input; " \
           "start forward with x = self.flatten(x)"


def _wrong_ending(got: Any, want: torch.Tensor) -> str | None:
    """Name a ReLU or softmax applied after the last layer (the output must be raw logits)."""
    if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
        return None
    if close(got, F.relu(want)):
        return "you applied ReLU after linear2 too: return linear2's output (the logits) as it is"
    if close(got, F.softmax(want, dim=-1)) or close(got, F.log_softmax(want, dim=-1)):
        return "you applied softmax at the end: return the logits; F.cross_entropy applies log-softmax itself"
    return None


def check_mlp_not_reference(cls: Any) -> Q:
    """Your own SimpleMLP and modules, not the course's reference."""
    model = yield from asks.try_build(cls)
    modules = [m for _, m in (yield ask("named_modules", model))] if model is not None else []
    origin = asks.reference_origin(cls) or next(
        (asks.reference_origin(m) for m in modules if asks.reference_origin(m)), None)
    if origin:
        raise CheckFailure("your own modules", f"the course's reference {origin}", "use your own classes.")


def reference_mlp() -> nn.Module:
    """The checks' own 784-100-10 MLP from torch's modules (no answer key needed); weights are copied in."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 100), nn.ReLU(), nn.Linear(100, 10))


def check_mlp_forward(cls: Any) -> Q:
    """Forward equals the reference SimpleMLP's after copying weights by order and shape."""
    for dtype in (torch.float32, torch.float64):
        ref = reference_mlp().to(dtype)
        model = yield from asks.build(cls)
        model = yield ask("method", model, "to", dtype)
        yield from _copy_by_order(ref, model)
        for shape in ((8, 1, 28, 28), (8, 784)):
            x = torch.rand(shape, dtype=dtype)
            got, want = (yield ask("call", model, x)), ref(x).detach()
            if not (isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(want.shape) and
                    close(got, want, **tol_for(dtype))):
                expect_close(f"SimpleMLP output for images shaped {shape}", got, want,
                             ((yield from blame_part(cls)) or _wrong_ending(got, want)
                              or "chain flatten, linear1, relu, linear2, in that order")
                             + ".", dtype)


def check_mlp_backward(cls: Any) -> Q:
    """A cross-entropy loss backpropagates to every parameter."""
    model = yield from asks.build(cls)
    grads = yield ask("cross_entropy_grads", model, torch.rand(16, 1, 28, 28), torch.arange(16) % 10)
    missing = [n for n, g in grads.items() if g is None or not g.abs().sum() > 0]
    if missing:
        raise CheckFailure("a non-zero gradient for every parameter", f"none for {missing}",
                           "do not detach anything in forward; use every layer.")


def relu_checks() -> list[Check]:
    """ReLU: 2 points."""
    check = checks_of("relu", explain_relu)
    return [check("built_not_borrowed", "your own ReLU, not torch's", 0, check_relu_not_borrowed, gate=True),
            check("values", "equals torch.relu over many shapes", 1, check_relu_values),
            check("safe", "input unchanged; dtype and device kept", 0.5, check_relu_safe),
            check("grad", "gradient 0 for x < 0 and 1 for x > 0", 0.5, check_relu_grad)]


def flatten_checks() -> list[Check]:
    """Flatten: 2 points."""
    check = checks_of("flatten", explain_flatten)
    return [check("built_not_borrowed", "your own Flatten, not nn.Flatten / torch.flatten", 0,
                  check_flatten_not_borrowed, gate=True),
            check("default", "Flatten() equals nn.Flatten()", 1, check_flatten_default),
            check("dims", "start_dim / end_dim, negative dims too", 0.5, check_flatten_dims),
            check("safe", "non-contiguous input, dtype and gradients", 0.5, check_flatten_safe)]


def simple_mlp_checks() -> list[Check]:
    """SimpleMLP: 4 points."""
    check = checks_of("simple_mlp", explain_mlp)
    return [check("not_reference", "your own modules, not the reference", 0, check_mlp_not_reference, gate=True),
            check("structure", "structure: 784 -> 100 -> ReLU -> 10 (79,510 parameters)", 1, check_mlp_structure),
            check("own_modules", "no nn.Linear / nn.ReLU / nn.Flatten inside", 1, check_mlp_own_modules),
            check("forward", "forward equals the reference", 1.5, check_mlp_forward),
            check("backward", "gradients reach every parameter", 0.5, check_mlp_backward)]
