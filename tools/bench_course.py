"""Two speed figures of what the course teaches: one epoch of the logistic model, and the whole course.

    .venv/bin/python tools/bench_course.py               # both figures (about a minute on 2 cores)
    .venv/bin/python tools/bench_course.py --epochs-only  # only the epoch figures
    COURSE_DEVICE=cpu .venv/bin/python tools/bench_course.py   # force the CPU on a GPU machine

1. One epoch of notebook 0's training (nn.Linear(784, 10), update_step at lr 2e-2, wd 1e-5, bs 64)
   with three ways of making batches from the same tensors on the same device:
   - plain slicing: shuffle the tensors once per epoch, then take views x[i:i+64] (the floor);
   - the notebooks' loader: fastai's DataLoader with batch-level indexing (autograder/batches.py);
   - fastai's stock per-item DataLoader over a list of (x, y) pairs, which the course used before.
   Each is timed `--repeats` times, interleaved, and the best (least disturbed) run is reported.
2. The whole course: every solutions notebook executed with nbclient in the course kernel, one after
   the other, as `make test` does; the best of `--course-repeats` runs of each notebook, and their sum
   (this machine's 2 cores are shared, so single runs vary by seconds).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.batches import tensor_dataloaders  # noqa: E402
from autograder.data import Mnist, load_mnist  # noqa: E402
from autograder.notebook import pick_device, seed_everything  # noqa: E402
from tools.reference import update_step  # noqa: E402

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


def bench_course(repeats: int) -> float:
    """Execute every solutions notebook with nbclient `repeats` times; print the best time of each and their sum."""
    import nbformat
    from nbclient import NotebookClient
    paths = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    best = {p: float("inf") for p in paths}
    for _ in range(repeats):
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            client = NotebookClient(nb, kernel_name="mlp-course", timeout=600,
                                    resources={"metadata": {"path": str(path.parent)}})
            start = time.perf_counter()
            client.execute()
            best[path] = min(best[path], time.perf_counter() - start)
    print(f"Whole course: every solutions notebook, nbclient, kernel mlp-course, best of {repeats} per notebook:")
    for path, seconds in best.items():
        print(f"  {seconds:6.1f} s  {path.relative_to(ROOT)}")
    total = sum(best.values())
    print(f"  {total:6.1f} s  in total")
    return total


def main(argv: list[str] | None = None) -> int:
    """Print the epoch figures and (unless --epochs-only) the whole-course time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--course-repeats", type=int, default=2, help="runs of each notebook (best is kept)")
    parser.add_argument("--epochs-only", action="store_true")
    args = parser.parse_args(argv)
    device = pick_device()
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs\n")
    bench_epochs(args.repeats, device)
    if not args.epochs_only:
        print()
        bench_course(args.course_repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
