"""A sandboxed Jupyter kernel for grading: `python -m autograder.grader.kernel -f CONNECTION_FILE`.

Before any student code runs it (1) imports the course's own modules, so hidden tests keep working,
(2) caps the kernel's address space (RLIMIT_AS) and CPU time, (3) cuts the network (a fresh network
namespace where the OS allows it), and (4) arms a Python audit hook, the fence, that refuses to read
the instructor's files, to write outside the notebook's folder, to start programs or to connect out.
The boundary is bubblewrap around this kernel (sandbox.py); the fence is what remains where bwrap cannot
run, a Python-level guard against accidents and casual cheating (C code such as sqlite3 or ctypes steps
around an audit hook). No grade is decided in this kernel: the grader judges its observations (judge.py).
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "mlp-course-sandbox"  # the kernelspec nbgrader's Execute starts (write_kernelspec)
# What the grading pipeline tells the kernel, through its environment (sandbox_env builds it).
ENV_MEMORY_MB = "GRADING_MEMORY_MB"   # cap on the kernel's total address space, MiB
ENV_CPU_S = "GRADING_CPU_S"           # cap on the kernel's CPU seconds (a backstop to the cell timeout)
ENV_DENY = "GRADING_DENY"             # os.pathsep-separated folders student code may not read
ENV_NET = "GRADING_NETWORK"           # "namespace" asks for a private network namespace (needs ipc transport)
ENV_TMP = "GRADING_TMP"               # the kernel's private temp folder (TMPDIR): short, whatever the student id

CLONE_NEWNET, CLONE_NEWUSER = 0x40000000, 0x10000000
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
PATH_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
               "os.symlink", "os.link", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move"}
EXEC_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "pty.spawn"}


def sandbox_env(memory_mb: int, cpu_s: int, deny: tuple[str, ...], tmp: str) -> dict[str, str]:
    """The environment that configures this kernel: memory and CPU caps, denied folders, network, temp folder."""
    return {ENV_MEMORY_MB: str(memory_mb), ENV_CPU_S: str(cpu_s), ENV_NET: "namespace",
            ENV_DENY: os.pathsep.join(deny), ENV_TMP: tmp}


def write_kernelspec(folder: Path) -> Path:
    """A kernelspec for this kernel under folder/kernels/ (the pipeline points JUPYTER_PATH at folder)."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        # bubblewrap around the kernel (sandbox.py); bwrap does not forward SIGINT, so interrupts are messages
        "argv": [sys.executable, "-m", "autograder.grader.sandbox", "-f", "{connection_file}"],
        "interrupt_mode": "message",
        "display_name": "Python 3 (mlp-course, grading sandbox)", "language": "python"}, indent=1))
    return spec


def preimport() -> None:
    """Import what the notebooks and hidden tests need while every file is still readable."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import torch  # noqa: F401
    import autograder.student.checks  # noqa: F401
    import autograder.student.data  # noqa: F401
    import autograder.student.notebook  # noqa: F401
    # No `solutions.*` module is imported: the answer key stays unreadable (deny_list) and unimportable.


def limit_resources() -> str:
    """Cap address space and CPU time; return what was set."""
    memory_mb = int(os.environ.get(ENV_MEMORY_MB, "0"))
    cpu_s = int(os.environ.get(ENV_CPU_S, "0"))
    done = []
    if memory_mb > 0:
        cap = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        done.append(f"memory {memory_mb} MiB")
    if cpu_s > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
        done.append(f"cpu {cpu_s} s")
    return ", ".join(done)


def isolate_network() -> bool:
    """Move this process into an empty network namespace when the OS lets it; True on success."""
    if os.environ.get("GRADING_SANDBOX") == "bwrap":
        return True  # bubblewrap gave the kernel its own network namespace already (sandbox.py)
    if os.environ.get(ENV_NET) != "namespace" or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()  # unprivileged: a user namespace that maps us to ourselves
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        pass
    return True


def _real(path: object) -> str | None:
    """The resolved path of an audit event argument, or None for file descriptors and the like."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        return None
    return os.path.realpath(os.fspath(path))


