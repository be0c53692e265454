"""Reference ReLU, Flatten and SimpleMLP for stage 3, built from the course's own MyLinear."""
import torch
from torch import nn

from solutions.linear import MyLinear


class ReLU(nn.Module):
    """max(0, x), elementwise."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.maximum(x, torch.zeros_like(x))


class Flatten(nn.Module):
    """Merge dims start_dim..end_dim into one, like nn.Flatten."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        start = self.start_dim % len(shape) if len(shape) else 0
        end = self.end_dim % len(shape) if len(shape) else 0
        merged = 1
        for s in shape[start:end + 1]:
            merged *= s
        return x.reshape(*shape[:start], merged, *shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class SimpleMLP(nn.Module):
    """784 -> 100 -> ReLU -> 10: flatten, linear1, relu, linear2 (79,510 parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.flatten = Flatten()
        self.linear1 = MyLinear(28 * 28, 100)
        self.relu = ReLU()
        self.linear2 = MyLinear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(self.relu(self.linear1(self.flatten(x))))
