"""Common SGD and Adam mistakes from the stage 5 walkthrough, written as a student writes them in notebook 5."""
import math

import torch

from . import Mistake
from .optimizer_cases import SGD, SGDDampening, SGDRebinds, SGDUphill, _adam_with, _moments, \
    AdamNoBiasCorrection, Adam, AdamAbsGrad, AdamEpsInside, AdamFixedBetas, AdamFixedEps, AdamSharedT, \
    AdamStepFromZero, AdamSwappedBetas, AdamW, SGDNesterov


class SGDKeepsInitLr(SGD):
    """Keeps the lr given to __init__, so opt.lr = ... (a schedule) changes nothing."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr, momentum, weight_decay)
        self._lr0 = lr

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            if self.momentum:
                buf = self.velocity.get(name)
                buf = g.clone() if buf is None else self.momentum * buf + g
                self.velocity[name] = buf
                g = buf
            p -= self._lr0 * g


class SGDParametersOnly:
    """Written for model.parameters() only: named_parameters()'s (name, tensor) pairs break it."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.bufs = [None] * len(self.params)

    @torch.no_grad()
    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            if self.momentum:
                self.bufs[i] = g.clone() if self.bufs[i] is None else self.momentum * self.bufs[i] + g
                g = self.bufs[i]
            p -= self.lr * g

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class SGDEmaFirstG(SGD):
    """Momentum as an exponential moving average, started at g as Hint 2 says."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            buf = self.velocity.get(name)
            buf = g.clone() if buf is None else self.momentum * buf + (1 - self.momentum) * g
            self.velocity[name] = buf
            p -= self.lr * buf


def _adam_step_from_init(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p -= self.step_size * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


class AdamKeepsInitLr(_adam_with(_adam_step_from_init)):
    """Adam with the step size fixed in __init__."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, weight_decay)
        self.step_size = lr


