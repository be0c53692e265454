"""Correct MyLinear implementations in different styles; each must get full marks."""
import math

import torch
from torch import nn

from . import Correct


class RandnMatmul(nn.Module):
    """Iteration 1, the textbook way."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.randn(out_features)) if bias else None

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} input features, got {x.shape[-1]}")
        out = x @ self.weight.T
        return out if self.bias is None else out + self.bias


class ArticleIteration1(nn.Module):
    """Iteration 1 as the article wrote it: randn weight and bias, always a bias (no bias argument), and a
    ValueError (where the article called sys.exit) when the input has the wrong size."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.randn(out_features))

    def forward(self, input):
        if input.size(1) != self.in_features:
            raise ValueError(f"Wrong input size: expected {self.in_features} features, got {input.size(1)}")
        return torch.matmul(input, self.weight.t()) + self.bias


class RandnEinsum(nn.Module):
    """Iteration 1 with einsum and register_parameter."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.register_parameter("bias", nn.Parameter(torch.randn(out_features)) if bias else None)

    def forward(self, x):
        if x.size(-1) != self.in_features:
            raise ValueError("MyLinear needs %d features" % self.in_features)
        y = torch.einsum("bi,oi->bo", x, self.weight)
        return y + self.bias if self.bias is not None else y


class KaimingEinsum(nn.Module):
    """Iteration 2: einsum over any leading dims, nn.init."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.register_parameter("bias", nn.Parameter(torch.empty(out_features)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features))

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"Expected last dim {self.in_features}, got {tuple(x.shape)}")
        y = torch.einsum("...i,oi->...o", x, self.weight)
        return y if self.bias is None else y + self.bias

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class KaimingManualUniform(nn.Module):
    """Iteration 2: reset_parameters makes new Parameters with uniform_(-b, b) by hand; matmul with transpose."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        b = 1 / math.sqrt(self.in_features)
        self.weight = nn.Parameter(torch.empty(self.out_features, self.in_features).uniform_(-b, b))
        if self.bias is not None:
            self.bias = nn.Parameter(torch.empty(self.out_features).uniform_(-b, b))

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"in_features is {self.in_features}; input has {x.shape[-1]}")
        y = torch.matmul(x, self.weight.transpose(0, 1))
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self):
        return "in_features={}, out_features={}, bias={}".format(
            self.in_features, self.out_features, self.bias is not None)


class KaimingAddmm(nn.Module):
    """Iteration 2: addmm on a 2-D view, reshaped back; (rand * 2 - 1) * bound init copied in place."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.register_parameter("bias", nn.Parameter(torch.empty(out_features)) if bias else None)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self):
        bound = math.sqrt(1 / self.in_features)
        self.weight.copy_((torch.rand(self.out_features, self.in_features) * 2 - 1) * bound)
        if self.bias is not None:
            self.bias.copy_((torch.rand(self.out_features) * 2 - 1) * bound)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        flat = x.reshape(-1, self.in_features)
        if self.bias is None:
            out = flat @ self.weight.t()
        else:
            out = torch.addmm(self.bias, flat, self.weight.t())
        return out.reshape(*x.shape[:-1], self.out_features)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class KaimingResetParameters(nn.Module):
    """Iteration 2 the way torch writes it: reset_parameters with kaiming_uniform_ and _calculate_fan_in."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty((out_features, in_features)))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"MyLinear({self.in_features}, ...) got input of shape {tuple(x.shape)}")
        return x @ self.weight.mT + (0 if self.bias is None else self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class BiasFirst(KaimingResetParameters):
    """Iteration 2 registering bias before weight: state_dict loads by name, so the order does not matter."""

    def __init__(self, in_features, out_features, bias=True):
        nn.Module.__init__(self)
        self.in_features, self.out_features = in_features, out_features
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.reset_parameters()


CORRECT = [
    Correct("linear_randn", "randn, x @ W.T", RandnMatmul, "iter1"),
    Correct("linear_randn", "the article's iteration 1: always a bias, ValueError", ArticleIteration1, "iter1"),
    Correct("linear_randn", "randn, einsum, register_parameter", RandnEinsum, "iter1"),
    Correct("linear_kaiming", "einsum + nn.init", KaimingEinsum, "iter2"),
    Correct("linear_kaiming", "bias registered before weight", BiasFirst, "iter2"),
    Correct("linear_kaiming", "manual uniform_ + matmul", KaimingManualUniform, "iter2"),
    Correct("linear_kaiming", "addmm + (rand*2-1)*bound", KaimingAddmm, "iter2"),
    Correct("linear_kaiming", "reset_parameters like torch", KaimingResetParameters, "iter2"),
]
