"""Stage 4 (04_backprop): Module, Relu/Sigmoid, Lin, Mse and Model submissions, correct and wrong, written as
students write them."""
import functools

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange, reduce

from . import correct_case, failing, named_first

M = "backprop"


def _ok(exercise: str, name: str, obj):
    return correct_case(exercise, name, obj, M)


def _w(exercise: str, name: str, obj, check: str, *words: str):
    return failing(exercise, name, obj, M, check, *words)


def _m(exercise: str, name: str, obj, first: str, words, lost: float):
    return named_first(exercise, name, obj, M, first, words, lost)


# ---- Module -------------------------------------------------------------------------------------

class Module:
    """The classic base class (fast.ai's lesson), used by the layers below."""

    def __call__(self, *args):
        self.args = args
        self.out = self.forward(*args)
        return self.out

    def backward(self):
        self.bwd(self.out, *self.args)


class ModuleNoCall:
    """__call__ forgotten (only backward written)."""

    def backward(self):
        self.bwd(self.out, *self.args)


class ModuleTupleUnpack:
    def __call__(self, *args):
        self.args, self.out = args, self.forward(*args)
        return self.out

    def backward(self):
        self.bwd(self.out, *self.args)


class ModuleSaved:
    def __call__(self, *args):
        out = self.forward(*args)
        self._saved = (out, args)
        return out

    def backward(self):
        out, args = self._saved
        self.bwd(out, *args)


class ModuleKwargs:
    def __call__(self, *args, **kwargs):
        self.args = args
        self.out = self.forward(*args, **kwargs)
        return self.out

    def backward(self):
        return self.bwd(self.out, *self.args)


class ModuleNoReturn(Module):
    def __call__(self, *args):
        self.args = args
        self.out = self.forward(*args)


class ModuleReturnsSelf(Module):
    def __call__(self, *args):
        super().__call__(*args)
        return self


class ModuleNoOut(Module):
    def backward(self):
        self.bwd(*self.args)


class ModuleNoStoredOut(Module):  # __call__ returns forward's output without keeping it
    def __call__(self, *args):
        self.args = args
        return self.forward(*args)


class ModuleNoStoredArgs(Module):  # __call__ keeps the output but not the inputs
    def __call__(self, *args):
        self.out = self.forward(*args)
        return self.out


class ModuleRecomputes(Module):
    def backward(self):
        self.bwd(self.forward(*self.args), *self.args)


class ModuleClones(Module):
    def __call__(self, *args):
        self.args = tuple(a.clone() for a in args)
        self.out = self.forward(*args)
        return self.out


class ModuleFirstArgOnly(Module):
    def __call__(self, *args):
        self.inp = args[0]
        self.out = self.forward(*args)
        return self.out

    def backward(self):
        self.bwd(self.out, self.inp)


class ModuleCachesFirstCall(Module):
    def __call__(self, *args):
        if not hasattr(self, "out"):
            self.args = args
            self.out = self.forward(*args)
        return self.out


class ModuleArgsAsTuple(Module):
    def backward(self):
        self.bwd(self.out, self.args)


class ModuleForgetsBwd(Module):
    def backward(self):
        return self.bwd


class ModuleBwdInCall(Module):
    def __call__(self, *args):
        out = super().__call__(*args)
        self.bwd(out, *args)
        return out


class ModuleReversedArgs(Module):
    def backward(self):
        self.bwd(self.out, *reversed(self.args))


# ---- Relu and Sigmoid ---------------------------------------------------------------------------

class Relu(Module):
    def forward(self, inp):
        return inp.clamp_min(0.0)

    def bwd(self, out, inp):
        inp.g = (inp > 0).to(inp.dtype) * out.g


class Sigmoid(Module):
    def forward(self, inp):
        return 1 / (1 + torch.exp(-inp))

    def bwd(self, out, inp):
        inp.g = out.g * out * (1 - out)


class ReluWhere(Module):
    def forward(self, inp):
        return torch.where(inp > 0, inp, torch.zeros_like(inp))

    def bwd(self, out, inp):
        inp.g = torch.where(inp > 0, out.g, torch.zeros_like(out.g))


class SigmoidTorch(Module):
    def forward(self, inp):
        return torch.sigmoid(inp)

    def bwd(self, out, inp):
        s = torch.sigmoid(inp)
        inp.g = out.g * s * (1 - s)


class ReluOutMask(Module):
    def forward(self, inp):
        return inp * (inp > 0)

    def bwd(self, out, inp):
        inp.g = out.g * (out > 0)


class SigmoidSquare(Module):
    def forward(self, inp):
        return torch.exp(inp) / (1 + torch.exp(inp))

    def bwd(self, out, inp):
        inp.g = out.g * (out - out ** 2)


