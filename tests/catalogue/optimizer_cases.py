"""Stage 5 (05_optimizer): SGD and Adam submissions, correct and wrong, written as students write them in notebook 5."""
import math

import torch

from . import correct_case, failing, named_first

M = "optimizer"


def _ok(exercise: str, name: str, obj):
    return correct_case(exercise, name, obj, M)


def _w(exercise: str, name: str, obj, check: str, *words: str):
    return failing(exercise, name, obj, M, check, *words)


def _m(exercise: str, name: str, obj, first: str, words, lost: float):
    return named_first(exercise, name, obj, M, first, words, lost)


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


# ---- more common mistakes, from the stage 5 walkthrough ---------------------------------------------

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


def _reference(name: str):
    """The course's reference class, imported as a student might."""
    from solutions import optimizer
    return getattr(optimizer, name)


def _without(cls, method: str, name: str) -> type:
    """cls as handed in by a student who never wrote `method` (nothing inherited in its place either)."""
    body = {k: v for k, v in vars(cls).items() if k not in (method, "__dict__", "__weakref__")}
    return type(name, (), {**body, "__qualname__": name})


SGDNoZeroGrad = _without(SGD, "zero_grad", "SGDNoZeroGrad")  # __init__ and step() written, zero_grad() forgotten
SGDNoStep = _without(SGD, "step", "SGDNoStep")  # __init__ and zero_grad() written, step() not started


class SGDBufferUnused(SGD):
    """The buffer is computed and stored, but the step still uses g (a forgotten `g = buf`)."""

    @torch.no_grad()
    def step(self):
        for name, p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            if self.momentum:
                buf = self.velocity.get(name)
                self.velocity[name] = g.clone() if buf is None else self.momentum * buf + g
            p -= self.lr * g


class SGDZeroGradPairsAsTensors(SGD):
    """__init__ keeps (name, p) pairs, zero_grad loops as if they were tensors."""

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def AdamBiasCorrectionTimes(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 * st["t"])) / ((st["v"] / (1 - b2 * st["t"])).sqrt() + self.eps)


def AdamEpsAfterDivision(self, p, g, st):
    st["t"] += 1
    b1, b2 = _moments(self, g, st)
    p -= self.lr * (st["m"] / (1 - b1 ** st["t"]) / (st["v"] / (1 - b2 ** st["t"])).sqrt() + self.eps)


