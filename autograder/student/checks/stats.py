"""Distribution tests for initialisation: a Kolmogorov-Smirnov distance with a DKW-Massart bound.

The Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant says that for n independent
draws from a continuous distribution F, P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2), for every n.
Choosing eps = sqrt(ln(2 / alpha) / (2 n)) therefore fails a correct initialisation with
probability at most alpha, with no large-sample approximation. Each test uses ALPHA = 1e-4; the
linear_kaiming exercise runs 6 such tests and linear_randn 2, so by the union bound a correct layer
fails an initialisation check with probability at most 6e-4 < 1e-3 (and the checks fix the seed,
so a given layer gets the same verdict every run).
"""
from __future__ import annotations

import math
from typing import Callable

import torch

ALPHA = 1e-4


def dkw_epsilon(n: int, alpha: float = ALPHA) -> float:
    """The KS distance a correct sample of size n exceeds with probability at most alpha."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def ks_distance(sample: torch.Tensor, cdf: Callable[[torch.Tensor], torch.Tensor]) -> float:
    """sup |empirical CDF - cdf| of a 1-D sample (float64)."""
    x = sample.detach().double().flatten().cpu().sort().values
    n = x.numel()
    f = cdf(x)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - f, f - (i - 1) / n).max())


def uniform_cdf(bound: float) -> Callable[[torch.Tensor], torch.Tensor]:
    """CDF of U(-bound, bound)."""
    return lambda x: ((x + bound) / (2 * bound)).clamp(0, 1)


def normal_cdf(x: torch.Tensor) -> torch.Tensor:
    """CDF of N(0, 1)."""
    return torch.special.ndtr(x)


def describe(sample: torch.Tensor) -> str:
    """Mean, std and range of a sample, for a failure message."""
    s = sample.detach().double().flatten().cpu()
    return (f"mean {float(s.mean()):.4g}, std {float(s.std()):.4g}, "
            f"min {float(s.min()):.4g}, max {float(s.max()):.4g} over {s.numel()} values")