class ReluMaskedFill(Module):
    def forward(self, inp):
        return torch.maximum(inp, torch.zeros_like(inp))

    def bwd(self, out, inp):
        inp.g = out.g.masked_fill(inp <= 0, 0.0)


class SigmoidExp(Module):
    def forward(self, inp):
        return (1 + (-inp).exp()).reciprocal()

    def bwd(self, out, inp):
        e = torch.exp(-inp)
        inp.g = out.g * e / (1 + e) ** 2


class ReluNoOutG(Relu):
    def bwd(self, out, inp):
        inp.g = (inp > 0).to(inp.dtype)


class ReluEditsOutG(Relu):
    def bwd(self, out, inp):
        out.g[inp <= 0] = 0
        inp.g = out.g


class ReluClampInPlace(Relu):
    def forward(self, inp):
        return inp.clamp_(min=0)


class ReluUnmasked(Relu):
    def bwd(self, out, inp):
        inp.g = out.g.clone()


class ReluTimesOutput(Relu):
    def bwd(self, out, inp):
        inp.g = out.g * out


class ReluBackward(Relu):
    def bwd(self, out, inp):
        x = inp.detach().requires_grad_()
        with torch.enable_grad():
            x.clamp_min(0).backward(out.g)
        inp.g = x.grad


class ReluStoresGrad(Relu):
    def bwd(self, out, inp):
        inp.grad = (inp > 0).to(inp.dtype) * out.g


class SigmoidTwice(Sigmoid):
    def bwd(self, out, inp):
        s = torch.sigmoid(out)
        inp.g = out.g * s * (1 - s)


class SigmoidOutTwice(Sigmoid):
    def bwd(self, out, inp):
        inp.g = out.g * out * out


class SigmoidNoOutG(Sigmoid):
    def bwd(self, out, inp):
        inp.g = out * (1 - out)


class SigmoidOfInput(Sigmoid):
    def bwd(self, out, inp):
        inp.g = out.g * inp * (1 - inp)


class SigmoidInPlace(Sigmoid):
    def bwd(self, out, inp):
        out.g *= out * (1 - out)
        inp.g = out.g


class SigmoidAutograd(Sigmoid):
    def bwd(self, out, inp):
        x = inp.detach().requires_grad_()
        with torch.enable_grad():
            inp.g, = torch.autograd.grad(torch.sigmoid(x), x, out.g)


class SigmoidWrongSign(Sigmoid):
    def forward(self, inp):
        return 1 / (1 + torch.exp(inp))


# ---- Lin ----------------------------------------------------------------------------------------

class Lin(Module):
    """The reference style: einops for the shapes."""

    def __init__(self, w, b):
        self.w, self.b = w, b

    def forward(self, inp):
        return inp @ self.w + self.b

    def bwd(self, out, inp):
        inp.g = out.g @ self.w.T
        self.w.g = inp.T @ out.g
        self.b.g = reduce(out.g, "batch o -> o", "sum")


class LinPlain(Lin):
    def bwd(self, out, inp):
        inp.g = out.g @ self.w.t()
        self.w.g = inp.t() @ out.g
        self.b.g = out.g.sum(0)


class LinTorchEinsum(Lin):
    def forward(self, inp):
        return torch.einsum("bi,io->bo", inp, self.w) + self.b

    def bwd(self, out, inp):
        inp.g = torch.einsum("bo,io->bi", out.g, self.w)
        self.w.g = torch.einsum("bi,bo->io", inp, out.g)
        self.b.g = torch.einsum("bo->o", out.g)


class LinOnesVector(Lin):
    def forward(self, inp):
        return torch.addmm(self.b, inp, self.w)

    def bwd(self, out, inp):
        inp.g = (self.w @ out.g.T).T
        self.w.g = (out.g.T @ inp).T
        self.b.g = out.g.new_ones(len(out.g)) @ out.g


