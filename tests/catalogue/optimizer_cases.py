"""Stage 5 submissions (SGD, Adam), wrong and correct, written as students write them."""
import math

import torch

from . import Correct, Wrong

M = "optimizer"


def _w(exercise: str, name: str, obj, check: str, fragment: str) -> Wrong:
    return Wrong(exercise, name, obj, check, fragment, M)


def _tensors(params):
    """Accept named_parameters() or parameters()."""
    return [p[1] if isinstance(p, tuple) else p for p in params]


# ---- SGD ----------------------------------------------------------------------------------------

class SGD:
    """The article's style: a dict of velocities keyed by parameter name."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params = [p if isinstance(p, tuple) else (str(i), p) for i, p in enumerate(params)]
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocity = {}

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
            p -= self.lr * g

    def zero_grad(self):
        for _, p in self.params:
            p.grad = None


class SGDZerosBuffer:
    """A list of zero-initialised buffers (m * 0 + g on the first step equals torch's g)."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params = _tensors(params)
        self.lr, self.mom, self.wd = lr, momentum, weight_decay
        self.bufs = [torch.zeros_like(p) for p in self.params]

    def step(self):
        with torch.no_grad():
            for p, buf in zip(self.params, self.bufs):
                if p.grad is None:
                    continue
                d = p.grad.add(p, alpha=self.wd)
                buf.mul_(self.mom).add_(d)
                p.add_(buf if self.mom else d, alpha=-self.lr)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()


class SGDIdKeys:
    """State keyed by id(p), updated through p.data."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params, self.lr, self.hp, self.state = _tensors(params), lr, (momentum, weight_decay), {}

    def step(self):
        lr, (m, wd) = self.lr, self.hp
        for p in self.params:
            if p.grad is None:
                continue
            g = p.grad.data + wd * p.data
            if m:
                g = self.state[id(p)] = g if id(p) not in self.state else m * self.state[id(p)] + g
            p.data -= lr * g

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class SGDForeach:
    """torch._foreach_* over the parameters that have a gradient (a frozen one is left out)."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params, self.lr, self.momentum, self.wd = _tensors(params), lr, momentum, weight_decay
        self.bufs = {}

    @torch.no_grad()
    def step(self):
        ps = [p for p in self.params if p.grad is not None]
        gs = [p.grad for p in ps]
        if self.wd:
            gs = torch._foreach_add(gs, ps, alpha=self.wd)
        if self.momentum:
            for p, g in zip(ps, gs):
                buf = self.bufs.get(id(p))
                self.bufs[id(p)] = g.clone() if buf is None else buf.mul_(self.momentum).add_(g)
            gs = [self.bufs[id(p)] for p in ps]
        torch._foreach_add_(ps, gs, alpha=-self.lr)

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class SGDDataSub:
    """p.data.sub_(...) outside torch.no_grad() (.data is not tracked by autograd)."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params, self.lr, self.momentum, self.wd = _tensors(params), lr, momentum, weight_decay
        self.bufs = [None] * len(self.params)

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad.data + self.wd * p.data
            if self.momentum:
                self.bufs[i] = g.clone() if self.bufs[i] is None else self.momentum * self.bufs[i] + g
                g = self.bufs[i]
            p.data.sub_(self.lr * g)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()


class SGDLrInBuffer:
    """The velocity holds lr * g: equal to torch's while lr is constant, not under a schedule."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params, self.lr, self.momentum, self.wd = _tensors(params), lr, momentum, weight_decay
        self.v = {}

    @torch.no_grad()
    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.wd * p
            self.v[i] = self.momentum * self.v.get(i, 0) + self.lr * g
            p.sub_(self.v[i])

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class SGDNoBuffer(SGD):
    @torch.no_grad()
    def step(self):
        for _, p in self.params:
            if p.grad is None:
                continue
            buf = torch.zeros_like(p)
            buf = self.momentum * buf + p.grad + self.weight_decay * p
            p -= self.lr * buf


class SGDDecayAfterMomentum(SGD):
    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            buf = self.velocity.get(name)
            buf = p.grad.clone() if buf is None else self.momentum * buf + p.grad
            self.velocity[name] = buf
            p -= self.lr * (buf + self.weight_decay * p)


class SGDDampening(SGD):
    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            buf = self.velocity.get(name, torch.zeros_like(p))
            buf = self.momentum * buf + (1 - self.momentum) * g
            self.velocity[name] = buf
            p -= self.lr * buf


class SGDDecaySign(SGD):
    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad - self.weight_decay * p
            buf = self.velocity.get(name)
            buf = g.clone() if buf is None else self.momentum * buf + g
            self.velocity[name] = buf
            p -= self.lr * buf


class SGDUphill(SGD):
    """p += lr * g: a step along the gradient."""

    @torch.no_grad()
    def step(self):
        for _, p in self.params:
            if p.grad is not None:
                p += self.lr * p.grad


class SGDZeroGradFirstOnly(SGD):
    def zero_grad(self):
        self.params[0][1].grad = None


class SGDZeroGradNoop(SGD):
    def zero_grad(self):
        for _, p in self.params:
            if p.grad is not None:
                p.grad * 0


class SGDZeroGradResetsVelocity(SGD):
    def zero_grad(self):
        super().zero_grad()
        self.velocity = {}


class SGDKeepsGenerator(SGD):
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__([], lr, momentum, weight_decay)
        self.source = params

    @torch.no_grad()
    def step(self):
        for name, p in self.source:
            p -= self.lr * (p.grad + self.weight_decay * p)


class SGDRebinds(SGD):
    @torch.no_grad()
    def step(self):
        for _, p in self.params:
            p = p - self.lr * p.grad  # noqa: F841 - the classic local-name bug


class SGDNoNoGrad(SGD):
    def step(self):
        for _, p in self.params:
            p -= self.lr * p.grad


class SGDTensorsOnly(SGD):
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__([], lr, momentum, weight_decay)
        self.params = [(str(i), p) for i, p in enumerate(list(params))]


class SGDFixedLr(SGD):
    @torch.no_grad()
    def step(self):
        for _, p in self.params:
            p -= 0.1 * p.grad


class SGDNesterov(SGD):
    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            buf = self.velocity.get(name)
            buf = g.clone() if buf is None else self.momentum * buf + g
            self.velocity[name] = buf
            p -= self.lr * (g + self.momentum * buf)


class SGDWrapsTorch:
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.opt = torch.optim.SGD(_tensors(params), lr=lr, momentum=momentum, weight_decay=weight_decay)

    def step(self):
        self.opt.step()

    def zero_grad(self):
        self.opt.zero_grad()


class SGDSubclass(torch.optim.SGD):
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(_tensors(params), lr=lr, momentum=momentum, weight_decay=weight_decay)


# ---- Adam ---------------------------------------------------------------------------------------

class Adam:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = [p if isinstance(p, tuple) else (str(i), p) for i, p in enumerate(params)]
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.state = {}

    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            st = self.state.setdefault(name, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
            st["t"] += 1
            st["m"] = b1 * st["m"] + (1 - b1) * g
            st["v"] = b2 * st["v"] + (1 - b2) * g * g
            p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)

    def zero_grad(self):
        for _, p in self.params:
            p.grad = None


class AdamTorchForm:
    """torch's arithmetic: step size lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params, self.lr, self.betas, self.eps, self.wd = _tensors(params), lr, betas, eps, weight_decay
        self.t = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            g = p.grad.add(p, alpha=self.wd) if self.wd else p.grad
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = v.sqrt() / math.sqrt(1 - b2 ** self.t) + self.eps
            p.addcdiv_(m, denom, value=-self.lr / (1 - b1 ** self.t))

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class AdamLerp(Adam):
    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            st = self.state.setdefault(name, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
            st["t"] += 1
            st["m"].lerp_(g, 1 - b1)
            st["v"].lerp_(g.square(), 1 - b2)
            m_hat, v_hat = st["m"] / (1 - b1 ** st["t"]), st["v"] / (1 - b2 ** st["t"])
            p.sub_(self.lr * m_hat / (torch.sqrt(v_hat) + self.eps))


class AdamForeach:
    """torch._foreach_* with lerp_, addcmul_ and addcdiv_; one step counter bumped once per step()."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params, self.lr, self.betas, self.eps, self.wd = _tensors(params), lr, betas, eps, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self):
        self.t += 1
        keep = [i for i, p in enumerate(self.params) if p.grad is not None]   # a frozen parameter is left out
        (b1, b2), ps = self.betas, [self.params[i] for i in keep]
        ms, vs = [self.m[i] for i in keep], [self.v[i] for i in keep]
        gs = [p.grad for p in ps]
        if self.wd:
            gs = torch._foreach_add(gs, ps, alpha=self.wd)
        torch._foreach_lerp_(ms, gs, 1 - b1)
        torch._foreach_mul_(vs, b2)
        torch._foreach_addcmul_(vs, gs, gs, value=1 - b2)
        denom = torch._foreach_sqrt(vs)
        torch._foreach_div_(denom, math.sqrt(1 - b2 ** self.t))
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(ps, ms, denom, value=-self.lr / (1 - b1 ** self.t))

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class AdamZeroGradInPlace(Adam):
    def zero_grad(self):
        for _, p in self.params:
            if p.grad is not None:
                p.grad.detach_()
                p.grad.zero_()


def _adam_with(update):
    """An Adam whose per-parameter update is `update(self, p, g, st)` (for the wrong variants)."""
    class Variant(Adam):
        @torch.no_grad()
        def step(self):
            for name, p in self.params:
                if p.grad is None:
                    continue
                st = self.state.setdefault(name, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
                update(self, p, p.grad + self.weight_decay * p, st)
    Variant.__name__ = Variant.__qualname__ = update.__name__
    return Variant


def _moments(self, g, st, b1=None, b2=None, square=lambda g: g * g):
    b1 = self.betas[0] if b1 is None else b1
    b2 = self.betas[1] if b2 is None else b2
    st["m"] = b1 * st["m"] + (1 - b1) * g
    st["v"] = b2 * st["v"] + (1 - b2) * square(g)
    return b1, b2


def AdamNoBiasCorrection(self, p, g, st):
    _moments(self, g, st)
    p -= self.lr * st["m"] / (st["v"].sqrt() + self.eps)


def AdamEpsInside(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / (st["v"] / (1 - b2 ** st["t"]) + self.eps).sqrt()


def AdamSwappedBetas(self, p, g, st):
    st["t"] += 1
    b2, b1 = _moments(self, g, st, b1=self.betas[1], b2=self.betas[0])
    p -= self.lr * (st["m"] / (1 - b2 ** st["t"])) / ((st["v"] / (1 - b1 ** st["t"])).sqrt() + self.eps)


def AdamFixedBetas(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st, b1=0.9, b2=0.999)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


def AdamFixedEps(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + 1e-8)


def AdamStepFromZero(self, p, g, st):
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)
    st["t"] += 1


def AdamAbsGrad(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st, square=torch.abs)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


def AdamForgetsState(self, p, g, st):
    st.update(t=1, m=torch.zeros_like(p), v=torch.zeros_like(p))
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1)) / ((st["v"] / (1 - b2)).sqrt() + self.eps)


