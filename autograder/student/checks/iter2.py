"""Checks for iteration 2: MyLinear with nn.Linear's Kaiming-uniform init, optional bias, any leading dims."""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from . import asks, linear, stats
from .asks import Q
from .compare import expect_close
from .core import Check, CheckFailure, checks_of
from .tape import Handle, ask

# (in_features, out_features): fan-in 1 and 3 are where a wrong bound or distribution hides easily.
INIT_SIZES = [(1, 200), (3, 200), (784, 30)]
MIN_DRAWS = 5000  # pooled over fresh layers; DKW epsilon at n = 5000 and alpha = 1e-4 is 0.031


def _pooled(cls: Any, i: int, o: int, name: str) -> Q:
    """At least MIN_DRAWS values of one parameter, pooled from fresh layers of one size."""
    per_layer = i * o if name == "weight" else o
    values = []
    for _ in range(math.ceil(MIN_DRAWS / per_layer)):
        p = yield ask("get", (yield from asks.build(cls, i, o)), name, None)
        if not isinstance(p, torch.Tensor):
            raise CheckFailure(f"a {name} tensor", f"{name} = {p!r}", f"create self.{name} in __init__.")
        values.append(p.detach().flatten().double())
    return torch.cat(values)


def _hint(sample: torch.Tensor, bound: float, i: int, o: int) -> str:
    """Name the likely mistake from the sample's spread relative to the correct bound."""
    top = float(sample.abs().max())
    if top == 0:
        return "the values are all zero: draw them from U(-1/sqrt(in_features), 1/sqrt(in_features))."
    ratio, std = top / bound, float(sample.std())
    if std < 0.45 * top:  # bell-shaped: a uniform's largest value is only sqrt(3) (1.73) standard deviations out
        if abs(std * math.sqrt(3) / bound - 1) < 0.1:
            return ("the values are normal with the right std (bound/sqrt(3)): that is kaiming_normal_(a=math.sqrt(5)); "
                    "nn.Linear draws uniformly: nn.init.kaiming_uniform_(w, a=math.sqrt(5)).")
        return ("the values are normal (bell-shaped), not uniform: randn or kaiming_normal_? Use "
                "nn.init.kaiming_uniform_(w, a=math.sqrt(5)) or w.uniform_(-b, b) with b = 1/sqrt(in_features).")
    if 2.2 < ratio < 2.5:
        return "that is Kaiming with a=0 (bound sqrt(6/fan_in)); nn.Linear uses a=math.sqrt(5)."
    if abs(top - 1 / math.sqrt(o)) < 0.02 / math.sqrt(o) and i != o:
        return "the bound uses out_features; use fan_in = in_features: bound = 1/sqrt(in_features)."
    if ratio > 2.5:
        return "values are too large: randn or kaiming_normal_? Use U(-1/sqrt(in), 1/sqrt(in))."
    return "use nn.init.kaiming_uniform_(w, a=math.sqrt(5)) or w.uniform_(-b, b) with b = 1/sqrt(in_features)."


def _check_uniform(cls: Any, name: str) -> Q:
    """Every value within +-1/sqrt(in_features) and KS-close to that uniform, for each size."""
    for i, o in INIT_SIZES:
        sample, bound = (yield from _pooled(cls, i, o, name)), 1 / math.sqrt(i)
        what = f"{name} of MyLinear({i}, {o}) ~ U(-{bound:.4g}, {bound:.4g})"
        if float(sample.abs().max()) > bound * (1 + 1e-6):
            raise CheckFailure(f"{what}: every |value| <= {bound:.4g}", stats.describe(sample),
                               _hint(sample, bound, i, o))
        d, eps = stats.ks_distance(sample, stats.uniform_cdf(bound)), stats.dkw_epsilon(sample.numel())
        if not d <= eps:
            raise CheckFailure(f"{what} (Kolmogorov-Smirnov distance <= {eps:.3f})",
                               f"distance {d:.3f}; {stats.describe(sample)}", _hint(sample, bound, i, o))


def check_weight_init(cls: Any) -> Q:
    """weight ~ U(-1/sqrt(in), 1/sqrt(in)), i.e. kaiming_uniform_(a=sqrt(5))."""
    yield from _check_uniform(cls, "weight")


def check_bias_init(cls: Any) -> Q:
    """bias ~ U(-1/sqrt(in), 1/sqrt(in)), the same bound as weight, never zeros."""
    yield from _check_uniform(cls, "bias")


def check_repr(cls: Any) -> Q:
    """extra_repr matches nn.Linear's: in_features=.., out_features=.., bias=.."""
    for bias in (True, False):
        layer = yield from asks.build(cls, linear.IN, linear.OUT, bias=bias)
        want = nn.Linear(linear.IN, linear.OUT, bias=bias).extra_repr()
        got = yield ask("method", layer, "extra_repr")
        if got != want:
            raise CheckFailure(f"extra_repr() == {want!r} (so print(layer) reads like nn.Linear)", f"{got!r}",
                               "define extra_repr returning f'in_features={self.in_features}, "
                               "out_features={self.out_features}, bias={self.bias is not None}'.")


def _other_device() -> torch.device:
    """CUDA when present; otherwise the 'meta' device, which errors like a GPU on mixed devices."""
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("meta")


