"""Stage 3 (03_mlp): ReLU, Flatten and SimpleMLP submissions; each SimpleMLP mistake sits in one part or in
forward itself."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from . import correct_case, failing, named_first
from .linear_cases import Iter2, KaimingManualUniform, no_transpose

# ---- ReLU ------------------------------------------------------------------------------------------

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


class ReluClampUnderscore(nn.Module):
    def forward(self, x):
        return x.clamp_(min=0)


class ReluMaskAssign(nn.Module):
    def forward(self, x):
        x[x < 0] = 0
        return x


class ReluWhereCpuZeros(nn.Module):
    def forward(self, x):
        return torch.where(x > 0, x, torch.zeros(x.shape))


class ReluMaximumCpuZeros(nn.Module):
    def forward(self, x):
        return torch.maximum(x, torch.zeros(x.shape, dtype=x.dtype))


class ReluDetached(nn.Module):
    def forward(self, x):
        return x.detach().clamp(min=0)


class ReluLeaky(nn.Module):
    def forward(self, x):
        return torch.where(x > 0, x, 0.01 * x)


class ReluSubclass(nn.ReLU):
    pass


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


class ReluFloatMask(nn.Module):
    def forward(self, x):
        return x * (x > 0).float()


# ---- Flatten ----------------------------------------------------------------------------------------

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


class FlattenMethod(FlattenReshape):
    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)


class FlattenTorch(FlattenReshape):
    def forward(self, x):
        return torch.flatten(x, self.start_dim, self.end_dim)


class FlattenView(FlattenReshape):
    def forward(self, x):
        s, e = self.start_dim % x.dim(), self.end_dim % x.dim()
        return x.view(*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


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


class FlattenSliceBug(FlattenReshape):
    """end_dim used raw as a slice end: exclusive, and -1 cuts the last dimension off."""

    def forward(self, x):
        shape = x.shape
        merged = math.prod(shape[self.start_dim:self.end_dim])
        return x.reshape(*shape[:self.start_dim], merged, *shape[self.end_dim:])


class FlattenRawNegative(FlattenReshape):
    def forward(self, x):
        s, e = self.start_dim, self.end_dim
        return x.reshape(*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


class FlattenSubclass(nn.Flatten):
    pass


class FlattenDetached(FlattenReshape):
    def forward(self, x):
        return super().forward(x.detach())


class FlattenModule(nn.Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.inner = nn.Flatten(start_dim, end_dim)

    def forward(self, x):
        return self.inner(x)


# ---- SimpleMLP --------------------------------------------------------------------------------------

def mlp(flatten=FlattenReshape, linear=Iter2, relu=ReluClamp, hidden=(100,), forward=None):
    """A SimpleMLP from the given parts: self.flatten, then self.linear1, self.linear2... (784 -> *hidden -> 10)
    with self.relu between them; `forward` replaces the usual chain."""
    sizes = (784, *hidden, 10)

    class SimpleMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = flatten()
            self.linear1 = linear(sizes[0], sizes[1])
            self.relu = relu()
            for k in range(2, len(sizes)):
                setattr(self, f"linear{k}", linear(sizes[k - 1], sizes[k]))

        def forward(self, x):
            if forward is not None:
                return forward(self, x)
            x = self.flatten(x)
            for k in range(1, len(sizes)):
                x = getattr(self, f"linear{k}")(x)
                if k < len(sizes) - 1:
                    x = self.relu(x)
            return x
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


MlpNnLinear = mlp(linear=nn.Linear)
MlpReluLast = mlp(forward=lambda m, x: m.relu(m.linear2(m.relu(m.linear1(m.flatten(x))))))


def _reference(name):
    import solutions.mlp as m
    return getattr(m, name)


def _ok(exercise, name, obj):
    return correct_case(exercise, name, obj, "mlp")


def _w(exercise, name, obj, check, *words):
    return failing(exercise, name, obj, "mlp", check, *words)


def _m(exercise, name, obj, first, words, lost, borrowing=False):
    return named_first(exercise, name, obj, "mlp", first, words, lost, borrowing)


CASES = [
    # ---- relu
    _ok("relu", "clamp(min=0)", ReluClamp),
    _ok("relu", "where + zeros_like", ReluWhere),
    _ok("relu", "x * (x > 0)", ReluMask),
    _ok("relu", "maximum with a 0-d tensor", ReluMaximum),
    _w("relu", "clamp_ in place", ReluClampUnderscore, "safe", "modified in place"),
    _w("relu", "CPU zeros: wrong dtype/device", ReluWhereCpuZeros, "safe", "torch.float16"),
    _w("relu", "detaches", ReluDetached, "grad", "grad_fn"),
    _w("relu", "subclasses nn.ReLU", ReluSubclass, "built_not_borrowed", "subclass of nn.ReLU"),
    _w("relu", "is the reference", _reference("ReLU"), "built_not_borrowed", "reference solutions.mlp.ReLU"),
    _m("relu", "torch.relu", ReluTorch, "built_not_borrowed", ["torch's relu"], 2, borrowing=True),
    _m("relu", "F.relu", ReluFunctional, "built_not_borrowed", ["torch's relu"], 2, borrowing=True),
    _m("relu", "Python's max(0, x)", ReluPythonMax, "values", ["Python's max(0, x)", "torch.maximum"], 2),
    _m("relu", "torch.max(x, 0)", ReluTorchMaxDim, "values", ["torch.max(x, 0) reduces over dimension 0"], 2),
    _m("relu", "x.clamp(max=0): negatives kept", ReluKeepsNegatives, "values", ["kept the negatives", "clamp(min=0)"],
       1.5),
    _m("relu", "x[x < 0] = 0 in place", ReluMaskAssign, "safe", ["new tensor"], 1),
    _w("relu", "x[x < 0] = 0 in place (the message)", ReluMaskAssign, "safe", "modified in place"),
    _m("relu", "leaky", ReluLeaky, "values", ["not 0"], 1.5),
    _w("relu", "leaky (the message)", ReluLeaky, "values", "max difference"),
    _m("relu", "zeros on the CPU", ReluMaximumCpuZeros, "safe", ["zeros_like"], 0.5),
    _m("relu", "x * (x > 0).float()", ReluFloatMask, "safe", ["(x > 0).float()", "keep x's dtype"], 0.5),
    # ---- flatten
    _ok("flatten", "reshape with math.prod", FlattenReshape),
    _ok("flatten", "reshape with -1", FlattenMinusOne),
    _w("flatten", "slices up to end_dim exclusive", FlattenSliceBug, "default", "shape"),
    _w("flatten", "subclasses nn.Flatten", FlattenSubclass, "built_not_borrowed", "subclass of nn.Flatten"),
    _w("flatten", "detaches", FlattenDetached, "safe", "grad_fn"),
    _w("flatten", "calls x.flatten", FlattenMethod, "built_not_borrowed", "torch.flatten"),
    _m("flatten", "x.reshape(-1): the batch too", FlattenAll, "default", ["batch dimension", "shape"], 2),
    _m("flatten", "x.view(-1, 784)", Flatten784, "default", ["hard-coded 784"], 2),
    _m("flatten", "x.reshape(x.shape[0], -1): ignores the dims", FlattenBatchOnly, "dims",
       ["ignored start_dim and end_dim"], 0.5),
    _m("flatten", "ignores end_dim", FlattenIgnoresEnd, "dims", ["ignored end_dim"], 0.5),
    _w("flatten", "ignores end_dim (the message)", FlattenIgnoresEnd, "dims", "shape"),
    _m("flatten", "end_dim exclusive", FlattenEndExclusive, "default", ["end_dim is inclusive"], 2),
    _m("flatten", "negative dims used raw", FlattenRawNegative, "default", ["negative dims count from the end"], 2),
    _m("flatten", ".view on a non-contiguous input", FlattenView, "safe", ["non-contiguous", ".reshape"], 0.5),
    _m("flatten", "torch.flatten", FlattenTorch, "built_not_borrowed", ["reshape"], 2, borrowing=True),
    _m("flatten", "wraps nn.Flatten", FlattenModule, "built_not_borrowed", ["nn.Flatten"], 2, borrowing=True),
    # ---- simple_mlp
    _ok("simple_mlp", "own modules", mlp(linear=KaimingManualUniform)),
    _w("simple_mlp", "two hidden layers", mlp(linear=KaimingManualUniform, hidden=(100, 100)), "structure", "79,510"),
    _w("simple_mlp", "is the reference", _reference("SimpleMLP"), "not_reference", "reference solutions"),
    _m("simple_mlp", "a Flatten that flattens the batch", mlp(flatten=FlattenAll), "forward", ["(self.flatten)", "fix"],
       2),
    _m("simple_mlp", "a MyLinear without .T", mlp(linear=no_transpose(Iter2)), "forward", ["MissingT (self.linear1)"],
       2),
    _m("simple_mlp", "nn.Linear inside", MlpNnLinear, "own_modules",
       ["nn.Linear as self.linear1"], 1),
    _w("simple_mlp", "nn.Linear inside (the message)", MlpNnLinear, "own_modules", "nn.Linear at 'linear1'"),
    _m("simple_mlp", "x.flatten(1) in forward", mlp(forward=lambda m, x: m.linear2(m.relu(m.linear1(x.flatten(1))))),
       "own_modules", ["self.flatten"], 1),
    _m("simple_mlp", "F.relu in forward", mlp(forward=lambda m, x: m.linear2(F.relu(m.linear1(m.flatten(x))))),
       "own_modules", ["self.relu"], 1),
    _m("simple_mlp", "ReLU after the output layer",
       MlpReluLast, "forward",
       ["you applied ReLU after linear2 too"], 1.5),
    _w("simple_mlp", "ReLU after the output layer (the message)", MlpReluLast, "forward", "max difference"),
    _m("simple_mlp", "softmax at the end",
       mlp(forward=lambda m, x: m.linear2(m.relu(m.linear1(m.flatten(x)))).softmax(-1)), "forward",
       ["you applied softmax at the end", "logits"], 1.5),
    _m("simple_mlp", "no flatten in forward", mlp(forward=lambda m, x: m.linear2(m.relu(m.linear1(x)))), "forward",
       ["you did not flatten the input"], 2),
    _m("simple_mlp", "layers in a plain list", MlpPlainList, "structure",
       ["plain Python list self.layers", "not registered"], 2.5),
    _m("simple_mlp", "no ReLU", MlpNoRelu, "structure", ["no self.relu"], 2.5),
    _w("simple_mlp", "no ReLU (the message)", MlpNoRelu, "structure", "4 submodules"),
    _m("simple_mlp", "a hidden layer of 128", MlpHidden128, "structure",
       ["self.linear1 is Iter2(784, 128), want Iter2(784, 100)", "self.linear2 is Iter2(128, 10)", "79,510"], 2.5),
    _m("simple_mlp", "MyLinear not pasted into 03", MlpMyLinearNotPasted, "structure",
       ["paste your MyLinear from 02_iter2"], 4),
    _m("simple_mlp", "784 -> 10 -> 100", MlpSizesSwapped, "structure",
       ["self.linear1 is Iter2(784, 10), want Iter2(784, 100)"], 2.5),
]
