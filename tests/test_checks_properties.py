"""Property tests (hypothesis) for ReLU and Flatten, and coverage of the checks' own seeded sweeps."""
import pytest
import torch
from hypothesis import given, settings, strategies as st

from autograder.student.checks import mlp as mlp_checks
from catalogue import mlp_cases
from solutions.mlp import Flatten, ReLU

pytestmark = pytest.mark.mlp

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=5).map(tuple)


@st.composite
def flatten_args(draw):
    shape = draw(shapes)
    n = len(shape)
    start = draw(st.integers(-n, n - 1))
    end = draw(st.integers(-n, n - 1).filter(lambda e: e % n >= start % n))
    return shape, start, end


@settings(max_examples=60, deadline=None)
@given(flatten_args())
def test_flatten_equals_torch(args) -> None:
    shape, start, end = args
    x = torch.randn(shape)
    for cls in (Flatten, mlp_cases.FlattenReshape, mlp_cases.FlattenView):
        assert torch.equal(cls(start, end)(x), torch.flatten(x, start, end))


@settings(max_examples=60, deadline=None)
@given(shapes, st.sampled_from([torch.float32, torch.float64]), st.integers(0, 2**31 - 1))
def test_relu_equals_torch(shape, dtype, seed) -> None:
    x = mlp_checks.relu_input(shape, dtype, seed)
    for cls in (ReLU, mlp_cases.ReluClamp, mlp_cases.ReluWhere, mlp_cases.ReluMask, mlp_cases.ReluMaximum):
        out = cls()(x)
        assert out.dtype == dtype and torch.equal(out, torch.relu(x))


def test_flatten_sweep_covers_every_dim_pair_up_to_5_dims() -> None:
    seen = {(len(s), a % len(s), b % len(s), a < 0, b < 0) for s, a, b in mlp_checks.flatten_cases(22)}
    for n in range(1, 6):
        for a in range(-n, n):
            for b in range(-n, n):
                if a % n <= b % n:
                    assert (n, a % n, b % n, a < 0, b < 0) in seen


def test_relu_sweep_covers_0d_to_4d_and_special_values() -> None:
    dims = {len(s) for s in mlp_checks.random_shapes(11, 0, 4)}
    assert dims == {0, 1, 2, 3, 4}
    x = mlp_checks.relu_input((50, 50), torch.float64, 0)
    assert (x == 0).any() and (x < 0).any() and (x > 0).any()
