"""Stages 1 and 2 (01_iter1, 02_iter2): MyLinear submissions. The correct ones come in different styles;
each wrong one is a correct layer (Iter1 or Iter2 below) changed in one place, as students change it."""
import math
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.functional import linear as imported_linear

from . import correct_case, failing, named_first

# ---- correct, in different styles -------------------------------------------------------------------

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


# ---- the correct layers that the wrong ones change ---------------------------------------------------

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


def forgot_bias(base):
    class ForgotBias(base):
        def forward(self, x):
            self.check(x)
            return x @ self.weight.T
    return ForgotBias


ForgotBias = forgot_bias(Iter2)  # tests/test_checks_core.py and tests/test_judge.py use it as their wrong layer


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


class BiasBeforeMatmul(Iter2):
    def forward(self, x):
        return (x + self.bias) @ self.weight.T


class ModifiesInput(Iter2):
    def forward(self, x):
        self.check(x)
        x.t_()
        return (self.weight @ x).T + self.bias


class DetachesWeight(Iter2):
    def forward(self, x):
        self.check(x)
        return x @ self.weight.detach().T + self.bias.data


class HardcodesDouble(Iter2):
    def forward(self, x):
        self.check(x)
        return x.double() @ self.weight.double().T + self.bias.double()


class BiasPlainTensor(Iter2):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias=False)
        del self._parameters["bias"]
        self.bias = torch.zeros(out_features).uniform_(-0.1, 0.1) if bias else None


class WeightPlainTensor(Iter2):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias)
        w = self.weight.detach().clone()
        del self.weight
        self.weight = w


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


class BiasFalseZerosTensor(Iter2):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias)
        if not bias:
            del self._parameters["bias"]  # as if it had never been registered
            self.bias = torch.zeros(out_features)


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


class KaimingNormalA0(Iter2):
    def reset_parameters(self):
        nn.init.kaiming_normal_(self.weight)  # a=0
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features))


class RandnInIteration2(Iter2):
    def reset_parameters(self):
        with torch.no_grad():
            self.weight.copy_(torch.randn_like(self.weight))
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features))


class UniformTooNarrow(Iter2):
    def reset_parameters(self):
        b = 1 / math.sqrt(self.in_features)
        nn.init.uniform_(self.weight, -0.5 * b, 0.5 * b)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -b, b)


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


class NoExtraRepr(Iter2):
    extra_repr = nn.Module.extra_repr


class WrongExtraRepr(Iter2):
    def extra_repr(self):
        return f"in={self.in_features}, out={self.out_features}"


# ---- a bad input size ------------------------------------------------------------------------

def exits_on_bad_input(base):
    class ExitsOnBadInput(base):
        def check(self, x):
            if x.shape[-1] != self.in_features:
                print(f"expected {self.in_features} features")
                sys.exit(1)
    return ExitsOnBadInput


def asserts_on_bad_input(base):
    class AssertsOnBadInput(base):
        def check(self, x):
            assert x.shape[-1] == self.in_features, f"expected {self.in_features} features"
    return AssertsOnBadInput


def value_error_without_size(base):
    class ValueErrorWithoutSize(base):
        def check(self, x):
            if x.shape[-1] != self.in_features:
                raise ValueError("wrong input size")
    return ValueErrorWithoutSize


class SilentOnBadInput(Iter2):
    def forward(self, x):
        x = x[..., : self.in_features]
        return x @ self.weight[:, : x.shape[-1]].T + self.bias


# ---- iteration 1's parameters ------------------------------------------------------------------------

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


class RandnTimesSmall(Iter1):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * 0.01)


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


class SubclassesLinear(nn.Linear):
    pass


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


def _reference():
    from solutions.iter2 import MyLinear
    return MyLinear


def _ok1(name, cls):
    return correct_case("linear_randn", name, cls, "iter1")


def _ok2(name, cls):
    return correct_case("linear_kaiming", name, cls, "iter2")


def _w1(name, cls, check, *words):
    return failing("linear_randn", name, cls, "iter1", check, *words)


def _w2(name, cls, check, *words):
    return failing("linear_kaiming", name, cls, "iter2", check, *words)


