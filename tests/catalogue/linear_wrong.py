"""Realistic wrong MyLinear implementations; each must fail one named check with a telling message."""
import math
import sys

import torch
import torch.nn.functional as F
from torch import nn

from . import Wrong


class Base(nn.Module):
    """A correct iteration-2 layer that the wrong ones below change in one place."""

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
        self.weight = nn.Parameter(self.init_weight(self.out_features, self.in_features))
        if self.bias is not None:
            self.bias = nn.Parameter(self.init_bias(self.out_features))

    def init_weight(self, o, i):
        b = 1 / math.sqrt(i)
        return torch.empty(o, i).uniform_(-b, b)

    def init_bias(self, o):
        b = 1 / math.sqrt(self.in_features)
        return torch.empty(o).uniform_(-b, b)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        out = x @ self.weight.T
        return out if self.bias is None else out + self.bias

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class RandnBase(Base):
    """A correct iteration-1 layer."""

    def init_weight(self, o, i):
        return torch.randn(o, i)

    def init_bias(self, o):
        return torch.randn(o)


class TransposedWeight(Base):
    def init_weight(self, o, i):
        return torch.randn(i, o) / math.sqrt(i)

    def forward(self, x):
        return x @ self.weight + self.bias


class ForgotBias(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        return x @ self.weight.T


class BiasPlainTensor(Base):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias=False)
        del self._parameters["bias"]
        self.bias = torch.zeros(out_features).uniform_(-0.1, 0.1) if bias else None


class WeightPlainTensor(Base):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias)
        w = self.weight.detach().clone()
        del self.weight
        self.weight = w


class NoTranspose(Base):
    def forward(self, x):
        return x @ self.weight + self.bias


class BiasBeforeMatmul(Base):
    def forward(self, x):
        return (x + self.bias) @ self.weight.T


class BiasFalseZerosTensor(Base):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias)
        if not bias:
            del self._parameters["bias"]  # as if it had never been registered
            self.bias = torch.zeros(out_features)


class BiasFalseZerosParameter(Base):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, True)
        if not bias:
            self.bias = nn.Parameter(torch.zeros(out_features), requires_grad=False)


