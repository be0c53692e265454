"""Checks shared by both MyLinear iterations: the student's layer against torch's nn.Linear."""
from __future__ import annotations

import re

import torch
from torch import nn

from . import asks
from .asks import Q
from .compare import close, expect_close, identical, max_diff
from .core import CheckFailure
from .tape import LINEAR, Handle, ask

IN, OUT = 7, 5  # a non-square layer; SQUARE catches a missing transpose that shapes would not reveal
SQUARE = 6
FORMULA = "compute x @ self.weight.T + self.bias"

# Sentences that name the common mistakes (the first line of a failing report shows one of them).
MISSING_T = ("you forgot the .T: weight is (out_features, in_features), so forward computes "
             "x @ self.weight.T (x @ self.weight only works for square layers, and gives wrong values there)")
WRONG_LAYOUT = ("your weight is stored as (in_features, out_features); nn.Linear stores (out_features, "
                "in_features): create it shaped (out_features, in_features) and compute x @ self.weight.T")
MISSING_BIAS_PARAM = "you forgot the bias parameter: self.bias = nn.Parameter(...) shaped (out_features,)."
MISSING_BIAS = "you forgot to add the bias: forward returns x @ self.weight.T plus self.bias"
LAST_DIM = ("you checked the wrong dimension: compare x.shape[-1] (the last one) with in_features, "
            "not x.shape[1], so that inputs with any number of leading dimensions work")
MM_2D = ("x.mm / torch.addmm only take 2-D inputs: use x @ self.weight.T (matmul), which broadcasts over "
         "leading dimensions")
EINSUM_DIMS = "your einsum names a fixed number of dimensions: write '...i,oi->...o' so any leading dims work"
BIAS_NONE = ("self.bias is None when bias=False: guard every use of it with `if self.bias is not None` "
             "(in reset_parameters and in forward)")
BIAS_ARG = "add the argument to the signature: def __init__(self, in_features, out_features, bias=True)"
DEVICE = "create any new tensor in forward with device=x.device, dtype=x.dtype"


def reference(i: int, o: int, bias: bool = True, dtype: torch.dtype = torch.float32) -> nn.Linear:
    """nn.Linear with a clearly non-zero bias (a zero bias would hide a forgotten bias)."""
    ref = nn.Linear(i, o, bias=bias).to(dtype)
    with torch.no_grad():
        ref.weight.normal_()
        if bias:
            ref.bias.uniform_(1.0, 2.0)
    return ref


def load_into(layer: Handle, ref: nn.Module) -> Q:
    """Copy nn.Linear's state into the student's layer, as ARENA's tests do."""
    try:
        yield ask("method", layer, "load_state_dict", ref.state_dict())
    except RuntimeError as e:
        weight = yield ask("get", layer, "weight", None)
        swapped = isinstance(weight, torch.Tensor) and tuple(weight.shape) == tuple(ref.weight.shape)[::-1] \
            and weight.shape[0] != weight.shape[1]
        no_bias = ref.bias is not None and "bias" not in (yield ask("method", layer, "state_dict"))
        plain = []
        for n in ("weight", "bias"):
            value = yield ask("get", layer, n, None)
            if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter):
                plain.append(n)
        raise CheckFailure(f"nn.Linear's state_dict (keys {list(ref.state_dict())}) to load into your layer",
                           f"an error: {' '.join(str(e).split())[:240]}",
                           WRONG_LAYOUT if swapped else
                           f"{' and '.join(plain)} {'is a plain tensor' if len(plain) == 1 else 'are plain tensors'}, "
                           "not registered: wrap them, self.weight = nn.Parameter(...)." if plain else
                           MISSING_BIAS_PARAM
                           if no_bias else
                           "name the parameters weight and bias, shaped like nn.Linear's, both nn.Parameters.") from e


def matched(i: int, o: int, cls: Handle, dtype: torch.dtype, bias: bool = True) -> Q:
    """(layer, ref): a student layer holding exactly nn.Linear's weights and bias, in the given precision."""
    ref = reference(i, o, bias=bias, dtype=dtype)
    layer = (yield from asks.build(cls, i, o, bias=bias)) if not bias else (yield from asks.build(cls, i, o))
    layer = yield ask("method", layer, "to", dtype)
    yield from load_into(layer, ref)
    return layer, ref


def weight_layout(cls: Handle) -> Q:
    """'out_in' (nn.Linear's), 'in_out' (transposed) or 'other': the shape of a fresh non-square layer's weight."""
    layer = yield from asks.build(cls, IN, OUT)
    weight = yield ask("get", layer, "weight", None)
    shape = tuple(weight.shape) if isinstance(weight, torch.Tensor) else None
    return {(OUT, IN): "out_in", (IN, OUT): "in_out"}.get(shape, "other")


