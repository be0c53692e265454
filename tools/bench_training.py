"""Print the README's results table from fresh runs of the reference code with the notebooks' exact settings.

    .venv/bin/python tools/bench_training.py            # seed 42, as the notebooks
    .venv/bin/python tools/bench_training.py --seeds 42 0 1   # the same runs for several seeds

Logistic regression (notebooks 00-02): seed, build the model, fastai DataLoaders (bs 64), one epoch of
update_step at lr 2e-2 with wd 1e-5. "Loss after one epoch" = mean training loss of the last 100 steps.
MLP (notebook 03): SimpleMLP, SGD with Nesterov momentum 0.9, OneCycleLR to 0.3, bs 128, 5 epochs.
"""
from __future__ import annotations

import argparse
import math
import platform
import sys
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from autograder.student.settings import course_root

sys.path.insert(0, str(course_root()))  # solutions and tools, as in the course folder
from autograder.student.data import Mnist, load_mnist  # noqa: E402
from autograder.student.notebook import pick_device, seed_everything  # noqa: E402
from autograder.student.training import (Timer, evaluate, fit_one_epoch, mnist_dataloaders, tail_loss,  # noqa: E402
                                 tensor_batches)
from solutions.iter1 import MyLinear as MyLinearRandn  # noqa: E402
from solutions.iter2 import MyLinear  # noqa: E402
from tools.reference import update_step  # noqa: E402
from solutions.mlp import SimpleMLP  # noqa: E402

LR, BS = 2e-2, 64                        # notebooks 00-02
EPOCHS, MLP_BS, MAX_LR = 5, 128, 0.3     # notebook 03


def logistic_run(make: Callable[[], nn.Module], mnist: Mnist, device: torch.device, seed: int) -> dict:
    """One epoch of the hand-written update on a fresh model, exactly as the notebooks' training cells."""
    seed_everything(seed)
    model = make().to(device)
    dls = mnist_dataloaders(mnist, bs=BS, device=device, seed=seed)
    with Timer() as t:
        losses = fit_one_epoch(lambda x, y, lr: update_step(model, x, y, lr), dls.train, lr=LR)
    valid_loss, valid_acc = evaluate(model, mnist.x_valid, mnist.y_valid)
    return {"loss": tail_loss(losses), "valid_loss": valid_loss, "valid_acc": valid_acc, "seconds": t.seconds}


def mlp_run(mnist: Mnist, device: torch.device, seed: int) -> dict:
    """Notebook 03's training cell: SimpleMLP, SGD+Nesterov, one-cycle, 5 epochs of tensor batches."""
    x_train, y_train = mnist.x_train.view(-1, 1, 28, 28).to(device), mnist.y_train.to(device)
    x_valid, y_valid = mnist.x_valid.view(-1, 1, 28, 28).to(device), mnist.y_valid.to(device)
    seed_everything(seed)
    model = SimpleMLP().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=MAX_LR, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=MAX_LR,
                                                total_steps=EPOCHS * math.ceil(len(x_train) / MLP_BS))
    shuffle = torch.Generator().manual_seed(seed)
    losses, seconds = [], 0.0
    for _ in range(EPOCHS):
        with Timer() as t:
            for xb, yb in tensor_batches(x_train, y_train, MLP_BS, generator=shuffle):
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                losses.append(loss.item())
        seconds += t.seconds
    valid_loss, valid_acc = evaluate(model, x_valid, y_valid)
    return {"loss": tail_loss(losses), "valid_loss": valid_loss, "valid_acc": valid_acc,
            "seconds": seconds / EPOCHS}


def main(argv: list[str] | None = None) -> int:
    """Run every configuration for each seed and print one markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    args = parser.parse_args(argv)
    device = pick_device()
    mnist = load_mnist(download=False)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"Python {platform.python_version()}\n")
    print("| model | seed | epochs | train loss (last 100 steps) | valid loss | valid accuracy | s / epoch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    runs = [("nn.Linear(784, 10), update()", lambda s: logistic_run(lambda: nn.Linear(784, 10), mnist, device, s), 1),
            ("iteration 1: MyLinear, randn", lambda s: logistic_run(lambda: MyLinearRandn(784, 10), mnist, device, s), 1),
            ("iteration 2: MyLinear, kaiming_uniform_(a=√5)",
             lambda s: logistic_run(lambda: MyLinear(784, 10), mnist, device, s), 1),
            ("SimpleMLP 784-100-10, SGD+Nesterov, one-cycle 0.3, bs 128", lambda s: mlp_run(mnist, device, s), EPOCHS)]
    for name, run, epochs in runs:
        for seed in args.seeds:
            r = run(seed)
            print(f"| {name} | {seed} | {epochs} | {r['loss']:.3f} | {r['valid_loss']:.3f} | "
                  f"{r['valid_acc']:.2%} | {r['seconds']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