def check_dtype_device(cls: Any) -> Q:
    """Output dtype and device follow the input (float32, float64, and CUDA or meta)."""
    for dtype in (torch.float32, torch.float64):
        layer = yield ask("method", (yield from asks.build(cls, linear.IN, linear.OUT)), "to", dtype)
        out = yield ask("call", layer, torch.randn(4, linear.IN, dtype=dtype))
        if not isinstance(out, torch.Tensor) or out.dtype != dtype:
            raise CheckFailure(f"a {dtype} output for a {dtype} layer and input",
                               f"{getattr(out, 'dtype', type(out).__name__)}",
                               "do not hard-code a dtype in forward (no .double() / .float()).")
    device = _other_device()
    for bias in (True, False):
        layer = yield ask("method", (yield from asks.build(cls, linear.IN, linear.OUT, bias=bias)), "to", device)
        try:
            out = yield ask("call", layer, torch.randn(4, linear.IN, device=device))
        except RuntimeError as e:
            raise CheckFailure(f"forward to work with layer and input on {device} "
                               f"({'a stand-in for a GPU' if device.type == 'meta' else 'the GPU'})",
                               f"RuntimeError: {str(e).splitlines()[0][:150]}",
                               linear.DEVICE + ".") from None
        if out.device.type != device.type:
            raise CheckFailure(f"output on {device}", f"output on {out.device}",
                               "do not move the output to another device in forward.")


def check_no_bias_everywhere(cls: Any) -> Q:
    """bias=False: None, registered, one parameter, state_dict with nn.Linear(bias=False), same outputs."""
    yield from linear.check_no_bias(cls)
    ref = linear.reference(linear.IN, linear.OUT, bias=False, dtype=torch.float64)
    layer = yield ask("method", (yield from asks.build(cls, linear.IN, linear.OUT, bias=False)), "double")
    yield from linear.load_into(layer, ref)
    x = torch.randn(4, linear.IN, dtype=torch.float64)
    expect_close("MyLinear(bias=False) output", (yield ask("call", layer, x)), ref(x).detach(),
                 "when self.bias is None, return x @ self.weight.T.", torch.float64)


def check_reset_parameters(cls: Any) -> Q:
    """reset_parameters() exists, __init__ calls it, and calling it again redraws weight and bias."""
    found = yield ask("get", cls, "reset_parameters", None)
    if not (isinstance(found, Handle) and found.is_callable):
        raise CheckFailure("a method reset_parameters() that draws weight and bias, called by __init__",
                           "no reset_parameters method",
                           "move the initialisation into def reset_parameters(self) and end __init__ with "
                           "self.reset_parameters(), as nn.Linear does (so a layer can be re-initialised).")
    layer, calls = yield ask("build_counting", cls, "reset_parameters", linear.IN, linear.OUT)
    if not calls:
        raise CheckFailure("__init__ to call self.reset_parameters()", "it was never called while building the layer",
                           "you defined reset_parameters but __init__ does not call it: end __init__ with "
                           "self.reset_parameters().")
    yield ask("fill_parameters", layer, 100.0)
    yield ask("method", layer, "reset_parameters")
    for name in ("weight", "bias"):
        value = yield ask("get", layer, name, None)
        if not isinstance(value, torch.Tensor) or bool((value.detach() == 100.0).any()):
            got = "values left at 100" if isinstance(value, torch.Tensor) else repr(value)
            raise CheckFailure(f"layer.reset_parameters() to redraw {name} (after we set it to 100)", got,
                               f"reset_parameters must draw self.{name} itself (e.g. nn.init.uniform_(self.{name}, "
                               "-bound, bound)), not only __init__.")


def linear_checks() -> list[Check]:
    """The iteration-2 checks, with their points (12 in total), prerequisites first."""
    check = checks_of("linear_kaiming", linear.explain)
    return [
        check("built_not_borrowed", "built from tensors, not nn.Linear / F.linear", 0, linear.check_built_not_borrowed,
              gate=True),
        check("parameters", "parameters: weight (out, in) and bias (out,)", 1, linear.check_parameters),
        check("forward", "forward equals nn.Linear (1-D, 2-D, 3-D; float32 and float64)", 2,
              linear.forward_check([(), (4,), (2, 3)])),
        check("gradients", "gradients equal nn.Linear's", 1, linear.gradient_check((4,))),
        check("no_bias", "bias=False: bias None, registered with register_parameter", 1, check_no_bias_everywhere),
        check("bad_input", "wrong feature count raises ValueError", 1, linear.bad_input_check([(3,), (2, 3)])),
        check("state_dict", "state_dict round trip with nn.Linear", 0.5, linear.check_state_dict),
        check("repr", "repr matches nn.Linear's", 0.5, check_repr),
        check("dtype_device", "dtype and device follow the input", 1, check_dtype_device),
        check("reset_parameters", "reset_parameters() redraws weight and bias; __init__ calls it", 1,
              check_reset_parameters),
        check("weight_init", "weight init: U(-1/sqrt(in), 1/sqrt(in))", 2, check_weight_init),
        check("bias_init", "bias init: U(-1/sqrt(in), 1/sqrt(in))", 1, check_bias_init),
    ]
