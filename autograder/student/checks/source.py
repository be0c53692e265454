"""Reading a student's class source (comments and strings dropped), for gates that look for a named call."""
from __future__ import annotations

import inspect
import io
import re
import tokenize


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
