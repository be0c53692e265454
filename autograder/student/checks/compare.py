"""Tensor comparison built on genuine torch/numpy functions, snapshotted before any student code runs.

`autograder.student.notebook.setup_notebook()` imports this package first, so the snapshot holds the real
functions. `restore_genuine()` undoes a student's `torch.allclose = lambda *a, **k: True` and says so.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import torch
import torch.nn.functional as F
import torch.testing._comparison as _torch_comparison
from torch import nn
from torch.nn.modules.linear import Linear as _TorchLinear

from .core import CheckFailure

_F_cross_entropy = F.cross_entropy
_linear_forward = vars(_TorchLinear)["forward"]

# (owner object, attribute, where the genuine one lives if the snapshot itself was spoiled)


def _watch() -> dict[str, tuple[object, str, object]]:
    """The comparison functions a student might replace, with their defining modules as a fallback."""
    vf = torch._C._VariableFunctions
    return {
        "torch.allclose": (torch, "allclose", getattr(vf, "allclose")),
        "torch.isclose": (torch, "isclose", getattr(vf, "isclose")),
        "torch.equal": (torch, "equal", getattr(vf, "equal")),
        "torch.testing.assert_close": (torch.testing, "assert_close", _torch_comparison.assert_close),
        "torch.Tensor.allclose": (torch.Tensor, "allclose", torch._C.TensorBase.allclose),
        "torch.Tensor.equal": (torch.Tensor, "equal", torch._C.TensorBase.equal),
        "numpy.allclose": (np, "allclose", np._core.numeric.allclose),
        "numpy.isclose": (np, "isclose", np._core.numeric.isclose),
        "numpy.array_equal": (np, "array_equal", np._core.numeric.array_equal),
        "numpy.testing.assert_allclose": (np.testing, "assert_allclose",
                                          np.testing._private.utils.assert_allclose),
        # the references the checks compare with
        "torch.relu": (torch, "relu", getattr(vf, "relu")),
        "torch.flatten": (torch, "flatten", getattr(vf, "flatten")),
        "torch.nn.functional.linear": (F, "linear", torch._C._nn.linear),
        "torch.nn.functional.cross_entropy": (F, "cross_entropy", _F_cross_entropy),
        "torch.nn.Linear.forward": (nn.Linear, "forward", _linear_forward),
    }


def _is_genuine(fn: object, fallback: object) -> bool:
    """A genuine comparison function is the fallback itself or defined inside torch/numpy."""
    module = getattr(fn, "__module__", None) or ""
    return fn is fallback or module.split(".")[0] in {"torch", "numpy"}


_WATCHED = _watch()
_GENUINE: dict[str, object] = {
    name: (getattr(owner, attr) if _is_genuine(getattr(owner, attr), fb) else fb)
    for name, (owner, attr, fb) in _WATCHED.items()
}
_allclose = torch._C._VariableFunctions.allclose  # the C functions themselves, not the torch.* names
_equal = torch._C._VariableFunctions.equal


def restore_genuine(snapshot: "Mapping[str, object] | None" = None) -> list[str]:
    """Put back every replaced function from `snapshot` (default: this module's); return the tampered names."""
    tampered = []
    for name, (owner, attr, fallback) in _WATCHED.items():
        genuine = (snapshot or _GENUINE).get(name, fallback)
        if not _is_genuine(genuine, fallback):
            genuine = fallback
        if getattr(owner, attr, None) is not genuine:
            tampered.append(name)
            setattr(owner, attr, genuine)
    return tampered


def identical(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same shape, dtype and values (inf equals inf), using the genuine torch.equal."""
    return tuple(a.shape) == tuple(b.shape) and a.dtype == b.dtype and bool(_equal(a.detach(), b.detach()))


def max_diff(got: torch.Tensor, want: torch.Tensor) -> float:
    """Largest absolute difference, compared in float64 on the CPU."""
    if got.numel() == 0:
        return 0.0
    return float((got.detach().double().cpu() - want.detach().double().cpu()).abs().max())


def close(got: torch.Tensor, want: torch.Tensor, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Same shape and values within tolerance, using the genuine torch.allclose."""
    if tuple(got.shape) != tuple(want.shape):
        return False
    return bool(_allclose(got.detach().double().cpu(), want.detach().double().cpu(), rtol=rtol, atol=atol))


def tol_for(dtype: torch.dtype) -> dict[str, float]:
    """Tolerances for comparing with the reference in a given precision."""
    return {"rtol": 1e-10, "atol": 1e-12} if dtype == torch.float64 else {"rtol": 1e-4, "atol": 1e-5}


def expect_close(what: str, got: object, want: torch.Tensor, hint: str, dtype: torch.dtype) -> None:
    """Fail with Expected/Got/Hint unless `got` is a tensor shaped and valued like `want`."""
    if not isinstance(got, torch.Tensor):
        raise CheckFailure(f"{what}: a tensor shaped {tuple(want.shape)}", f"{type(got).__name__}", hint)
    if tuple(got.shape) != tuple(want.shape):
        raise CheckFailure(f"{what} shaped {tuple(want.shape)}", f"shape {tuple(got.shape)}", hint)
    if not close(got, want, **tol_for(dtype)):
        raise CheckFailure(f"{what} equal to the reference ({dtype}, rtol {tol_for(dtype)['rtol']:g})",
                           f"max difference {max_diff(got, want):.3g}", hint)
