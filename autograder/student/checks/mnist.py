"""Checks for 00_mnist: update(x, y, lr), one SGD step with weight decay on the notebook-global `model`.

The student's step is measured, not only compared: on every parameter p the change is fitted as
    p_after - p = a * g + b * p,
with g the cross-entropy gradient at the start. The reference step has a = -lr and b / a = 2 * wd, so
the fit names the mistake: a = +lr steps uphill, another a ignores lr, b / a = -2 wd flips the decay's
sign, b / a = wd misses the factor 2 of d(wd p**2)/dp, and b = 0 on some parameters leaves them out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .asks import Q
from .core import Check, CheckFailure, checks_of, varied
from .tape import Handle, ask

LR = 0.37  # an unusual learning rate, so a hard-coded one shows
WD = 1e-5  # the course's weight decay (the notebooks' `wd`)


def sgd_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float, wd: float = WD) -> float:
    """The SGD formula the checks own (no answer key needed): p <- p - lr * d/dp [CE + wd * sum p**2]; returns the loss."""
    params = list(model.parameters())
    loss = F.cross_entropy(model(x), y) + wd * sum((p * p).sum() for p in params)
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        for p, g in zip(params, grads):
            p.copy_(p - lr * g)
    return float(loss.detach())

IN, OUT = 20, 5
NAMES = ["weight", "bias"]

UPHILL = ("you stepped uphill: p += lr * p.grad moves along the gradient and increases the loss; "
          "subtract it: p -= lr * p.grad")
REBIND = ("you rebound the loop variable (p = p - lr * p.grad) instead of updating the parameter in place: "
          "the model keeps its old tensor; write p -= lr * p.grad under torch.no_grad()")
ZEROED_FIRST = ("you zeroed p.grad before the step, so p -= lr * p.grad subtracted zeros: zero the gradients "
                "after the step")
NO_BACKWARD = "loss.backward() never filled p.grad: call loss.backward() before the step"
DECAY_SIGN = ("the weight decay has the wrong sign: loss - wd * w2 rewards large weights; add it: "
              "loss = F.cross_entropy(y_hat, y) + wd * w2")
FACTOR_2 = ("the decay is missing its factor 2: the gradient of wd * p**2 is 2 * wd * p; add wd * (p ** 2).sum() "
            "to the loss (autograd then gets the 2 right) instead of adding wd * p to the gradient")
NO_DECAY = ("you left out the weight decay: add wd * sum((p ** 2).sum() for p in model.parameters()) "
            "to the loss")
L1 = ("your step adds wd * sign(p): that is an L1 penalty, wd * p.abs().sum() (the gradient of |p| is sign(p)); "
      "weight decay is the sum of squares: loss = F.cross_entropy(y_hat, y) + wd * sum((p ** 2).sum() for p in "
      "model.parameters())")
NO_GRAD_CONTEXT = ("you changed the parameters in place outside torch.no_grad(): autograd refuses that; "
                   "do the step inside `with torch.no_grad():`")


def _model() -> nn.Module:
    """The kind of model notebook 0 trains: an nn.Linear (with .weight and .bias), small, in float64.

    float64 makes the tiny weight-decay term measurable; the bias is made clearly non-zero so that a
    decay that skips the bias shows.
    """
    torch.manual_seed(varied(1))
    model = nn.Linear(IN, OUT).double()
    with torch.no_grad():
        model.bias.uniform_(-1.0, 1.0)
    return model


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed batch of inputs and integer labels."""
    g = torch.Generator().manual_seed(varied(2))
    return torch.randn(16, IN, generator=g, dtype=torch.float64), torch.randint(0, OUT, (16,), generator=g)


@dataclass
class Step:
    """What one call of the student's update did to a fresh model (as the probe update_step recorded it)."""

    after: list[torch.Tensor]            # parameters after
    start: list[torch.Tensor]            # parameters before
    grads: list[torch.Tensor | None]     # p.grad as backward left it (before any zeroing)
    returned: Any
    in_place: bool                       # some parameter was changed in place (its version counter moved)
    grads_after: list[torch.Tensor | None]  # p.grad after update returned
    graph_nodes: list[str]               # parameters that are no longer leaves requiring grad
    wd: float                            # the notebook's weight decay (global `wd`), or the course's

    @property
    def deltas(self) -> list[torch.Tensor]:
        """How far each parameter moved."""
        return [p - s for p, s in zip(self.after, self.start)]


