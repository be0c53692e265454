"""Shared fixtures: the repository root and the (bundled, checksum-verified) MNIST data."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist():
    """The classic split, loaded once per test session from data/mnist (never downloaded)."""
    from autograder.student.data import load_mnist
    return load_mnist(download=False)