def AdamRebinds(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p = p - self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


class SGDNoNoGrad(SGD):
    """step() without torch.no_grad(): the in-place update of a leaf that requires grad raises."""

    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            p -= self.lr * (p.grad + self.weight_decay * p)


class SGDPairsOnly(SGD):
    """Assumes named_parameters(): `for name, p in params` breaks on parameters()'s plain tensors."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__([], lr, momentum, weight_decay)
        self.params = [(name, p) for name, p in params]


# ---- issue 23: each wrong part of SGD and Adam named on the first line ------------------------------

class SGDDecoupledDecay(SGD):
    """AdamW-style decay on SGD: p -= lr * wd * p, then the momentum step on the bare gradient."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            p -= self.lr * self.weight_decay * p
            buf = self.velocity.get(name)
            buf = p.grad.clone() if buf is None else self.momentum * buf + p.grad
            self.velocity[name] = buf
            p -= self.lr * (buf if self.momentum else p.grad)


class SGDDecayAfterStep(SGD):
    """The step first, then the decay from the updated p."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad
            if self.momentum:
                buf = self.velocity.get(name)
                g = self.velocity[name] = g.clone() if buf is None else self.momentum * buf + g
            p -= self.lr * g
            p -= self.lr * self.weight_decay * p


class SGDGradAsBuffer(SGD):
    """buf = p.grad without a copy, updated in place; zero_grad zeroes the gradients in place: momentum is lost."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p if self.weight_decay else p.grad
            if self.momentum:
                buf = self.velocity.get(name)
                if buf is None:
                    buf = self.velocity[name] = g
                else:
                    buf.mul_(self.momentum).add_(g)
                g = buf
            p -= self.lr * g

    def zero_grad(self):
        for _, p in self.params:
            if p.grad is not None:
                p.grad.zero_()


class SGDNoneGrads(SGD):
    """No `if p.grad is None` in step(): a frozen layer crashes it."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            g = p.grad + self.weight_decay * p
            if self.momentum:
                buf = self.velocity.get(name)
                g = self.velocity[name] = g.clone() if buf is None else self.momentum * buf + g
            p -= self.lr * g


class SGDReturnsAtFrozen(SGD):
    """`return` instead of `continue` at a parameter without a gradient."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                return
            g = p.grad + self.weight_decay * p
            if self.momentum:
                buf = self.velocity.get(name)
                g = self.velocity[name] = g.clone() if buf is None else self.momentum * buf + g
            p -= self.lr * g


class SGDDecaysFrozen(SGD):
    """A missing gradient taken as zero: the frozen layer still decays."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            g = (p.grad if p.grad is not None else torch.zeros_like(p)) + self.weight_decay * p
            if self.momentum:
                buf = self.velocity.get(name)
                g = self.velocity[name] = g.clone() if buf is None else self.momentum * buf + g
            p -= self.lr * g


class SGDNoDecay(SGD):
    """weight_decay stored, never used."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad
            if self.momentum:
                buf = self.velocity.get(name)
                g = self.velocity[name] = g.clone() if buf is None else self.momentum * buf + g
            p -= self.lr * g


class SGDNoMomentumArgument(SGD):
    """An __init__ without momentum: SGD(params, lr, momentum=0.8) raises TypeError."""

    def __init__(self, params, lr, weight_decay=0.0):
        super().__init__(params, lr, 0.0, weight_decay)


class SGDOneBuffer(SGD):
    """One velocity for every parameter, whatever its shape."""

    @torch.no_grad()
    def step(self):
        for _, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            if self.momentum:
                self.buf = g.clone() if getattr(self, "buf", None) is None else self.momentum * self.buf + g
                g = self.buf
            p -= self.lr * g


class SGDHardCodedLr(SGD):
    """The whole update right, with 0.01 written where self.lr belongs."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            if self.momentum:
                buf = self.velocity.get(name)
                g = self.velocity[name] = g.clone() if buf is None else self.momentum * buf + g
            p -= 0.01 * g


def AdamMNoDamping(self, p, g, st):
    st["t"] += 1
    b1, b2 = self.betas
    st["m"] = b1 * st["m"] + g
    st["v"] = b2 * st["v"] + (1 - b2) * g * g
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


def AdamVOfG(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st, square=lambda g: g)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


def AdamNoCorrectionOfM(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p -= self.lr * st["m"] / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


def AdamNoCorrectionOfV(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / (st["v"].sqrt() + self.eps)


def AdamTStaysOne(self, p, g, st):
    st["t"] = 1
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


def AdamEpsBeforeCorrection(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    bc1, bc2 = 1 - b1 ** st["t"], 1 - b2 ** st["t"]
    p -= self.lr * math.sqrt(bc2) / bc1 * st["m"] / (st["v"].sqrt() + self.eps)


def AdamFloatZeroDivision(self, p, g, st):
    b1, b2 = _moments(self, g, st)
    step_size = self.lr / (1 - b1 ** st["t"])   # t is still 0: 1 - b1**0 == 0.0
    st["t"] += 1
    p -= step_size * st["m"] / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


class AdamDefaultBetas(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, weight_decay)


class AdamDefaultEps(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, weight_decay)


class AdamDefaultLr(Adam):
    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, weight_decay)


class AdamNoDecayArgument(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr, betas, eps, 0.0)


class AdamOneState(Adam):
    """One m and one v for every parameter."""

    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        self.t = getattr(self, "t", 0) + 1
        for _, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            self.m = (1 - b1) * g if getattr(self, "m", None) is None else b1 * self.m + (1 - b1) * g
            self.v = (1 - b2) * g * g if getattr(self, "v", None) is None else b2 * self.v + (1 - b2) * g * g
            p -= self.lr * (self.m / (1 - b1 ** self.t)) / ((self.v / (1 - b2 ** self.t)).sqrt() + self.eps)


# issue 23, second try
class SGDZeroGradUnguarded(SGD):
    """zero_grad with p.grad.zero_() and no None check: it fails before the first backward."""

    def zero_grad(self):
        for _, p in self.params:
            p.grad.zero_()


class SGDZeroGradPass(SGD):
    """zero_grad left as `pass`: the gradients pile up and training falls to chance."""

    def zero_grad(self):
        pass


class SGDFirstStepTimesMomentum(SGD):
    """The first momentum step is buf = momentum * g (torch: buf = g)."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            if self.momentum:
                buf = self.velocity.get(name)
                g = self.velocity[name] = self.momentum * g if buf is None else self.momentum * buf + g
            p -= self.lr * g


class AdamZeroGradUnguarded(Adam):
    """zero_grad with p.grad.zero_() and no None check."""

    def zero_grad(self):
        for _, p in self.params:
            p.grad.zero_()


class AdamNoneGrads(Adam):
    """Adam without `if p.grad is None: continue`: a frozen layer's p.grad None breaks step()."""

    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        for name, p in self.params:
            g = p.grad + self.weight_decay * p
            st = self.state.setdefault(name, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
            st["t"] += 1
            st["m"] = b1 * st["m"] + (1 - b1) * g
            st["v"] = b2 * st["v"] + (1 - b2) * g * g
            p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


class AdamReturnsAtFrozen(Adam):
    """Adam that stops at the first parameter without a gradient (return instead of continue)."""

    @torch.no_grad()
    def step(self):
        if any(p.grad is None for _, p in self.params):
            return
        super().step()


def AdamMomentsNotStored(self, p, g, st):
    """m and v computed from the state but never stored back (t is): they restart from zero every step."""
    st["t"] += 1
    b1, b2 = self.betas
    m = b1 * st["m"] + (1 - b1) * g
    v = b2 * st["v"] + (1 - b2) * g * g
    p -= self.lr * (m / (1 - b1 ** st["t"])) / ((v / (1 - b2 ** st["t"])).sqrt() + self.eps)


def _sgd(name, cls, first, words, lost):
    return Mistake("sgd", name, cls, first, tuple(words), lost, "optimizer")


def _adam(name, cls, first, words, lost):
    return Mistake("adam", name, cls, first, tuple(words), lost, "optimizer")


MISTAKES = [
    _sgd("lr kept from __init__ (a schedule changes nothing)", SGDKeepsInitLr, "lr_schedule",
         ["step() must read self.lr each time", "you kept the lr from __init__"], 0.75),
    _sgd("p = p - lr * g (rebinding)", SGDRebinds, "params", ["rebound the loop variable", "in place"], 3.75),
    _sgd("parameters() only: (name, tensor) pairs break it", SGDParametersOnly, "params",
         ["(name, parameter) pairs from named_parameters()", "accept both"], 5),
    _sgd("p += lr * g (uphill): zero_grad keeps its points", SGDUphill, "params", ["uphill", "subtract"], 3.5),
    _sgd("step() outside torch.no_grad()", SGDNoNoGrad, "params", ["outside torch.no_grad()", "with torch.no_grad()"],
         4),
    _sgd("(name, p) pairs assumed: parameters() breaks it", SGDPairsOnly, "params",
         ["(name, parameter) pair", "parameters() gives plain tensors"], 0.5),
    _sgd("momentum as an average, from zeros", SGDDampening, "momentum",
         ["exponential moving average", "buf = momentum * buf + g"], 2),
    _sgd("momentum as an average, started at g", SGDEmaFirstG, "momentum",
         ["exponential moving average", "buf = momentum * buf + g"], 2),
    _adam("lr kept from __init__ (a schedule changes nothing)", AdamKeepsInitLr, "lr_schedule",
          ["step() must read self.lr each time", "you kept the lr from __init__"], 0.5),
    _adam("p = p - lr * update (rebinding)", _adam_with(AdamRebinds), "defaults",
          ["rebound the loop variable", "in place"], 2.5),
    _adam("no bias correction: zero_grad keeps its points", _adam_with(AdamNoBiasCorrection), "defaults",
          ["no bias correction"], 2.25),
    # issue 23
    _sgd("decoupled decay before the step (AdamW-style)", SGDDecoupledDecay, "weight_decay",
         ["decoupled weight decay", "AdamW-style"], 0.25),
    _sgd("decoupled decay after the step", SGDDecayAfterStep, "weight_decay",
         ["decoupled weight decay", "before the momentum buffer"], 0.25),
    _sgd("Nesterov instead of plain momentum", SGDNesterov, "momentum", ["Nesterov momentum", "plain momentum"], 2),
    _sgd("momentum buffer is p.grad (lost at zero_grad)", SGDGradAsBuffer, "momentum",
         ["momentum buffer is p.grad itself", "p.grad.clone()"], 1),
    _sgd("step() fails on a frozen layer (p.grad None)", SGDNoneGrads, "frozen",
         ["frozen parameter", "if p.grad is None: continue"], 0.25),
    _sgd("return at a frozen layer", SGDReturnsAtFrozen, "frozen", ["stopped at the frozen layer", "continue"], 0.25),
    _sgd("a frozen layer decays (missing grad taken as 0)", SGDDecaysFrozen, "frozen",
         ["changed the frozen layer's parameters", "skips every parameter whose grad is None"], 0.25),
    _sgd("weight_decay never used", SGDNoDecay, "weight_decay", ["ignores weight_decay", "g = p.grad + wd * p"], 0.25),
    _sgd("__init__ without momentum", SGDNoMomentumArgument, "momentum", ["does not accept", "momentum="], 3.5),
    _sgd("one velocity for all parameters", SGDOneBuffer, "momentum", ["one buffer shared", "per parameter"], 2.5),
    _sgd("lr hard-coded as 0.01", SGDHardCodedLr, "params", ["not the lr argument", "used 0.01"], 3.5),
    _adam("m without (1 - beta1)", _adam_with(AdamMNoDamping), "defaults", ["first moment m", "(1 - beta1)"], 2.25),
    _adam("v averages g, not g² (nan)", _adam_with(AdamVOfG), "defaults", ["second moment v averages g,", "nan"],
          2.25),
    _adam("v averages |g|", _adam_with(AdamAbsGrad), "defaults", ["second moment v averages |g|"], 2.25),
    _adam("betas swapped", _adam_with(AdamSwappedBetas), "defaults", ["beta1 and beta2 are swapped"], 2.25),
    _adam("m not bias-corrected", _adam_with(AdamNoCorrectionOfM), "defaults", ["m without its bias correction"],
          2.25),
    _adam("v not bias-corrected", _adam_with(AdamNoCorrectionOfV), "defaults", ["v without its bias correction"],
          2.25),
    _adam("t starts at 0 (nan)", _adam_with(AdamStepFromZero), "defaults", ["t starts at 0", "from 1"], 2.25),
    _adam("t starts at 0 (ZeroDivisionError)", _adam_with(AdamFloatZeroDivision), "defaults",
          ["t starts at 0", "division by zero"], 2.5),
    _adam("t never incremented", _adam_with(AdamTStaysOne), "defaults", ["t never grows", "t += 1"], 2.25),
    _adam("one t bumped per parameter", _adam_with(AdamSharedT), "defaults", ["shared by all parameters"], 2.25),
    _adam("eps inside the sqrt", _adam_with(AdamEpsInside), "defaults", ["eps inside the square root"], 1.75),
    _adam("eps before the bias correction", _adam_with(AdamEpsBeforeCorrection), "hyperparameters",
          ["adds eps before the bias correction"], 0.5),
    _adam("default betas (0.9, 0.99)", AdamDefaultBetas, "defaults", ["defaults differ", "betas=(0.9, 0.99)"], 1.75),
    _adam("default eps 1e-6", AdamDefaultEps, "defaults", ["defaults differ", "eps=1e-06"], 1),
    _adam("default lr 1e-2", AdamDefaultLr, "defaults", ["defaults differ", "lr=0.01"], 1),
    _adam("betas hard-coded in step()", _adam_with(AdamFixedBetas), "hyperparameters", ["ignores the betas argument"],
          0.5),
    _adam("eps hard-coded in step()", _adam_with(AdamFixedEps), "hyperparameters", ["ignores the eps argument"], 0.5),
    _adam("__init__ without weight_decay", AdamNoDecayArgument, "weight_decay", ["does not accept", "weight_decay="],
          0.5),
    _adam("AdamW's decoupled decay", AdamW, "weight_decay", ["decoupled weight decay (AdamW)"], 0.25),
    _adam("one m and v for all parameters", AdamOneState, "defaults", ["one buffer shared", "per parameter"], 2.5),
    # issue 23, second try
    _sgd("zero_grad with p.grad.zero_() and no None check", SGDZeroGradUnguarded, "zero_grad",
         ["p.grad is None", "before the first backward", "if p.grad is not None"], 1),
    _sgd("zero_grad does nothing (pass): training falls to chance", SGDZeroGradPass, "zero_grad",
         ["leaves gradients behind", "pile up", "p.grad = None"], 1),
    _sgd("first momentum step buf = momentum * g", SGDFirstStepTimesMomentum, "momentum",
         ["first momentum step is buf = momentum * g", "starts with buf = g"], 2),
    _adam("zero_grad with p.grad.zero_() and no None check", AdamZeroGradUnguarded, "zero_grad",
          ["p.grad is None", "if p.grad is not None"], 0.5),
    _adam("step() fails on a frozen layer (p.grad None)", AdamNoneGrads, "frozen",
          ["frozen parameter", "if p.grad is None: continue"], 0.25),
    _adam("return at a frozen layer", AdamReturnsAtFrozen, "frozen", ["stopped at the frozen layer", "continue"],
          0.25),
    _adam("m and v computed but not stored back", _adam_with(AdamMomentsNotStored), "defaults",
          ["m and v restart from zero every step", "keep them in the state"], 2.25),
]