class LinTransposedWeightGrad(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.w.g = out.g.T @ inp


class LinNoBatchSum(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.b.g = out.g


class LinBiasMean(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.b.g = out.g.mean(0)


class LinBiasKeepdim(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.b.g = out.g.sum(0, keepdim=True)


class LinBiasFirstRow(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.b.g = out.g[0]


class LinInputNoOutG(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        inp.g = torch.ones_like(out) @ self.w.T


class LinInputNoTranspose(Lin):
    def bwd(self, out, inp):
        inp.g = out.g @ self.w
        self.w.g = inp.T @ out.g
        self.b.g = out.g.sum(0)


class LinAccumulates(Lin):
    """Gradients summed over calls, as PyTorch's .grad is: right once, wrong from the second step of training on."""

    def __init__(self, w, b):
        super().__init__(w, b)
        self.w.g, self.b.g = torch.zeros_like(w), torch.zeros_like(b)

    def bwd(self, out, inp):
        inp.g = out.g @ self.w.T
        self.w.g += inp.T @ out.g
        self.b.g += out.g.sum(0)


class LinWeightMean(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.w.g = inp.T @ out.g / len(inp)


class LinUpdatesInBwd(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.w -= 0.1 * self.w.g


class LinAutograd(Lin):
    def bwd(self, out, inp):
        leaves = [t.detach().requires_grad_() for t in (inp, self.w, self.b)]
        with torch.enable_grad():
            (leaves[0] @ leaves[1] + leaves[2]).backward(out.g)
        inp.g, self.w.g, self.b.g = (t.grad for t in leaves)


class LinTransposedForward(Lin):
    def forward(self, inp):
        return inp @ self.w.T + self.b


class LinNoBiasForward(Lin):
    def forward(self, inp):
        return inp @ self.w


# ---- Mse ----------------------------------------------------------------------------------------

class Mse(Module):
    def forward(self, inp, targ):
        return (inp - targ.view_as(inp)).pow(2).mean()

    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp - targ.view_as(inp)) / inp.numel()


class MseRearrange(Module):
    def _diff(self, inp, targ):
        return inp - (rearrange(targ, "n -> n 1") if targ.ndim == 1 else targ)

    def forward(self, inp, targ):
        return (self._diff(inp, targ) ** 2).mean()

    def bwd(self, out, inp, targ):
        inp.g = 2 * self._diff(inp, targ) / inp.numel()


class MseTorchForward(Module):
    def forward(self, inp, targ):
        return F.mse_loss(inp, targ.reshape(inp.shape))

    def bwd(self, out, inp, targ):
        inp.g = torch.sub(inp, targ.reshape(inp.shape)).mul(2).div(inp.numel())


class MseSumOverNumel(Module):
    def forward(self, inp, targ):
        d = inp - targ.reshape_as(inp)
        return (d * d).sum() / d.numel()

    def bwd(self, out, inp, targ):
        d = inp - targ.reshape_as(inp)
        inp.g = d * (2.0 / d.numel())


class MseBroadcasts(Mse):
    def forward(self, inp, targ):
        return (inp - targ).pow(2).mean()


class MseNoTwo(Mse):
    def bwd(self, out, inp, targ):
        inp.g = (inp - targ.view_as(inp)) / inp.numel()


class MseNoDivision(Mse):
    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp - targ.view_as(inp))


class MseBatchSize(Mse):
    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp - targ.view_as(inp)) / inp.shape[0]


class MseSignFlipped(Mse):
    def bwd(self, out, inp, targ):
        inp.g = 2 * (targ.view_as(inp) - inp) / inp.numel()


class MseArticleShape(Mse):
    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp.squeeze(-1) - targ) / targ.shape[0]


class MseSum(Mse):
    def forward(self, inp, targ):
        return (inp - targ.view_as(inp)).pow(2).sum()


class MseInPlace(Mse):
    def forward(self, inp, targ):
        inp -= targ.view_as(inp)
        return inp.pow(2).mean()

    def bwd(self, out, inp, targ):
        inp.g = 2 * inp / inp.numel()


class MseAutograd(Mse):
    def bwd(self, out, inp, targ):
        x = inp.detach().requires_grad_()
        with torch.enable_grad():
            inp.g, = torch.autograd.grad(self.forward(x, targ), x)


class MseScalarGrad(Mse):
    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp - targ.view_as(inp)).mean()


class MseTargShape(Mse):
    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp - targ) / inp.numel()


class MseReadsOutG(Mse):
    def bwd(self, out, inp, targ):
        inp.g = out.g * 2 * (inp - targ.view_as(inp)) / inp.numel()


class MseNoViewAs(Mse):
    """The walkthrough's Mse: (n, 1) - (n,) in forward and in bwd."""

    def forward(self, inp, targ):
        return (inp - targ).pow(2).mean()

    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp - targ) / inp.numel()


# ---- Model --------------------------------------------------------------------------------------

class Model:
    def __init__(self, layers, loss):
        self.layers, self.loss = list(layers), loss

    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x)
        return self.loss(x, targ)

    def backward(self):
        self.loss.backward()
        for layer in reversed(self.layers):
            layer.backward()


class ModelSlice(Model):
    def backward(self):
        self.loss.backward()
        for layer in self.layers[::-1]:
            layer.backward()


class ModelIndexLoop(Model):
    def __call__(self, x, targ):
        return self.loss(functools.reduce(lambda h, layer: layer(h), self.layers, x), targ)

    def backward(self):
        self.loss.backward()
        for i in range(len(self.layers) - 1, -1, -1):
            self.layers[i].backward()


