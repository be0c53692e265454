"""Observe and judge: a check asks the student's objects questions; their answers are plain values on a tape.

A judged check is a generator. Wherever it needs the student's code it yields a question instead of
calling it (`layer = yield ask("build", cls, 7, 5)`, `out = yield ask("call", layer, x)`) and receives
the answer: a tensor, a number, a string, a `Handle` standing for a student object, or the student's
error raised at the yield. Everything else in the check (nn.Linear, autograd, the comparisons, the
diagnoses, the points) only reads those answers.

- `Recorder` (observe, in the student's process): answers each question by running the student's code
  (probes.py) and writes the question's digest and the answer on the tape.
- `Replayer` (judge, in the grader's process): answers each question from the tape and runs no student
  code. A question whose digest differs from the tape's (another challenge, a changed or forged tape)
  stops the whole exercise with `StaleTape`.
A tape is saved with torch.save and read back with torch.load(weights_only=True): it loads no code.
"""
from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from ..handover import MAX_TAPE_BYTES
from .core import CheckTimeout, StaleTape, _where

MAX_TEXT = 2000          # characters kept of a student's string (repr, error message)


@dataclass(frozen=True)
class Handle:
    """A student object seen from the judge: an id, what it is, and the classes it derives from."""

    id: int
    kind: str                      # "class", "module", "function", "object"
    name: str                      # the class's (or the type's) qualified name
    bases: tuple[str, ...] = ()    # "module.qualname" of the class (or the type) and every base, in MRO order
    is_callable: bool = False

    def derives(self, qualified: str) -> bool:
        """True when the class (or the object's type) is or derives from `qualified`, e.g. 'torch.nn.modules.linear.Linear'."""
        return qualified in self.bases

    @property
    def is_module(self) -> bool:
        """An nn.Module instance."""
        return self.kind == "module"


MODULE = "torch.nn.modules.module.Module"
LINEAR = "torch.nn.modules.linear.Linear"


@dataclass(frozen=True)
class Ask:
    """One question: a probe's name and its arguments (tensors, numbers, strings, handles)."""

    probe: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


def ask(probe: str, *args: Any, **kwargs: Any) -> Ask:
    """The question a check yields: `out = yield ask("call", layer, x)`."""
    return Ask(probe, args, kwargs)


# ---------------------------------------------------------------- plain values
def _bases(klass: type) -> tuple[str, ...]:
    """'module.qualname' of a class and its bases."""
    return tuple(f"{getattr(k, '__module__', '?')}.{getattr(k, '__qualname__', '?')}" for k in getattr(klass, "__mro__", ()))


def _text(value: Any) -> str:
    """A student's string, cut to MAX_TEXT characters."""
    return str(value)[:MAX_TEXT]


def encode_tensor(t: torch.Tensor) -> dict:
    """A tensor as plain data: its values on the CPU and what it was (Parameter, requires_grad, device)."""
    out = {"param": isinstance(t, nn.Parameter), "rg": bool(t.requires_grad), "device": str(t.device),
           "grad_fn": t.grad_fn is not None}
    if t.device.type == "meta":
        return out | {"__meta__": list(t.shape), "dtype": str(t.dtype)}
    return out | {"__tensor__": torch.Tensor(t.detach().cpu().clone())}


def decode_tensor(d: dict) -> torch.Tensor:
    """The tensor encode_tensor described, on its device when this machine has it."""
    if "__meta__" in d:
        t = torch.empty(d["__meta__"], dtype=getattr(torch, d["dtype"].removeprefix("torch.")), device="meta")
    else:
        t = d["__tensor__"]
        if d["device"].startswith("cuda") and torch.cuda.is_available():
            t = t.to(d["device"])
    if d["param"]:
        return nn.Parameter(t, requires_grad=d["rg"])
    return t.requires_grad_(d["rg"]) if d["rg"] and (t.is_floating_point() or t.is_complex()) else t


def encode_error(exc: BaseException) -> dict:
    """A student's error as plain data: its type, message, the line of the student's code that raised it."""
    return {"__error__": type(exc).__name__, "message": _text(exc), "where": _where(exc),
            "name": getattr(exc, "name", None) if isinstance(exc, NameError) else None,
            "code": _text(exc.code) if isinstance(exc, SystemExit) else None}


def decode_error(d: dict) -> BaseException:
    """The error again, as its builtin type where it is one (a check may catch ValueError), else a stand-in class."""
    name, message = str(d["__error__"]), str(d["message"])
    klass = getattr(builtins, name, None)
    exc: BaseException
    if isinstance(klass, type) and issubclass(klass, BaseException) and name not in ("GeneratorExit",):
        try:
            exc = klass(d["code"]) if klass is SystemExit else klass(message)
        except Exception:  # noqa: BLE001 - a builtin with another signature (UnicodeError...): a stand-in
            exc = type(name, (Exception,), {"__module__": "student"})(message)
    else:
        exc = type(name, (Exception,), {"__module__": "student"})(message)
    exc.course_where = str(d.get("where") or "")  # type: ignore[attr-defined]
    if isinstance(exc, NameError):
        exc.name = d.get("name")
    return exc


