"""Checks for iteration 1: MyLinear with randn init, compared with nn.Linear."""
from __future__ import annotations

from typing import Any

import torch

from . import asks, linear, stats
from .asks import Q
from .core import Check, CheckFailure, checks_of
from .tape import ask


def _check_normal(what: str, sample: torch.Tensor, hint: str) -> None:
    """Fail unless the sample looks like N(0, 1) by the KS distance (DKW bound, alpha = 1e-4)."""
    d, eps = stats.ks_distance(sample, stats.normal_cdf), stats.dkw_epsilon(sample.numel())
    if not d <= eps:
        raise CheckFailure(f"{what} ~ N(0, 1) (Kolmogorov-Smirnov distance <= {eps:.3f})",
                           f"distance {d:.3f}; {stats.describe(sample)}", hint)


def check_randn_init(cls: Any) -> Q:
    """weight and bias are drawn from a standard normal (judged by distribution, not RNG order)."""
    weight = (yield ask("get", (yield from asks.build(cls, 784, 100)), "weight")).detach()  # 78,400 draws
    _check_normal("weight", weight, "use torch.randn(out_features, in_features) (not rand, not scaled).")
    biases = []
    for _ in range(30):  # 3,000 draws, pooled
        biases.append((yield ask("get", (yield from asks.build(cls, 3, 100)), "bias", None)))
    if any(b is None for b in biases):
        raise CheckFailure("a bias Parameter (iteration 1 always has one)", "no bias (missing or None)",
                           "you forgot the bias: register it as an nn.Parameter shaped (out_features,), drawn with torch.randn.")
    _check_normal("bias", torch.cat([b.detach().flatten() for b in biases]),
                  "use torch.randn(out_features) for the bias (not zeros).")


def linear_checks() -> list[Check]:
    """The iteration-1 checks, with their points (10 in total). bias=False is iteration 2's lesson, not graded here: its point went to randn_init."""
    check = checks_of("linear_randn", linear.explain)
    return [
        check("built_not_borrowed", "built from tensors, not nn.Linear / F.linear", 0, linear.check_built_not_borrowed,
              gate=True),
        check("parameters", "parameters: weight (out, in) and bias (out,)", 2, linear.check_parameters),
        check("forward", "forward equals nn.Linear (2-D input, float32 and float64)", 2, linear.forward_check([(4,)])),
        check("gradients", "gradients equal nn.Linear's", 1, linear.gradient_check((4,))),
        check("state_dict", "state_dict round trip with nn.Linear", 1, linear.check_state_dict),
        check("bad_input", "wrong feature count raises ValueError (not sys.exit)", 1, linear.bad_input_check([(3,)])),
        check("randn_init", "randn initialisation of weight and bias", 3, check_randn_init),
    ]
