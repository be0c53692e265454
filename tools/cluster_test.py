"""make cluster-test: grade the demo class as a job array under a real one-node Slurm, merge, and compare.

    .venv/bin/python tools/cluster_test.py [--keep]

1. installs slurm-wlm and munge from apt where missing (root only; otherwise it says so and exits 1);
2. starts munged, slurmctld and slurmd with a one-node slurm.conf in a fresh folder (this machine is the
   controller and the compute node) and waits until the node is idle;
3. writes the demo class (autograder.demo.make_class) plus two identical submissions that fall in different
   shards, and submits tools/slurm/grade_array.sbatch, the script the docs include, as a 3-task array, with
   task 1's output folder blocked so that it fails: Slurm must report it FAILED;
4. checks that `course merge` refuses, naming shard 1/3 and the command that re-runs it; runs that command;
   checks that a deleted shard output is named too; merges;
5. grades the same class on this machine alone and compares: grades.csv byte for byte, the feedback pages
   with timings removed, and the copies flagged across shards;
6. stops the daemons it started, by their pids. Exit status 0 only when every step held.
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.demo import DEMO_ASSIGNMENT, make_class
from autograder.grader.shard import shard_of
from autograder.student.settings import course_root

ROOT = course_root()
SCRIPT = ROOT / "tools" / "slurm" / "grade_array.sbatch"
SHARDS = 3
CELL_TIMEOUT = "30"  # the demo class's infinite loop costs one cell limit in each run
COURSE = str(Path(sys.executable).parent / "course")

SLURM_CONF = """ClusterName=course
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc={d}/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 {topology} RealMemory={mem}
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def say(message: str) -> None:
    """One line of progress, flushed (make shows it as it happens)."""
    print(f">> {message}", flush=True)


def fail(message: str) -> None:
    """Stop with a message: a cluster test that cannot run is a failure, not a skip."""
    raise SystemExit(f"cluster-test FAILED: {message}")


def ensure_packages() -> None:
    """slurm-wlm and munge from apt where missing (about 7 s); without root, say what to run."""
    if all(shutil.which(t) for t in ("slurmctld", "slurmd", "sbatch", "munged")):
        return
    if os.geteuid() != 0:
        fail("slurm-wlm and munge are not installed and this is not root. Run as root, or: "
             "sudo apt-get install -y slurm-wlm munge")
    say("installing slurm-wlm and munge from apt")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "slurm-wlm", "munge"]):
        if subprocess.run(cmd, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}).returncode:
            fail(f"{' '.join(cmd)} failed (see above)")