def _m1(name, cls, first, words, lost, borrowing=False):
    return named_first("linear_randn", name, cls, "iter1", first, words, lost, borrowing)


def _m2(name, cls, first, words, lost, borrowing=False):
    return named_first("linear_kaiming", name, cls, "iter2", first, words, lost, borrowing)


CASES = [
    # ---- 01_iter1: linear_randn
    _ok1("randn, x @ W.T", RandnMatmul),
    _ok1("the article's iteration 1: always a bias, ValueError", ArticleIteration1),
    _ok1("randn, einsum, register_parameter", RandnEinsum),
    _w1("randn * 0.01 init", RandnTimesSmall, "randn_init", "not scaled"),
    _m1("x @ self.weight (no .T)", no_transpose(Iter1), "forward", ["forgot the .T"], 3),
    _m1("self.weight @ x.T (output transposed)", weight_first(Iter1), "forward", ["self.weight @ x.T"], 3),
    _m1("forgot to add the bias", forgot_bias(Iter1), "forward", ["forgot to add the bias"], 3),
    _m1("weight (in, out) with x @ W", in_out_layout(Iter1, False), "parameters",
        ["(in_features, out_features)", "(out_features, in_features)"], 6),
    _m1("weight (in, out) with x @ W.T", in_out_layout(Iter1, True), "parameters", ["(in_features, out_features)"], 6),
    _m1("no bias parameter", NoBiasParameter, "parameters", ["forgot the bias"], 9),
    _m1("weight a plain tensor", PlainTensorWeight, "parameters", ["nn.Parameter"], 6),
    _m1("sys.exit on a bad size", exits_on_bad_input(Iter1), "bad_input", ["ValueError"], 1),
    _w1("sys.exit on a bad size (the message)", exits_on_bad_input(Iter1), "bad_input", "SystemExit"),
    _m1("assert on a bad size", asserts_on_bad_input(Iter1), "bad_input", ["ValueError"], 1),
    _m1("ValueError without the size", value_error_without_size(Iter1), "bad_input", ["in_features"], 1),
    _m1("torch.rand init", RandUniform, "randn_init", ["torch.randn"], 3),
    _w1("torch.rand init (the message)", RandUniform, "randn_init", "N(0, 1)"),
    _m1("plain tensors, not nn.Parameter", PlainTensors, "parameters", ["nn.Parameter"], 6),
    _m1("zero bias", ZeroBias1, "randn_init", ["torch.randn(out_features)"], 3),
    _w1("zero bias (the message)", ZeroBias1, "randn_init", "bias ~ N(0, 1)"),
    _m1("F.linear", calls_f_linear(Iter1), "built_not_borrowed", ["F.linear"], 10, borrowing=True),
    # ---- 02_iter2: linear_kaiming
    _ok2("einsum + nn.init", KaimingEinsum),
    _ok2("bias registered before weight", BiasFirst),
    _ok2("manual uniform_ + matmul", KaimingManualUniform),
    _ok2("addmm + (rand*2-1)*bound", KaimingAddmm),
    _ok2("reset_parameters like torch", KaimingResetParameters),
    _w2("forgot the bias", ForgotBias, "forward", "forgot to add the bias"),
    _w2("bias a plain tensor", BiasPlainTensor, "parameters", "plain tensor attribute bias"),
    _w2("weight a plain tensor", WeightPlainTensor, "parameters", "plain tensor attribute weight"),
    _w2("bias added before the matmul", BiasBeforeMatmul, "forward", "before the matrix product"),
    _w2("bias=False gives a zeros tensor", BiasFalseZerosTensor, "no_bias", "not a tensor of zeros"),
    _w2("sys.exit on bad input", exits_on_bad_input(Iter2), "bad_input", "SystemExit"),
    _w2("silently truncates a bad input", SilentOnBadInput, "bad_input", "silently returned"),
    _w2("assert instead of ValueError", asserts_on_bad_input(Iter2), "bad_input", "AssertionError"),
    _w2("ValueError without the size", value_error_without_size(Iter2), "bad_input", "include in_features"),
    _w2("kaiming_normal_", KaimingNormalA0, "weight_init", "every |value|"),
    _w2("randn in iteration 2", RandnInIteration2, "weight_init", "every |value|"),
    _w2("uniform with half the bound", UniformTooNarrow, "weight_init", "Kolmogorov-Smirnov"),
    _w2("x.t_() modifies the input", ModifiesInput, "forward", "modified in place"),
    _w2("no extra_repr", NoExtraRepr, "repr", "extra_repr() == 'in_features=7"),
    _w2("extra_repr in another format", WrongExtraRepr, "repr", "'in=7, out=5'"),
    _w2("subclasses nn.Linear", SubclassesLinear, "built_not_borrowed", "subclass of nn.Linear"),
    _w2("calls F.linear", calls_f_linear(Iter2), "built_not_borrowed", "linear"),
    _w2("detaches weight in forward", DetachesWeight, "gradients", "weight.grad is None"),
    _w2("hard-codes float64", HardcodesDouble, "dtype_device", "torch.float32"),
    _w2("is the reference solution", _reference(), "built_not_borrowed", "reference solutions.iter2.MyLinear"),
    _m2("x @ self.weight (no .T)", no_transpose(Iter2), "forward", ["forgot the .T", "you forgot the .T"], 5),
    _m2("weight (in, out) with x @ W", in_out_layout(Iter2, False), "parameters",
        ["(in_features, out_features)", "(out_features, in_features)"], 5.5),
    _m2("x.shape[1] in the size check", ShapeOne, "forward", ["x.shape[-1]", "not x.shape[1]"], 2),
    _m2("x.mm: 2-D inputs only", MatrixOnly, "forward", ["x.mm", "leading dimensions"], 2),
    _w2("x.mm: 2-D inputs only (the message)", MatrixOnly, "forward", "RuntimeError"),
    _m2("x.reshape(-1, in_features): leading dims lost", ReshapeTo2D, "forward", ["losing its leading dimensions"], 2),
    _m2("einsum 'bi,oi->bo'", EinsumTwoD, "forward", ["einsum", "'...i,oi->...o'"], 2),
    _m2("self.bias = None, not registered", BiasNoneUnregistered, "no_bias", ["register_parameter('bias', None)"], 1),
    _m2("reset_parameters without the None guard", ResetWithoutGuard, "no_bias", ["if self.bias is not None"], 2.5),
    _m2("forward without the None guard", ForwardWithoutGuard, "no_bias", ["if self.bias is not None"], 2),
    _m2("bias=False gives zeros", ZerosForNoBias, "no_bias",
        ["register_parameter('bias', None)"], 1.5),
    _w2("bias=False gives zeros (the message)", ZerosForNoBias, "no_bias", "self.bias to be None"),
    _m2("no bias argument", NoBiasArgument, "no_bias", ["bias=True"], 2.5),
    _m2("init in __init__, no reset_parameters", InitInConstructor, "reset_parameters", ["reset_parameters"], 1),
    _m2("reset_parameters never called", ResetNotCalled, "reset_parameters", ["does not call it"], 1),
    _m2("kaiming_uniform_ with a=0", KaimingA0, "weight_init", ["a=0"], 2),
    _m2("kaiming_normal_ with a=sqrt(5)", KaimingNormal, "weight_init", ["kaiming_normal_", "draws uniformly"], 2),
    _m2("randn / sqrt(in_features)", RandnScaled, "weight_init", ["normal (bell-shaped), not uniform"], 2),
    _m2("zero bias", BiasZeros, "bias_init", ["all zero"], 1),
    _m2("bias bound from out_features", BiasFromOut, "bias_init", ["out_features"], 1),
    _m2("extra_repr without bias", ReprSlip, "repr", ["extra_repr"], 0.5),
    _m2("CPU zeros in forward", ZerosOnCpu, "dtype_device", ["device=x.device"], 1),
    _m2("a helper of one's own named linear", OwnHelperNamedLinear, "repr", ["extra_repr"], 0.5),
    _m2("F.linear imported under another name", ImportedLinear, "built_not_borrowed", ["F.linear"], 12, borrowing=True),
    _m2("wraps nn.Linear", WrapsLinear, "built_not_borrowed", ["nn.Linear"], 12,
        borrowing=True),
    _w2("wraps nn.Linear (the message)", WrapsLinear, "built_not_borrowed", "nn.Linear submodule"),
]