def _start() -> tuple[torch.Tensor, torch.Tensor]:
    """The check model's weight and bias before the step."""
    model = _model()
    return model.weight.detach().clone(), model.bias.detach().clone()


def _not_a_function(update: Any) -> None:
    """Fail as adapters.swapped_global does when update is no plain function with notebook globals."""
    if not (isinstance(update, Handle) and update.kind == "function"):
        raise CheckFailure("a plain function update(x, y, lr)",
                           f"{update.name.rsplit('.', 1)[-1] if isinstance(update, Handle) else type(update).__name__}",
                           "define update with `def update(x, y, lr):` in the notebook.")


def observe(update: Any) -> Q:
    """Run the student's update once on a fresh model, recording the gradients its backward produced."""
    _not_a_function(update)
    try:
        seen = yield ask("update_step", update, *_start(), *_batch(), LR, WD)
    except RuntimeError as e:
        if "leaf Variable" not in str(e):
            raise
        raise CheckFailure("the update to run", "RuntimeError: a leaf Variable that requires grad is "
                           "being used in an in-place operation", NO_GRAD_CONTEXT + ".") from None
    return Step(list(seen["after"]), list(_start()), list(seen["grads"]), seen["returned"], seen["in_place"],
                list(seen["grads_after"]), list(seen["graph_nodes"]), float(seen["wd"]))


def ce_gradients() -> list[torch.Tensor]:
    """The cross-entropy gradient (no weight decay) of every parameter at the start."""
    model = _model()
    x, y = _batch()
    F.cross_entropy(model(x), y).backward()
    return [p.grad.detach().clone() for p in model.parameters()]


def fit(change: torch.Tensor, g: torch.Tensor, p: torch.Tensor) -> tuple[float, float, float]:
    """(a, b, residual) for change = a * g + b * p, by least squares in float64."""
    G, P, D = g.flatten().double(), p.flatten().double(), change.flatten().double()
    A = torch.stack([G, P], dim=1)
    coef = torch.linalg.lstsq(A, D.unsqueeze(1)).solution.flatten()
    residual = float((A @ coef - D).abs().max()) if D.numel() else 0.0
    return float(coef[0]), float(coef[1]), residual


def _fits(step: Step, of: list[torch.Tensor]) -> list[tuple[float, float, float]]:
    """The fit of each parameter's change (or gradient) against the cross-entropy gradient and the start."""
    return [fit(d, g, s) for d, g, s in zip(of, ce_gradients(), step.start)]


def _close(value: float, target: float, rel: float) -> bool:
    """value within rel * |target| of target."""
    return abs(value - target) <= rel * abs(target)


def _describe_step(step: Step) -> str:
    """Why the parameters did not move at all."""
    if all(g is None for g in step.grads):
        return NO_BACKWARD
    return ZEROED_FIRST if step.in_place else REBIND


def _l1_penalty(step: Step, wd: float) -> bool:
    """True when each parameter moved by -lr * (cross-entropy gradient + c * wd * sign(p)), c near 1: an L1 term."""
    if wd <= 0:
        return False
    for d, g, s in zip(step.deltas, ce_gradients(), step.start):
        extra = (-d / LR - g).flatten().double()
        sign = s.flatten().double().sign()
        c = float(extra @ sign) / max(float(sign @ sign), 1.0) / wd
        if not (0.5 < c < 2.0) or float((extra - c * wd * sign).abs().max()) > 1e-3 * wd:
            return False
    return True