def wait_for_pid(path: Path, seconds: float = 15) -> int:
    """The pid a daemon writes once it has started (it may return before writing it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text().strip() if path.exists() else ""
        if text.isdigit():
            return int(text)
        time.sleep(0.1)
    fail(f"no pid in {path} after {seconds:.0f} s; see the daemon's log beside it")


class Cluster:
    """munged, slurmctld and slurmd started here, stopped by the pids they wrote."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.pids = folder, []
        self.env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}

    def start(self) -> None:
        """Write slurm.conf, start the three daemons, wait for the node to be idle."""
        if os.geteuid() != 0:
            fail("starting munged, slurmctld and slurmd needs root here (SlurmUser=root).")
        d = self.folder
        for sub in ("state", "spool", "log", "out"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        host = socket.gethostname().split(".")[0]
        topology = subprocess.run(["slurmd", "-C"], capture_output=True, text=True).stdout
        topo = " ".join(re.findall(r"(?:Sockets|CoresPerSocket|ThreadsPerCore)=\d+", topology))
        mem = int(re.search(r"RealMemory=(\d+)", topology).group(1)) - 1024
        (d / "slurm.conf").write_text(SLURM_CONF.format(host=host, d=d, topology=topo, mem=max(mem, 1024)))
        self._start_munge()
        for daemon in ("slurmctld", "slurmd"):
            proc = subprocess.run([daemon], env=self.env, capture_output=True, text=True)
            if proc.returncode:
                fail(f"{daemon} did not start: {proc.stderr.strip()} (log: {d}/log/{daemon}.log)")
            self.pids.append(wait_for_pid(d / f"{daemon}.pid"))
        for _ in range(60):
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True).stdout
            if state.strip() == "idle":
                say(f"Slurm is up: node {host} idle ({topo}), daemons {self.pids}")
                return
            time.sleep(0.5)
        fail(f"the node never became idle (sinfo says {state.strip()!r}); see {d}/log/")

    def _start_munge(self) -> None:
        """munged as the munge user (as root it refuses its log folder), unless one already answers."""
        if subprocess.run("munge -n | unmunge", shell=True, capture_output=True).returncode == 0:
            return
        if not Path("/etc/munge/munge.key").exists():
            subprocess.run(["mungekey", "-c", "-k", "/etc/munge/munge.key"], check=True)
            shutil.chown("/etc/munge/munge.key", "munge", "munge")
        subprocess.run(["install", "-d", "-o", "munge", "-g", "munge", "-m", "0755", "/run/munge"], check=True)
        subprocess.run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"], check=True)
        self.pids.append(wait_for_pid(Path("/run/munge/munged.pid")))

    def stop(self) -> None:
        """Kill what this run started, by pid, newest first."""
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        say(f"stopped daemons {self.pids}")

    def submit(self, args: list[str], env: dict[str, str]) -> tuple[str, int]:
        """sbatch --wait: the job id and sbatch's exit status (non-zero when a task failed)."""
        proc = subprocess.run(["sbatch", "--parsable", "--wait", *args], env={**self.env, **env},
                              capture_output=True, text=True, cwd=ROOT)
        job = proc.stdout.strip().split(";")[0]
        if not job:
            fail(f"sbatch did not take the job: {proc.stderr.strip()}")
        return job, proc.returncode

    def task_states(self, job: str) -> dict[int, str]:
        """Array task -> its final state, from Slurm's job-completion log."""
        states = {}
        for line in (self.folder / "log" / "jobcomp.txt").read_text().splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            if fields.get("ArrayJobId", fields.get("JobId")) == job or fields.get("JobId", "").startswith(job):
                if "ArrayTaskId" in fields:
                    states[int(fields["ArrayTaskId"])] = fields.get("JobState", "?")
        return states


def write_class(folder: Path) -> tuple[str, str]:
    """The demo class, plus the same wrong answer under two ids that fall in different shards."""
    paths = make_class(folder)
    source = next(p for p in paths if "transposed" in p.name)
    a = next(f"copy-a{k}" for k in range(100) if shard_of(f"copy-a{k}", SHARDS) == 0)
    b = next(f"copy-b{k}" for k in range(100) if shard_of(f"copy-b{k}", SHARDS) == 2)
    for student in (a, b):
        shutil.copyfile(source, folder / f"{student}.ipynb")
    say(f"demo class: {len(paths) + 2} submissions of {DEMO_ASSIGNMENT}; copies {a} (shard 0) and {b} (shard 2)")
    return a, b


def course(*args: str) -> subprocess.CompletedProcess:
    """The course command on this machine."""
    return subprocess.run([COURSE, *args], cwd=ROOT, capture_output=True, text=True)


# What differs between two runs of the same notebook: timings, dates, and 64-hex-digit digests.
TIMING = re.compile(r"\d+(\.\d+)?\s?(s|seconds)\b|\d{4}-\d\d-\d\d[ T][\d:.]+|'\w*seconds': [\d.e-]+|\b[0-9a-f]{64}\b")


def feedback(out: Path) -> dict[str, str]:
    """Each feedback page's visible text with timings removed, by its path (HTML tags and whitespace aside: how
    a kernel's stdout was split into output areas depends on timing too)."""
    return {str(p.relative_to(out)): " ".join(TIMING.sub("", re.sub(r"<[^>]+>", " ", p.read_text(errors="replace")))
                                              .split()) for p in sorted((out / "feedback").rglob("*.html"))}


