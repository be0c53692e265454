"""The initialisation tests' statistics: the KS distance is scipy's, and the DKW bound is conservative."""
import math

import pytest
import torch
from scipy import stats as scipy_stats

from autograder.student.checks import iter2, stats

pytestmark = [pytest.mark.iter1, pytest.mark.iter2]


@pytest.mark.parametrize("n", [5, 100, 5000])
def test_ks_distance_equals_scipy(n: int) -> None:
    g = torch.Generator().manual_seed(n)
    u = torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1
    z = torch.randn(n, generator=g, dtype=torch.float64)
    assert stats.ks_distance(u, stats.uniform_cdf(1.0)) == pytest.approx(
        scipy_stats.kstest(u.numpy(), "uniform", args=(-1, 2)).statistic, abs=1e-12)
    assert stats.ks_distance(z, stats.normal_cdf) == pytest.approx(
        scipy_stats.kstest(z.numpy(), "norm").statistic, abs=1e-12)


def test_dkw_threshold_is_conservative() -> None:
    """At alpha = 0.05 (so failures are frequent enough to count) correct samples fail at most ~5% of the time."""
    g = torch.Generator().manual_seed(0)
    n, trials, alpha = 200, 2000, 0.05
    eps = stats.dkw_epsilon(n, alpha)
    fails = sum(stats.ks_distance(torch.rand(n, generator=g) * 2 - 1, stats.uniform_cdf(1.0)) > eps
                for _ in range(trials))
    print(f"\nDKW at alpha={alpha}: {fails}/{trials} correct samples rejected")
    assert fails / trials <= alpha


def test_union_bound_gives_pass_probability_above_0_999() -> None:
    ks_tests = 2 * len(iter2.INIT_SIZES)  # weight and bias at each size
    assert ks_tests * stats.ALPHA < 1e-3
    eps = stats.dkw_epsilon(iter2.MIN_DRAWS)
    assert math.isclose(eps, math.sqrt(math.log(2 / 1e-4) / (2 * 5000)))
    assert eps < 0.05  # small enough to reject a uniform with 90% of the bound (KS distance 0.05)
