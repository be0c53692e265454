"""Common ReLU, Flatten and SimpleMLP mistakes; each SimpleMLP mistake sits in one part or in forward itself."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from . import Mistake
from .linear_mistakes import Iter2, no_transpose
from .mlp_cases import FlattenReshape, ReluClamp


# ---- ReLU ------------------------------------------------------------------------------------------

class ReluTorch(nn.Module):
    def forward(self, x):
        return torch.relu(x)


class ReluFunctional(nn.Module):
    def forward(self, x):
        return F.relu(x)


class ReluPythonMax(nn.Module):
    def forward(self, x):
        return max(0, x)


class ReluTorchMaxDim(nn.Module):
    def forward(self, x):
        return torch.max(x, 0)


class ReluKeepsNegatives(nn.Module):
    def forward(self, x):
        return x.clamp(max=0)


class ReluInPlace(nn.Module):
    def forward(self, x):
        x[x < 0] = 0
        return x


class ReluLeaky(nn.Module):
    def forward(self, x):
        return torch.where(x > 0, x, 0.01 * x)


class ReluCpuZeros(nn.Module):
    def forward(self, x):
        return torch.maximum(x, torch.zeros(x.shape, dtype=x.dtype))


# ---- Flatten ----------------------------------------------------------------------------------------

class FlattenAll(FlattenReshape):
    def forward(self, x):
        return x.reshape(-1)


class Flatten784(FlattenReshape):
    def forward(self, x):
        return x.view(-1, 784)


class FlattenBatchOnly(FlattenReshape):
    def forward(self, x):
        return x.reshape(x.shape[0], -1)


class FlattenIgnoresEnd(FlattenReshape):
    def forward(self, x):
        s = self.start_dim % x.dim()
        return x.reshape(*x.shape[:s], -1)


class FlattenEndExclusive(FlattenReshape):
    def forward(self, x):
        s, e = self.start_dim % x.dim(), self.end_dim % x.dim()
        return x.reshape(*x.shape[:s], math.prod(x.shape[s:e]), *x.shape[e:])


class FlattenRawNegative(FlattenReshape):
    def forward(self, x):
        s, e = self.start_dim, self.end_dim
        return x.reshape(*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


class FlattenView(FlattenReshape):
    def forward(self, x):
        s, e = self.start_dim % x.dim(), self.end_dim % x.dim()
        return x.view(*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


class FlattenTorch(FlattenReshape):
    def forward(self, x):
        return torch.flatten(x, self.start_dim, self.end_dim)


class FlattenModule(nn.Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.inner = nn.Flatten(start_dim, end_dim)

    def forward(self, x):
        return self.inner(x)


# ---- SimpleMLP --------------------------------------------------------------------------------------

def mlp(flatten=FlattenReshape, linear=Iter2, relu=ReluClamp, forward=None):
    """A SimpleMLP from the given parts; `forward` replaces the usual chain."""
    class SimpleMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = flatten()
            self.linear1 = linear(784, 100)
            self.relu = relu()
            self.linear2 = linear(100, 10)

        def forward(self, x):
            if forward is not None:
                return forward(self, x)
            return self.linear2(self.relu(self.linear1(self.flatten(x))))
    return SimpleMLP


class MlpNoRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten, self.linear1, self.linear2 = FlattenReshape(), Iter2(784, 100), Iter2(100, 10)

    def forward(self, x):
        return self.linear2(self.linear1(self.flatten(x)))


class MlpPlainList(nn.Module):
    """The layers in a Python list: nn.Module does not register them."""

    def __init__(self):
        super().__init__()
        self.layers = [FlattenReshape(), Iter2(784, 100), ReluClamp(), Iter2(100, 10)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class MlpHidden128(nn.Module):
    """A hidden layer of 128 instead of the contract's 100."""

    def __init__(self):
        super().__init__()
        self.flatten, self.relu = FlattenReshape(), ReluClamp()
        self.linear1, self.linear2 = Iter2(784, 128), Iter2(128, 10)

    def forward(self, x):
        return self.linear2(self.relu(self.linear1(self.flatten(x))))


class MlpSizesSwapped(MlpHidden128):
    """784 -> 10 -> 100: the two layers' output sizes swapped."""

    def __init__(self):
        super().__init__()
        self.linear1, self.linear2 = Iter2(784, 10), Iter2(10, 100)


class MlpMyLinearNotPasted(MlpHidden128):
    """03's paste cell left empty: MyLinear is not defined in the notebook."""

    def __init__(self):
        nn.Module.__init__(self)
        self.flatten, self.relu = FlattenReshape(), ReluClamp()
        self.linear1, self.linear2 = MyLinear(784, 100), MyLinear(100, 10)  # noqa: F821 - the mistake


class ReluFloatMask(nn.Module):
    def forward(self, x):
        return x * (x > 0).float()