def _inside(path: str, folder: str) -> bool:
    """True when path is folder or lies below it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class Fence:
    """The audit hook: which reads, writes, programs and connections student code may not make."""

    def __init__(self, workdir: str, deny: list[str], tmp: str) -> None:
        self.workdir, self.deny, self.tmp = workdir, deny, tmp
        self.writable = [workdir, tmp, "/dev/null"]

    def may_read(self, path: str) -> bool:
        """Hidden tests live in .ipynb files, gradebooks and the denied folders."""
        if path.endswith((".ipynb", ".db", ".sqlite")) or "/.git/" in path + "/":
            return False
        return _inside(path, self.workdir) or _inside(path, self.tmp) or not any(_inside(path, d) for d in self.deny)

    def may_write(self, path: str) -> bool:
        """Writes stay in the notebook's own folder (and its private temp folder)."""
        return any(_inside(path, w) for w in self.writable) and self.may_read(path)

    def may_connect(self, address: object) -> bool:
        """A unix socket path only in the notebook's folders: the grader's own (its fork server's) stay out of reach."""
        if isinstance(address, bytes):
            address = os.fsdecode(address)
        if not isinstance(address, str) or address.startswith("\0"):
            return True  # an IP address (loopback, checked above) or an abstract socket
        path = os.path.realpath(address)
        return _inside(path, self.workdir) or _inside(path, self.tmp)

    def __call__(self, event: str, args: tuple) -> None:
        if event == "open":
            path = _real(args[0])
            if path is None:
                return
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (mode is None and isinstance(flags, int) and flags & WRITE_FLAGS)
            if not self.may_read(path) or (writing and not self.may_write(path)):
                raise PermissionError(f"the grader does not let notebook code {'write' if writing else 'read'} {path}")
        elif event in PATH_EVENTS:
            for arg in args[:2]:
                path = _real(arg)
                if path is not None and not self.may_write(path):
                    raise PermissionError(f"the grader does not let notebook code change {path}")
        elif event in EXEC_EVENTS or event.startswith("os.exec") or event.startswith("os.spawn"):
            raise PermissionError("the grader does not let notebook code start other programs")
        elif event in ("socket.connect", "socket.sendto") and not _loopback(args[1]):
            raise PermissionError("the grader does not let notebook code use the network")
        elif event in ("socket.connect", "socket.sendto") and not self.may_connect(args[1]):
            raise PermissionError(f"the grader does not let notebook code connect to {args[1]!r}")
        elif event == "sys.addaudithook" or event == "ctypes.dlopen":   # what would step around this fence
            raise PermissionError(f"the grader does not allow {event} in notebook code")


def _loopback(address: object) -> bool:
    """True for local addresses (unix sockets, 127.x, ::1)."""
    if not isinstance(address, tuple):
        return True
    host = str(address[0])
    return host.startswith("127.") or host in ("::1", "localhost")


def deny_list() -> list[str]:
    """Folders the student may not read: the answer key (all of solutions/), the repo's history, the grading root."""
    from autograder.student.settings import course_root
    deny = [str((course_root() / "solutions").resolve())]
    deny.append(str((course_root() / ".git").resolve()))
    deny += [os.path.realpath(d) for d in os.environ.get(ENV_DENY, "").split(os.pathsep) if d]
    return deny


def short_tmp_root() -> str:
    """/tmp where it is writable, else the system's temp folder: unix socket paths below it must stay short."""
    return "/tmp" if os.path.isdir("/tmp") and os.access("/tmp", os.W_OK) else tempfile.gettempdir()


def private_tmp() -> str:
    """The kernel's temp folder: the grader's GRADING_TMP, else a fresh short one removed at exit.

    Not below the notebook's folder: that path holds the student id, and a long id pushed the unix
    sockets of DataLoader workers (TMPDIR/pymp-*/listener-*) past 107 bytes, so the workers failed
    with 'AF_UNIX path too long' and the training cell hung until the cell limit (issue 16).
    """
    tmp = os.environ.get(ENV_TMP)
    if tmp:
        os.makedirs(tmp, exist_ok=True)
        return os.path.realpath(tmp)
    import atexit
    import shutil
    tmp = tempfile.mkdtemp(prefix="g-", dir=short_tmp_root())
    atexit.register(shutil.rmtree, tmp, True)
    return os.path.realpath(tmp)


def arm(workdir: str) -> Fence:
    """Install the audit hook for the rest of this process's life (it cannot be removed)."""
    tmp = private_tmp()
    os.environ["TMPDIR"] = tmp
    tempfile.tempdir = tmp
    fence = Fence(workdir, deny_list(), tmp)
    sys.addaudithook(fence)
    return fence


def main(argv: list[str] | None = None) -> None:
    """Start an IPython kernel with the fence armed after its own start-up (`--install`: register it)."""
    from ipykernel.kernelapp import IPKernelApp
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--install"]:
        print(f"installed {write_kernelspec(Path(sys.prefix) / 'share' / 'jupyter')}")
        return
    isolate_network()
    preimport()
    app = IPKernelApp.instance()
    app.initialize(argv + ["--HistoryManager.enabled=False"])
    limit_resources()
    arm(os.path.realpath(os.getcwd()))
    app.start()


if __name__ == "__main__":
    main()
