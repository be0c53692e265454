"""A student cell that replaces comparison functions or the checks' own helpers cannot make a check pass."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import autograder.student.checks as checks
import autograder.student.checks.backdrop
import autograder.student.checks.compare
import autograder.student.checks.core
import autograder.student.checks.iter2
import autograder.student.checks.registry
from catalogue.backdrop_cases import update_no_wd
from catalogue.linear_wrong import BiasZero, ForgotBias

pytestmark = pytest.mark.grading

ALWAYS_TRUE = lambda *a, **k: True  # noqa: E731
NOTHING = lambda *a, **k: None  # noqa: E731


@pytest.mark.parametrize("owner, name, fake", [
    (torch, "allclose", ALWAYS_TRUE), (torch, "equal", ALWAYS_TRUE), (torch, "isclose", ALWAYS_TRUE),
    (torch.testing, "assert_close", NOTHING), (np, "allclose", ALWAYS_TRUE),
    (np.testing, "assert_allclose", NOTHING), (torch.Tensor, "allclose", ALWAYS_TRUE),
    (nn.Linear, "forward", lambda self, x: x @ self.weight.T),
    (F, "linear", lambda x, w, b=None: x @ w.T),
])
def test_replaced_comparison_is_restored_and_reported(owner, name, fake, monkeypatch) -> None:
    honest = checks.check_report("linear_kaiming", ForgotBias)
    genuine = getattr(owner, name)
    monkeypatch.setattr(owner, name, fake)
    report = checks.check_report("linear_kaiming", ForgotBias)
    assert getattr(owner, name) is genuine  # restored by grading itself
    assert report.score == honest.score < report.max_score
    assert any("tampering detected" in n and name in n for n in report.notices)


def test_replaced_check_helpers_do_not_count(monkeypatch) -> None:
    monkeypatch.setattr(autograder.student.checks.iter2, "check_bias_init", lambda cls: None)
    monkeypatch.setattr(autograder.student.checks.iter2, "_check_uniform", lambda cls, name: None)
    monkeypatch.setattr(autograder.student.checks.core, "run_check",
                        lambda c, o, seed=0: autograder.student.checks.core.CheckResult(c, True))
    monkeypatch.setattr(autograder.student.checks.compare, "close", ALWAYS_TRUE)
    monkeypatch.setitem(autograder.student.checks.registry.EXERCISES, "linear_kaiming", lambda: [])
    report = checks.check_report("linear_kaiming", BiasZero)
    assert not report.result("linear_kaiming.bias_init").passed
    assert report.max_score == 12 and report.score == 11


def test_replaced_reference_does_not_count(monkeypatch) -> None:
    monkeypatch.setattr(autograder.student.checks.backdrop, "sgd_step", lambda model, x, y, lr, wd=0: update_no_wd(x, y, lr))
    assert not checks.check_report("update", update_no_wd).result("update.weight_decay").passed


@pytest.mark.parametrize("name", ["grade", "self_check", "check_report", "EXERCISES", "_fresh_modules"])
def test_package_names_are_read_only(name) -> None:
    original = getattr(checks, name)
    with pytest.raises(AttributeError, match="read-only"):
        setattr(checks, name, lambda *a, **k: 12.0)
    assert getattr(checks, name) is original
