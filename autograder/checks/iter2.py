"""Checks for iteration 2: MyLinear with nn.Linear's Kaiming-uniform init, optional bias, any leading dims."""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from . import adapters, linear, stats
from .compare import expect_close
from .core import Check, CheckFailure

# (in_features, out_features): fan-in 1 and 3 are where a wrong bound or distribution hides easily.
INIT_SIZES = [(1, 200), (3, 200), (784, 30)]
MIN_DRAWS = 5000  # pooled over fresh layers; DKW epsilon at n = 5000 and alpha = 1e-4 is 0.031


def _pooled(cls: Any, i: int, o: int, name: str) -> torch.Tensor:
    """At least MIN_DRAWS values of one parameter, pooled from fresh layers of one size."""
    per_layer = i * o if name == "weight" else o
    values = []
    for _ in range(math.ceil(MIN_DRAWS / per_layer)):
        p = getattr(adapters.build(cls, i, o), name, None)
        if not isinstance(p, torch.Tensor):
            raise CheckFailure(f"a {name} tensor", f"{name} = {p!r}", f"create self.{name} in __init__.")
        values.append(p.detach().flatten().double())
    return torch.cat(values)


def _hint(sample: torch.Tensor, bound: float, i: int, o: int) -> str:
    """Name the likely mistake from the sample's spread relative to the correct bound."""
    top = float(sample.abs().max())
    if top == 0:
        return "the values are all zero: draw them from U(-1/sqrt(in_features), 1/sqrt(in_features))."
    ratio = top / bound
    if 2.2 < ratio < 2.5:
        return "that is Kaiming with a=0 (bound sqrt(6/fan_in)); nn.Linear uses a=math.sqrt(5)."
    if abs(top - 1 / math.sqrt(o)) < 0.02 / math.sqrt(o) and i != o:
        return "the bound uses out_features; use fan_in = in_features: bound = 1/sqrt(in_features)."
    if ratio > 2.5:
        return "values are too large: randn or kaiming_normal_? Use U(-1/sqrt(in), 1/sqrt(in))."
    return "use nn.init.kaiming_uniform_(w, a=math.sqrt(5)) or w.uniform_(-b, b) with b = 1/sqrt(in_features)."


def _check_uniform(cls: Any, name: str) -> None:
    """Every value within +-1/sqrt(in_features) and KS-close to that uniform, for each size."""
    for i, o in INIT_SIZES:
        sample, bound = _pooled(cls, i, o, name), 1 / math.sqrt(i)
        what = f"{name} of MyLinear({i}, {o}) ~ U(-{bound:.4g}, {bound:.4g})"
        if float(sample.abs().max()) > bound * (1 + 1e-6):
            raise CheckFailure(f"{what}: every |value| <= {bound:.4g}", stats.describe(sample),
                               _hint(sample, bound, i, o))
        d, eps = stats.ks_distance(sample, stats.uniform_cdf(bound)), stats.dkw_epsilon(sample.numel())
        if not d <= eps:
            raise CheckFailure(f"{what} (Kolmogorov-Smirnov distance <= {eps:.3f})",
                               f"distance {d:.3f}; {stats.describe(sample)}", _hint(sample, bound, i, o))


def check_weight_init(cls: Any) -> None:
    """weight ~ U(-1/sqrt(in), 1/sqrt(in)), i.e. kaiming_uniform_(a=sqrt(5))."""
    _check_uniform(cls, "weight")


def check_bias_init(cls: Any) -> None:
    """bias ~ U(-1/sqrt(in), 1/sqrt(in)), the same bound as weight, never zeros."""
    _check_uniform(cls, "bias")


def check_repr(cls: Any) -> None:
    """extra_repr matches nn.Linear's: in_features=.., out_features=.., bias=.."""
    for bias in (True, False):
        layer = adapters.build(cls, linear.IN, linear.OUT, bias=bias)
        want = nn.Linear(linear.IN, linear.OUT, bias=bias).extra_repr()
        got = layer.extra_repr()
        if got != want:
            raise CheckFailure(f"extra_repr() == {want!r} (so print(layer) reads like nn.Linear)", f"{got!r}",
                               "define extra_repr returning f'in_features={self.in_features}, "
                               "out_features={self.out_features}, bias={self.bias is not None}'.")