def explain(exc: BaseException, cls: Handle) -> Q:
    """Name the mistake behind an error that the student's layer raised inside a check."""
    text = str(exc)
    if "must be a matrix" in text:
        return MM_2D
    if "einsum" in text:
        return EINSUM_DIMS
    if "cannot be multiplied" in text or "size mismatch" in text or "must match the size" in text:
        return {"out_in": MISSING_T, "in_out": WRONG_LAYOUT}.get((yield from weight_layout(cls)))
    if "NoneType" in text:
        return BIAS_NONE
    if "cannot assign" in text and "as parameter" in text:
        return ("a registered parameter takes an nn.Parameter or None: wrap the tensor in nn.Parameter(...), "
                "and for bias=False keep self.register_parameter('bias', None)")
    if isinstance(exc, TypeError) and "bias" in text and "argument" in text:
        return BIAS_ARG
    if isinstance(exc, IndexError) and "out of range" in text:
        return LAST_DIM
    if "same device" in text or re.search(r"\bmeta\b", text):
        return DEVICE
    return None


def _diagnose_forward(got: torch.Tensor, x: torch.Tensor, ref: nn.Linear, cls: Handle) -> Q:
    """A hint naming the likely mistake, by comparing with common wrong formulas."""
    w, b = ref.weight.detach(), ref.bias.detach() if ref.bias is not None else 0
    no_transpose = WRONG_LAYOUT if (yield from weight_layout(cls)) == "in_out" else MISSING_T
    candidates = {
        MISSING_BIAS: x @ w.T,
        no_transpose: x @ w + b,
        no_transpose + "; and you forgot to add the bias": x @ w,
        "you added the bias before the matrix product": ((x + b) @ w.T if isinstance(b, torch.Tensor)
                                                         and b.shape[-1] == x.shape[-1] else None),
    }
    for hint, value in candidates.items():
        if value is not None and close(got, value):
            return hint + "."
    return FORMULA + "."


def check_parameters(cls: Handle) -> Q:
    """weight (out, in) and bias (out,), both registered nn.Parameters (in either order: state_dict loads by name)."""
    layer = yield from asks.build(cls, IN, OUT)
    got = [(n, tuple(p.shape)) for n, p in (yield ask("named_parameters", layer))]
    expected = [("weight", (OUT, IN)), ("bias", (OUT,))]
    if sorted(got) == sorted(expected):
        return
    for name in ("weight", "bias"):
        value = yield ask("get", layer, name, None)
        if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter):
            raise CheckFailure(f"{name} to be an nn.Parameter, listed by parameters()",
                               f"a plain tensor attribute {name}",
                               f"write self.{name} = nn.Parameter(...) so the optimiser can find it.")
    if got and got[0] == ("weight", (IN, OUT)):
        raise CheckFailure(f"weight shaped (out_features, in_features) = {(OUT, IN)}", f"{(IN, OUT)}", WRONG_LAYOUT)
    if got == [("weight", (OUT, IN))]:
        raise CheckFailure(f"parameters {expected} for MyLinear({IN}, {OUT})", f"{got}: no bias",
                           MISSING_BIAS_PARAM)
    raise CheckFailure(f"parameters {expected} for MyLinear({IN}, {OUT})", str(got),
                       "register weight (out_features, in_features) and bias (out_features,) as nn.Parameters.")


def check_no_bias(cls: Handle) -> Q:
    """bias=False: self.bias is None, registered as an empty parameter slot, weight the only parameter."""
    layer = yield from asks.build(cls, IN, OUT, bias=False)
    names = [n for n, _ in (yield ask("named_parameters", layer))]
    bias = yield ask("get", layer, "bias", "missing")
    if bias is not None:
        got = "no attribute bias" if isinstance(bias, str) else f"bias = {type(bias).__name__} {tuple(bias.shape)}"
        raise CheckFailure("self.bias to be None when bias=False", got,
                           "write self.register_parameter('bias', None), not a tensor of zeros.")
    if "bias" not in (yield ask("get", layer, "_parameters", {})):
        raise CheckFailure("bias registered as an empty parameter slot, as nn.Linear does",
                           "a plain attribute self.bias = None",
                           "you set self.bias = None without registering it: write "
                           "self.register_parameter('bias', None), so the module knows bias is a parameter name.")
    if names != ["weight"]:
        raise CheckFailure("exactly one parameter, weight, when bias=False", f"parameters {names}",
                           "only create the bias Parameter when bias is True.")
    x = torch.randn(3, IN)
    out = yield ask("call", layer, x)
    weight = yield ask("get", layer, "weight")
    expect_close("MyLinear(bias=False)(x)", out, x @ weight.detach().T,
                 "when self.bias is None, return x @ self.weight.T without adding anything.", torch.float32)


