"""Tensor comparison on torch's C functions (not the torch.* names a notebook could reassign in a self-check)."""
from __future__ import annotations

import torch

from .core import CheckFailure

_allclose = torch._C._VariableFunctions.allclose  # the C functions themselves, not the torch.* names
_equal = torch._C._VariableFunctions.equal


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
