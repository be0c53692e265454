"""Two speed figures of what the course teaches: one epoch of the logistic model, and the whole course.

    .venv/bin/python tools/bench_course.py               # both figures (a few minutes on 2 cores)
    .venv/bin/python tools/bench_course.py --epochs-only  # only the epoch figures
    .venv/bin/python tools/bench_course.py --course-only --at-once 1   # the course, serial only
    .venv/bin/python tools/bench_course.py --cells 03_mlp  # where one notebook's time goes, cell by cell
    COURSE_DEVICE=cpu .venv/bin/python tools/bench_course.py   # force the CPU on a GPU machine

1. One epoch of notebook 0's training (nn.Linear(784, 10), update_step at lr 2e-2, wd 1e-5, bs 64)
   with three ways of making batches from the same tensors on the same device:
   - plain slicing: shuffle the tensors once per epoch, then take views x[i:i+64] (the floor);
   - the notebooks' loader: fastai's DataLoader with batch-level indexing (autograder/student/batches.py);
   - fastai's stock per-item DataLoader over a list of (x, y) pairs, which the course used before.
   Each is timed `--repeats` times, interleaved, and the best (least disturbed) run is reported.
2. The whole course: every solutions notebook executed with nbclient in the course kernel, one after
   the other, as `make test` does; the best of `--course-repeats` runs of each notebook, and their sum
   (this machine's 2 cores are shared, so single runs vary by seconds). Then the same notebooks
   `--at-once` at a time (default 2, one per core; each kernel uses one torch thread, as
   setup_notebook() sets): the best wall time of the whole run. Both figures are printed, with each
   notebook's floor: the same kernel running only its setup cell and its imports (start_and_imports).
   Each kernel is killed once its last cell has run (nbclient's immediate shutdown, as in the tests).
Both parts use the notebooks' thread count (autograder.student.notebook.pick_threads: one, unless
$OMP_NUM_THREADS says otherwise).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple

import torch
from torch import nn

from autograder.student.settings import course_root  # noqa: E402
ROOT = course_root()
sys.path.insert(0, str(ROOT))  # tools.reference

from autograder.student.batches import tensor_dataloaders  # noqa: E402
from autograder.student.data import Mnist, load_mnist  # noqa: E402
from autograder.student.notebook import pick_device, pick_threads, seed_everything  # noqa: E402
from tools.reference import update_step  # noqa: E402

if TYPE_CHECKING:
    import nbformat
    from nbclient import NotebookClient

LR, BS = 2e-2, 64


def plain_slices(x: torch.Tensor, y: torch.Tensor, bs: int) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
    """The floor: one shuffled copy of the tensors per epoch, then contiguous views (drop the last partial batch)."""
    order = torch.randperm(len(x), device=x.device)
    xs, ys = x.index_select(0, order), y.index_select(0, order)
    for i in range(0, len(x) - bs + 1, bs):
        yield xs[i:i + bs], ys[i:i + bs]


def per_item_fastai(mnist: Mnist, device: torch.device) -> Iterable:
    """fastai's stock DataLoaders.from_dsets over (x, y) pairs: every batch collates 64 items."""
    from fastai.data.core import DataLoaders
    random.seed(42)
    return DataLoaders.from_dsets(list(zip(mnist.x_train, mnist.y_train)), list(zip(mnist.x_valid, mnist.y_valid)),
                                  bs=BS, device=device).train


def time_epoch(make_batches: Callable[[], Iterable], device: torch.device) -> tuple[float, int]:
    """Seconds for one epoch of update_step on a fresh nn.Linear, and the number of steps."""
    seed_everything()
    model = nn.Linear(784, 10).to(device)
    batches = make_batches()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    steps = sum(1 for xb, yb in batches if update_step(model, xb, yb, LR) is not None)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, steps


def bench_epochs(repeats: int, device: torch.device) -> dict[str, float]:
    """Best-of-`repeats` epoch time of each way of batching, interleaved so load spikes hit all alike."""
    mnist = load_mnist(download=False)
    x, y = mnist.x_train.to(device), mnist.y_train.to(device)
    dls = tensor_dataloaders(x, y, mnist.x_valid, mnist.y_valid, bs=BS, device=device)
    ways = {"plain slicing (shuffle once, then views)": lambda: plain_slices(x, y, BS),
            "the notebooks' loader: fastai DataLoader, batch-level indexing": lambda: dls.train,
            "fastai's stock per-item DataLoader (before)": lambda: per_item_fastai(mnist, device)}
    best = {name: float("inf") for name in ways}
    for _ in range(repeats):
        for name, make in ways.items():
            seconds, steps = time_epoch(make, device)
            best[name] = min(best[name], seconds)
    print(f"One epoch of the logistic model ({steps} steps of {BS}), best of {repeats}:")
    floor = best["plain slicing (shuffle once, then views)"]
    for name, seconds in best.items():
        print(f"  {seconds:6.3f} s  {seconds / floor:5.2f}x  {name}")
    return best


