"""Stage 4 and 5 checks: they hold without solutions/, and a notebook that rebinds torch's references cannot fool them."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings, strategies as st

from autograder.student.checks import check_report
from autograder.student.checks import backprop as backprop_checks
from autograder.student.checks import optimizer as optimizer_checks
from catalogue import backprop_cases as bp
from catalogue import optimizer_cases as opt


def _imported_modules(module) -> set[str]:
    """Every module a checks file imports (absolute names; relative imports as '.name')."""
    tree = ast.parse(Path(module.__file__).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


@pytest.mark.parametrize("module", [pytest.param(backprop_checks, marks=pytest.mark.backprop, id="backprop"),
                                    pytest.param(optimizer_checks, marks=pytest.mark.optimizer, id="optimizer")])
def test_checks_do_not_import_the_reference(module) -> None:
    found = [m for m in _imported_modules(module) if m.split(".")[0] == "solutions"]
    assert not found, (f"Expected {module.__name__} to compare with autograd / torch.optim only (a student edition "
                       f"ships without solutions/); got imports {found}.")


@pytest.mark.backprop
def test_a_rebound_torch_sigmoid_does_not_change_the_verdict(monkeypatch) -> None:
    monkeypatch.setattr(torch, "sigmoid", lambda x: 1 / (1 + torch.exp(x)))
    report = check_report("activation_bwd", (bp.Relu, bp.SigmoidWrongSign))
    assert not report.result("activation_bwd.forward").passed, str(report)
    monkeypatch.undo()
    assert check_report("activation_bwd", (bp.Relu, bp.Sigmoid)).passed


@pytest.mark.backprop
def test_a_rebound_autograd_grad_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(torch.autograd, "grad", lambda *a, **k: None)
    report = check_report("lin_bwd", bp.Lin)
    assert "genuine torch.autograd.grad" in report.result("lin_bwd.weight_grad").message, str(report)


@pytest.mark.optimizer
def test_a_rebound_torch_optim_sgd_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(torch.optim, "SGD", opt.SGDNoBuffer)
    report = check_report("sgd", opt.SGDNoBuffer)
    assert not report.result("sgd.momentum").passed and report.score < report.max_score, str(report)


@pytest.mark.optimizer
def test_trajectories_have_at_least_four_steps_at_tolerance_1e_5() -> None:
    assert optimizer_checks.STEPS >= 4 and optimizer_checks.TOL["atol"] <= 1e-5


# ---- properties (hypothesis): the catalogue's correct layers equal autograd on any shape -------------

dims = st.integers(1, 6)


@pytest.mark.backprop
@settings(max_examples=40, deadline=None)
@given(dims, dims, dims, st.integers(0, 2**31 - 1))
def test_correct_lins_equal_autograd_and_a_transposed_w_g_is_always_caught(batch, n_in, n_out, seed) -> None:
    inp, w, b, g = backprop_checks.lin_params(batch, n_in, n_out, seed=seed)
    want = backprop_checks.autograd_vjp(backprop_checks._lin, [inp, w, b], g)
    for cls in (bp.Lin, bp.LinPlain, bp.LinTorchEinsum, bp.LinOnesVector):
        x, layer = inp.clone(), cls(w.clone(), b.clone())
        backprop_checks.run_bwd(layer, [x], g.clone())
        for got, ref in zip((x.g, layer.w.g, layer.b.g), want):
            assert got.shape == ref.shape and torch.allclose(got, ref, rtol=1e-9, atol=1e-11), cls.__name__
    layer = bp.LinTransposedWeightGrad(w.clone(), b.clone())
    backprop_checks.run_bwd(layer, [inp.clone()], g.clone())
    wrong = layer.w.g.shape != want[1].shape or not torch.allclose(layer.w.g, want[1], rtol=1e-9, atol=1e-11)
    assert wrong or n_in == n_out == 1, f"Expected the transposed w.g caught for {(batch, n_in, n_out)}."


@pytest.mark.backprop
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.sampled_from([None, 1, 3]), st.integers(0, 2**31 - 1))
def test_correct_mses_equal_autograd(n, width, seed) -> None:
    inp = backprop_checks.rand(n, width or 1, seed=seed)
    targ = backprop_checks.rand(n, seed=seed + 1) if width in (None, 1) else backprop_checks.rand(n, width, seed=seed + 1)
    want, _ = backprop_checks.autograd_vjp(backprop_checks._mse, [inp, targ], None)
    for cls in (bp.Mse, bp.MseRearrange, bp.MseTorchForward, bp.MseSumOverNumel):
        x = inp.clone()
        backprop_checks.run_bwd(cls(), [x, targ.clone()], None)
        assert x.g.shape == want.shape and torch.allclose(x.g, want, rtol=1e-9, atol=1e-11), cls.__name__