def run(work: Path) -> None:
    """Steps 2-5 (the module docstring)."""
    cluster = Cluster(work / "slurm")
    try:
        cluster.start()
        submissions, shards = work / "class", work / "shards"
        copies = write_class(submissions)
        shards.mkdir()
        (shards / "shard-1").write_text("not a folder: task 1 must fail\n")
        env = {"SUBMISSIONS": str(submissions), "ASSIGNMENT": DEMO_ASSIGNMENT, "OUT_ROOT": str(shards),
               "COURSE_DIR": str(ROOT), "CELL_TIMEOUT": CELL_TIMEOUT}
        out_pattern = str(work / "slurm" / "out" / "task_%A_%a.out")
        say(f"sbatch --array=0-{SHARDS - 1} --cpus-per-task=1 {SCRIPT.relative_to(ROOT)} (task 1 set up to fail)")
        start = time.monotonic()
        job, rc = cluster.submit([f"--array=0-{SHARDS - 1}", "--cpus-per-task=1", "-o", out_pattern, str(SCRIPT)], env)
        states = cluster.task_states(job)
        say(f"job {job} ended in {time.monotonic() - start:.0f} s, sbatch exit {rc}; tasks: "
            + ", ".join(f"{i}: {s}" for i, s in sorted(states.items())))
        if states != {0: "COMPLETED", 1: "FAILED", 2: "COMPLETED"} or rc == 0:
            fail(f"expected tasks 0 and 2 COMPLETED and 1 FAILED (sbatch non-zero); got {states}, exit {rc}")
        outs = [str(shards / f"shard-{i}") for i in range(SHARDS)]
        refused = course("merge", *outs, "--out", str(work / "merged"))
        message = refused.stderr.strip()
        say(f"course merge before the re-run: exit {refused.returncode}: {message[:300]}")
        if refused.returncode == 0 or "shard 1/3 is missing" not in message or "sbatch --array=1" not in message:
            fail(f"expected course merge to refuse, naming shard 1/3 and its sbatch command; got {message!r}")
        rerun = shlex.split(message.split("re-run it: ", 1)[1].rstrip("."))
        (shards / "shard-1").unlink()
        say("re-running shard 1 alone with the command course merge printed")
        job1, rc1 = cluster.submit(["-o", out_pattern, *rerun[1:]], {})
        states1 = cluster.task_states(job1)
        say(f"job {job1}: sbatch exit {rc1}; tasks: {states1}")
        if rc1 != 0 or states1 != {1: "COMPLETED"}:
            fail(f"expected the re-run of shard 1 COMPLETED; got {states1}, exit {rc1}")
        hidden = shards / "shard-2.hidden"
        (shards / "shard-2").rename(hidden)
        deleted = course("merge", *outs, "--out", str(work / "merged"))
        hidden.rename(shards / "shard-2")
        say(f"course merge with shard 2's output deleted: exit {deleted.returncode}: {deleted.stderr.strip()[:200]}")
        if deleted.returncode == 0 or "shard 2/3 is missing" not in deleted.stderr:
            fail(f"expected course merge to name the deleted shard 2/3; got {deleted.stderr!r}")
        merged = course("merge", *outs, "--out", str(work / "merged"))
        if merged.returncode:
            fail(f"course merge failed: {merged.stderr}")
        say("grading the same class on this machine alone, to compare")
        one = course("grade", DEMO_ASSIGNMENT, str(submissions), "--out", str(work / "one"), "--no-progress",
                     "--cell-timeout", CELL_TIMEOUT)
        if one.returncode:
            fail(f"the one-machine course grade failed: {one.stderr[-2000:]}")
        compare(work / "one", work / "merged", copies)
    finally:
        cluster.stop()


def compare(one: Path, merged: Path, copies: tuple[str, str]) -> None:
    """The merged result equals one machine's: grades.csv byte for byte, feedback without timings, copies flagged."""
    a, b = (one / "grades.csv").read_text(), (merged / "grades.csv").read_text()
    if a != b:
        fail(f"merged grades.csv differs from one machine's:\none machine:\n{a}\nmerged:\n{b}")
    fa, fb = feedback(one), feedback(merged)
    if fa != fb:
        differ = sorted(k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k))
        fail(f"merged feedback differs from one machine's in {differ}")
    rows = {line.split(",")[0]: line for line in b.splitlines()[1:]}
    if copies[1] not in rows[copies[0]] or copies[0] not in rows[copies[1]]:
        fail(f"expected {copies[0]} and {copies[1]} flagged as copies of each other; got {rows[copies[0]]!r}")
    say(f"merged == one machine: {len(rows)} rows of grades.csv byte for byte, {len(fa)} feedback pages "
        f"(timings aside); {copies[0]} (shard 0) and {copies[1]} (shard 2) flagged as copies")


def main(argv: list[str] | None = None) -> int:
    """Run the cluster test; 0 only if every step held."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    args = parser.parse_args(argv)
    ensure_packages()
    work = Path(tempfile.mkdtemp(prefix="cluster-test-"))
    say(f"work folder {work}")
    try:
        run(work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("cluster-test: PASSED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