def _relu(name, cls, first, words, lost, borrowing=False):
    return Mistake("relu", name, cls, first, tuple(words), lost, "mlp", borrowing)


def _flat(name, cls, first, words, lost, borrowing=False):
    return Mistake("flatten", name, cls, first, tuple(words), lost, "mlp", borrowing)


def _mlp(name, cls, first, words, lost):
    return Mistake("simple_mlp", name, cls, first, tuple(words), lost, "mlp")


MISTAKES = [
    _relu("torch.relu", ReluTorch, "built_not_borrowed", ["required", "torch's relu"], 2, borrowing=True),
    _relu("F.relu", ReluFunctional, "built_not_borrowed", ["torch's relu"], 2, borrowing=True),
    _relu("Python's max(0, x)", ReluPythonMax, "values", ["Python's max(0, x)", "torch.maximum"], 2),
    _relu("torch.max(x, 0)", ReluTorchMaxDim, "values", ["torch.max(x, 0) reduces over dimension 0"], 2),
    _relu("x.clamp(max=0): negatives kept", ReluKeepsNegatives, "values", ["kept the negatives", "clamp(min=0)"], 1.5),
    _relu("x[x < 0] = 0 in place", ReluInPlace, "safe", ["new tensor"], 1),
    _relu("leaky", ReluLeaky, "values", ["not 0"], 1.5),
    _relu("zeros on the CPU", ReluCpuZeros, "safe", ["zeros_like"], 0.5),
    _relu("x * (x > 0).float()", ReluFloatMask, "safe", ["(x > 0).float()", "keep x's dtype"], 0.5),
    _flat("x.reshape(-1): the batch too", FlattenAll, "default", ["batch dimension"], 2),
    _flat("x.view(-1, 784)", Flatten784, "default", ["hard-coded 784"], 2),
    _flat("x.reshape(x.shape[0], -1): ignores the dims", FlattenBatchOnly, "dims", ["ignored start_dim and end_dim"], 0.5),
    _flat("ignores end_dim", FlattenIgnoresEnd, "dims", ["ignored end_dim"], 0.5),
    _flat("end_dim exclusive", FlattenEndExclusive, "default", ["end_dim is inclusive"], 2),
    _flat("negative dims used raw", FlattenRawNegative, "default", ["negative dims count from the end"], 2),
    _flat(".view on a non-contiguous input", FlattenView, "safe", ["non-contiguous", ".reshape"], 0.5),
    _flat("torch.flatten", FlattenTorch, "built_not_borrowed", ["required", "reshape"], 2, borrowing=True),
    _flat("wraps nn.Flatten", FlattenModule, "built_not_borrowed", ["nn.Flatten"], 2, borrowing=True),
    _mlp("a Flatten that flattens the batch", mlp(flatten=FlattenAll), "forward", ["(self.flatten)", "fix"], 2),
    _mlp("a MyLinear without .T", mlp(linear=no_transpose(Iter2)), "forward", ["MissingT (self.linear1)"], 2),
    _mlp("nn.Linear inside", mlp(linear=nn.Linear), "own_modules", ["nn.Linear as self.linear1"], 1),
    _mlp("x.flatten(1) in forward", mlp(forward=lambda m, x: m.linear2(m.relu(m.linear1(x.flatten(1))))),
         "own_modules", ["self.flatten"], 1),
    _mlp("F.relu in forward", mlp(forward=lambda m, x: m.linear2(F.relu(m.linear1(m.flatten(x))))),
         "own_modules", ["self.relu"], 1),
    _mlp("ReLU after the output layer",
         mlp(forward=lambda m, x: m.relu(m.linear2(m.relu(m.linear1(m.flatten(x)))))), "forward",
         ["you applied ReLU after linear2 too"], 1.5),
    _mlp("softmax at the end", mlp(forward=lambda m, x: m.linear2(m.relu(m.linear1(m.flatten(x)))).softmax(-1)),
         "forward", ["you applied softmax at the end", "logits"], 1.5),
    _mlp("no flatten in forward", mlp(forward=lambda m, x: m.linear2(m.relu(m.linear1(x)))), "forward",
         ["you did not flatten the input"], 2),
    _mlp("layers in a plain list", MlpPlainList, "structure", ["plain Python list self.layers", "not registered"],
         2.5),
    _mlp("no ReLU", MlpNoRelu, "structure", ["no self.relu"], 2.5),
    _mlp("a hidden layer of 128", MlpHidden128, "structure",
         ["self.linear1 is Iter2(784, 128), want Iter2(784, 100)", "self.linear2 is Iter2(128, 10)"], 2.5),
    _mlp("MyLinear not pasted into 03", MlpMyLinearNotPasted, "structure",
         ["paste your MyLinear from 02_iter2"], 4),
    _mlp("784 -> 10 -> 100", MlpSizesSwapped, "structure", ["self.linear1 is Iter2(784, 10), want Iter2(784, 100)"], 2.5),
]
