"""tools/bootstrap.sh stops with one clear sentence, and builds nothing, when Python is wrong."""
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.skeleton
ROOT = Path(__file__).resolve().parents[1]


def run_bootstrap(tmp_path: Path, python: str) -> subprocess.CompletedProcess:
    """Run a copy of the bootstrap script in an empty folder with the given interpreter."""
    shutil.copy(ROOT / "tools" / "bootstrap.sh", tmp_path / "bootstrap.sh")
    return subprocess.run(["bash", "bootstrap.sh", python], cwd=tmp_path, capture_output=True, text=True)


def test_old_python_is_refused_with_the_fix(tmp_path):
    fake = tmp_path / "python3.9"
    fake.write_text('#!/bin/sh\n[ "$1" = "-V" ] && echo "Python 3.9.18" && exit 0\nexit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    proc = run_bootstrap(tmp_path, str(fake))
    assert proc.returncode != 0
    assert "needs Python 3.10-3.13" in proc.stderr and "Python 3.9.18" in proc.stderr
    assert "make PYTHON=" in proc.stderr
    assert not (tmp_path / ".venv").exists(), "a refused run must not leave a half-built .venv"


def test_missing_python_is_named(tmp_path):
    proc = run_bootstrap(tmp_path, "python-that-does-not-exist")
    assert proc.returncode != 0
    assert "'python-that-does-not-exist' was not found" in proc.stderr
    assert not (tmp_path / ".venv").exists()