class ModelAllModules(Model):
    def backward(self):
        for m in [self.loss] + self.layers[::-1]:
            m.backward()


class ModelForwardOrder(Model):
    def backward(self):
        self.loss.backward()
        for layer in self.layers:
            layer.backward()


class ModelNoLossBackward(Model):
    def backward(self):
        for layer in reversed(self.layers):
            layer.backward()


class ModelLossLast(Model):
    def backward(self):
        for layer in reversed(self.layers):
            layer.backward()
        self.loss.backward()


class ModelSkipsFirst(Model):
    def backward(self):
        self.loss.backward()
        for layer in reversed(self.layers[1:]):
            layer.backward()


class ModelTwice(Model):
    def backward(self):
        self.loss.backward()
        for layer in reversed(self.layers):
            layer.backward()
            layer.backward()


class ModelReturnsPredictions(Model):
    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x)
        self.loss(x, targ)
        return x


class ModelReversedForward(Model):
    def __call__(self, x, targ):
        for layer in reversed(self.layers):
            x = layer(x)
        return self.loss(x, targ)


class ModelOtherName(Model):
    def __init__(self, layers, loss):
        self.mods, self.loss = list(layers), loss

    def __call__(self, x, targ):
        for layer in self.mods:
            x = layer(x)
        return self.loss(x, targ)

    def backward(self):
        self.loss.backward()
        for layer in reversed(self.mods):
            layer.backward()


class ModelThreeLayers(Model):
    def __call__(self, x, targ):
        return self.loss(self.layers[2](self.layers[1](self.layers[0](x))), targ)


class ModelLossOnCopy(Model):
    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x)
        return self.loss(x.clone(), targ)


# ---- more common mistakes (named in the first line) and unusual correct forms ----------------------

class ModuleArgsFirstOnly(Module):
    """Keeps the first input itself, not the tuple: *self.args then unpacks its rows."""

    def __call__(self, *args):
        self.args = args[0]
        self.out = self.forward(*args)
        return self.out


class ReluAccumulates(Relu):
    """PyTorch's habit: add to the gradient, which does not exist yet."""

    def bwd(self, out, inp):
        inp.g += (inp > 0).to(inp.dtype) * out.g


class ReluReturnsGrad(Relu):
    def bwd(self, out, inp):
        return out.g * (inp > 0)


class ReluGreaterEqual(Relu):
    """inp >= 0: differs from autograd only at exactly 0, which the checks never feed (a subgradient there)."""

    def bwd(self, out, inp):
        inp.g = out.g * (inp >= 0)


class SigmoidFromInput(Sigmoid):
    """Recomputes sigmoid from the input in bwd: slower, but right."""

    def bwd(self, out, inp):
        s = 1 / (1 + torch.exp(-inp))
        inp.g = out.g * s * (1 - s)


class LinBiasSumDim1(Lin):
    def bwd(self, out, inp):
        super().bwd(out, inp)
        self.b.g = out.g.sum(1)


class LinStoresGrad(Lin):
    def bwd(self, out, inp):
        inp.g = out.g @ self.w.T
        self.w.grad = inp.T @ out.g
        self.b.grad = out.g.sum(0)


class LinAccumulatesNoInit(Lin):
    def bwd(self, out, inp):
        inp.g = out.g @ self.w.T
        self.w.g += inp.T @ out.g
        self.b.g += out.g.sum(0)


class LinAddmm(Lin):
    """addmm, mm, t() and an einsum reduction: unusual, right."""

    def forward(self, inp):
        return torch.addmm(self.b, inp, self.w)

    def bwd(self, out, inp):
        inp.g = torch.mm(out.g, self.w.t())
        self.w.g = torch.mm(inp.t(), out.g)
        self.b.g = torch.einsum("bo->o", out.g)


class MseForwardNoReturn(Mse):
    def forward(self, inp, targ):
        self.diff = inp - targ.view_as(inp)
        (self.diff ** 2).mean()


class ModelNoAssign(Model):
    """Calls each layer but throws its output away."""

    def __call__(self, x, targ):
        for layer in self.layers:
            layer(x)
        return self.loss(x, targ)


class ModelLossGradEverywhere(Model):
    """Hands every layer the loss's gradient instead of chaining out.g from layer to layer."""

    def backward(self):
        self.loss.backward()
        g = self.loss.args[0].g
        for layer in reversed(self.layers):
            layer.out.g = g
            layer.backward()


class ModelDetach(Model):
    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x).detach()
        return self.loss(x, targ)


class ModelNoReturn(Model):
    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x)
        self.loss(x, targ)


class ModelCallsForward(Model):
    """Runs each layer's forward itself: Module.__call__ never stores inp and out."""

    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer.forward(x)
        return self.loss(x, targ)


