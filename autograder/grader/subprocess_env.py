"""The environment the grader's subprocesses (nbgrader, the kernels) start with."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def venv_env() -> dict[str, str]:
    """The environment with this interpreter's bin/ first on PATH: nbgrader shells out to `alembic`."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env