class Objects:
    """The student's objects behind the handles (observe side)."""

    def __init__(self, root: Any) -> None:
        self.by_id: dict[int, Any] = {}
        self.ids: dict[int, int] = {}
        self.root = self.handle(root)

    def handle(self, obj: Any) -> Handle:
        """The handle of obj (the same handle each time the same object comes back)."""
        if id(obj) not in self.ids:
            self.ids[id(obj)] = len(self.by_id)
            self.by_id[len(self.by_id)] = obj
        klass = obj if isinstance(obj, type) else type(obj)
        kind = "class" if isinstance(obj, type) else "module" if isinstance(obj, nn.Module) else \
            "function" if callable(obj) else "object"
        return Handle(self.ids[id(obj)], kind, _text(getattr(klass, "__qualname__", "?")), _bases(klass), callable(obj))

    def resolve(self, value: Any) -> Any:
        """A question's argument with handles replaced by the objects they stand for."""
        if isinstance(value, Handle):
            return self.by_id[value.id]
        if isinstance(value, (list, tuple)):
            return type(value)(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def encode(self, value: Any, depth: int = 0) -> Any:
        """An answer as plain data: tensors, numbers, strings, lists, dicts, handles for everything else."""
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str):
            return _text(value)
        if isinstance(value, torch.Tensor):
            return encode_tensor(value)
        if isinstance(value, (torch.dtype, torch.device)):
            return {"__str__": str(value), "type": type(value).__name__}
        if depth < 4 and type(value) in (list, tuple, torch.Size) or (depth < 4 and isinstance(value, tuple)
                                                                    and hasattr(value, "_fields")):
            items = [self.encode(v, depth + 1) for v in value]
            return {"__seq__": items, "tuple": isinstance(value, tuple)}
        if depth < 4 and isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"__map__": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        h = self.handle(value)
        return {"__handle__": h.id, "kind": h.kind, "name": h.name, "bases": list(h.bases), "callable": h.is_callable}


def decode(value: Any) -> Any:
    """Plain data back into what the check reads (the judge's side of Objects.encode)."""
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value or "__meta__" in value:
        return decode_tensor(value)
    if "__str__" in value:
        text = value["__str__"]
        return torch.device(text) if value["type"] == "device" else getattr(torch, text.removeprefix("torch."))
    if "__seq__" in value:
        items = [decode(v) for v in value["__seq__"]]
        return tuple(items) if value["tuple"] else items
    if "__map__" in value:
        return {k: decode(v) for k, v in value["__map__"]}
    if "__handle__" in value:
        return Handle(int(value["__handle__"]), str(value["kind"]), str(value["name"]), tuple(value["bases"]),
                      bool(value["callable"]))
    raise StaleTape(f"an answer the judge cannot read ({sorted(value)[:3]})")


def digest(question: Ask) -> str:
    """A fingerprint of a question: the probe and every argument (tensors by dtype, shape and bytes)."""
    h = hashlib.sha256(question.probe.encode())

    def feed(v: Any) -> None:
        if isinstance(v, torch.Tensor):
            h.update(f"T{v.dtype}{tuple(v.shape)}{v.device.type}".encode())
            if v.device.type != "meta":
                h.update(v.detach().cpu().contiguous().numpy().tobytes() if v.dtype != torch.bfloat16 else b"")
        elif isinstance(v, Handle):
            h.update(f"H{v.id}".encode())
        elif isinstance(v, (list, tuple)):
            h.update(b"[")
            for x in v:
                feed(x)
            h.update(b"]")
        elif isinstance(v, dict):
            for k in v:
                h.update(f"K{k}".encode())
                feed(v[k])
        else:
            h.update(repr(v).encode())
    feed(list(question.args))
    feed(question.kwargs)
    return h.hexdigest()[:24]


# ---------------------------------------------------------------- the two sides
def _tensor_state(t: torch.Tensor) -> tuple:
    """What a probe may change in an argument tensor: its values, .grad and fast.ai's .g."""
    g = getattr(t, "g", None)
    return (t.detach().clone() if t.device.type != "meta" else None, t.grad, g)


