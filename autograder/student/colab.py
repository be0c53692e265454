"""Colab only: install what Colab lacks, at the versions the course is tested with, and never touch its torch."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

from .settings import pins_files

# What the notebooks and the checks import (module name -> pip name). torch is Colab's, always.
NEEDED = {"fastai": "fastai", "matplotlib": "matplotlib", "numpy": "numpy"}


def in_colab() -> bool:
    """True inside Google Colab (its kernel imports google.colab before any cell runs)."""
    return "google.colab" in sys.modules


def missing_modules(find_spec: Callable[[str], object] = importlib.util.find_spec) -> list[str]:
    """The needed modules this runtime cannot import."""
    return [m for m in NEEDED if find_spec(m) is None]


def pinned(pip_names: list[str], lock: Path | None = None) -> list[str]:
    """`name==version` from requirements.lock (or the edition's requirements.txt) for each name; bare if unpinned."""
    files = pins_files()  # the lock; the student edition ships only requirements.txt
    lock = lock or next((p for p in files if p.exists()), files[0])
    pins = {}
    if lock.exists():
        for line in lock.read_text().splitlines():
            name, sep, version = line.split("#")[0].strip().partition("==")
            if sep:
                pins[name.lower()] = f"{name}=={version}"
    return [pins.get(n.lower(), n) for n in pip_names]


def pip_command(requirements: list[str], constraints: Path) -> list[str]:
    """pip install of `requirements`, constrained so that the runtime's own torch stays as it is."""
    return [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(constraints),
            *requirements]


def install_missing(run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> list[str]:
    """Install the needed packages this runtime lacks (none in Colab today); return what was installed."""
    requirements = pinned([NEEDED[m] for m in missing_modules()])
    if not requirements:
        return []
    import torch  # Colab's CUDA build: pinning it in the constraints stops pip from replacing it
    print(f"Installing what this runtime lacks: {' '.join(requirements)} (once)")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(f"torch=={torch.__version__}\n")
    proc = run(pip_command(requirements, Path(f.name)), capture_output=True, text=True)
    Path(f.name).unlink(missing_ok=True)
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"Could not install {' '.join(requirements)} (pip said: {last[0]}): connect this runtime "
                         "to the internet, then run the setup cell again.")
    importlib.invalidate_caches()
    return requirements