CPU_MARK = "KERNEL_CPU_SECONDS="
CPU_CELL = ("import resource as _r; _u = _r.getrusage(_r.RUSAGE_SELF); "
            f"print({CPU_MARK!r} + str(_u.ru_utime + _u.ru_stime))")


def start_and_imports(nb: "nbformat.NotebookNode") -> "nbformat.NotebookNode":
    """The notebook cut to what every run pays before any lesson: its setup cell and its top-level imports.

    Every code cell after the setup cell gives up only its top-level `import` / `from ... import`
    statements, all in one cell; imports done later inside functions (torch.optim's first use of
    torch._dynamo, fastai in mnist_dataloaders) are not in it.
    """
    import ast

    import nbformat
    code = [c for c in nb.cells if c.cell_type == "code"]
    imports = []
    for cell in code[1:]:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # a cell magic: it imports nothing the lessons need
            continue
        imports += [ast.get_source_segment(cell.source, node) for node in tree.body
                    if isinstance(node, (ast.Import, ast.ImportFrom))]
    return nbformat.v4.new_notebook(cells=[code[0], nbformat.v4.new_code_cell("\n".join(imports))])


def _client(path: Path, cells: dict, floor: bool = False) -> "NotebookClient":
    """An nbclient client for one solutions notebook in the course kernel, run from its folder; `cells` gets each cell's seconds.

    A last cell prints the CPU seconds the kernel process has used (its start, imports and every cell);
    cells["done"] is the moment the last cell finished. Once it has, the kernel is killed (nbclient's
    immediate shutdown, as the tests do): nothing is left to save, and a graceful shutdown spent 0.5 to
    0.9 s per notebook in Python tearing torch down. `floor`: only the start-up and imports.
    """
    import nbformat
    from nbclient import NotebookClient

    def started(cell, cell_index, **_):  # noqa: ANN001 - nbclient's hook signature
        cells[cell_index] = time.perf_counter()

    def executed(cell, cell_index, **_):  # noqa: ANN001
        cells["done"] = time.perf_counter()
        cells[cell_index] = cells["done"] - cells[cell_index]
    nb = nbformat.read(path, as_version=4)
    if floor:
        nb = start_and_imports(nb)
    nb.cells.append(nbformat.v4.new_code_cell(CPU_CELL))
    return NotebookClient(nb, kernel_name="mlp-course", timeout=600, on_cell_execute=started, on_cell_executed=executed,
                          shutdown_kernel="immediate", resources={"metadata": {"path": str(path.parent)}})


def _kernel_cpu_seconds(nb) -> float:
    """What the appended last cell printed: the kernel's CPU seconds (user + system)."""
    for out in nb.cells[-1].get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith(CPU_MARK):
                return float(line[len(CPU_MARK):])
    raise RuntimeError(f"Expected the last cell to print {CPU_MARK}...; got {nb.cells[-1].get('outputs')}.")


class Run(NamedTuple):
    """One notebook's figures: wall seconds in all, to the end of its last cell (no kernel shutdown), kernel CPU seconds."""
    wall: float
    to_last_cell: float
    kernel_cpu: float


async def _timed(path: Path, cells: dict | None = None, floor: bool = False) -> Run:
    """Execute one notebook: wall time from kernel start to kernel shutdown, to its last cell's end, and its CPU time."""
    cells = {} if cells is None else cells
    client = _client(path, cells, floor)
    start = time.perf_counter()
    await client.async_execute()
    end = time.perf_counter()
    return Run(end - start, cells["done"] - start, _kernel_cpu_seconds(client.nb))


async def _run_course(paths: list[Path], at_once: int) -> float:
    """Execute the notebooks `at_once` at a time (in the order given); the wall time of the whole run."""
    import asyncio
    slots = asyncio.Semaphore(at_once)

    async def one(path: Path) -> None:
        async with slots:
            await _timed(path)
    start = time.perf_counter()
    await asyncio.gather(*(one(p) for p in paths))
    return time.perf_counter() - start


