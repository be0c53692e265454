"""Reference MyLinear for iteration 1 (randn init) and iteration 2 (PyTorch's default init)."""
import math

import torch
from torch import nn


class MyLinearRandn(nn.Module):
    """Iteration 1: y = x @ W.T + b with W and b drawn from N(0, 1); always a bias (bias=False is iteration 2)."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.randn(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.in_features:
            raise ValueError(f"MyLinear expected input with {self.in_features} features "
                             f"in the last dimension; got shape {tuple(x.shape)}.")
        return x @ self.weight.T + self.bias


class MyLinear(nn.Module):
    """Iteration 2: nn.Linear's init (Kaiming-uniform with a=sqrt(5)), optional bias, any leading dims."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # bound = 1/sqrt(fan_in)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.in_features:
            raise ValueError(f"MyLinear expected input with {self.in_features} features "
                             f"in the last dimension; got shape {tuple(x.shape)}.")
        out = x @ self.weight.T
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
