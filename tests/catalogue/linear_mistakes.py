"""Common MyLinear mistakes, each a correct layer changed in one place, as students make them."""
import math
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.functional import linear as imported_linear

from . import Mistake


class Iter1(nn.Module):
    """A correct iteration 1, as the article wrote it: always a bias, randn, ValueError."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.randn(out_features))

    def check(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features, got {x.shape[-1]}")

    def forward(self, x):
        self.check(x)
        return x @ self.weight.T + self.bias


class Iter2(nn.Module):
    """A correct iteration 2."""

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
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)

    def check(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features, got {x.shape[-1]}")

    def forward(self, x):
        self.check(x)
        out = x @ self.weight.T
        return out if self.bias is None else out + self.bias

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


# ---- forward ----------------------------------------------------------------------------------

def no_transpose(base):
    class MissingT(base):
        def forward(self, x):
            self.check(x)
            out = x @ self.weight
            return out if self.bias is None else out + self.bias
    return MissingT


def weight_first(base):
    class WeightFirst(base):
        def forward(self, x):
            self.check(x)
            return (self.weight @ x.T) + (0 if self.bias is None else self.bias.unsqueeze(1))
    return WeightFirst


def forgets_bias(base):
    class ForgetsBias(base):
        def forward(self, x):
            self.check(x)
            return x @ self.weight.T
    return ForgetsBias


def in_out_layout(base, transpose_in_forward):
    class InOut(base):
        """The weight stored (in_features, out_features), drawn as the iteration draws it."""

        def __init__(self, in_features, out_features, **kwargs):
            super().__init__(in_features, out_features, **kwargs)
            self.weight = nn.Parameter(torch.randn(in_features, out_features))
            if base is Iter2:
                self.reset_parameters()

        def reset_parameters(self):
            b = 1 / math.sqrt(self.in_features)
            nn.init.uniform_(self.weight, -b, b)
            if self.bias is not None:
                nn.init.uniform_(self.bias, -b, b)

        def forward(self, x):
            self.check(x)
            out = x @ (self.weight.T if transpose_in_forward else self.weight)
            return out if self.bias is None else out + self.bias
    return InOut


class ShapeOne(Iter2):
    def check(self, x):
        if x.shape[1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features, got {x.shape[1]}")


class MatrixOnly(Iter2):
    def forward(self, x):
        self.check(x)
        out = x.mm(self.weight.t())
        return out if self.bias is None else out + self.bias


class ReshapeTo2D(Iter2):
    def forward(self, x):
        self.check(x)
        out = x.reshape(-1, self.in_features) @ self.weight.T
        return out if self.bias is None else out + self.bias


class PlainTensors(Iter1):
    def __init__(self, in_features, out_features):
        nn.Module.__init__(self)
        self.in_features, self.out_features = in_features, out_features
        self.weight = torch.randn(out_features, in_features)
        self.bias = torch.randn(out_features)


class EinsumTwoD(Iter2):
    def forward(self, x):
        self.check(x)
        out = torch.einsum("bi,oi->bo", x, self.weight)
        return out if self.bias is None else out + self.bias


class ZerosOnCpu(Iter2):
    def forward(self, x):
        self.check(x)
        out = x @ self.weight.T + torch.zeros(self.out_features)
        return out if self.bias is None else out + self.bias


# ---- bias handling (iteration 2) -------------------------------------------------------------------

class BiasNoneUnregistered(Iter2):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias)
        if not bias:
            del self._parameters["bias"]
            self.bias = None


class ResetWithoutGuard(Iter2):
    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(self.in_features)
        nn.init.uniform_(self.bias, -bound, bound)


class ForwardWithoutGuard(Iter2):
    def forward(self, x):
        self.check(x)
        return x @ self.weight.T + self.bias


class ZerosForNoBias(Iter2):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, True)
        if not bias:
            self.bias = nn.Parameter(torch.zeros(out_features), requires_grad=False)


class NoBiasArgument(Iter2):
    """Iteration 1's signature kept in iteration 2: no bias argument at all."""

    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)