def load_average() -> str:
    """The 1-minute load average, or '?' where the OS does not tell."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def bench_course(repeats: int, at_once: int) -> dict[str, float]:
    """The whole course through nbclient: one notebook at a time, and `at_once` at a time; best of `repeats` each.

    Serial: for each notebook, the least over the runs of its wall time (kernel start to kill), of its
    time to the end of its last cell, and of its kernel's CPU seconds, which a busy machine inflates
    much less than the wall time; and their sums. Beside them, the floor: the wall time of the same
    notebook cut to its setup cell and its imports (start_and_imports), which no lesson can go below.
    Parallel: the best wall time of a whole run with `at_once` kernels at a time (longest notebooks
    first, so the queues end together). Runs alternate serial and parallel, so a busy minute on the
    shared machine hits both alike.
    """
    import asyncio
    paths = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    best = {p: Run(*[float("inf")] * 3) for p in paths}
    floor = {p: float("inf") for p in paths}
    best_parallel, loads = float("inf"), []
    for _ in range(repeats):
        loads.append(load_average())
        for path in paths:
            run = asyncio.run(_timed(path))
            best[path] = Run(*map(min, zip(best[path], run)))
            floor[path] = min(floor[path], asyncio.run(_timed(path, floor=True)).wall)
        if at_once > 1:
            loads.append(load_average())
            longest_first = sorted(paths, key=lambda p: -best[p].wall)
            best_parallel = min(best_parallel, asyncio.run(_run_course(longest_first, at_once)))
    loads.append(load_average())
    print(f"Whole course: every solutions notebook, nbclient, kernel mlp-course, best of {repeats} "
          f"(1-minute load average during the runs: {', '.join(loads)}):")
    print("    wall s   to last cell s   kernel CPU s   floor: start-up + imports s")
    for path, run in best.items():
        print(f"  {run.wall:8.1f} {run.to_last_cell:16.1f} {run.kernel_cpu:14.1f} {floor[path]:14.1f}   "
              f"{path.relative_to(ROOT)}")
    totals = Run(*map(sum, zip(*best.values())))
    print(f"  {totals.wall:8.1f} {totals.to_last_cell:16.1f} {totals.kernel_cpu:14.1f} {sum(floor.values()):14.1f}   "
          "in total, one notebook at a time")
    figures = {"serial": totals.wall, "serial_to_last_cell": totals.to_last_cell, "kernel_cpu": totals.kernel_cpu,
               "floor": sum(floor.values())}
    if at_once > 1:
        print(f"  {best_parallel:8.1f}                                                  wall time, {at_once} notebooks "
              "at a time (longest first)")
        figures["parallel"] = best_parallel
    return figures


def profile_cells(names: list[str], top: int) -> None:
    """Execute the named solutions notebooks once each and print their slowest cells (where the time goes)."""
    import asyncio
    for name in names:
        path = ROOT / "solutions" / name / f"{name}.ipynb"
        if not path.exists():
            raise SystemExit(f"No solutions notebook {path.relative_to(ROOT)}; expected a stage name such as 03_mlp.")
        cells: dict = {}
        run = asyncio.run(_timed(path, cells))
        cells.pop("done")
        sources = [c.source for c in _client(path, {}).nb.cells]
        print(f"{name}: {run.wall:.1f} s ({run.kernel_cpu:.1f} s of kernel CPU): {run.to_last_cell - sum(cells.values()):.1f} s "
              f"starting the kernel, {sum(cells.values()):.1f} s of cells, {run.wall - run.to_last_cell:.1f} s killing it; "
              "slowest cells:")
        for index, seconds in sorted(cells.items(), key=lambda kv: -kv[1])[:top]:
            first = next((line for line in sources[index].splitlines() if line.strip() and not line.startswith("#")), "")
            print(f"  {seconds:6.2f} s  cell {index:2d}  {first[:90]}")


def main(argv: list[str] | None = None) -> int:
    """Print the epoch figures and (unless --epochs-only) the whole-course time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--course-repeats", type=int, default=2, help="runs of each notebook (best is kept)")
    parser.add_argument("--at-once", type=int, default=2,
                        help="notebooks run at the same time in the parallel figure (1: serial only)")
    parser.add_argument("--epochs-only", action="store_true")
    parser.add_argument("--course-only", action="store_true", help="skip the epoch figures")
    parser.add_argument("--cells", nargs="*", metavar="STAGE",
                        help="only profile: the slowest cells of these notebooks (all if none named)")
    parser.add_argument("--top", type=int, default=8, help="cells listed per notebook with --cells")
    args = parser.parse_args(argv)
    if args.cells is not None:
        profile_cells(args.cells or [p.parent.name for p in sorted((ROOT / "solutions").glob("*/*.ipynb"))], args.top)
        return 0
    device = pick_device()
    torch.set_num_threads(pick_threads())  # as the notebooks' setup cell does
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs\n")
    if not args.course_only:
        bench_epochs(args.repeats, device)
        print()
    if not args.epochs_only:
        bench_course(args.course_repeats, args.at_once)
    return 0


if __name__ == "__main__":
    sys.exit(main())
