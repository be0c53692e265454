"""The self-checks' own equivalents of the reference agree with the reference solutions, the grading oracle.

The checks compare with an SGD formula and an nn.Sequential they own, so they work without solutions/
(the student edition). These tests keep solutions/*.py the oracle: the equivalents must equal them.
"""
import copy

import pytest
import torch

from autograder.student.checks import adapters, mlp, mnist

from solutions import backdrop as ref_backdrop
from tools.reference import update_step
from solutions import mlp as ref_mlp


@pytest.mark.backdrop
@pytest.mark.parametrize("wd", [0.0, 1e-5, 0.3])
def test_sgd_formula_equals_the_notebooks_update(wd):
    start = mnist._model()
    mine, ref = copy.deepcopy(start), copy.deepcopy(start)
    x, y = mnist._batch()
    got, want = mnist.sgd_step(mine, x, y, 0.37, wd), update_step(ref, x, y, 0.37, wd=wd)
    assert got == pytest.approx(want, rel=1e-12), f"Expected the loss {want}; got {got}."
    for (name, p), q in zip(mine.named_parameters(), ref.parameters()):
        assert torch.allclose(p, q, rtol=1e-12, atol=1e-14), f"Expected {name} to move like the reference step."
    assert mnist.WD == ref_backdrop.wd, f"Expected the checks' WD {mnist.WD} to be the course's wd {ref_backdrop.wd}."


@pytest.mark.mlp
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sequential_with_copied_weights_equals_the_reference_mlp(dtype):
    torch.manual_seed(0)
    ref, mine = ref_mlp.SimpleMLP().to(dtype), mlp.reference_mlp().to(dtype)
    adapters.copy_by_order(ref, mine)
    x = torch.rand(8, 1, 28, 28, dtype=dtype)
    assert torch.allclose(mine(x), ref(x), rtol=1e-6 if dtype == torch.float32 else 1e-12, atol=1e-6), \
        "Expected nn.Sequential with the reference's weights to compute the reference's output."
