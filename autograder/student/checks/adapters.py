"""Adapters between the checks and student code, so checks never depend on a student's naming."""
from __future__ import annotations

import contextlib
import io
from typing import Any, Callable, Iterator

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .core import CheckFailure


def build(cls: Any, *args: Any, **kwargs: Any) -> nn.Module:
    """Instantiate the student's class, failing readably when it is not an nn.Module class."""
    if not isinstance(cls, type):
        raise CheckFailure("a class (pass the class itself, e.g. MyLinear, not an instance)",
                           f"{type(cls).__name__}", "call self_check with the class name, without ().")
    module = cls(*args, **kwargs)
    if not isinstance(module, nn.Module):
        raise CheckFailure("an nn.Module subclass", f"an instance of {type(module).__mro__[1:]}",
                           "write `class MyLinear(nn.Module):` and call super().__init__().")
    return module


def canonical_parameters(module: nn.Module) -> list[nn.Parameter]:
    """Parameters module by module, each module's own sorted weight-like first (more dims first), so the order in
    which a layer registers its weight and bias does not matter."""
    out: list[nn.Parameter] = []
    for m in module.modules():
        own = [p for p in m._parameters.values() if p is not None]
        out += sorted(own, key=lambda p: -p.dim())
    return out


def same_layout(shapes_want: list[tuple], shapes_got: list[tuple]) -> None:
    """Fail readably when the student's parameters, in module order, are not shaped as the reference's."""
    if shapes_want != shapes_got:
        raise CheckFailure(f"parameters shaped {shapes_want} (in this order)", f"{shapes_got}",
                           "build layers in the order flatten, linear1, relu, linear2, each with "
                           "weight (out, in) and bias (out,)." if sorted(shapes_want) == sorted(shapes_got) else
                           "the layer sizes differ, not only their order: fix the sizes the structure check names "
                           "first.")


def copy_by_order(src: nn.Module, dst: nn.Module) -> None:
    """Copy src's parameters into dst by module order and shape, whatever dst calls them."""
    want = canonical_parameters(src)
    got = canonical_parameters(dst)
    same_layout([tuple(p.shape) for p in want], [tuple(p.shape) for p in got])
    with torch.no_grad():
        for s, d in zip(want, got):
            d.copy_(s)


def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call student code with stdout captured (keeps the report readable)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


class _TorchCalls(TorchFunctionMode):
    """Records the name of every torch function called while active (F.linear arrives as 'linear').

    Calls made while `inside[0] > 0` (inside a submodule that is judged elsewhere) are not recorded.
    """

    def __init__(self, inside: list[int]) -> None:
        super().__init__()
        self.names: list[str] = []
        self.inside = inside

    def __torch_function__(self, func: Callable[..., Any], types: Any, args: tuple = (),
                           kwargs: dict | None = None) -> Any:
        if not self.inside[0]:
            self.names.append(getattr(func, "__name__", ""))
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def _not_counting(modules: list[nn.Module], inside: list[int]) -> Iterator[None]:
    """While one of `modules` runs its forward, inside[0] > 0."""
    def enter(*_: Any) -> None:
        inside[0] += 1

    def leave(*_: Any) -> None:
        inside[0] -= 1
    handles = [h for m in modules for h in (m.register_forward_pre_hook(enter), m.register_forward_hook(leave))]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def borrowed_call(runs: list[Callable[[], Any]], banned: dict[str, str],
                  skip: list[nn.Module] = ()) -> str | None:  # type: ignore[assignment]
    """Run student code while watching torch's own functions; the label of the first banned one called, or None.

    Observed at run time (torch.overrides.TorchFunctionMode), so an alias such as
    `from torch.nn.functional import linear` is seen too, and a docstring that mentions F.linear is not.
    An error raised by the student's code is no evidence of borrowing: it is ignored here and left to
    the check it concerns. Calls made inside the modules in `skip` (judged by their own exercise) do
    not count.
    """
    for run in runs:
        inside = [0]
        recorder = _TorchCalls(inside)
        try:
            with _not_counting(list(skip), inside), recorder:
                with contextlib.redirect_stdout(io.StringIO()):
                    run()
        except (Exception, SystemExit, KeyboardInterrupt):  # noqa: BLE001 - not evidence; CheckTimeout passes
            pass
        used = next((banned[n] for n in recorder.names if n in banned), None)
        if used:
            return used
    return None


def reference_origin(cls: type) -> str | None:
    """The reference class this class is or derives from (module 'solutions.*'), or None."""
    for klass in getattr(cls, "__mro__", ()):
        if getattr(klass, "__module__", "").split(".")[0] == "solutions":
            return f"{klass.__module__}.{klass.__qualname__}"
    return None


def try_build(cls: Any, *args: Any, **kwargs: Any) -> nn.Module | None:
    """The student's module, or None when building it fails (that failure belongs to another check)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            module = cls(*args, **kwargs)
    except (Exception, SystemExit, KeyboardInterrupt):  # noqa: BLE001 - not evidence of borrowing
        return None
    return module if isinstance(module, nn.Module) else None


LINEAR_BANNED = {"linear": "F.linear (torch.nn.functional.linear)"}
RELU_BANNED = {"relu": "torch.relu / F.relu / Tensor.relu", "relu_": "torch.relu_ / F.relu_"}
FLATTEN_BANNED = {"flatten": "torch.flatten / Tensor.flatten"}


def swapped_global(fn: Callable[..., Any], name: str, value: Any) -> contextlib.AbstractContextManager[None]:
    """Temporarily set a notebook global that fn reads (e.g. `model`), restoring it afterwards."""
    g = getattr(fn, "__globals__", None)
    if g is None:
        raise CheckFailure("a plain function update(x, y, lr)", f"{type(fn).__name__}",
                           "define update with `def update(x, y, lr):` in the notebook.")

    @contextlib.contextmanager
    def swap() -> Iterator[None]:
        missing = object()
        old = g.get(name, missing)
        g[name] = value
        try:
            yield
        finally:
            if old is missing:
                g.pop(name, None)
            else:
                g[name] = old
    return swap()


@contextlib.contextmanager
def record_calls(owners: list[tuple[Any, str]]) -> Iterator[list[str]]:
    """Temporarily wrap functions (e.g. F.linear) to record whether student code calls them."""
    seen: list[str] = []
    saved = [(owner, name, getattr(owner, name), name in vars(owner)) for owner, name in owners]

    def spy(label: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen.append(label)
            return real(*args, **kwargs)
        return wrapper
    try:
        for owner, name, real, _ in saved:
            setattr(owner, name, spy(f"{getattr(owner, '__name__', owner)}.{name}", real))
        yield seen
    finally:
        for owner, name, real, own in saved:
            if own:
                setattr(owner, name, real)
            else:  # it was inherited (e.g. torch.Tensor.relu from TensorBase): remove our copy
                delattr(owner, name)