# ---- reset_parameters and init (iteration 2) --------------------------------------------------------

class InitInConstructor(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if bias:
            b = 1 / math.sqrt(in_features)
            self.bias = nn.Parameter(torch.empty(out_features).uniform_(-b, b))
        else:
            self.register_parameter("bias", None)

    forward = Iter2.forward
    check = Iter2.check
    extra_repr = Iter2.extra_repr


class ResetNotCalled(InitInConstructor):
    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features))


class KaimingA0(Iter2):
    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features))


class KaimingNormal(Iter2):
    def reset_parameters(self):
        nn.init.kaiming_normal_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features))


class RandnScaled(Iter2):
    def reset_parameters(self):
        with torch.no_grad():
            self.weight.copy_(torch.randn_like(self.weight) / math.sqrt(self.in_features))
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features))


class BiasZeros(Iter2):
    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            nn.init.zeros_(self.bias)


class BiasFromOut(Iter2):
    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.out_features), 1 / math.sqrt(self.out_features))


class ReprSlip(Iter2):
    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}"


# ---- iteration 1 specifics ------------------------------------------------------------------------

class ExitsOnBadInput(Iter1):
    def check(self, x):
        if x.shape[-1] != self.in_features:
            print(f"expected {self.in_features} features")
            sys.exit(1)


class AssertsOnBadInput(Iter1):
    def check(self, x):
        assert x.shape[-1] == self.in_features, f"expected {self.in_features} features"


