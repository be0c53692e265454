"""Common SGD and Adam mistakes from the stage 5 walkthrough, written as a student writes them in notebook 5."""
import torch

from . import Mistake
from .optimizer_cases import SGD, SGDDampening, SGDRebinds, SGDUphill, _adam_with, _moments, \
    AdamNoBiasCorrection


class SGDKeepsInitLr(SGD):
    """Keeps the lr given to __init__, so opt.lr = ... (a schedule) changes nothing."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr, momentum, weight_decay)
        self._lr0 = lr

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
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


def _sgd(name, cls, first, words, lost):
    return Mistake("sgd", name, cls, first, tuple(words), lost, "optimizer")


def _adam(name, cls, first, words, lost):
    return Mistake("adam", name, cls, first, tuple(words), lost, "optimizer")


MISTAKES = [
    _sgd("lr kept from __init__ (a schedule changes nothing)", SGDKeepsInitLr, "lr_schedule",
         ["step() must read self.lr each time", "you kept the lr from __init__"], 0.5),
    _sgd("p = p - lr * g (rebinding)", SGDRebinds, "params", ["rebound the loop variable", "in place"], 4),
    _sgd("parameters() only: (name, tensor) pairs break it", SGDParametersOnly, "params",
         ["(name, parameter) pairs from named_parameters()", "accept both"], 5),
    _sgd("p += lr * g (uphill): zero_grad keeps its points", SGDUphill, "params", ["uphill", "subtract"], 4),
    _sgd("step() outside torch.no_grad()", SGDNoNoGrad, "params", ["outside torch.no_grad()", "with torch.no_grad()"],
         4.5),
    _sgd("(name, p) pairs assumed: parameters() breaks it", SGDPairsOnly, "params",
         ["(name, parameter) pair", "parameters() gives plain tensors"], 0.5),
    _sgd("momentum as an average, from zeros", SGDDampening, "momentum",
         ["exponential moving average", "buf = momentum * buf + g"], 2.5),
    _sgd("momentum as an average, started at g", SGDEmaFirstG, "momentum",
         ["exponential moving average", "buf = momentum * buf + g"], 2.5),
    _adam("lr kept from __init__ (a schedule changes nothing)", AdamKeepsInitLr, "lr_schedule",
          ["step() must read self.lr each time", "you kept the lr from __init__"], 0.5),
    _adam("p = p - lr * update (rebinding)", _adam_with(AdamRebinds), "defaults",
          ["rebound the loop variable", "in place"], 2.5),
    _adam("no bias correction: zero_grad keeps its points", _adam_with(AdamNoBiasCorrection), "defaults",
          ["no bias correction"], 2.5),
]
