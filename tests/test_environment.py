"""The two manifests agree, torch is pinned exactly, and torchvision is never imported."""
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.skeleton
ROOT = Path(__file__).resolve().parents[1]


def pins(lines: list[str]) -> dict[str, str]:
    """name -> exact version, from requirement lines like 'torch==2.13.0'."""
    out = {}
    for line in lines:
        m = re.match(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def test_environment_yml_pins_equal_requirements_txt():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    env = pins((ROOT / "environment.yml").read_text().splitlines())
    assert env == req, f"environment.yml and requirements.txt disagree: {set(env.items()) ^ set(req.items())}"


def test_lock_contains_every_direct_pin():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    lock = pins((ROOT / "requirements.lock").read_text().splitlines())
    wrong = {n: (v, lock.get(n)) for n, v in req.items() if lock.get(n) != v}
    assert not wrong, f"requirements.lock disagrees with requirements.txt (want, lock): {wrong}"


def test_torch_pinned_exactly():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    assert req.get("torch") == "2.13.0" and req.get("torchvision") == "0.28.0"


def test_no_source_imports_torchvision_or_fastai_vision():
    offenders = []
    for path in list(ROOT.glob("autograder/**/*.py")) + list(ROOT.glob("solutions/**/*.py")) + \
            list(ROOT.glob("solutions/**/*.ipynb")):
        text = path.read_text()
        if re.search(r"^\s*(import torchvision|from torchvision|from fastai\.vision|import fastai\.vision)",
                     text.replace('\\n"', "\n").replace('"', ""), re.M):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"torchvision / fastai.vision must never be imported (CPU torch): {offenders}"