class ValueErrorWithoutSize(Iter1):
    def check(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError("wrong input size")


class NoBiasParameter(Iter1):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        del self.bias

    def forward(self, x):
        self.check(x)
        return x @ self.weight.T


class RandUniform(Iter1):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.weight = nn.Parameter(torch.rand(out_features, in_features))


class ZeroBias1(Iter1):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.bias = nn.Parameter(torch.zeros(out_features))


class PlainTensorWeight(Iter1):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        w = self.weight.detach().clone()
        del self.weight
        self.weight = w


# ---- borrowing --------------------------------------------------------------------------------------

def calls_f_linear(base):
    class CallsFLinear(base):
        def forward(self, x):
            self.check(x)
            return F.linear(x, self.weight, self.bias)
    return CallsFLinear


class ImportedLinear(Iter2):
    def forward(self, x):
        self.check(x)
        return imported_linear(x, self.weight, self.bias)


class WrapsLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.inner = nn.Linear(in_features, out_features, bias)

    def forward(self, x):
        return self.inner(x)


class OwnHelperNamedLinear(Iter2):
    """Not borrowing: a helper of the student's own that happens to be called linear (its repr is wrong)."""

    def forward(self, x):
        self.check(x)
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"{self.in_features} -> {self.out_features}"


def linear(x, w, b):
    out = x @ w.T
    return out if b is None else out + b


def _v1(name, cls, first, words, lost, borrowing=False):
    return Mistake("linear_randn", name, cls, first, tuple(words), lost, "iter1", borrowing)


def _v2(name, cls, first, words, lost, borrowing=False):
    return Mistake("linear_kaiming", name, cls, first, tuple(words), lost, "iter2", borrowing)


MISTAKES = [
    _v1("x @ self.weight (no .T)", no_transpose(Iter1), "forward", ["forgot the .T"], 3),
    _v1("self.weight @ x.T (output transposed)", weight_first(Iter1), "forward", ["self.weight @ x.T"], 3),
    _v1("forgot to add the bias", forgets_bias(Iter1), "forward", ["forgot to add the bias"], 3),
    _v1("weight (in, out) with x @ W", in_out_layout(Iter1, False), "parameters", ["(in_features, out_features)"], 6),
    _v1("weight (in, out) with x @ W.T", in_out_layout(Iter1, True), "parameters", ["(in_features, out_features)"], 6),
    _v1("no bias parameter", NoBiasParameter, "parameters", ["forgot the bias"], 9),
    _v1("weight a plain tensor", PlainTensorWeight, "parameters", ["nn.Parameter"], 6),
    _v1("sys.exit on a bad size", ExitsOnBadInput, "bad_input", ["ValueError"], 1),
    _v1("assert on a bad size", AssertsOnBadInput, "bad_input", ["ValueError"], 1),
    _v1("ValueError without the size", ValueErrorWithoutSize, "bad_input", ["in_features"], 1),
    _v1("torch.rand init", RandUniform, "randn_init", ["torch.randn"], 3),
    _v1("plain tensors, not nn.Parameter", PlainTensors, "parameters", ["nn.Parameter"], 6),
    _v1("zero bias", ZeroBias1, "randn_init", ["torch.randn(out_features)"], 3),
    _v1("F.linear", calls_f_linear(Iter1), "built_not_borrowed", ["required", "F.linear"], 10, borrowing=True),
    _v2("x @ self.weight (no .T)", no_transpose(Iter2), "forward", ["forgot the .T"], 5),
    _v2("weight (in, out) with x @ W", in_out_layout(Iter2, False), "parameters", ["(in_features, out_features)"], 5.5),
    _v2("x.shape[1] in the size check", ShapeOne, "forward", ["x.shape[-1]", "not x.shape[1]"], 2),
    _v2("x.mm: 2-D inputs only", MatrixOnly, "forward", ["x.mm", "leading dimensions"], 2),
    _v2("x.reshape(-1, in_features): leading dims lost", ReshapeTo2D, "forward", ["losing its leading dimensions"], 2),
    _v2("einsum 'bi,oi->bo'", EinsumTwoD, "forward", ["einsum", "'...i,oi->...o'"], 2),
    _v2("self.bias = None, not registered", BiasNoneUnregistered, "no_bias", ["register_parameter('bias', None)"], 1),
    _v2("reset_parameters without the None guard", ResetWithoutGuard, "no_bias", ["if self.bias is not None"], 2.5),
    _v2("forward without the None guard", ForwardWithoutGuard, "no_bias", ["if self.bias is not None"], 2),
    _v2("bias=False gives zeros", ZerosForNoBias, "no_bias", ["register_parameter('bias', None)"], 1.5),
    _v2("no bias argument", NoBiasArgument, "no_bias", ["bias=True"], 2.5),
    _v2("init in __init__, no reset_parameters", InitInConstructor, "reset_parameters", ["reset_parameters"], 1),
    _v2("reset_parameters never called", ResetNotCalled, "reset_parameters", ["does not call it"], 1),
    _v2("kaiming_uniform_ with a=0", KaimingA0, "weight_init", ["a=0"], 2),
    _v2("kaiming_normal_ with a=sqrt(5)", KaimingNormal, "weight_init", ["kaiming_normal_", "draws uniformly"], 2),
    _v2("randn / sqrt(in_features)", RandnScaled, "weight_init", ["normal (bell-shaped), not uniform"], 2),
    _v2("zero bias", BiasZeros, "bias_init", ["all zero"], 1),
    _v2("bias bound from out_features", BiasFromOut, "bias_init", ["out_features"], 1),
    _v2("extra_repr without bias", ReprSlip, "repr", ["extra_repr"], 0.5),
    _v2("CPU zeros in forward", ZerosOnCpu, "dtype_device", ["device=x.device"], 1),
    _v2("a helper of one's own named linear", OwnHelperNamedLinear, "repr", ["extra_repr"], 0.5),
    _v2("F.linear imported under another name", ImportedLinear, "built_not_borrowed", ["F.linear"], 12, borrowing=True),
    _v2("wraps nn.Linear", WrapsLinear, "built_not_borrowed", ["nn.Linear"], 12, borrowing=True),
]
