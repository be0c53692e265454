"""Tests for autograder.student.integrity.observe: forbidden torch calls are seen whatever the alias."""
import pytest
import torch
import torch.nn as nn

from autograder.student.integrity.observe import forbidden_calls

pytestmark = pytest.mark.grading


def test_aliased_linear_is_seen() -> None:
    """A linear looked up with getattr and a built string is still recorded."""
    x, layer = torch.randn(2, 4), nn.Linear(4, 3)
    f = getattr(torch.nn.functional, "lin" + "ear")
    got = forbidden_calls("Linear", lambda: f(x, layer.weight, layer.bias))
    assert got == ["torch.nn.functional.linear"], f"Expected F.linear to be recorded; got {got}."


def test_matmul_stays_allowed() -> None:
    """A layer built from @ and + calls nothing forbidden."""
    x, layer = torch.randn(2, 4), nn.Linear(4, 3)
    got = forbidden_calls("Linear", lambda: x @ layer.weight.T + layer.bias)
    assert got == [], f"Expected no forbidden calls for x @ W.T + b; got {got}."


def test_relu_and_flatten_seen() -> None:
    """torch.relu and torch.flatten are recorded; clamp and view are not."""
    x = torch.randn(2, 4)
    assert forbidden_calls("ReLU", lambda: torch.relu(x)) == ["torch.relu"], "Expected torch.relu recorded."
    assert forbidden_calls("ReLU", lambda: x.clamp(min=0)) == [], "Expected clamp to be allowed."
    assert forbidden_calls("Flatten", lambda: torch.flatten(x)) == ["torch.flatten"], "Expected flatten recorded."
    assert forbidden_calls("Flatten", lambda: x.view(2, -1)) == [], "Expected view to be allowed."
