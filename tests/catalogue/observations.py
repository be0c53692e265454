"""What a judge's observations may hold: plain values only (no objects that run code when loaded)."""
from __future__ import annotations

from typing import Any, Iterator

PLAIN = {"str", "int", "float", "bool", "NoneType", "Tensor"}


def leaves(value: Any) -> Iterator[Any]:
    """Every leaf value of nested observations."""
    if isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from leaves(v)
    else:
        yield value


def leaf_kinds(observations: Any) -> set[str]:
    """The type names of every leaf, to compare with PLAIN."""
    return {type(v).__name__ for v in leaves(observations)}