class Recorder:
    """Observe: answer each question by running the student's code; write digest and answer on the tape."""

    def __init__(self, objects: Objects, probes: dict[str, Callable[..., Any]], seed: int) -> None:
        self.objects, self.probes, self.seed = objects, probes, seed
        self.tape: list[dict] = []

    def answer(self, question: Ask) -> Any:
        """Run the probe on the student's objects; its answer as the check sees it (decoded, like the judge's)."""
        args = self.objects.resolve(question.args)
        kwargs = self.objects.resolve(question.kwargs)
        tensors = {i: a for i, a in enumerate(args) if isinstance(a, torch.Tensor)}
        before = {i: _tensor_state(t) for i, t in tensors.items()}
        entry: dict[str, Any] = {"probe": question.probe, "digest": digest(question)}
        devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        try:
            with torch.random.fork_rng(devices=devices), contextlib.redirect_stdout(io.StringIO()):
                torch.manual_seed(self.seed * 100003 + len(self.tape))
                entry["value"] = self.objects.encode(self.probes[question.probe](*args, **kwargs))
        except CheckTimeout as exc:
            entry["timeout"] = str(exc)
            self.tape.append(entry)
            raise
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, exits included
            entry["error"] = encode_error(exc)
        entry["changed"] = {str(i): self._changes(tensors[i], before[i]) for i in tensors}
        entry["changed"] = {k: v for k, v in entry["changed"].items() if v}
        self.tape.append(entry)
        return replay_entry(entry, question)

    def _changes(self, t: torch.Tensor, before: tuple) -> dict:
        """What the student's code changed in an argument tensor (values, .grad, .g), as plain data."""
        data, grad, g = before
        out = {}
        if data is not None and not (t.shape == data.shape and bool(torch.equal(t.detach(), data))):
            out["data"] = encode_tensor(t.detach())
        if t.grad is not grad:
            out["grad"] = None if t.grad is None else encode_tensor(t.grad)
        new_g = getattr(t, "g", None)
        if new_g is not g and (new_g is None or isinstance(new_g, torch.Tensor)):
            out["g"] = None if new_g is None else encode_tensor(new_g)
        return out


def replay_entry(entry: dict, question: Ask) -> Any:
    """Apply a tape entry to the judge's arguments and return its answer (or raise the student's error)."""
    if "timeout" in entry:
        raise CheckTimeout(str(entry["timeout"]))
    for i, change in (entry.get("changed") or {}).items():
        arg = question.args[int(i)] if int(i) < len(question.args) else None
        if not isinstance(arg, torch.Tensor):
            raise StaleTape("a change recorded for an argument that is not a tensor")
        if "data" in change:
            new = decode_tensor(change["data"]).detach()
            if new.dtype != arg.dtype:
                raise StaleTape("an argument changed dtype")
            arg.data = new  # values, and the shape too (x.t_() in place)
        if "grad" in change:
            arg.grad = None if change["grad"] is None else decode_tensor(change["grad"]).detach()
        if "g" in change:
            arg.g = None if change["g"] is None else decode_tensor(change["g"]).detach()
    if "error" in entry:
        raise decode_error(entry["error"])
    return decode(entry.get("value"))


class Replayer:
    """Judge: answer each question from the tape; a question the tape does not hold stops the exercise."""

    def __init__(self, tape: list[dict], end: str = "") -> None:
        self.tape, self.end, self.at = tape, end, 0

    def answer(self, question: Ask) -> Any:
        """The recorded answer to this very question."""
        if self.at >= len(self.tape) and self.end.startswith("timeout:"):
            raise CheckTimeout(self.end.removeprefix("timeout:").strip())
        if self.at >= len(self.tape):
            raise StaleTape(f"no observation for question {self.at + 1} ({question.probe})")
        entry = self.tape[self.at]
        self.at += 1
        if not isinstance(entry, dict) or entry.get("probe") != question.probe or entry.get("digest") != digest(question):
            raise StaleTape(f"observation {self.at} answers another question than {question.probe}")
        return replay_entry(entry, question)


def save(observations: dict) -> bytes:
    """Observations as bytes that torch.load(weights_only=True) reads back."""
    buf = io.BytesIO()
    torch.save(observations, buf)
    return buf.getvalue()


def load(data: bytes) -> dict:
    """Observations back, loading no code (weights_only); StaleTape when the bytes are not observations."""
    if len(data) > MAX_TAPE_BYTES:
        raise StaleTape(f"the observations are {len(data) / 2**20:.0f} MiB, more than {MAX_TAPE_BYTES // 2**20} MiB")
    try:
        obs = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is malformed
        raise StaleTape(f"the observations file cannot be read ({type(exc).__name__})") from None
    if not isinstance(obs, dict) or not isinstance(obs.get("checks"), list):
        raise StaleTape("the observations file does not hold observations")
    return obs


def format_error(exc: BaseException) -> str:
    """'Type: message' of an exception (for a judge's log)."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()