def check_moves_parameters(update: Any) -> Q:
    """The parameters move by -lr * gradient, in place, every one of them (weight decay judged separately)."""
    step = yield from observe(update)
    deltas = step.deltas
    still = [n for n, d in zip(NAMES, deltas) if float(d.abs().max()) == 0.0]
    if len(still) == len(NAMES):
        raise CheckFailure("the parameters of the global `model` to change", "no change", _describe_step(step) + ".")
    if still:
        raise CheckFailure("every parameter to move", f"{still} did not change",
                           "you updated only some parameters: loop over all of model.parameters().")
    fits = _fits(step, deltas)
    scale = max(float(d.abs().max()) for d in deltas)
    if any(res > 1e-8 * scale for _, _, res in fits):
        raise CheckFailure(f"parameters after one step equal p - lr * p.grad (lr = {LR})",
                           "a change that is not a multiple of the gradient",
                           L1 + "." if _l1_penalty(step, step.wd) else "use the loss F.cross_entropy(model(x), y) + wd * sum of squares, call backward once, "
                           "and subtract lr * p.grad from every parameter.")
    a = [f[0] for f in fits]
    if all(_close(v, LR, 1e-6) for v in a):
        raise CheckFailure(f"parameters after one step equal p - lr * p.grad (lr = {LR})",
                           f"p + {LR} * p.grad", UPHILL + ".")
    if not all(_close(v, -LR, 1e-6) for v in a):
        sizes = ", ".join(f"{-v:.4g}" for v in a)
        raise CheckFailure(f"parameters after one step equal p - lr * p.grad (lr = {LR})",
                           f"steps of {sizes} times the gradient",
                           f"your step size is not the lr argument ({LR}): use p -= lr * p.grad, not a fixed number.")


def _decay_factors(update: Any) -> Q:
    """k per parameter, where the student's step or gradient includes k * wd * p (the reference has k = 2)."""
    step = yield from observe(update)
    wd = step.wd
    deltas = step.deltas
    if any(float(d.abs().max()) > 0 for d in deltas):
        fits = _fits(step, deltas)
        if all(a != 0 and res <= 1e-8 * max(float(d.abs().max()), 1e-300)
               for (a, _, res), d in zip(fits, deltas)):
            return [b / a / wd for a, b, _ in fits]
    if all(g is not None for g in step.grads):  # judge by the gradient the student's loss produced
        fits = _fits(step, step.grads)  # type: ignore[arg-type]
        if all(_close(a, 1.0, 1e-6) for a, _, _ in fits):
            return [b / a / wd for a, b, _ in fits]
    raise CheckFailure("a step whose weight decay can be measured", "a step that is not -lr * (gradient + decay)",
                       L1 + "." if _l1_penalty(step, wd) else
                       "fix the failing parameter check first; this one then measures your decay term.")


def check_weight_decay(update: Any) -> Q:
    """The decay is wd * (sum of squared parameters) in the loss: 2 * wd * p in every parameter's gradient."""
    ks = yield from _decay_factors(update)
    near = lambda k, t: abs(k - t) < 0.05  # noqa: E731 - k is measured to ~1e-9
    if all(near(k, 2) for k in ks):
        return
    got = ", ".join(f"{n}: {round(k, 6) + 0.0:.3g} * wd * p" for n, k in zip(NAMES, ks))  # 0, not 4e-12 (float noise)
    expected = "a decay term 2 * wd * p on every parameter (loss + wd * sum of p**2)"
    if all(near(k, 0) for k in ks):
        raise CheckFailure("a step including weight decay (loss + wd * sum of p**2 over parameters)",
                           "a step without weight decay", NO_DECAY + ".")
    if all(near(k, -2) for k in ks):
        raise CheckFailure(expected, got, DECAY_SIGN + ".")
    if all(near(k, 1) for k in ks):
        raise CheckFailure(expected, got, FACTOR_2 + ".")
    if any(near(k, 2) for k in ks) and all(near(k, 2) or near(k, 0) for k in ks):
        left = [n for n, k in zip(NAMES, ks) if near(k, 0)]
        raise CheckFailure(expected, got, f"you applied weight decay to only some parameters ({', '.join(left)} "
                           "left out): sum (p ** 2).sum() over every p in model.parameters().")
    raise CheckFailure(expected, got, "the gradient of wd * p**2 is 2 * wd * p: add wd * (sum of p**2) to the loss, "
                       "with wd the notebook's global.")