class ModelBwdNoArgs(Model):
    """Calls layer.bwd() for layer.backward()."""

    def backward(self):
        self.loss.backward()
        for layer in reversed(self.layers):
            layer.bwd()


class ModelCallsBwd(Model):
    """Calls each module's bwd itself with its stored tensors: the same as backward(), unusual but right."""

    def backward(self):
        for m in [self.loss, *reversed(self.layers)]:
            m.bwd(m.out, *m.args)


# ---- mistakes from the second student try (issue 23): named in the first line -----------------------

class ModuleForwardNoStar(Module):
    """self.forward(args): forward gets the tuple of inputs as one argument."""

    def __call__(self, *args):
        self.args = args
        self.out = self.forward(args)
        return self.out


class SigmoidMissingOutFactor(Sigmoid):
    def bwd(self, out, inp):
        inp.g = out.g * (1 - out)


class ReluForwardNumpy(Relu):
    def forward(self, inp):
        return np.maximum(inp.numpy(), 0)


class ReluBwdSwapped(Relu):
    def bwd(self, inp, out):
        inp.g = out.g * (inp > 0)


class LinBwdSwapped(Lin):
    def bwd(self, inp, out):
        inp.g = out.g @ self.w.T
        self.w.g = inp.T @ out.g
        self.b.g = out.g.sum(0)


class LinNoInputGrad(Lin):
    def bwd(self, out, inp):
        self.w.g = inp.T @ out.g
        self.b.g = out.g.sum(0)


class MseTargRow(Mse):
    """targ reshaped, to a row (1, n) where inp is a column (n, 1)."""

    def forward(self, inp, targ):
        return (inp - targ.reshape(1, -1)).pow(2).mean()

    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp - targ.reshape(1, -1)) / inp.numel()


class MseTargUnsqueezed(Mse):
    def forward(self, inp, targ):
        return (inp - targ.unsqueeze(0)).pow(2).mean()


def _reference(name: str):
    """The course's reference class, imported as a student might."""
    from solutions import backprop
    return getattr(backprop, name)