def _forward_once(cls: Handle, i: int, o: int, shape: tuple[int, ...], dtype: torch.dtype) -> Q:
    """One forward comparison against nn.Linear, with the input left untouched."""
    layer, ref = yield from matched(i, o, cls, dtype)
    x = torch.randn(*shape, i, dtype=dtype)
    before = x.clone()
    try:
        got = yield ask("call", layer, x)
    except (ValueError, IndexError) as e:
        raise CheckFailure(f"an output for a valid input shaped {tuple(x.shape)} (last dimension {i})",
                           f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}",
                           LAST_DIM + ".") from None
    if not identical(x, before):
        raise CheckFailure("the input x left unchanged by forward", "x was modified in place",
                           "do not use in-place operations (x.t_(), x *= ..., x.add_) on the input.")
    want = ref(x)
    if isinstance(got, torch.Tensor) and got.dtype != dtype:
        raise CheckFailure(f"a {dtype} output for a {dtype} input", f"{got.dtype}",
                           "do not convert dtypes in forward (no .double()/.float()).")
    if isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(want.shape) and not close(got, want):
        raise CheckFailure(f"output equal to nn.Linear's for input {tuple(x.shape)} ({dtype})",
                           f"max difference {max_diff(got, want):.3g}", (yield from _diagnose_forward(got, x, ref, cls)))
    if isinstance(got, torch.Tensor) and want.dim() != 2 and tuple(got.shape) == (want.numel() // o, o):
        raise CheckFailure(f"output for input {tuple(x.shape)} shaped {tuple(want.shape)} (*, out_features)",
                           f"shape {tuple(got.shape)}", "you reshaped the input to 2-D (x.reshape(-1, in_features) "
                           "or x.view), losing its leading dimensions: x @ self.weight.T works on any (*, in_features) "
                           "input as it is; drop the reshape.")
    if isinstance(got, torch.Tensor) and got.dim() == 2 and tuple(got.shape) == tuple(want.shape)[::-1]:
        raise CheckFailure(f"output for input {tuple(x.shape)} shaped {tuple(want.shape)} (batch, out_features)",
                           f"shape {tuple(got.shape)}", "you computed self.weight @ x.T, shaped (out_features, "
                           "batch): compute x @ self.weight.T instead.")
    expect_close(f"output for input {tuple(x.shape)}", got, want.detach(), FORMULA + ".", dtype)


def forward_check(shapes: list[tuple[int, ...]]):
    """Forward equals nn.Linear for each leading shape, in float32 and float64, square and not."""
    def check_forward(cls: Handle) -> Q:
        """Output equals nn.Linear's after load_state_dict (non-zero bias), input unchanged."""
        for dtype in (torch.float32, torch.float64):
            for i, o in ((SQUARE, SQUARE), (IN, OUT)):
                for lead in shapes:
                    yield from _forward_once(cls, i, o, lead, dtype)
    return check_forward


def gradient_check(lead: tuple[int, ...]):
    """Gradients of weight, bias and input equal nn.Linear's."""
    def check_gradients(cls: Handle) -> Q:
        """Backward through the layer gives nn.Linear's gradients for weight, bias and input."""
        layer, ref = yield from matched(IN, OUT, cls, torch.float64)
        x = torch.randn(*lead, IN, dtype=torch.float64)
        xs, xr = x.clone().requires_grad_(), x.clone().requires_grad_()
        g = torch.randn(*lead, OUT, dtype=torch.float64)
        seen = yield ask("grads", layer, xs, g)
        out = seen["out"]
        if not seen["connected"]:
            raise CheckFailure("an output connected to the autograd graph", "an output with no grad_fn",
                               "do not use .data, .detach() or torch.no_grad() in forward.")
        (ref(xr) * g).sum().backward()
        params = seen["grads"]
        for name, want in (("weight", ref.weight), ("bias", ref.bias), ("input x", xr)):
            exists = name in params or name == "input x"
            grad = xs.grad if name == "input x" else params.get(name)
            if grad is None and name == "bias" and exists:
                weight = yield ask("get", layer, "weight")
                if close(out, xs @ weight.T):
                    raise CheckFailure("a gradient for bias", "bias.grad is None", MISSING_BIAS + ".")
            if grad is None:
                raise CheckFailure(f"a gradient for {name}", f"{name}.grad is None",
                                   "compute forward from self.weight and self.bias themselves, "
                                   "without .data or .detach().")
            expect_close(f"gradient of {name}", grad, want.grad, "use only differentiable tensor operations "
                         "on self.weight, self.bias and x.", torch.float64)
    return check_gradients


def check_state_dict(cls: Handle) -> Q:
    """state_dict round trip both ways with nn.Linear: same keys, same outputs."""
    layer, ref = yield from matched(IN, OUT, cls, torch.float32)
    state = yield ask("method", layer, "state_dict")
    keys = list(state)
    if sorted(keys) != ["bias", "weight"]:
        raise CheckFailure("state_dict keys ['weight', 'bias'] like nn.Linear's", f"{keys}",
                           "register exactly two parameters named weight and bias (no extra buffers).")
    back = nn.Linear(IN, OUT)
    try:
        back.load_state_dict(state)
    except RuntimeError as e:
        raise CheckFailure("your state_dict to load into nn.Linear", f"{str(e).splitlines()[0]}",
                           "weight (out_features, in_features), bias (out_features,).") from e
    x = torch.randn(4, IN)
    expect_close("nn.Linear loaded from your state_dict", back(x).detach(), ref(x).detach(),
                 "state_dict must hold the weights your forward uses.", torch.float32)


def bad_input_check(leads: list[tuple[int, ...]]):
    """A wrong feature count raises ValueError naming the expected size."""
    def check_bad_input(cls: Handle) -> Q:
        """Wrong last dimension: ValueError naming in_features, never SystemExit or a silent result."""
        i, o = 13, 4
        layer = yield from asks.build(cls, i, o)
        for lead in leads:
            x = torch.randn(*lead, i + 2)
            yield from _expect_value_error(layer, x, i)
    return check_bad_input


def _expect_value_error(layer: Handle, x: torch.Tensor, expected: int) -> Q:
    """Call the layer on a bad input and check it raises ValueError naming `expected`."""
    want = f"ValueError naming the expected size {expected} for an input shaped {tuple(x.shape)}"
    try:
        out = yield ask("call", layer, x)
    except ValueError as e:
        if str(expected) not in str(e):
            raise CheckFailure(want, f"ValueError({str(e)!r})",
                               f"include in_features ({expected}) in the message, e.g. f'expected "
                               f"{{self.in_features}} features'.") from None
        return
    except SystemExit:
        raise CheckFailure(want, "SystemExit (sys.exit was called)",
                           "raise ValueError(...) instead of ending the program.") from None
    except Exception as e:  # noqa: BLE001 - any other error is a wrong kind
        raise CheckFailure(want, f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}",
                           "check x.shape[-1] against self.in_features first and raise ValueError.") from None
    shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    raise CheckFailure(want, f"a silently returned value ({shape})",
                       "check x.shape[-1] against self.in_features and raise ValueError.")


