"""Questions judged checks share (generators: `layer = yield from asks.build(cls, 7, 5)`), see tape.py."""
from __future__ import annotations

from typing import Any, Generator

from .core import CheckFailure
from .tape import Ask, Handle, ask

Q = Generator[Ask, Any, Any]


def build(cls: Any, *args: Any, **kwargs: Any) -> Q:
    """The student's layer, failing readably when cls is not an nn.Module class."""
    if not (isinstance(cls, Handle) and cls.kind == "class"):
        raise CheckFailure("a class (pass the class itself, e.g. MyLinear, not an instance)",
                           f"{cls.name if isinstance(cls, Handle) else type(cls).__name__}",
                           "call self_check with the class name, without ().")
    module = yield ask("build", cls, *args, **kwargs)
    if not (isinstance(module, Handle) and module.is_module):
        bases = module.bases[1:] if isinstance(module, Handle) else (type(module).__name__,)
        raise CheckFailure("an nn.Module subclass", f"an instance of {bases}",
                           "write `class MyLinear(nn.Module):` and call super().__init__().")
    return module


def try_build(cls: Any, *args: Any, **kwargs: Any) -> Q:
    """The student's module, or None when building it fails (that failure belongs to another check)."""
    try:
        module = yield ask("build", cls, *args, **kwargs)
    except (Exception, SystemExit, KeyboardInterrupt):  # noqa: BLE001 - not evidence of borrowing
        return None
    return module if isinstance(module, Handle) and module.is_module else None


def reference_origin(h: Any) -> str | None:
    """The reference class the student's class is or derives from (module 'solutions.*'), or None."""
    for base in getattr(h, "bases", ()):
        if base.split(".")[0] == "solutions":
            return base
    return None


def get(obj: Handle, name: str, *default: Any) -> Q:
    """An attribute of the student's object (the student's AttributeError when missing and no default)."""
    return (yield ask("get", obj, name, *default))


def call(obj: Handle, *args: Any) -> Q:
    """The student's object called (a layer's forward)."""
    return (yield ask("call", obj, *args))
