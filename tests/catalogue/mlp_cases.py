"""ReLU, Flatten and SimpleMLP submissions, wrong and correct."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from . import Correct, Wrong
from .linear_correct import KaimingManualUniform as MyLinear


class ReluClamp(nn.Module):
    def forward(self, x):
        return x.clamp(min=0)


class ReluWhere(nn.Module):
    def forward(self, x):
        return torch.where(x > 0, x, torch.zeros_like(x))


class ReluMask(nn.Module):
    def forward(self, x):
        return x * (x > 0)


class ReluMaximum(nn.Module):
    def forward(self, x):
        return torch.maximum(x, torch.tensor(0.0, dtype=x.dtype, device=x.device))


class ReluInPlace(nn.Module):
    def forward(self, x):
        return x.clamp_(min=0)


class ReluMaskAssign(nn.Module):
    def forward(self, x):
        x[x < 0] = 0
        return x


class ReluCpuZeros(nn.Module):
    def forward(self, x):
        return torch.where(x > 0, x, torch.zeros(x.shape))


class ReluDetached(nn.Module):
    def forward(self, x):
        return x.detach().clamp(min=0)


class ReluLeaky(nn.Module):
    def forward(self, x):
        return torch.where(x > 0, x, 0.01 * x)


class ReluSubclass(nn.ReLU):
    pass


class ReluCallsTorch(nn.Module):
    def forward(self, x):
        return torch.relu(x)


class FlattenReshape(nn.Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        s, e = self.start_dim % x.dim(), self.end_dim % x.dim()
        return x.reshape(*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


class FlattenMinusOne(FlattenReshape):
    """reshape with -1 for the merged size, tuple concatenation of torch.Size."""

    def forward(self, x):
        s, e = self.start_dim % x.ndim, self.end_dim % x.ndim
        return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:])


class FlattenTorch(FlattenReshape):
    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)


class FlattenView(nn.Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        s, e = self.start_dim % x.dim(), self.end_dim % x.dim()
        return x.view(*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


class FlattenIgnoresEnd(FlattenReshape):
    def forward(self, x):
        return x.reshape(*x.shape[:self.start_dim], -1)


class FlattenBatchToo(FlattenReshape):
    def forward(self, x):
        return x.reshape(-1)


class FlattenSliceBug(FlattenReshape):
    def forward(self, x):
        shape = x.shape
        merged = math.prod(shape[self.start_dim:self.end_dim])
        return x.reshape(*shape[:self.start_dim], merged, *shape[self.end_dim:])


class FlattenSubclass(nn.Flatten):
    pass


class FlattenDetached(FlattenReshape):
    def forward(self, x):
        return super().forward(x.detach())


def _mlp(hidden=(100,), act=ReluClamp, linear=MyLinear, relu_last=False, skip_relu=False):
    """Build a SimpleMLP class with a given structure."""
    class SimpleMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = FlattenReshape()
            sizes = (784, *hidden, 10)
            layers = [linear(a, b) for a, b in zip(sizes, sizes[1:])]
            self.linear1 = layers[0]
            if not skip_relu:
                self.relu = act()
            for k, layer in enumerate(layers[1:], start=2):
                setattr(self, f"linear{k}", layer)
            self.n = len(layers)

        def forward(self, x):
            x = self.flatten(x)
            for k in range(1, self.n + 1):
                x = getattr(self, f"linear{k}")(x)
                if (k < self.n or relu_last) and not skip_relu:
                    x = self.relu(x)
            return x
    return SimpleMLP


class MlpFunctionalRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten, self.linear1, self.relu, self.linear2 = FlattenReshape(), MyLinear(784, 100), ReluClamp(), MyLinear(100, 10)

    def forward(self, x):
        return self.linear2(F.relu(self.linear1(self.flatten(x))))


def _reference(name):
    import solutions.mlp as m
    return getattr(m, name)


def _w(ex, name, obj, check, fragment):
    return Wrong(ex, name, obj, check, fragment, "mlp")


WRONG = [
    _w("relu", "clamp_ in place", ReluInPlace, "safe", "modified in place"),
    _w("relu", "x[x < 0] = 0 in place", ReluMaskAssign, "safe", "modified in place"),
    _w("relu", "CPU zeros: wrong dtype/device", ReluCpuZeros, "safe", "torch.float16"),
    _w("relu", "detaches", ReluDetached, "grad", "grad_fn"),
    _w("relu", "leaky", ReluLeaky, "values", "max difference"),
    _w("relu", "subclasses nn.ReLU", ReluSubclass, "built_not_borrowed", "subclass of nn.ReLU"),
    _w("relu", "calls torch.relu", ReluCallsTorch, "built_not_borrowed", "relu"),
    _w("relu", "is the reference", _reference("ReLU"), "built_not_borrowed", "reference solutions.mlp.ReLU"),
    _w("flatten", "ignores end_dim", FlattenIgnoresEnd, "dims", "shape"),
    _w("flatten", "flattens the batch too", FlattenBatchToo, "default", "shape"),
    _w("flatten", "slices up to end_dim exclusive", FlattenSliceBug, "default", "shape"),
    _w("flatten", "subclasses nn.Flatten", FlattenSubclass, "built_not_borrowed", "subclass of nn.Flatten"),
    _w("flatten", "detaches", FlattenDetached, "safe", "grad_fn"),
    _w("flatten", "view fails on a non-contiguous input", FlattenView, "safe", "non-contiguous"),
    _w("flatten", "calls torch.flatten", FlattenTorch, "built_not_borrowed", "torch.flatten"),
    _w("simple_mlp", "uses nn.Linear", _mlp(linear=nn.Linear), "own_modules", "nn.Linear at 'linear1'"),
    _w("simple_mlp", "two hidden layers", _mlp(hidden=(100, 100)), "structure", "79,510"),
    _w("simple_mlp", "hidden size 128", _mlp(hidden=(128,)), "structure", "79,510"),
    _w("simple_mlp", "missing ReLU", _mlp(skip_relu=True), "structure", "4 submodules"),
    _w("simple_mlp", "ReLU after the output layer", _mlp(relu_last=True), "forward", "max difference"),
    _w("simple_mlp", "F.relu in forward", MlpFunctionalRelu, "own_modules", "relu"),
    _w("simple_mlp", "is the reference", _reference("SimpleMLP"), "not_reference", "reference solutions"),
]
CORRECT = [
    Correct("relu", "clamp(min=0)", ReluClamp, "mlp"),
    Correct("relu", "where + zeros_like", ReluWhere, "mlp"),
    Correct("relu", "x * (x > 0)", ReluMask, "mlp"),
    Correct("relu", "maximum with a 0-d tensor", ReluMaximum, "mlp"),
    Correct("flatten", "reshape with math.prod", FlattenReshape, "mlp"),
    Correct("flatten", "reshape with -1", FlattenMinusOne, "mlp"),
    Correct("simple_mlp", "own modules", _mlp(), "mlp"),
]