def AdamSharedT(self, p, g, st):
    self.t = getattr(self, "t", 0) + 1   # one counter for every parameter, bumped once per parameter
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 ** self.t)) / ((st["v"] / (1 - b2 ** self.t)).sqrt() + self.eps)


class AdamW(Adam):
    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        for name, p in self.params:
            if p.grad is None:
                continue
            st = self.state.setdefault(name, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
            st["t"] += 1
            _moments(self, p.grad, st)
            p -= self.lr * self.weight_decay * p
            p -= self.lr * (st["m"] / (1 - b1 ** st["t"])) / ((st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


class AdamNoDecay(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, 0.0)


class AdamZeroGradNoop(Adam):
    def zero_grad(self):
        pass


class AdamWrapsTorch:
    def __init__(self, params, **hp):
        self.opt = torch.optim.Adam(_tensors(params), **hp)

    def step(self):
        self.opt.step()

    def zero_grad(self):
        self.opt.zero_grad()


def _reference(name: str):
    """The course's reference class, imported as a student might."""
    from solutions import optimizer
    return getattr(optimizer, name)


WRONG = [
    _w("sgd", "p += lr * g (uphill)", SGDUphill, "params", "uphill"),
    _w("sgd", "momentum buffer not kept", SGDNoBuffer, "momentum", "not kept"),
    _w("sgd", "weight decay after momentum", SGDDecayAfterMomentum, "weight_decay", "after momentum"),
    _w("sgd", "momentum as an average", SGDDampening, "momentum", "exponential moving average"),
    _w("sgd", "weight decay sign", SGDDecaySign, "weight_decay", "wrong sign"),
    _w("sgd", "zero_grad: first parameter only", SGDZeroGradFirstOnly, "zero_grad", "gradients left"),
    _w("sgd", "zero_grad: p.grad * 0 discarded", SGDZeroGradNoop, "zero_grad", "gradients left"),
    _w("sgd", "zero_grad resets the velocity", SGDZeroGradResetsVelocity, "zero_grad", "not the momentum"),
    _w("sgd", "keeps the generator", SGDKeepsGenerator, "plain", "after step 2"),
    _w("sgd", "p = p - lr * g", SGDRebinds, "plain", "no change"),
    _w("sgd", "no torch.no_grad()", SGDNoNoGrad, "plain", "RuntimeError"),
    _w("sgd", "tensors only", SGDTensorsOnly, "params", "AttributeError"),
    _w("sgd", "lr hard-coded", SGDFixedLr, "plain", "not the lr argument"),
    _w("sgd", "Nesterov instead", SGDNesterov, "momentum", "Nesterov momentum"),
    _w("sgd", "lr inside the velocity (breaks a schedule)", SGDLrInBuffer, "lr_schedule", "velocity holds lr * g"),
    _w("sgd", "wraps torch.optim.SGD", SGDWrapsTorch, "not_torch", "torch.optim"),
    _w("sgd", "subclasses torch.optim.SGD", SGDSubclass, "not_torch", "subclass of torch.optim.Optimizer"),
    _w("sgd", "the reference", _reference("SGD"), "not_torch", "reference"),
    _w("adam", "no bias correction", _adam_with(AdamNoBiasCorrection), "defaults", "no bias correction"),
    _w("adam", "eps inside the sqrt", _adam_with(AdamEpsInside), "hyperparameters", "eps inside"),
    _w("adam", "betas swapped", _adam_with(AdamSwappedBetas), "defaults", "swapped"),
    _w("adam", "betas hard-coded", _adam_with(AdamFixedBetas), "hyperparameters", "ignores the betas argument"),
    _w("adam", "eps hard-coded", _adam_with(AdamFixedEps), "hyperparameters", "ignores the eps argument"),
    _w("adam", "t starts at 0", _adam_with(AdamStepFromZero), "defaults", "t starts at 0"),
    _w("adam", "|g| instead of g²", _adam_with(AdamAbsGrad), "defaults", "|g|, not g²"),
    _w("adam", "state forgotten each step", _adam_with(AdamForgetsState), "defaults", "start again at every step"),
    _w("adam", "one t shared by all parameters", _adam_with(AdamSharedT), "defaults", "shared by all parameters"),
    _w("adam", "AdamW's decoupled decay", AdamW, "weight_decay", "decoupled"),
    _w("adam", "weight decay ignored", AdamNoDecay, "weight_decay", "after step 1"),
    _w("adam", "zero_grad does nothing", AdamZeroGradNoop, "zero_grad", "gradients left"),
    _w("adam", "wraps torch.optim.Adam", AdamWrapsTorch, "not_torch", "torch.optim"),
]

CORRECT = [
    Correct("sgd", "dict of velocities", SGD, M),
    Correct("sgd", "zero buffers, add_(alpha=)", SGDZerosBuffer, M),
    Correct("sgd", "id keys through .data", SGDIdKeys, M),
    Correct("sgd", "torch._foreach_*, frozen parameters left out", SGDForeach, M),
    Correct("sgd", "p.data.sub_ without no_grad, zero_grad in place", SGDDataSub, M),
    Correct("adam", "the formula", Adam, M),
    Correct("adam", "torch's arithmetic", AdamTorchForm, M),
    Correct("adam", "lerp_", AdamLerp, M),
    Correct("adam", "torch._foreach_* with lerp_ and addcdiv_", AdamForeach, M),
    Correct("adam", "zero_grad in place", AdamZeroGradInPlace, M),
]
