"""Checks for iteration 1: MyLinear with randn init, compared with nn.Linear."""
from __future__ import annotations

import torch
from torch import nn

from .core import Check, CheckFailure


def _make(cls: type, i: int = 784, o: int = 10, **kw) -> nn.Module:
    """Instantiate the student's layer, turning a constructor crash into a readable failure."""
    return cls(i, o, **kw)


def check_parameters(cls: type) -> None:
    """weight is (out, in) and bias is (out,), both nn.Parameters, in that order."""
    layer = _make(cls)
    got = [(n, tuple(p.shape)) for n, p in layer.named_parameters()]
    expected = [("weight", (10, 784)), ("bias", (10,))]
    if got != expected:
        raise CheckFailure(f"parameters {expected} (out_features, in_features)", str(got),
                           "wrap tensors in nn.Parameter and name them weight and bias; "
                           "weight is shaped (out_features, in_features).")


def check_forward(cls: type) -> None:
    """The output equals nn.Linear's after copying its (non-zero) weights and bias."""
    torch.manual_seed(0)
    ref = nn.Linear(784, 10)
    layer = _make(cls)
    layer.load_state_dict(ref.state_dict())
    x = torch.randn(5, 784)
    got, want = layer(x), ref(x)
    if tuple(got.shape) != tuple(want.shape):
        raise CheckFailure(f"output shape {tuple(want.shape)}", str(tuple(got.shape)),
                           "compute x @ self.weight.T + self.bias.")
    err = (got - want).abs().max().item()
    if not err < 1e-5:
        raise CheckFailure("the same output as nn.Linear (max difference < 1e-5)",
                           f"max difference {err:.3g}", "compute x @ self.weight.T + self.bias.")


def check_randn_init(cls: type) -> None:
    """Weights are drawn from a standard normal: mean about 0 and std about 1."""
    w = _make(cls, 784, 100).weight.detach().double()
    mean, std = w.mean().item(), w.std().item()
    # 78,400 draws: the mean's standard error is 1/280 = 0.0036, so |mean| < 0.03 is 8 sigma.
    if abs(mean) > 0.03 or abs(std - 1) > 0.03:
        raise CheckFailure("weights ~ N(0, 1): mean 0 ± 0.03, std 1 ± 0.03",
                           f"mean {mean:.3f}, std {std:.3f}", "use torch.randn(out_features, in_features).")


def linear_checks() -> list[Check]:
    """The iteration-1 checks, with their points."""
    return [
        Check("parameters: names and shapes", 1, check_parameters),
        Check("forward equals nn.Linear", 2, check_forward),
        Check("randn initialisation", 1, check_randn_init),
    ]
