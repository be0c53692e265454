"""Adapters between the checks and student code, so checks never depend on a student's naming."""
from __future__ import annotations

import contextlib
import inspect
import io
import re
import tokenize
from typing import Any, Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

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


def copy_by_order(src: nn.Module, dst: nn.Module) -> None:
    """Copy src's parameters into dst by order and shape, whatever dst calls them."""
    want = list(src.parameters())
    got = list(dst.parameters())
    shapes_want = [tuple(p.shape) for p in want]
    shapes_got = [tuple(p.shape) for p in got]
    if shapes_want != shapes_got:
        raise CheckFailure(f"parameters shaped {shapes_want} (in this order)", f"{shapes_got}",
                           "build layers in the order flatten, linear1, relu, linear2, each with "
                           "weight (out, in) then bias (out,).")
    with torch.no_grad():
        for s, d in zip(want, got):
            d.copy_(s)


def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call student code with stdout captured (keeps the report readable)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def _code_tokens(source: str) -> str:
    """The source without comments and strings, so a docstring that mentions nn.Linear is not a call."""
    keep = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type not in (tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE,
                                tokenize.INDENT, tokenize.DEDENT):
                keep.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return ""
    return "".join(keep)


def class_source(cls: type) -> str:
    """The code of every function the class (and its own bases) defines; '' when unavailable."""
    parts = []
    for klass in cls.__mro__:
        if klass.__module__.startswith(("torch", "builtins")):
            continue
        for value in vars(klass).values():
            fn = getattr(value, "__func__", value)
            if inspect.isfunction(fn):
                try:
                    parts.append(_code_tokens(inspect.cleandoc("\n" + inspect.getsource(fn))))
                except (OSError, TypeError):
                    continue
    return "\n".join(parts)


def source_uses(cls: type, pattern: str) -> str | None:
    """The first call in the class's code that matches pattern (a regex), or None."""
    match = re.search(pattern, class_source(cls))
    return match.group(0) if match else None


def reference_origin(cls: type) -> str | None:
    """The reference class this class is or derives from (module 'solutions.*'), or None."""
    for klass in getattr(cls, "__mro__", ()):
        if getattr(klass, "__module__", "").split(".")[0] == "solutions":
            return f"{klass.__module__}.{klass.__qualname__}"
    return None


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


LINEAR_FUNCTIONS = [(F, "linear"), (torch._C._nn, "linear")]
LINEAR_SOURCE = r"\b(?:F|functional|_nn)\.linear\(|\bnn\.Linear\(|\bLinear\(|\blinear\("


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