def _candidate_losses(wd: float) -> list[float]:
    """The loss before the step with the decay term as written, or as the decay check's named mistakes write it."""
    model = _model()
    x, y = _batch()
    with torch.no_grad():
        ce = float(F.cross_entropy(model(x), y))
        squares = [float((p ** 2).sum()) for p in model.parameters()]
    full = sum(squares)
    return [ce + k * wd * full for k in (1, 0, -1, 0.5)] + [ce + wd * s for s in squares]


def check_returns_float(update: Any) -> Q:
    """update returns the loss it called backward on (before the step) as a Python float."""
    step = yield from observe(update)
    out = step.returned
    if not isinstance(out, float):
        raise CheckFailure("a Python float (the loss)",
                           f"{out.name.rsplit('.', 1)[-1] if isinstance(out, Handle) else type(out).__name__}",
                           "return loss.item(), which also frees the graph.")
    wd = step.wd
    want = sgd_step(_model(), *_batch(), LR, wd=wd)
    if not any(abs(out - c) <= 1e-9 * max(1.0, abs(c)) for c in [want] + _candidate_losses(wd)) \
            and not _before_the_step_with_another_penalty(out, wd):
        raise CheckFailure(f"the loss before the step, {want:.10g}", f"{out:.10g}",
                           "return the loss you called backward on (computed before the step), as loss.item().")


def _before_the_step_with_another_penalty(out: float, wd: float) -> bool:
    """True when `out` is the loss before the step give or take a penalty of weight-decay size (an L1 term, say).

    Such a penalty is the weight-decay check's business; this check only tells "before the step" from
    "after": 10 * wd * sum(|p| + p**2) is 0.0016 for the check's model, the step changes the loss by 0.36.
    """
    model = _model()
    slack = 10 * wd * sum(float(p.abs().sum() + (p * p).sum()) for p in model.parameters())  # before the step
    return abs(out - sgd_step(model, *_batch(), LR, wd=0.0)) <= slack


def check_zero_grad(update: Any) -> Q:
    """Gradients are zeroed (or set to None) after the step, so the next step does not accumulate."""
    step = yield from observe(update)
    left = [n for n, g in zip(NAMES, step.grads_after) if g is not None and g.abs().sum() != 0]
    if left:
        raise CheckFailure("every p.grad zero (or None) after update", f"non-zero gradients in {left}",
                           "you never zeroed the gradients: call p.grad.zero_() for each parameter after the "
                           "step (or model.zero_grad()), or the next step adds this one's gradient again.")


def check_no_graph(update: Any) -> Q:
    """The step runs under torch.no_grad(): parameters stay leaf tensors that require grad."""
    step = yield from observe(update)
    bad = step.graph_nodes
    if bad:
        raise CheckFailure("parameters that stay leaf tensors requiring grad", f"{bad} changed into graph nodes",
                           "update the parameters inside `with torch.no_grad():`.")


def explain(exc: BaseException, update: Any) -> Q:
    """Name the mistake behind an error raised by the student's update."""
    if isinstance(exc, NameError):
        return (f"{exc}: update reads names from the notebook (model, wd, F); run the cells that define them "
                "above, or define them.")
    if isinstance(exc, AttributeError) and "NoneType" in str(exc):
        return REBIND + "." if (yield ask("update_backward_ran", update, *_start(), *_batch(), LR)) \
            else NO_BACKWARD + "."
    if isinstance(exc, RuntimeError) and "does not require grad" in str(exc):
        return "the loss has no gradient: compute it from model(x) without torch.no_grad() or .detach()."
    return None


def update_checks() -> list[Check]:
    """The update() checks, with their points (4 in total)."""
    check = checks_of("update", explain)
    return [
        check("moves_parameters", "parameters move by -lr * gradient, in place", 1.5, check_moves_parameters),
        check("weight_decay", "weight decay included: 2 * wd * p in every gradient", 1, check_weight_decay),
        check("returns_float", "returns the loss as a Python float", 0.5, check_returns_float),
        check("zero_grad", "gradients zeroed after the step", 0.5, check_zero_grad),
        check("no_graph", "no autograd graph through the update (no_grad)", 0.5, check_no_graph),
    ]
