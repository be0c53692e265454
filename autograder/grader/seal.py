"""Sealed scores: the genuine grade() prints an HMAC-signed line that `course grade` checks outside the kernel.

Why this is sound (within the limits the README's trust model states): the key is made per submission
by the grading worker and handed to the sandbox kernel in a file that the kernel reads and deletes at
start-up, before any student code. It lives only in the closure of an audit hook (`make_sealer`), which
Python code cannot reach: the hook is held by the interpreter, never raises (so its frame is in no
traceback), never calls student code, and the fence refuses gc.get_objects / get_referrers /
get_referents, sys.settrace / setprofile and ctypes' memory reads. The genuine grade() asks for a seal
with `sys.audit(SEAL_EVENT, ...)`; the hook signs only when the caller's frame runs the captured code of
grade() with the captured package namespace, unchanged, and the watched builtins and modules are the
captured ones. A fake checks module, a replaced `__import__` or an edited namespace therefore cannot
produce a valid seal for a score above 0, and `course grade` zeroes any exercise whose recorded score no
valid seal confirms.
"""
from __future__ import annotations

import hmac
import re
import sys
from typing import Any, Callable

from ..student.integrity.guard import SEAL_EVENT
PREFIX = "[course seal]"
LINE = re.compile(r"\[course seal\] (?P<exercise>[a-z0-9_]+) (?P<score>[0-9.eE+-]+) (?P<flag>ok|integrity) "
                  r"(?P<mac>[0-9a-f]{64})")
ENV_KEY_FILE = "GRADING_SEAL_FILE"  # the file holding the key; the kernel deletes it at start-up


def message(exercise: str, score: float, flag: str) -> bytes:
    """The bytes a seal signs."""
    return f"{exercise}|{float(score):.4f}|{flag}".encode()


def sign(key: bytes, exercise: str, score: float, flag: str) -> str:
    """A seal line (used by the hook; tests use it to forge with a wrong key)."""
    mac = hmac.new(key, message(exercise, score, flag), "sha256").hexdigest()
    return f"{PREFIX} {exercise} {float(score):.4f} {flag} {mac}"


def read_seals(text: str, key: bytes) -> list[tuple[str, float, str]]:
    """(exercise, score, flag) of every seal line in text whose HMAC is valid under key."""
    found = []
    for m in LINE.finditer(text):
        try:
            score = float(m["score"])
        except ValueError:
            continue
        want = hmac.new(key, message(m["exercise"], score, m["flag"]), "sha256").hexdigest()
        if hmac.compare_digest(want, m["mac"]):
            found.append((m["exercise"], score, m["flag"]))
    return found


def make_sealer(key: bytes, genuine: Any, getframe: Callable[[int], Any]) -> Callable[[str, tuple], None]:
    """The audit hook that signs scores for the genuine grade() only. Everything it uses is bound here.

    The HMAC is OpenSSL's C function itself (not hmac.digest, whose module globals a notebook could
    replace to receive the key).
    """
    from _hashlib import hmac_digest as digest
    grade_code = genuine.codes["grade"]
    module = genuine.module
    namespace = vars(module)
    expected = [(k, v) for k, v in genuine.namespace.items() if not k.startswith("__") or k == "__builtins__"]
    live_builtins = vars(sys.modules["builtins"])
    builtin_items = list(genuine.builtins.items())
    modules = sys.modules
    module_items = list(genuine.modules.items())
    name = module.__name__
    prefix = name + "."
    event_name, head = SEAL_EVENT, PREFIX
    missing = object()
    expected_keys = frozenset(k for k, _ in expected)
    state, state_items = genuine, list(vars(genuine).items())  # the capture itself: fields not swapped
    module_type = type(sys)
    str_, float_, list_, type_, round_, vars_ = str, float, list, type, round, vars

    def plain_keys(mapping: dict) -> bool:
        """True when every key is an exact str, so no lookup below can run a student's __eq__ or __hash__."""
        for k in list_(mapping):
            if type_(k) is not str_:
                return False
        return True

    def untouched(frame: Any) -> bool:
        """True when the caller runs the genuine grade() over the captured, unchanged surroundings."""
        if frame is None or frame.f_code is not grade_code or frame.f_globals is not namespace:
            return False
        if not (plain_keys(namespace) and plain_keys(live_builtins) and plain_keys(modules)):
            return False
        if modules.get(name) is not module:
            return False
        for k, v in expected:
            if namespace.get(k, missing) is not v:
                return False
        for k, v in list_(namespace.items()):
            if k.startswith("__") or k in expected_keys:
                continue
            if type_(v) is not module_type or not plain_keys(vars_(v)):
                return False
            sub = vars_(v).get("__name__")
            if type_(sub) is not str_ or not sub.startswith(prefix):
                return False
        for k, v in builtin_items:
            if live_builtins.get(k, missing) is not v:
                return False
        for k, v in module_items:
            if modules.get(k) is not v:
                return False
        state_now = vars_(state)
        if not plain_keys(state_now):
            return False
        for k, v in state_items:
            if state_now.get(k, missing) is not v:
                return False
        return namespace.get("_STATE", missing) is state

    def sealer(event: str, args: tuple) -> None:
        if event != event_name:
            return
        try:
            exercise, score, out = args
            if type_(exercise) is not str_ or type_(out) is not list_ or type_(score) is not float_:
                return
            ok = untouched(getframe(1))
            flag, value = ("ok", round_(score, 4)) if ok else ("integrity", 0.0)
            msg = f"{exercise}|{value:.4f}|{flag}".encode()
            out.append(f"{head} {exercise} {value:.4f} {flag} {digest(key, msg, 'sha256').hex()}")
        except BaseException:  # noqa: BLE001 - the hook must never raise (its frame would reach a traceback)
            return

    return sealer


def install_sealer_from_env(genuine: Any) -> bool:
    """Read the key file named by $GRADING_SEAL_FILE, delete it, and register the sealing hook; True if done."""
    import os
    path = os.environ.pop(ENV_KEY_FILE, "")
    if not path:
        return False
    try:
        with open(path, "rb") as f:
            key = f.read()
        os.unlink(path)
    except OSError:
        return False
    if len(key) < 16:
        return False
    sys.addaudithook(make_sealer(key, genuine, sys._getframe))
    del key
    return True