def check_built_not_borrowed(cls: Handle) -> Q:
    """Your own maths: not the reference, no nn.Linear inside, no call to F.linear while forward runs.

    Fails only on evidence of borrowing: an error raised by the layer itself is left to the other checks.
    """
    origin = asks.reference_origin(cls)
    if origin:
        raise CheckFailure("your own MyLinear", f"the course's reference {origin}",
                           "write the layer yourself instead of importing the solution.")
    if isinstance(cls, Handle) and cls.kind == "class" and cls.derives(LINEAR):
        raise CheckFailure("a class built on nn.Module", "a subclass of nn.Linear",
                           "subclass nn.Module and write weight, bias and forward yourself.")
    layers = [(yield from asks.try_build(cls, IN, OUT)), (yield from asks.try_build(cls, IN, OUT, bias=False))]
    for layer in filter(None, layers):
        inner = [n for n, m in (yield ask("named_modules", layer)) if n and isinstance(m, Handle) and m.derives(LINEAR)]
        if inner:
            raise CheckFailure("no nn.Linear inside your layer", f"an nn.Linear submodule {inner[0]!r}",
                               "store weight and bias as your own nn.Parameters.")
    for layer in filter(None, layers):
        for shape in ((3,), (), (2, 3)):
            names = yield ask("torch_calls", layer, torch.randn(*shape, IN))
            used = next((BANNED[n] for n in names if n in BANNED), None)
            if used:
                raise CheckFailure("forward written with tensor operations (@, matmul, einsum, addmm)",
                                   f"a call to {used}", "F.linear is what you are building: "
                                   "write x @ self.weight.T + self.bias yourself.")


BANNED = {"linear": "F.linear (torch.nn.functional.linear)"}
