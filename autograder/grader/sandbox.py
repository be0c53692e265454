"""The grading kernel's OS sandbox: bubblewrap around `python -m autograder.grader.kernel`.

The kernelspec starts `python -m autograder.grader.sandbox -f CONNECTION_FILE`, which replaces itself with
bwrap running the kernel. Inside, the kernel sees read-only: the system's libraries, the venv and its base
interpreter, the course's package and data. Writable: only the notebook's own folder, the job's temp folder
and its kernel-socket folder. It gets a private /tmp, its own PID namespace and, over ipc transport, no
network. It does not see solutions/, any gradebook or the grading template, other students' folders or the
instructor's home. Where bwrap cannot run (macOS, a container without user namespaces) the kernel starts as
before, fenced only by its audit hook, and `course grade` says so (`unavailable()`).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys

ENV_TMP = "GRADING_TMP"        # the job's temp folder (the kernel's TMPDIR), writable inside
ENV_SANDBOX = "GRADING_SANDBOX"  # set to "bwrap" inside the sandbox
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "hosts", "localtime",
       "ssl", "ca-certificates", "fonts", "alternatives", "mime.types", "os-release", "matplotlibrc")
SYSTEM = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin")


@functools.lru_cache(maxsize=1)
def unavailable() -> str | None:
    """None when bubblewrap can sandbox a process here; otherwise why not, in one sentence."""
    bwrap = shutil.which("bwrap")
    if not sys.platform.startswith("linux"):
        return f"no OS sandbox on {sys.platform} (bubblewrap is Linux-only)"
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    probe = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bwrap cannot create namespaces here ({probe.stderr.strip() or probe.returncode})"
    return None


def _binds(paths: list[str], flag: str) -> list[str]:
    """--ro-bind-try / --bind-try for each existing path (deduplicated, parents before children)."""
    out: list[str] = []
    for p in dict.fromkeys(paths):
        out += [flag, p, p]
    return out


def bwrap_command(kernel: list[str], connection_file: str, cwd: str) -> list[str]:
    """bwrap's argv that runs `kernel` with the binds this module's docstring lists."""
    from ..student.settings import course_root
    root = course_root()
    with open(connection_file) as f:
        info = json.load(f)
    writable = [cwd]
    tmp = os.environ.get(ENV_TMP)
    if tmp:
        writable.append(os.path.realpath(tmp))
    ipc = info.get("transport") == "ipc"
    if ipc:
        writable.append(os.path.dirname(os.path.realpath(info["ip"])))
    readable = [*SYSTEM, *(f"/etc/{e}" for e in ETC), os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                str(root / "autograder"), str(root / "data"), str(root / "notebooks")]
    cmd = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    if not ipc:
        cmd.append("--share-net")  # tcp sockets need the host's loopback; the kernel's audit hook refuses the rest
    cmd += _binds(readable, "--ro-bind-try")
    cmd += ["--ro-bind", connection_file, connection_file]
    cmd += _binds(writable, "--bind")
    cmd += ["--unsetenv", "JPY_PARENT_PID", "--setenv", ENV_SANDBOX, "bwrap", "--setenv", "COURSE_HOME", str(root),
            "--setenv", "HOME", tmp or "/tmp", "--setenv", "MPLCONFIGDIR", os.path.join(tmp or "/tmp", "mpl"),
            "--chdir", cwd, "--", *kernel]
    return cmd


def main(argv: list[str] | None = None) -> None:
    """Exec the kernel inside bwrap (or, where bwrap cannot run, as it is)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    kernel = [sys.executable, "-m", "autograder.grader.kernel", *argv]
    if unavailable() is not None:
        os.execv(sys.executable, kernel)
    connection_file = os.path.realpath(argv[argv.index("-f") + 1])
    cmd = bwrap_command(kernel, connection_file, os.path.realpath(os.getcwd()))
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
