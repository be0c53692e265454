"""The lint gate: ruff (pyflakes' F rules and bugbear's basics, configured in pyproject.toml) is clean on the tree."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lint
ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    assert importlib.util.find_spec("ruff") is not None, \
        "Expected ruff installed in this environment; got none. Hint: it is pinned in requirements.lock; run make venv."
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", str(ROOT)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, \
        f"Expected ruff check to pass; got exit {out.returncode}:\n{out.stdout}{out.stderr}" \
        "Hint: fix the lines above, or `.venv/bin/ruff check --fix .` for the fixable ones."
