"""Stage 4 and 5 checks: they hold without solutions/, and a notebook that rebinds torch's references cannot fool them."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from autograder.checks import check_report
from autograder.checks import backprop as backprop_checks
from autograder.checks import optimizer as optimizer_checks
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