class ExitsOnBadInput(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            print("wrong input size!")
            sys.exit(1)
        return super().forward(x)


class SilentOnBadInput(Base):
    def forward(self, x):
        x = x[..., : self.in_features]
        return x @ self.weight[:, : x.shape[-1]].T + self.bias


class AssertOnBadInput(Base):
    def forward(self, x):
        assert x.shape[-1] == self.in_features, f"expected {self.in_features}"
        return x @ self.weight.T + self.bias


class ValueErrorWithoutSize(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError("wrong input shape")
        return super().forward(x)


class KaimingA0(Base):
    def init_weight(self, o, i):
        w = torch.empty(o, i)
        nn.init.kaiming_uniform_(w)  # a=0: bound sqrt(6 / fan_in)
        return w


class KaimingNormal(Base):
    def init_weight(self, o, i):
        w = torch.empty(o, i)
        nn.init.kaiming_normal_(w)
        return w


class RandnInIteration2(Base):
    def init_weight(self, o, i):
        return torch.randn(o, i)


class BiasZero(Base):
    def init_bias(self, o):
        return torch.zeros(o)


class BiasBoundFromOut(Base):
    def init_bias(self, o):
        b = 1 / math.sqrt(o)
        return torch.empty(o).uniform_(-b, b)


class UniformTooNarrow(Base):
    def init_weight(self, o, i):
        b = 1 / math.sqrt(i)
        return torch.empty(o, i).uniform_(-0.5 * b, 0.5 * b)


class TwoDOnly(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        return x.mm(self.weight.t()) + self.bias


class ModifiesInput(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        x.t_()
        return (self.weight @ x).T + self.bias


class NoExtraRepr(Base):
    extra_repr = nn.Module.extra_repr


class WrongExtraRepr(Base):
    def extra_repr(self):
        return f"in={self.in_features}, out={self.out_features}"


class SubclassesLinear(nn.Linear):
    pass


class WrapsLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.inner = nn.Linear(in_features, out_features, bias)

    def forward(self, x):
        return self.inner(x)


class CallsFLinear(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        return F.linear(x, self.weight, self.bias)


class DetachesWeight(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        return x @ self.weight.detach().T + self.bias.data


class HardcodesDouble(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        return x.double() @ self.weight.double().T + self.bias.double()


class CpuTensorInForward(Base):
    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features")
        out = x @ self.weight.T + torch.zeros(self.out_features)
        return out if self.bias is None else out + self.bias


class UniformInIteration1(RandnBase):
    def init_weight(self, o, i):
        return torch.rand(o, i)


class RandnTimesSmall(RandnBase):
    def init_weight(self, o, i):
        return torch.randn(o, i) * 0.01


class ZeroBiasIteration1(RandnBase):
    def init_bias(self, o):
        return torch.zeros(o)


def _reference():
    from solutions.iter2 import MyLinear
    return MyLinear


def _v1(name, cls, check, fragment):
    return Wrong("linear_randn", name, cls, check, fragment, "iter1")


def _v2(name, cls, check, fragment):
    return Wrong("linear_kaiming", name, cls, check, fragment, "iter2")


WRONG = [
    _v1("torch.rand (uniform [0, 1)) init", UniformInIteration1, "randn_init", "N(0, 1)"),
    _v1("randn * 0.01 init", RandnTimesSmall, "randn_init", "not scaled"),
    _v1("zero bias in iteration 1", ZeroBiasIteration1, "randn_init", "bias ~ N(0, 1)"),
    _v1("weight shaped (in, out)", TransposedWeight, "parameters", "(out_features, in_features)"),
    _v1("forgot the bias", ForgotBias, "forward", "forgot to add the bias"),
    _v1("sys.exit on bad input", ExitsOnBadInput, "bad_input", "SystemExit"),
    _v2("weight shaped (in, out)", TransposedWeight, "parameters", "(out_features, in_features)"),
    _v2("forgot the bias", ForgotBias, "forward", "forgot to add the bias"),
    _v2("bias a plain tensor", BiasPlainTensor, "parameters", "plain tensor attribute bias"),
    _v2("weight a plain tensor", WeightPlainTensor, "parameters", "plain tensor attribute weight"),
    _v2("x @ W without .T", NoTranspose, "forward", "you forgot the .T"),
    _v2("bias added before the matmul", BiasBeforeMatmul, "forward", "before the matrix product"),
    _v2("bias=False gives a zeros tensor", BiasFalseZerosTensor, "no_bias", "not a tensor of zeros"),
    _v2("bias=False registers a zeros Parameter", BiasFalseZerosParameter, "no_bias", "self.bias to be None"),
    _v2("sys.exit on bad input", ExitsOnBadInput, "bad_input", "SystemExit"),
    _v2("silently truncates a bad input", SilentOnBadInput, "bad_input", "silently returned"),
    _v2("assert instead of ValueError", AssertOnBadInput, "bad_input", "AssertionError"),
    _v2("ValueError without the size", ValueErrorWithoutSize, "bad_input", "include in_features"),
    _v2("kaiming_uniform_ with a=0", KaimingA0, "weight_init", "a=0"),
    _v2("kaiming_normal_", KaimingNormal, "weight_init", "every |value|"),
    _v2("randn in iteration 2", RandnInIteration2, "weight_init", "every |value|"),
    _v2("uniform with half the bound", UniformTooNarrow, "weight_init", "Kolmogorov-Smirnov"),
    _v2("bias initialised to zero", BiasZero, "bias_init", "all zero"),
    _v2("bias bound from out_features", BiasBoundFromOut, "bias_init", "out_features"),
    _v2("x.mm: only 2-D inputs", TwoDOnly, "forward", "RuntimeError"),
    _v2("x.t_() modifies the input", ModifiesInput, "forward", "modified in place"),
    _v2("no extra_repr", NoExtraRepr, "repr", "extra_repr() == 'in_features=7"),
    _v2("extra_repr in another format", WrongExtraRepr, "repr", "'in=7, out=5'"),
    _v2("subclasses nn.Linear", SubclassesLinear, "built_not_borrowed", "subclass of nn.Linear"),
    _v2("wraps nn.Linear", WrapsLinear, "built_not_borrowed", "nn.Linear submodule"),
    _v2("calls F.linear", CallsFLinear, "built_not_borrowed", "linear"),
    _v2("detaches weight in forward", DetachesWeight, "gradients", "weight.grad is None"),
    _v2("hard-codes float64", HardcodesDouble, "dtype_device", "torch.float32"),
    _v2("creates a CPU tensor in forward", CpuTensorInForward, "dtype_device", "device=x.device"),
    _v2("is the reference solution", _reference(), "built_not_borrowed", "reference solutions.iter2.MyLinear"),
]