def _other_device() -> torch.device:
    """CUDA when present; otherwise the 'meta' device, which errors like a GPU on mixed devices."""
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("meta")


def check_dtype_device(cls: Any) -> None:
    """Output dtype and device follow the input (float32, float64, and CUDA or meta)."""
    for dtype in (torch.float32, torch.float64):
        layer = adapters.build(cls, linear.IN, linear.OUT).to(dtype)
        out = adapters.call(layer, torch.randn(2, 3, linear.IN, dtype=dtype))
        if not isinstance(out, torch.Tensor) or out.dtype != dtype:
            raise CheckFailure(f"a {dtype} output for a {dtype} layer and input",
                               f"{getattr(out, 'dtype', type(out).__name__)}",
                               "do not hard-code a dtype in forward (no .double() / .float()).")
    device = _other_device()
    for bias in (True, False):
        layer = adapters.build(cls, linear.IN, linear.OUT, bias=bias).to(device)
        try:
            out = adapters.call(layer, torch.randn(2, 3, linear.IN, device=device))
        except RuntimeError as e:
            raise CheckFailure(f"forward to work with layer and input on {device} "
                               f"({'a stand-in for a GPU' if device.type == 'meta' else 'the GPU'})",
                               f"RuntimeError: {str(e).splitlines()[0][:150]}",
                               "create any new tensor in forward with device=x.device, dtype=x.dtype.") from None
        if out.device.type != device.type:
            raise CheckFailure(f"output on {device}", f"output on {out.device}",
                               "do not move the output to another device in forward.")


def check_no_bias_everywhere(cls: Any) -> None:
    """bias=False: None, one parameter, state_dict with nn.Linear(bias=False), any leading dims."""
    linear.check_no_bias(cls)
    ref = linear.reference(linear.IN, linear.OUT, bias=False, dtype=torch.float64)
    layer = adapters.build(cls, linear.IN, linear.OUT, bias=False).double()
    linear.load_into(layer, ref)
    x = torch.randn(2, 3, linear.IN, dtype=torch.float64)
    expect_close("MyLinear(bias=False) output for a 3-D input", adapters.call(layer, x), ref(x).detach(),
                 "when self.bias is None, return x @ self.weight.T.", torch.float64)


def linear_checks() -> list[Check]:
    """The iteration-2 checks, with their points (12 in total)."""
    return [
        Check("linear_kaiming.built_not_borrowed", "built from tensors, not nn.Linear / F.linear", 0, linear.check_built_not_borrowed, gate=True),
        Check("linear_kaiming.parameters", "parameters: weight (out, in) then bias (out,)", 1, linear.check_parameters),
        Check("linear_kaiming.no_bias", "bias=False gives bias None and one parameter", 1, check_no_bias_everywhere),
        Check("linear_kaiming.forward", "forward equals nn.Linear (1-D, 2-D, 3-D; float32 and float64)", 2,
              linear.forward_check([(), (4,), (2, 3)])),
        Check("linear_kaiming.gradients", "gradients equal nn.Linear's", 1, linear.gradient_check((2, 3))),
        Check("linear_kaiming.state_dict", "state_dict round trip with nn.Linear", 1, linear.check_state_dict),
        Check("linear_kaiming.repr", "repr matches nn.Linear's", 1, check_repr),
        Check("linear_kaiming.dtype_device", "dtype and device follow the input", 1, check_dtype_device),
        Check("linear_kaiming.bad_input", "wrong feature count raises ValueError", 1, linear.bad_input_check([(), (3,), (2, 3)])),
        Check("linear_kaiming.weight_init", "weight init: U(-1/sqrt(in), 1/sqrt(in))", 2, check_weight_init),
        Check("linear_kaiming.bias_init", "bias init: U(-1/sqrt(in), 1/sqrt(in))", 1, check_bias_init),
    ]