class AdamNoWeightDecay(Adam):
    """weight_decay accepted and never used."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, 0.0)


CASES = [
    # ---- sgd
    _ok("sgd", "dict of velocities", SGD),
    _ok("sgd", "zero buffers, add_(alpha=)", SGDZerosBuffer),
    _ok("sgd", "id keys through .data", SGDIdKeys),
    _ok("sgd", "torch._foreach_*, frozen parameters left out", SGDForeach),
    _ok("sgd", "p.data.sub_ without no_grad, zero_grad in place", SGDDataSub),
    _w("sgd", "momentum buffer not kept", SGDNoBuffer, "momentum", "not kept"),
    _w("sgd", "weight decay after momentum", SGDDecayAfterMomentum, "weight_decay", "after momentum"),
    _w("sgd", "weight decay sign", SGDDecaySign, "weight_decay", "wrong sign"),
    _w("sgd", "zero_grad: first parameter only", SGDZeroGradFirstOnly, "zero_grad", "gradients left"),
    _w("sgd", "zero_grad: p.grad * 0 discarded", SGDZeroGradNoop, "zero_grad", "gradients left"),
    _w("sgd", "zero_grad resets the velocity", SGDZeroGradResetsVelocity, "zero_grad", "not the momentum"),
    _w("sgd", "keeps the generator", SGDKeepsGenerator, "plain", "after step 2"),
    _w("sgd", "p = p - lr * g", SGDRebinds, "plain", "no change"),
    _w("sgd", "no torch.no_grad()", SGDNoNoGrad, "plain", "RuntimeError"),
    _w("sgd", "tensors only", SGDTensorsOnly, "params", "AttributeError"),
    _w("sgd", "lr hard-coded", SGDFixedLr, "plain", "not the lr argument"),
    _w("sgd", "lr inside the velocity (breaks a schedule)", SGDLrInBuffer, "lr_schedule", "velocity holds lr * g"),
    _w("sgd", "wraps torch.optim.SGD", SGDWrapsTorch, "not_torch", "torch.optim"),
    _w("sgd", "subclasses torch.optim.SGD", SGDSubclass, "not_torch", "subclass of torch.optim.Optimizer"),
    _w("sgd", "the reference", _reference("SGD"), "not_torch", "reference"),
    _m("sgd", "lr kept from __init__ (a schedule changes nothing)", SGDKeepsInitLr, "lr_schedule",
       ["step() must read self.lr each time", "you kept the lr from __init__"], 0.75),
    _m("sgd", "p = p - lr * g (rebinding)", SGDRebinds, "params", ["rebound the loop variable", "in place"], 3.75),
    _m("sgd", "parameters() only: (name, tensor) pairs break it", SGDParametersOnly, "params",
       ["(name, parameter) pairs from named_parameters()", "accept both"], 5),
    _m("sgd", "p += lr * g (uphill): zero_grad keeps its points", SGDUphill, "params", ["uphill", "subtract"], 3.5),
    _m("sgd", "step() outside torch.no_grad()", SGDNoNoGrad, "params",
       ["outside torch.no_grad()", "with torch.no_grad()"], 4),
    _m("sgd", "(name, p) pairs assumed: parameters() breaks it", SGDPairsOnly, "params",
       ["(name, parameter) pair", "parameters() gives plain tensors"], 0.5),
    _m("sgd", "momentum as an average, from zeros", SGDDampening, "momentum",
       ["exponential moving average", "buf = momentum * buf + g"], 2),
    _m("sgd", "momentum as an average, started at g", SGDEmaFirstG, "momentum",
       ["exponential moving average", "buf = momentum * buf + g"], 2),
    _m("sgd", "decoupled decay before the step (AdamW-style)", SGDDecoupledDecay, "weight_decay",
       ["decoupled weight decay", "AdamW-style"], 0.25),
    _m("sgd", "decoupled decay after the step", SGDDecayAfterStep, "weight_decay",
       ["decoupled weight decay", "before the momentum buffer"], 0.25),
    _m("sgd", "Nesterov instead of plain momentum", SGDNesterov, "momentum", ["Nesterov momentum", "plain momentum"], 2),
    _m("sgd", "momentum buffer is p.grad (lost at zero_grad)", SGDGradAsBuffer, "momentum",
       ["momentum buffer is p.grad itself", "p.grad.clone()"], 1),
    _m("sgd", "step() fails on a frozen layer (p.grad None)", SGDNoneGrads, "frozen",
       ["frozen parameter", "if p.grad is None: continue"], 0.25),
    _m("sgd", "return at a frozen layer", SGDReturnsAtFrozen, "frozen", ["stopped at the frozen layer", "continue"],
       0.25),
    _m("sgd", "a frozen layer decays (missing grad taken as 0)", SGDDecaysFrozen, "frozen",
       ["changed the frozen layer's parameters", "skips every parameter whose grad is None"], 0.25),
    _m("sgd", "buffer kept but never used (g = buf forgotten)", SGDBufferUnused, "momentum",
       ["as if momentum were 0", "not used"], 2),
    _m("sgd", "zero_grad loops over pairs as tensors", SGDZeroGradPairsAsTensors, "zero_grad",
       ["(name, tensor) pairs", "for _, p in self.params"], 1),
    _m("adam", "bias correction 1 - beta1 * t", _adam_with(AdamBiasCorrectionTimes), "defaults",
       ["1 - beta1 * t", "1 - beta1 ** t"], 2.25),
    _m("adam", "eps added after the division", _adam_with(AdamEpsAfterDivision), "hyperparameters",
       ["adds eps after the division", "m_hat / (sqrt(v_hat) + eps)"], 0.5),
    _m("adam", "weight_decay never used", AdamNoWeightDecay, "weight_decay", ["ignores weight_decay"], 0.25),
    _m("sgd", "no zero_grad() method", SGDNoZeroGrad, "zero_grad", ["has no zero_grad() method", "define zero_grad"], 1),
    _m("sgd", "no step() method", SGDNoStep, "params", ["has no step() method", "define step(self)"], 4),
    _m("sgd", "weight_decay never used", SGDNoDecay, "weight_decay", ["ignores weight_decay", "g = p.grad + wd * p"],
       0.25),
    _m("sgd", "__init__ without momentum", SGDNoMomentumArgument, "momentum", ["does not accept", "momentum="], 3.5),
    _m("sgd", "one velocity for all parameters", SGDOneBuffer, "momentum", ["one buffer shared", "per parameter"], 2.5),
    _m("sgd", "lr hard-coded as 0.01", SGDHardCodedLr, "params", ["not the lr argument", "used 0.01"], 3.5),
    _m("sgd", "zero_grad with p.grad.zero_() and no None check", SGDZeroGradUnguarded, "zero_grad",
       ["p.grad is None", "before the first backward", "if p.grad is not None"], 1),
    _m("sgd", "zero_grad does nothing (pass): training falls to chance", SGDZeroGradPass, "zero_grad",
       ["leaves gradients behind", "pile up", "p.grad = None"], 1),
    _m("sgd", "first momentum step buf = momentum * g", SGDFirstStepTimesMomentum, "momentum",
       ["first momentum step is buf = momentum * g", "starts with buf = g"], 2),
    # ---- adam
    _ok("adam", "the formula", Adam),
    _ok("adam", "torch's arithmetic", AdamTorchForm),
    _ok("adam", "lerp_", AdamLerp),
    _ok("adam", "torch._foreach_* with lerp_ and addcdiv_", AdamForeach),
    _ok("adam", "zero_grad in place", AdamZeroGradInPlace),
    _w("adam", "eps inside the sqrt (the hyperparameters check)", _adam_with(AdamEpsInside), "hyperparameters",
       "eps inside"),
    _w("adam", "state forgotten each step", _adam_with(AdamForgetsState), "defaults", "start again at every step"),
    _w("adam", "weight decay ignored", AdamNoDecay, "weight_decay", "after step 1"),
    _w("adam", "zero_grad does nothing", AdamZeroGradNoop, "zero_grad", "gradients left"),
    _w("adam", "wraps torch.optim.Adam", AdamWrapsTorch, "not_torch", "torch.optim"),
    _m("adam", "lr kept from __init__ (a schedule changes nothing)", AdamKeepsInitLr, "lr_schedule",
       ["step() must read self.lr each time", "you kept the lr from __init__"], 0.5),
    _m("adam", "p = p - lr * update (rebinding)", _adam_with(AdamRebinds), "defaults",
       ["rebound the loop variable", "in place"], 2.5),
    _m("adam", "no bias correction: zero_grad keeps its points", _adam_with(AdamNoBiasCorrection), "defaults",
       ["no bias correction"], 2.25),
    _m("adam", "m without (1 - beta1)", _adam_with(AdamMNoDamping), "defaults", ["first moment m", "(1 - beta1)"], 2.25),
    _m("adam", "v averages g, not g² (nan)", _adam_with(AdamVOfG), "defaults", ["second moment v averages g,", "nan"],
       2.25),
    _m("adam", "v averages |g|", _adam_with(AdamAbsGrad), "defaults", ["second moment v averages |g|", "|g|, not g²"],
       2.25),
    _m("adam", "betas swapped", _adam_with(AdamSwappedBetas), "defaults", ["beta1 and beta2 are swapped"],
       2.25),
    _m("adam", "m not bias-corrected", _adam_with(AdamNoCorrectionOfM), "defaults", ["m without its bias correction"],
       2.25),
    _m("adam", "v not bias-corrected", _adam_with(AdamNoCorrectionOfV), "defaults", ["v without its bias correction"],
       2.25),
    _m("adam", "t starts at 0 (nan)", _adam_with(AdamStepFromZero), "defaults", ["t starts at 0", "from 1"], 2.25),
    _m("adam", "t starts at 0 (ZeroDivisionError)", _adam_with(AdamFloatZeroDivision), "defaults",
       ["t starts at 0", "division by zero"], 2.5),
    _m("adam", "t never incremented", _adam_with(AdamTStaysOne), "defaults", ["t never grows", "t += 1"], 2.25),
    _m("adam", "one t bumped per parameter", _adam_with(AdamSharedT), "defaults", ["shared by all parameters"], 2.25),
    _m("adam", "eps inside the sqrt", _adam_with(AdamEpsInside), "defaults", ["eps inside the square root"], 1.75),
    _m("adam", "eps before the bias correction", _adam_with(AdamEpsBeforeCorrection), "hyperparameters",
       ["adds eps before the bias correction"], 0.5),
    _m("adam", "default betas (0.9, 0.99)", AdamDefaultBetas, "defaults", ["defaults differ", "betas=(0.9, 0.99)"],
       1.75),
    _m("adam", "default eps 1e-6", AdamDefaultEps, "defaults", ["defaults differ", "eps=1e-06"], 1),
    _m("adam", "default lr 1e-2", AdamDefaultLr, "defaults", ["defaults differ", "lr=0.01"], 1),
    _m("adam", "betas hard-coded in step()", _adam_with(AdamFixedBetas), "hyperparameters",
       ["ignores the betas argument"], 0.5),
    _m("adam", "eps hard-coded in step()", _adam_with(AdamFixedEps), "hyperparameters", ["ignores the eps argument"],
       0.5),
    _m("adam", "__init__ without weight_decay", AdamNoDecayArgument, "weight_decay", ["does not accept", "weight_decay="],
       0.5),
    _m("adam", "AdamW's decoupled decay", AdamW, "weight_decay", ["decoupled weight decay (AdamW)"], 0.25),
    _m("adam", "one m and v for all parameters", AdamOneState, "defaults", ["one buffer shared", "per parameter"], 2.5),
    _m("adam", "zero_grad with p.grad.zero_() and no None check", AdamZeroGradUnguarded, "zero_grad",
       ["p.grad is None", "if p.grad is not None"], 0.5),
    _m("adam", "step() fails on a frozen layer (p.grad None)", AdamNoneGrads, "frozen",
       ["frozen parameter", "if p.grad is None: continue"], 0.25),
    _m("adam", "return at a frozen layer", AdamReturnsAtFrozen, "frozen", ["stopped at the frozen layer", "continue"],
       0.25),
    _m("adam", "m and v computed but not stored back", _adam_with(AdamMomentsNotStored), "defaults",
       ["m and v restart from zero every step", "keep them in the state"], 2.25),
]