CASES = [
    # ---- correct, in different styles
    _ok("module_base", "fast.ai's", Module),
    _ok("module_base", "tuple assignment", ModuleTupleUnpack),
    _ok("module_base", "a saved pair", ModuleSaved),
    _ok("module_base", "accepts kwargs", ModuleKwargs),
    _ok("activation_bwd", "clamp_min and the sigmoid formula", (Relu, Sigmoid)),
    _ok("activation_bwd", "where and torch.sigmoid", (ReluWhere, SigmoidTorch)),
    _ok("activation_bwd", "output mask and out - out**2", (ReluOutMask, SigmoidSquare)),
    _ok("activation_bwd", "masked_fill and exp", (ReluMaskedFill, SigmoidExp)),
    _ok("lin_bwd", "einops reduce", Lin),
    _ok("lin_bwd", "matrix products and sum(0)", LinPlain),
    _ok("lin_bwd", "torch.einsum", LinTorchEinsum),
    _ok("lin_bwd", "addmm and a ones vector", LinOnesVector),
    _ok("mse_bwd", "view_as", Mse),
    _ok("mse_bwd", "einops rearrange", MseRearrange),
    _ok("mse_bwd", "F.mse_loss forward", MseTorchForward),
    _ok("mse_bwd", "sum over numel", MseSumOverNumel),
    _ok("model_backward", "reversed()", Model),
    _ok("model_backward", "[::-1]", ModelSlice),
    _ok("model_backward", "index loop and functools.reduce", ModelIndexLoop),
    _ok("model_backward", "one loop over loss and layers", ModelAllModules),
    _ok("activation_bwd", "relu' with >= and sigmoid recomputed from the input", (ReluGreaterEqual, SigmoidFromInput)),
    _ok("lin_bwd", "addmm, mm and an einsum reduction", LinAddmm),
    _ok("model_backward", "bwd(out, *args) called directly", ModelCallsBwd),
    # ---- wrong
    _w("module_base", "keeps the first call", ModuleCachesFirstCall, "backward", "last call"),
    _w("module_base", "passes the args tuple", ModuleArgsAsTuple, "backward", "unpack it"),
    _w("module_base", "backward never calls bwd", ModuleForgetsBwd, "backward", "no call to bwd"),
    _w("module_base", "calls bwd inside __call__", ModuleBwdInCall, "call", "during __call__"),
    _w("module_base", "reverses the inputs", ModuleReversedArgs, "backward", "two inputs"),
    _w("activation_bwd", "relu: edits out.g in place", (ReluEditsOutG, Sigmoid), "untouched", "out.g modified"),
    _w("activation_bwd", "relu: clamp_ on the input", (ReluClampInPlace, Sigmoid), "untouched", "inp modified"),
    _w("activation_bwd", "relu: unmasked", (ReluUnmasked, Sigmoid), "relu_grad", "unmasked"),
    _w("activation_bwd", "relu: times the output", (ReluTimesOutput, Sigmoid), "relu_grad", "max difference"),
    _w("activation_bwd", "relu: .backward()", (ReluBackward, Sigmoid), "by_hand", "backward"),
    _w("activation_bwd", "sigmoid of the output", (Relu, SigmoidTwice), "sigmoid_grad", "already sigmoid"),
    _w("activation_bwd", "sigmoid: output used twice", (Relu, SigmoidOutTwice), "sigmoid_grad", "output used twice"),
    _w("activation_bwd", "sigmoid: missing out.g", (Relu, SigmoidNoOutG), "sigmoid_grad", "without the factor"),
    _w("activation_bwd", "sigmoid: *= on out.g", (Relu, SigmoidInPlace), "untouched", "out.g modified"),
    _w("activation_bwd", "sigmoid: autograd.grad", (Relu, SigmoidAutograd), "by_hand", "autograd"),
    _w("activation_bwd", "sigmoid: exp(+inp)", (Relu, SigmoidWrongSign), "forward", "torch.sigmoid"),
    _w("activation_bwd", "the reference", (_reference("Relu"), Sigmoid), "by_hand", "reference"),
    _w("lin_bwd", "no batch sum for the bias", LinNoBatchSum, "bias_grad", "got (8, 50)"),
    _w("lin_bwd", "bias: mean, not sum", LinBiasMean, "bias_grad", "mean over the batch"),
    _w("lin_bwd", "bias: first row", LinBiasFirstRow, "bias_grad", "first row"),
    _w("lin_bwd", "input: missing out.g", LinInputNoOutG, "input_grad", "without the factor out.g"),
    _w("lin_bwd", "weight: divided by the batch", LinWeightMean, "weight_grad", "divided by the batch size"),
    _w("lin_bwd", "weight: fails the grad check", LinWeightMean, "finite_difference", "central difference"),
    _w("lin_bwd", "updates w inside bwd", LinUpdatesInBwd, "untouched", "w modified in place"),
    _w("lin_bwd", "autograd inside bwd", LinAutograd, "by_hand", "backward"),
    _w("lin_bwd", "forward with w.T", LinTransposedForward, "forward", "RuntimeError"),
    _w("lin_bwd", "forward without bias", LinNoBiasForward, "forward", "inp @ w + b"),
    _w("lin_bwd", "the reference", _reference("Lin"), "by_hand", "reference"),
    _w("mse_bwd", "divides by the batch size", MseBatchSize, "grad", "batch size"),
    _w("mse_bwd", "sign flipped", MseSignFlipped, "grad", "sign is flipped"),
    _w("mse_bwd", "the article's (n,) gradient", MseArticleShape, "grad", "shaped (1, 1)"),
    _w("mse_bwd", "sum, not mean", MseSum, "forward", "mean squared error"),
    _w("mse_bwd", "-= on the input", MseInPlace, "untouched", "inp modified in place"),
    _w("mse_bwd", "autograd inside bwd", MseAutograd, "by_hand", "autograd"),
    _w("mse_bwd", "a scalar gradient", MseScalarGrad, "grad", "got ()"),
    _w("mse_bwd", "targ not reshaped in bwd", MseTargShape, "grad", "got (6, 6)"),
    _w("model_backward", "layers in forward order", ModelForwardOrder, "order", "too early"),
    _w("model_backward", "loss last", ModelLossLast, "order", "too early"),
    _w("model_backward", "skips the first layer", ModelSkipsFirst, "order", "in the order"),
    _w("model_backward", "every layer twice", ModelTwice, "order", "in the order"),
    _w("model_backward", "returns the predictions", ModelReturnsPredictions, "forward", "the loss"),
    _w("model_backward", "self.mods, not self.layers", ModelOtherName, "forward", "self.layers"),
    _w("model_backward", "three layers hard-coded", ModelThreeLayers, "forward", "every layer of self.layers"),
    # every line of a report names a layer as the first line does, never by the checks' own labels (Lin1...)
    _w("model_backward", "no loss.backward(): the layer named as in self.layers", ModelNoLossBackward, "order",
       "Expected the output of self.layers[4] (a Lin) to have its .g"),
    _w("model_backward", "loss last: the order named as in self.layers", ModelLossLast, "grads",
       "Expected the output of self.layers[2] (a Lin) to have its .g"),
    _w("model_backward", "every layer twice: the calls named as in self.layers", ModelTwice, "order",
       "backward() calls in the order [self.loss, self.layers[4], self.layers[3]"),
    # ---- named on the first line
    _m("lin_bwd", "inp.g = out.g @ self.w (no .T)", LinInputNoTranspose, "input_grad",
       ("the shapes say you need the transpose", "out.g by w transposed"), 4.5),
    _w("lin_bwd", "inp.g = out.g @ self.w (no .T) (the message)", LinInputNoTranspose, "input_grad", "RuntimeError"),
    _m("lin_bwd", "w.g and b.g accumulate with +=", LinAccumulates, "weight_grad",
       ("second backward pass", "+=", "accumulation"), 1.5),
    _m("mse_bwd", "bwd multiplies by out.g", MseReadsOutG, "grad",
       ("the loss is the last layer", "nothing sets out.g", "starts the chain"), 1.5),
    _w("mse_bwd", "bwd multiplies by out.g (the message)", MseReadsOutG, "grad", "AttributeError"),
    _m("mse_bwd", "(n, 1) - (n,) in forward", MseBroadcasts, "forward",
       ("inp (n, 1) minus targ (n,)", "(n, n)", "targ.view_as(inp)", "broadcasts"), 0.5),
    _m("mse_bwd", "(n, 1) - (n,) in forward and bwd", MseNoViewAs, "forward",
       ("inp (n, 1) minus targ (n,)", "(n, n)"), 1.5),
    _m("module_base", "__call__ does not store self.out", ModuleNoStoredOut, "backward",
       ("does not store self.out", "self.out = self.forward(*args)"), 1),
    _m("module_base", "__call__ does not store self.args", ModuleNoStoredArgs, "backward",
       ("does not store self.args", "self.args = args"), 1),
    # names a mistake that used to read as a raw error or a generic sentence
    _m("module_base", "__call__ forgets to return", ModuleNoReturn, "call",
       ("returns None", "return self.out"), 2),
    _w("module_base", "__call__ forgets to return (the message)", ModuleNoReturn, "call", "forward's output"),
    _m("module_base", "__call__ returns self", ModuleReturnsSelf, "call",
       ("returns the layer itself", "return self.out"), 2),
    _w("module_base", "__call__ returns self (the message)", ModuleReturnsSelf, "call", "forward's output"),
    _m("module_base", "backward() drops self.out", ModuleNoOut, "backward",
       ("without the output", "self.bwd(self.out, *self.args)"), 1),
    _m("module_base", "self.args = args[0]", ModuleArgsFirstOnly, "backward",
       ("one tensor in self.args", "unpacked its rows", "self.args = args"), 1),
    _m("module_base", "stores the first input only", ModuleFirstArgOnly, "backward",
       ("only the first input", "self.args = args"), 1),
    _m("module_base", "stores clones of the inputs", ModuleClones, "backward",
       ("a copy of the input", "do not clone"), 1),
    _m("module_base", "backward() calls forward again", ModuleRecomputes, "backward",
       ("equal to the output, not self.out itself", "call forward again"), 1),
    _m("activation_bwd", "relu: inp.g += on a first pass", (ReluAccumulates, Sigmoid), "relu_grad",
       ("+=", "`inp.g += ...`", "inp.g = ..."), 1.5),
    _m("activation_bwd", "relu: bwd returns the gradient", (ReluReturnsGrad, Sigmoid), "relu_grad",
       ("returns the gradient", "inp.g = ..."), 1),
    _m("activation_bwd", "relu: stores .grad", (ReluStoresGrad, Sigmoid), "relu_grad",
       ("in .grad", "keep it in .g"), 1),
    _w("activation_bwd", "relu: stores .grad (the message)", (ReluStoresGrad, Sigmoid), "relu_grad", "no .g attribute"),
    _m("activation_bwd", "relu: the local derivative only", (ReluNoOutG, Sigmoid), "relu_grad",
       ("without the factor out.g",), 1),
    _m("activation_bwd", "sigmoid: the input in the formula", (Relu, SigmoidOfInput), "sigmoid_grad",
       ("out.g * inp * (1 - inp)", "the input where the output belongs"), 1),
    _m("lin_bwd", "b.g summed over dim 1", LinBiasSumDim1, "bias_grad",
       ("summed over dim 1 (the outputs)", "dim 0 (the batch)"), 1),
    _m("lin_bwd", "b.g with keepdim=True", LinBiasKeepdim, "bias_grad",
       ("keepdim=True", "b's shape (out,)"), 1),
    _w("lin_bwd", "b.g with keepdim=True (the message)", LinBiasKeepdim, "bias_grad", "got (1, 50)"),
    _m("lin_bwd", "w.g transposed", LinTransposedWeightGrad, "weight_grad",
       ("out.g.T @ inp", "the transpose of w.g"), 1.5),
    _w("lin_bwd", "w.g transposed (the message)", LinTransposedWeightGrad, "weight_grad",
       "w.g shaped (784, 50) (batch 8, in 784, out 50); got (50, 784). Hint: you computed out.g.T @ inp"),
    _m("lin_bwd", "w.g and b.g stored in .grad", LinStoresGrad, "weight_grad", ("in .grad", "set w.g"), 2),
    _m("lin_bwd", "self.w.g += on a first pass", LinAccumulatesNoInit, "input_grad",
       ("+=", "`self.w.g += ...`", "self.w.g = ..."), 4.5),
    _m("mse_bwd", "no factor 2", MseNoTwo, "grad", ("the factor 2", "is missing"), 1),
    _m("mse_bwd", "no division by n", MseNoDivision, "grad", ("the division by n", "is missing"), 1),
    _m("mse_bwd", "forward forgets to return", MseForwardNoReturn, "forward", ("returns None", "return"), 2),
    _m("model_backward", "layer(x) without x =", ModelNoAssign, "forward",
       ("throws each layer's output away", "x = layer(x)"), 3),
    _m("model_backward", "layers reversed in forward", ModelReversedForward, "forward",
       ("runs the layers in another order", "first to last"), 3),
    _m("model_backward", "every layer gets the loss's gradient", ModelLossGradEverywhere, "grads",
       ("you set a layer's out.g yourself", "the next layer's bwd already stores it"), 2),
    _m("model_backward", "x = layer(x).detach()", ModelDetach, "grads",
       ("received a copy", "pass each output on as it is"), 2),
    _m("model_backward", "the loss gets a copy", ModelLossOnCopy, "grads", ("received a copy",), 2),
    _m("model_backward", "layers' backward in forward order", ModelForwardOrder, "grads",
       ("ran before", "reversed(self.layers)"), 2),
    _m("model_backward", "no self.loss.backward()", ModelNoLossBackward, "grads",
       ("self.loss.backward() first",), 2),
    _w("model_backward", "no self.loss.backward() (the message)", ModelNoLossBackward, "grads", "too early"),
    _m("module_base", "no __call__ method", ModuleNoCall, "call", ("has no __call__ method", "layer(x)"), 2),
    _m("model_backward", "layer.forward(x) instead of layer(x)", ModelCallsForward, "forward",
       ("calls layer.forward(x)", "x = layer(x)"), 3),
    _m("model_backward", "layer.bwd() instead of layer.backward()", ModelBwdNoArgs, "grads",
       ("calls layer.bwd() without its arguments", "layer.backward()"), 2),
    _m("model_backward", "__call__ forgets to return the loss", ModelNoReturn, "forward",
       ("returns None", "return the loss", "self.loss"), 1),
    # the second student try (issue 23): first lines that were generic although the cause is known
    _m("activation_bwd", "sigmoid: out.g * (1 - out)", (Relu, SigmoidMissingOutFactor), "sigmoid_grad",
       ("out.g * (1 - out)", "the factor out is missing", "sigmoid' = out * (1 - out)"), 1),
    _m("module_base", "self.forward(args) without the star", ModuleForwardNoStar, "call",
       ("the tuple of inputs as one argument", "self.forward(args)", "self.forward(*args)"), 2),
    _m("lin_bwd", "def bwd(self, inp, out): parameters swapped", LinBwdSwapped, "input_grad",
       ("def bwd(self, inp, out)", "calls it as bwd(out, inp)", "the output first"), 4.5),
    _m("activation_bwd", "relu: def bwd(self, inp, out)", (ReluBwdSwapped, Sigmoid), "relu_grad",
       ("def bwd(self, inp, out)", "calls it as bwd(out, inp)", "def bwd(self, out, inp)"), 1.5),
    _m("activation_bwd", "relu: forward returns a NumPy array", (ReluForwardNumpy, Sigmoid), "forward",
       ("returns a NumPy array", "not a tensor"), 2),
    _m("mse_bwd", "targ.reshape(1, -1) against inp (n, 1)", MseTargRow, "forward",
       ("reshaped targ to (1, n)", "inp is (n, 1)", "(n, n)", "targ.view_as(inp)"), 1.5),
    _m("mse_bwd", "targ.unsqueeze(0) in forward", MseTargUnsqueezed, "forward",
       ("reshaped targ to (1, n)", "inp is (n, 1)"), 0.5),
    # inp.g weighs 2 of 5: without it every deeper model stops (the harm), and the first line says so
    _m("lin_bwd", "bwd never sets inp.g", LinNoInputGrad, "input_grad",
       ("does not set inp.g", "more than one layer", "out.g times w, transposed"), 2),
]
