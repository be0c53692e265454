"""Small training helpers the notebooks import, so each notebook shows only the idea it teaches.

The training loops themselves (update(), the MLP's optimiser loop) stay visible in the notebooks;
this module holds the plumbing around them: batches, evaluation, the "loss after one epoch"
figure, activation statistics and plots.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

TAIL = 100  # "loss after one epoch" = mean training loss over the last TAIL batches of the epoch

Batch = tuple[torch.Tensor, torch.Tensor]


_ON_DEVICE: dict[tuple[int, str], tuple] = {}  # (mnist, its tensors on the device): one copy, reused


def on_device(mnist, device: torch.device | str) -> tuple[torch.Tensor, ...]:
    """x_train, y_train, x_valid, y_valid on `device`, copied there once per session (not once per batch)."""
    key = (id(mnist), str(torch.device(device)))
    if key not in _ON_DEVICE:
        _ON_DEVICE.clear()  # keep at most one copy (GPU memory)
        tensors = tuple(t.to(device) for t in (mnist.x_train, mnist.y_train, mnist.x_valid, mnist.y_valid))
        _ON_DEVICE[key] = (mnist, tensors)  # holding mnist keeps its id from being reused
    return _ON_DEVICE[key][1]


def mnist_dataloaders(mnist, bs: int = 64, device: torch.device | str = "cpu", seed: int = 42):
    """fastai DataLoaders over the train/validation tensors on `device`, shuffled in an order fixed by `seed`.

    The batches are those of fastai's `DataLoaders.from_dsets` over (x, y) pairs, in the same order,
    but each one is a single indexing operation on tensors already on the device (autograder/student/batches.py).
    """
    from .batches import tensor_dataloaders
    return tensor_dataloaders(*on_device(mnist, device), bs=bs, seed=seed)


def tensor_batches(x: torch.Tensor, y: torch.Tensor, bs: int, shuffle: bool = True,
                   generator: torch.Generator | None = None) -> Iterator[Batch]:
    """Mini-batches by slicing whole tensors: no per-item collation, so an epoch takes milliseconds of overhead."""
    n = len(x)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order.to(x.device)
    for i in range(0, n, bs):
        idx = order[i:i + bs]
        yield x.index_select(0, idx), y.index_select(0, idx)  # one gather per batch; faster than x[idx] on CPU


def fit_one_epoch(update: Callable[[torch.Tensor, torch.Tensor, float], float],
                  batches: Iterable[Batch], lr: float) -> list[float]:
    """Call update(x, y, lr) on every batch once; return the loss of every step."""
    return [float(update(xb, yb, lr)) for xb, yb in batches]


def tail_loss(losses: Sequence[float], n: int = TAIL) -> float:
    """The course's "loss after one epoch": the mean training loss over the last n steps."""
    if not losses:
        raise ValueError("Expected at least one loss; got an empty list. Hint: did the epoch run?")
    tail = list(losses)[-n:]
    return sum(tail) / len(tail)


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, bs: int = 2048) -> tuple[float, float]:
    """Cross-entropy and accuracy of `model` on (x, y), in batches, on the model's device."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total_loss, correct = 0.0, 0
    for i in range(0, len(x), bs):
        xb, yb = x[i:i + bs].to(device), y[i:i + bs].to(device)
        out = model(xb)
        total_loss += F.cross_entropy(out, yb, reduction="sum").item()
        correct += (out.argmax(dim=-1) == yb).sum().item()
    model.train(was_training)
    return total_loss / len(x), correct / len(x)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, bs: int = 2048) -> torch.Tensor:
    """Predicted class of every row of x, returned on the CPU."""
    device = next(model.parameters()).device
    return torch.cat([model(x[i:i + bs].to(device)).argmax(dim=-1).cpu() for i in range(0, len(x), bs)])


class Timer:
    """`with Timer() as t: ...` then t.seconds: wall time of a block, for the notebooks' time-per-epoch figures."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


@torch.no_grad()
def activation_stats(layers: Sequence[nn.Module], x: torch.Tensor,
                     act: Callable[[torch.Tensor], torch.Tensor] = torch.relu) -> tuple[list[float], list[float]]:
    """Mean and std of the activations after each layer (followed by `act`) of a deep stack."""
    means, stds = [], []
    for layer in layers:
        x = act(layer(x))
        means.append(x.mean().item())
        stds.append(x.std().item())
    return means, stds


def smooth(values: Sequence[float], beta: float = 0.95) -> list[float]:
    """Debiased exponential moving average (as fastai's Recorder plots), so curves are readable."""
    out, avg = [], 0.0
    for i, v in enumerate(values, start=1):
        avg = beta * avg + (1 - beta) * v
        out.append(avg / (1 - beta ** i))
    return out


def plot_losses(curves: dict[str, Sequence[float]], ax=None, title: str = "training loss",
                logy: bool = False, beta: float = 0.95):
    """Plot one or more per-step loss curves (raw, faint; smoothed, bold) on one axis."""
    import matplotlib.pyplot as plt
    ax = ax if ax is not None else plt.subplots()[1]
    for name, losses in curves.items():
        line, = ax.plot(losses, alpha=0.25, linewidth=0.8)
        ax.plot(smooth(losses, beta), color=line.get_color(), label=name, linewidth=1.8)
    ax.set(xlabel="step (mini-batch)", ylabel="loss", title=title)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def plot_activation_stats(stats: dict[str, tuple[Sequence[float], Sequence[float]]]):
    """Two panels, mean and std of the activations per layer, one line per initialisation (log scale)."""
    import matplotlib.pyplot as plt
    fig, (ax_mean, ax_std) = plt.subplots(1, 2, figsize=(10, 3.5))
    for name, (means, stds) in stats.items():
        layers = range(1, len(means) + 1)
        ax_mean.plot(layers, means, label=name)
        ax_std.plot(layers, stds, label=name)
    for ax, what in ((ax_mean, "mean"), (ax_std, "std")):
        ax.set_yscale("log")
        ax.set(xlabel="layer", ylabel=f"activation {what} (log scale)", title=f"{what} after each Linear+ReLU")
    ax_std.legend(fontsize=8)
    fig.tight_layout()
    return fig


def show_digits(images: torch.Tensor, titles: Sequence[str], ncols: int = 8):
    """A grid of 28x28 digits with a title under each (labels, or predicted vs true)."""
    import matplotlib.pyplot as plt
    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.5 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].detach().cpu().reshape(28, 28), cmap="gray_r")
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig
