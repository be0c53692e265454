"""Checks for stage 5: SGD and Adam classes, whose trajectories must follow torch.optim's for 5 steps.

Each check trains the same small float64 model on the same 5 batches twice, once with the student's
optimizer and once with torch.optim's, and compares every parameter after every step (tolerance
1e-5); one check also changes the lr between steps, as a schedule does, the momentum check zeroes the
gradients in place between steps (so a buffer that is p.grad itself shows), and one freezes a layer. When
they differ, it replays known mistakes (the momentum buffer not kept, decoupled weight decay, Nesterov, no
bias correction, t from 0, the lr kept from __init__, ...) and names the one that matches. Nothing here
imports the reference solutions.

The checks are judged (tape.py): the student's optimizer runs only in the probes of probes_optimizer.py,
which return its parameters after each step; torch.optim's trajectories, the named mistakes and the points
are computed here, from those answers alone.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from . import asks, probes_optimizer  # noqa: F401 - probes_optimizer registers the probes these checks ask
from .asks import Q
from .compare import close, max_diff
from .core import Check, CheckFailure
from .tape import Handle, ask

STEPS = 5
LR = 0.37           # unusual values, so a hard-coded hyperparameter shows
MOMENTUM = 0.8
WD = 0.1
SCHEDULES = {"sgd": (0.05, 0.2, 0.6, 0.37, 0.1), "adam": (0.002, 0.03, 0.01, 0.05, 0.001)}  # lr before each step
TOL = {"rtol": 1e-5, "atol": 1e-5}
OPTIM_SOURCE = r"\btorch\.optim\b|\boptim\.(?:SGD|Adam|AdamW|Optimizer)\b|\b_functional\b"
_TORCH_DIR = str(Path(torch.__file__).resolve().parent)

Params = list[torch.Tensor]
Trajectory = list[Params]


def make_model() -> nn.Module:
    """A small float64 model with fixed weights (non-zero biases)."""
    g = torch.Generator().manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.5)
    return model


def batches() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """STEPS fixed batches of inputs and labels."""
    g = torch.Generator().manual_seed(6)
    for _ in range(STEPS):
        yield torch.randn(8, 6, generator=g, dtype=torch.float64), torch.randint(0, 3, (8,), generator=g)


def torch_optimizer(name: str) -> type:
    """torch.optim.SGD or torch.optim.Adam, refusing a replacement defined outside torch."""
    cls = getattr(torch.optim, name)
    step = getattr(getattr(cls, "step", None), "__code__", None)
    if not (isinstance(cls, type) and step and str(Path(step.co_filename).resolve()).startswith(_TORCH_DIR)):
        raise CheckFailure(f"the genuine torch.optim.{name}", "a replaced class",
                           f"do not reassign torch.optim.{name} in the notebook; restart the kernel.")
    return cls


def set_lr(opt: Any, lr: float) -> None:
    """What a schedule does between steps: torch.optim's param_groups[...]["lr"], or opt.lr."""
    if isinstance(opt, torch.optim.Optimizer):
        for group in opt.param_groups:
            group["lr"] = lr
    else:
        opt.lr = lr


def trajectory(make_opt: Callable[[nn.Module], Any], lrs: tuple[float, ...] | None = None) -> Trajectory:
    """Parameters after each of STEPS steps of the check's own optimizer (torch.optim's or a Formula), gradients
    set to None before each backward; with lrs, the lr is set to lrs[k] before step k."""
    model = make_model()
    opt = make_opt(model)
    out = []
    for k, (x, y) in enumerate(batches()):
        if lrs:
            set_lr(opt, lrs[k])
        for p in model.parameters():
            p.grad = None
        F.cross_entropy(model(x), y).backward()
        opt.step()
        out.append([p.detach().clone() for p in model.parameters()])
    return out


_MEMO: dict[tuple, Trajectory] = {}


def reference_trajectory(opt: Any, lrs: tuple[float, ...] | None = None, mistake: str = "", **hp: Any) -> Trajectory:
    """The trajectory of torch.optim's class `opt`, or for opt "sgd" / "adam" of the checks' Formula (with one named
    mistake): computed once per fresh copy of the checks, so observing and judging a report compute it once."""
    key = (opt, lrs, mistake, tuple(hp.items()))
    if key not in _MEMO:
        make = (lambda m: Formula(m.parameters(), opt, mistake, **hp)) if isinstance(opt, str) else \
            (lambda m: opt(m.parameters(), **hp))
        _MEMO[key] = trajectory(make, lrs=lrs)
    return _MEMO[key]


@dataclass
class Run:
    """What the student's optimizer did to the check's model, as the probe optimizer_trajectory recorded it."""

    trajectory: Trajectory      # parameters after each step
    held: int                   # how many of the model's parameters the optimizer keeps
    graph_nodes: list[str]      # parameters no longer leaves requiring grad after the steps
    replaced: bool              # the model's parameters were replaced by other tensors
    aliased: list[str]          # parameters whose .grad was a tensor the optimizer kept (a buffer that is p.grad)


def _start() -> list[torch.Tensor]:
    """The check model's parameters before the first step."""
    return [p.detach().clone() for p in make_model().parameters()]


def _a_class(cls: Any) -> None:
    """Fail readably when the student passed something other than a class."""
    if not (isinstance(cls, Handle) and cls.kind == "class"):
        raise CheckFailure("a class (pass SGD itself, without ())",
                           cls.name.rsplit(".", 1)[-1] if isinstance(cls, Handle) else type(cls).__name__,
                           "call self_check with the class.")


def student_run(cls: Any, style: str = "named", lrs: tuple[float, ...] | None = None, clear: str = "none",
                frozen: tuple[int, ...] = (), **hp: Any) -> Q:
    """The student's optimizer, built with model.named_parameters() (or parameters()) and hp, run for STEPS steps
    in the student's process, the gradients cleared before each backward as `clear` says ("none": set to None,
    "zero": zeroed in place, "own": the student's zero_grad()), the layers in `frozen` with requires_grad False;
    its errors come back at the yield."""
    _a_class(cls)
    data = list(batches())
    seen = yield ask("optimizer_trajectory", cls, _start(), [x for x, _ in data], [y for _, y in data], style,
                     dict(hp), list(lrs) if lrs else None, clear, list(frozen))
    return Run([list(ps) for ps in seen["trajectory"]], int(seen["held"]), list(seen["graph_nodes"]),
               bool(seen["replaced"]), [str(n) for n in seen["aliased"]])


def _close(p: torch.Tensor, q: torch.Tensor) -> bool:
    """Within TOL, where a nan or inf stands in the same place in both (a mistake that divides by zero is named)."""
    if tuple(p.shape) != tuple(q.shape):
        return False
    odd = ~torch.isfinite(p)
    if not bool(odd.any()) and bool(torch.isfinite(q).all()):
        return close(p, q, **TOL)
    if not torch.equal(odd, ~torch.isfinite(q)) or not torch.equal(p[odd].nan_to_num(0.0), q[odd].nan_to_num(0.0)):
        return False
    return close(torch.where(odd, 0.0, p), torch.where(odd, 0.0, q), **TOL)


def same(a: Trajectory, b: Trajectory) -> bool:
    """Every parameter after every step within TOL (nan where the other has nan)."""
    return all(_close(p, q) for pa, pb in zip(a, b) for p, q in zip(pa, pb))


def first_difference(got: Trajectory, want: Trajectory) -> str:
    """'step k, parameter i: max difference d' for the first step that differs."""
    for k, (pa, pb) in enumerate(zip(got, want), start=1):
        for i, (p, q) in enumerate(zip(pa, pb)):
            if not close(p, q, **TOL):
                return f"parameter {i} {tuple(q.shape)} differs after step {k} (max difference {max_diff(p, q):.3g})"
    return "no difference"


class Formula:
    """The checks' own optimizers, correct or with one named mistake, to name what a student's does."""

    def __init__(self, params: Any, kind: str, mistake: str = "", **hp: Any) -> None:
        self.params, self.kind, self.mistake, self.hp = list(params), kind, mistake, hp
        self.lr = hp["lr"]     # a schedule changes it between steps; the "kept_lr" mistake ignores that
        self.state: dict[int, dict[str, Any]] = {}

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            st = self.state.setdefault(i, {"t": 0})
            if self.mistake == "no_state":      # fresh state every step: m, v and t start again
                st = {"t": 0}
            if self.mistake == "shared_t":      # one counter for all parameters, bumped per parameter
                self.state["shared"] = self.state.get("shared", 0) + 1
                st["t"] = self.state["shared"]
            else:
                st["t"] += 1
            (self._sgd if self.kind == "sgd" else self._adam)(p, p.grad.clone(), st)

    def _lr(self) -> float:
        """The lr of this step: the current one, or the one given to __init__ for the "kept_lr" mistake."""
        return self.hp["lr"] if self.mistake == "kept_lr" else self.lr

    def _sgd(self, p: torch.Tensor, g: torch.Tensor, st: dict) -> None:
        lr, m, wd, bad = self._lr(), self.hp.get("momentum", 0.0), self.hp.get("weight_decay", 0.0), self.mistake
        if wd and bad not in ("wd_after", "decoupled_after", "no_wd"):
            g = g - wd * p if bad == "wd_sign" else g + wd * p
        if m and bad == "lr_in_buffer":
            st["buf"] = lr * g if "buf" not in st else m * st["buf"] + lr * g
            p -= st["buf"]
            return
        if m and bad != "no_buffer":
            buf = st.get("buf")
            if bad == "dampening":
                buf = (1 - m) * g if buf is None else m * buf + (1 - m) * g
            elif bad == "dampening_first_g":
                buf = g if buf is None else m * buf + (1 - m) * g
            elif bad == "first_m_g":
                buf = m * g if buf is None else m * buf + g
            else:
                buf = g if buf is None else m * buf + g
            st["buf"] = buf
            g = g + m * buf if bad == "nesterov" else buf
        if wd and bad == "wd_after":
            g = g + wd * p
        if bad == "uphill":
            p += lr * g
            return
        p -= lr * g
        if wd and bad == "decoupled_after":
            p -= lr * wd * p

    def _adam(self, p: torch.Tensor, g: torch.Tensor, st: dict) -> None:
        lr, (b1, b2), eps = self._lr(), self.hp.get("betas", (0.9, 0.999)), self.hp.get("eps", 1e-8)
        wd, bad, t = self.hp.get("weight_decay", 0.0), self.mistake, st["t"]
        if bad == "swapped_betas":
            b1, b2 = b2, b1
        if bad == "fixed_betas":
            b1, b2 = 0.9, 0.999
        if bad == "fixed_eps":
            eps = 1e-8
        if bad == "t_fixed":
            t = 1
        if bad == "t_from_0":
            t -= 1
        if wd and bad not in ("decoupled", "no_wd"):
            g = g + wd * p
        kept = {} if bad == "mv_not_stored" else st   # m and v computed from zeros, never stored back (t is)
        st["m"] = b1 * kept.get("m", 0) + (1 if bad == "m_no_1mb1" else 1 - b1) * g
        st["v"] = b2 * kept.get("v", 0) + (1 - b2) * (g if bad == "v_of_g" else g.abs() if bad == "v_abs" else g * g)
        bc1, bc2 = (1 - b1 * t, 1 - b2 * t) if bad == "bc_times" else (1 - b1 ** t, 1 - b2 ** t)
        m_hat = st["m"] if bad in ("no_bias_correction", "no_bc_m") else st["m"] / bc1
        v_hat = st["v"] if bad in ("no_bias_correction", "no_bc_v") else st["v"] / bc2
        denom = (v_hat + eps).sqrt() if bad == "eps_inside" else \
            (st["v"].sqrt() + eps) / math.sqrt(bc2) if bad == "eps_before_bc" else v_hat.sqrt() + eps
        if wd and bad == "decoupled":
            p -= lr * wd * p
        if bad == "eps_after_division":
            p -= lr * (m_hat / v_hat.sqrt() + eps)
            return
        p -= lr * m_hat / denom


# each label is the sentence that names the mistake (a student's first line); the update it should be goes into
# the Expected part of the detail line
EMA = ("your momentum is an exponential moving average, buf = momentum * buf + (1 - momentum) * g: that is "
       "dampening, which torch.optim.SGD leaves at 0; it uses buf = momentum * buf + g")
DECOUPLED_SGD = ("your step applies decoupled weight decay (p -= lr * wd * p, AdamW-style, or wd * p added after "
                 "momentum): torch.optim.SGD adds wd * p to the gradient before the momentum buffer")
SGD_MISTAKES = {
    "uphill": "your step goes uphill: p += lr * g moves along the gradient and increases the loss; subtract it",
    "no_buffer": "your step moves by lr * g as if momentum were 0: the buffer is not kept from one step to the next "
                 "(buf = g each step) or not used (step with p -= lr * buf); store it per parameter",
    "wd_after": DECOUPLED_SGD,
    "decoupled_after": DECOUPLED_SGD,
    "nesterov": "your step uses Nesterov momentum (p -= lr * (g + momentum * buf)); torch.optim.SGD's default is "
                "plain momentum, p -= lr * buf with buf = momentum * buf + g",
    "dampening": EMA,
    "dampening_first_g": EMA,
    "first_m_g": "your first momentum step is buf = momentum * g: torch.optim.SGD starts with buf = g (a copy of "
                 "the gradient), then buf = momentum * buf + g",
    "wd_sign": "your weight decay has the wrong sign (g - wd * p): add it, g = p.grad + wd * p",
    "no_wd": "your step ignores weight_decay: the gradient has no wd * p term (g = p.grad + wd * p)",
}
T_FROM_0 = ("your step count t starts at 0: the first bias correction 1 - beta1**t is 0, a division by zero; "
            "bump t before using it, so that t counts steps from 1")
ADAM_MISTAKES = {
    "no_bias_correction": "your step has no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)",
    "no_bc_m": "your step uses m without its bias correction: m_hat = m / (1 - beta1**t) is missing (v is "
               "corrected)",
    "no_bc_v": "your step uses v without its bias correction: v_hat = v / (1 - beta2**t) is missing (m is "
               "corrected)",
    "eps_inside": "your step puts eps inside the square root: torch uses sqrt(v_hat) + eps",
    "eps_before_bc": "your step adds eps before the bias correction ((sqrt(v) + eps) / sqrt(1 - beta2**t)); torch "
                     "adds it after: sqrt(v_hat) + eps",
    "swapped_betas": "your beta1 and beta2 are swapped: m averages with beta1, v with beta2",
    "m_no_1mb1": "your first moment m lacks its factor (1 - beta1): m = beta1 * m + g; torch keeps "
                 "m = beta1 * m + (1 - beta1) * g",
    "v_of_g": "your second moment v averages g, not g²: v = beta2 * v + (1 - beta2) * g goes negative and "
              "sqrt(v) gives nan; average g * g",
    "v_abs": "your second moment v averages |g|, not g²; average g * g",
    "fixed_betas": "your step ignores the betas argument: it uses 0.9 and 0.999 whatever betas says; read "
                   "self.betas",
    "fixed_eps": "your step ignores the eps argument: it uses 1e-8 whatever eps says; read self.eps",
    "decoupled": "your step uses decoupled weight decay (AdamW): torch.optim.Adam adds wd * p to the gradient",
    "no_state": "your m, v and t start again at every step: keep them in the state, per parameter, between steps",
    "mv_not_stored": "your m and v restart from zero every step (computed but never stored back): keep them in "
                     "the state, per parameter",
    "shared_t": "your step counter t is shared by all parameters and bumped once per parameter: keep t per "
                "parameter, or bump one counter once per step()",
    "t_fixed": "your step count t never grows (t stays 1): the bias correction needs t = 1, 2, 3, ...; t += 1 at "
               "every step",
    "t_from_0": T_FROM_0,
    "bc_times": "your bias correction multiplies, 1 - beta1 * t: it is a power, 1 - beta1 ** t (and 1 - beta2 ** t)",
    "eps_after_division": "your step adds eps after the division, m_hat / sqrt(v_hat) + eps: eps belongs in the "
                          "denominator, m_hat / (sqrt(v_hat) + eps)",
    "no_wd": "your step ignores weight_decay: the gradient has no wd * p term (g = p.grad + wd * p)",
}


# mistakes that show only when the lr changes between steps
KEPT_LR = ("you kept the lr from __init__, so setting opt.lr (a schedule) changed nothing: step() must read self.lr "
           "each time")
SCHEDULE_MISTAKES = {
    "sgd": {"kept_lr": KEPT_LR,
            "lr_in_buffer": "your velocity holds lr * g (buf = momentum * buf + lr * g), right only while lr stays "
                            "constant: keep buf = momentum * buf + g and step p -= self.lr * buf"},
    "adam": {"kept_lr": KEPT_LR},
}
REBIND = ("you rebound the loop variable (p = p - lr * g) instead of updating the parameter in place: the model "
          "keeps its old tensor; write p -= lr * g (or p.sub_(...)) under torch.no_grad()")
NOTHING_KEPT = ("your optimizer keeps none of the model's parameters: named_parameters() and parameters() are "
                "generators that can be read only once; turn params into a list once in __init__")
PAIRS = ("it received (name, parameter) pairs from named_parameters(); accept both (Hint 1): "
         "[p if isinstance(p, tuple) else (str(i), p) for i, p in enumerate(params)] gives pairs either way")


def named_mistake(got: Trajectory, kind: str, lrs: tuple[float, ...] | None = None, **hp: Any) -> str | None:
    """The named mistake whose trajectory the student's equals, or None (schedule mistakes only when lrs)."""
    mistakes = dict(SGD_MISTAKES if kind == "sgd" else ADAM_MISTAKES)
    if lrs:
        mistakes = {**SCHEDULE_MISTAKES[kind], **mistakes}
    for mistake, label in mistakes.items():
        if same(got, reference_trajectory(kind, lrs, mistake, **hp)):
            return label
    return None


FIXED_LR = "your step size is not the lr argument: read self.lr in step(), never a number written in the code"


def check_step_size(got: Trajectory, want: Trajectory, first_lr: float, torch_cls: type, **hp: Any) -> None:
    """Fail naming a hard-coded lr when the student trains exactly as torch.optim does with one other, fixed lr
    (found from the first step, which is torch's times another factor)."""
    start = _start()
    d = torch.cat([(s - p).flatten() for s, p in zip(start, got[0])])
    t = torch.cat([(s - q).flatten() for s, q in zip(start, want[0])])
    if not bool(torch.isfinite(d).all()) or float(t.norm()) == 0:
        return
    r = float(d @ t / (t @ t))
    if abs(r - 1) > 1e-3 and r > 0 and float((d - r * t).norm()) <= 1e-6 * float(d.norm()) and \
            same(got, reference_trajectory(torch_cls, None, **{**hp, "lr": r * first_lr})):
        raise CheckFailure(f"a first step of -lr * g with lr={first_lr:g}", f"a step of -{r * first_lr:.3g} * g",
                           f"{FIXED_LR} (your first step used {r * first_lr:.3g}, the lr was {first_lr:g}).")


def check_moves(run: Run, what: str) -> None:
    """Fail when step() changed no parameter, naming why: a rebound local name, or no parameter kept."""
    if not same(run.trajectory, [_start()] * STEPS):
        return
    raise CheckFailure(f"{what} to move the parameters", "no change after step()",
                       (REBIND if run.held else NOTHING_KEPT) + ".")


ALIAS = ("your momentum buffer is p.grad itself (buf = p.grad, not a copy): zeroing the gradient in place "
         "(zero_grad with p.grad.zero_()) wipes the momentum and the next backward writes into the buffer; "
         "store a copy, buf = p.grad.clone()")


UNNAMED = "no common mistake matches your steps: compare your step() term by term with the update under Expected"


def compare_with_torch(cls: Any, kind: str, what: str, recipe: str, lrs: tuple[float, ...] | None = None,
                       clear: str = "none", unnamed: str = UNNAMED, **hp: Any) -> Q:
    """Fail unless the student's trajectory equals torch.optim's for these hyperparameters (and lr schedule), the
    gradients cleared before each backward as `clear` says (torch.optim's steps are the same either way). The hint
    is one sentence naming the mistake (`unnamed` when none matches); the update it should be, `recipe`, goes into
    Expected."""
    torch_cls = torch_optimizer("SGD" if kind == "sgd" else "Adam")
    run = yield from student_run(cls, lrs=lrs, clear=clear, **hp)
    got = run.trajectory
    want = reference_trajectory(torch_cls, lrs, **hp)
    if not same(want, reference_trajectory(kind, lrs, **hp)):
        raise CheckFailure(f"the genuine torch.optim.{torch_cls.__name__}", "one that disagrees with its textbook "
                           "formula (was torch.optim changed in this kernel?)", "restart the kernel and run again.")
    if same(got, want):
        return
    expected = f"{what} to follow torch.optim.{torch_cls.__name__}({_fmt(hp)}) for {STEPS} steps" + \
        (f" with lr set to {', '.join(map(str, lrs))} before them" if lrs else "") + \
        (" (gradients zeroed in place between steps)" if clear == "zero" else "")
    if run.aliased and clear == "zero":  # with gradients set to None a buffer that is p.grad does no harm
        raise CheckFailure(expected, f"a buffer that is the gradient tensor of {', '.join(run.aliased)}", ALIAS + ".")
    label = named_mistake(got, kind, lrs, **hp)
    if label:
        raise CheckFailure(f"{expected}, whose update is: {recipe}", first_difference(got, want), label + ".")
    if kind == "sgd":
        check_step_size(got, want, lrs[0] if lrs else hp["lr"], torch_cls, **hp)
    check_moves(run, what)
    raise CheckFailure(f"{expected} (tolerance {TOL['atol']:g}), whose update is: {recipe}",
                       first_difference(got, want), unnamed + ".")


def _fmt(hp: dict) -> str:
    """lr=0.37, momentum=0.8 for messages."""
    return ", ".join(f"{k}={v}" for k, v in hp.items())


OPTIMIZER = "torch.optim.optimizer.Optimizer"


def _not_torch(cls: Any, name: str) -> Q:
    """Gate: your own class, not torch.optim's (or a subclass) and not the reference."""
    is_class = isinstance(cls, Handle) and cls.kind == "class"
    origin = asks.reference_origin(cls) if is_class else None
    if origin:
        raise CheckFailure(f"your own {name}", f"the course's reference {origin}", "write the class yourself.")
    if is_class and cls.derives(OPTIMIZER):
        raise CheckFailure(f"a plain class {name}", "a subclass of torch.optim.Optimizer",
                           "write a plain class holding the parameters: the optimizer is what you are building.")
    used = (yield ask("source_match", cls, OPTIM_SOURCE)) if is_class else None
    if used:
        raise CheckFailure(f"{name}'s update written with tensor operations", f"`{used}` in its code",
                           "do not call torch.optim: write the update yourself.")


# ---- SGD ------------------------------------------------------------------------------------------

SGD_HINT = ("in step(), under torch.no_grad(), for each p with a gradient: g = p.grad + wd * p; "
            "buf = g on the first step, else momentum * buf + g (kept per parameter); p -= lr * buf")


def check_sgd_not_torch(cls: Any) -> Q:
    """Gate: your own SGD, not torch.optim.SGD."""
    yield from _not_torch(cls, "SGD")


def check_sgd_params(cls: Any) -> Q:
    """SGD accepts model.named_parameters() and model.parameters() (both generators)."""
    for style, call in (("named", "named_parameters()"), ("plain", "parameters()")):
        run = yield from student_run(cls, style, lr=LR)
        got = run.trajectory
        want = reference_trajectory(torch_optimizer("SGD"), lr=LR)
        if not same(got, want):
            label = named_mistake(got, "sgd", lr=LR)
            if label:
                raise CheckFailure(f"SGD(model.{call}, lr={LR}) to train like torch.optim.SGD",
                                   first_difference(got, want), label + ".")
            check_step_size(got, want, LR, torch_optimizer("SGD"), lr=LR)
            check_moves(run, f"SGD(model.{call}, lr={LR})")
            raise CheckFailure(f"SGD(model.{call}, lr={LR}) to train like torch.optim.SGD",
                               first_difference(got, want),
                               "turn the generator into a list once in __init__ (it can be read only once); for "
                               "named_parameters() keep the tensor of each (name, tensor) pair.")


def check_sgd_plain(cls: Any) -> Q:
    """lr only: p -= lr * p.grad, for 5 steps like torch.optim.SGD."""
    yield from compare_with_torch(cls, "sgd", "SGD", "p -= lr * p.grad under torch.no_grad(), with the lr you were "
                                  "given", lr=LR)


def check_sgd_momentum(cls: Any) -> Q:
    """momentum: a velocity buffer per parameter, kept across steps, like torch.optim.SGD; the gradients are zeroed
    in place between steps (zero_grad(set_to_none=False)), so a buffer that is p.grad itself loses its momentum."""
    yield from compare_with_torch(cls, "sgd", "SGD with momentum", SGD_HINT, clear="zero", lr=LR, momentum=MOMENTUM)


def check_sgd_weight_decay(cls: Any) -> Q:
    """weight_decay: wd * p added to the gradient before momentum, like torch.optim.SGD."""
    yield from compare_with_torch(cls, "sgd", "SGD with weight decay", SGD_HINT, lr=LR, weight_decay=WD)
    yield from compare_with_torch(cls, "sgd", "SGD with weight decay and momentum", SGD_HINT, lr=LR,
                                  momentum=MOMENTUM, weight_decay=WD)


NO_GRAD = ("your step() updates the parameters outside torch.no_grad(): autograd refuses an in-place change of "
           "a leaf that requires grad; put the loop in `with torch.no_grad():` (or decorate step with @torch.no_grad())")
PAIRS_ONLY = ("your optimizer unpacks every item as a (name, parameter) pair, but parameters() gives plain tensors; "
              "accept both (Hint 1): [p if isinstance(p, tuple) else (str(i), p) for i, p in enumerate(params)]")


NO_KEYWORD = "your __init__ does not accept a keyword argument that torch.optim's does"
SIGNATURES = ("SGD(params, lr, momentum=0.0, weight_decay=0.0) and Adam(params, lr=1e-3, betas=(0.9, 0.999), "
              "eps=1e-8, weight_decay=0.0)")
ONE_BUFFER = ("one buffer shared by parameters of different shapes (the sizes do not match): keep a buffer (or m "
              "and v) per parameter, e.g. in a dict keyed by the parameter's name or position")
FROZEN = ("a frozen parameter (requires_grad False) has p.grad None after backward, and your step() fails on it: "
          "skip it with `if p.grad is None: continue`, as torch.optim does")


METHODS = {"step": "step(self) in it, which updates every parameter from p.grad under torch.no_grad()",
           "zero_grad": "zero_grad(self) in it, which sets p.grad = None for every parameter "
                        "(the training loop calls it after each step)"}


def explain_pairs(exc: BaseException, cls: Any) -> Q:
    """Names a missing step() or zero_grad(), a step outside no_grad, pairs assumed where parameters() gives
    tensors, tensors assumed where named_parameters() gives pairs, a keyword __init__ lacks, one buffer for every
    parameter, t starting at 0."""
    text = str(exc)
    missing = re.search(r"'(\w+)' object has no attribute '(step|zero_grad)'", text)
    if isinstance(exc, AttributeError) and missing:
        owner, method = missing.groups()
        return f"your class {owner} has no {method}() method: define {METHODS[method]}."
    if isinstance(exc, RuntimeError) and "leaf Variable that requires grad" in text and "in-place" in text:
        return NO_GRAD + "."
    keyword = re.search(r"unexpected keyword argument '(\w+)'", text)
    if isinstance(exc, TypeError) and keyword:
        return f"{NO_KEYWORD}: {keyword.group(1)}=...; give it the signature of {SIGNATURES}."
    if isinstance(exc, RuntimeError) and "must match the size of tensor" in text:
        return ONE_BUFFER + "."
    if isinstance(exc, ZeroDivisionError):
        return T_FROM_0 + "."
    if isinstance(exc, (ValueError, TypeError)) and "values to unpack" in text:
        return PAIRS_ONLY + "."
    if "tuple" not in text:
        return None
    try:
        yield from student_run(cls, "plain", lr=0.01)
    except Exception:  # noqa: BLE001 - it fails on plain tensors too: some other mistake
        return None
    return PAIRS + "."


READ_LR = "your steps ignore the lr set between them: read self.lr in step(), each time"


def check_sgd_lr_schedule(cls: Any) -> Q:
    """self.lr changed between steps (a schedule) is used by the next step, like torch.optim.SGD's param_groups."""
    yield from compare_with_torch(cls, "sgd", "SGD", "p -= self.lr * p.grad, self.lr read in step() each time",
                                  lrs=SCHEDULES["sgd"], unnamed=READ_LR, lr=LR)
    yield from compare_with_torch(cls, "sgd", "SGD with momentum", SGD_HINT, lrs=SCHEDULES["sgd"], unnamed=READ_LR,
                                  lr=LR, momentum=MOMENTUM)


def _check_zero_grad(cls: Any, kind: str, **hp: Any) -> Q:
    """zero_grad() leaves every gradient None or zero, and training with it equals training with the gradients
    cleared by the check (set to None, or zeroed in place): judged against the student's own step(), so a mistake in
    step() costs only its checks."""
    _a_class(cls)
    x, y = next(batches())
    grads = yield ask("optimizer_zero_grad", cls, _start(), x, y, "named", dict(hp))
    left = [n for n, g in grads.items() if g is not None and bool(g.abs().sum() != 0)]
    if left:
        raise CheckFailure("every p.grad None or zero after zero_grad()", f"gradients left in {left}",
                           GRADS_LEFT + ".")
    try:
        want = (yield from student_run(cls, **hp)).trajectory
    except Exception:  # noqa: BLE001 - step() itself fails: its own checks say why
        return
    got = (yield from student_run(cls, clear="own", **hp)).trajectory
    if not same(got, want) and not same(got, (yield from student_run(cls, clear="zero", **hp)).trajectory):
        raise CheckFailure("training with your zero_grad() to equal training with the gradients cleared by the check",
                           first_difference(got, want),
                           "zero_grad() clears .grad of every parameter and nothing else (not the momentum buffers).")


GRADS_LEFT = ("your zero_grad() leaves gradients behind, and backward() adds to them, so they pile up step after "
              "step: set p.grad = None for every parameter (or p.grad.zero_() under `if p.grad is not None`)")
GRAD_NONE = ("your zero_grad() fails where p.grad is None (before the first backward, or for a frozen parameter): "
             "guard p.grad.zero_() with `if p.grad is not None`, or write p.grad = None")


ZERO_GRAD_PAIRS = ("your zero_grad() treats each item of self.params as a tensor, but your __init__ keeps "
                   "(name, tensor) pairs: unpack them as step() does, for _, p in self.params")


def explain_zero_grad(exc: BaseException, cls: Any) -> Q:
    """A zero_grad() that fails on p.grad None (p.grad.zero_() unguarded), or on the pairs __init__ kept, says so;
    other errors as explain_pairs."""
    if isinstance(exc, AttributeError) and "'NoneType' object has no attribute" in str(exc):
        return GRAD_NONE + "."
    if isinstance(exc, AttributeError) and re.search(r"'tuple' object has no attribute '(grad|zero_)", str(exc)):
        return ZERO_GRAD_PAIRS + "."
    return (yield from explain_pairs(exc, cls))


def check_sgd_zero_grad(cls: Any) -> Q:
    """zero_grad() leaves every gradient None or zero."""
    yield from _check_zero_grad(cls, "sgd", lr=LR, momentum=MOMENTUM)


def check_sgd_no_graph(cls: Any) -> Q:
    """step() runs under torch.no_grad(): the parameters stay leaf tensors that require grad."""
    run = yield from student_run(cls, lr=LR, momentum=MOMENTUM)
    bad = run.graph_nodes
    if bad or run.replaced:
        raise CheckFailure("parameters that stay the same leaf tensors requiring grad", f"{bad or 'replaced tensors'}",
                           "update in place inside `with torch.no_grad():` (or decorate step with @torch.no_grad()).")


FROZEN_MOVED = ("your step() changed the frozen layer's parameters (requires_grad False, so p.grad is None): "
                "torch.optim skips every parameter whose grad is None, weight decay included")
FROZEN_STOPPED = ("your step() stopped at the frozen layer (p.grad is None) and left the trainable layers unchanged: "
                  "skip only that parameter with `continue`, not `break` or `return`")


def _check_frozen(cls: Any, name: str, **hp: Any) -> Q:
    """A model whose first layer is frozen (requires_grad False, p.grad None): the step skips it and trains the
    rest, as torch.optim does (the rest is judged by the other checks)."""
    run = yield from student_run(cls, frozen=(0,), **hp)
    start = _start()
    names = [n for n, _ in make_model().named_parameters()]
    moved = [names[i] for i in (0, 1) if any(not torch.equal(ps[i], start[i]) for ps in run.trajectory)]
    expected = f"{name} to leave the frozen first layer (requires_grad False) as it is and train the others"
    if moved:
        raise CheckFailure(expected, f"{moved} changed", FROZEN_MOVED + ".")
    if all(torch.equal(ps[i], start[i]) for ps in run.trajectory for i in range(2, len(start))):
        raise CheckFailure(expected, "no parameter changed", FROZEN_STOPPED + ".")


def check_sgd_frozen(cls: Any) -> Q:
    """A frozen first layer is skipped and the rest trained, as torch.optim.SGD does."""
    yield from _check_frozen(cls, "SGD", lr=LR, momentum=MOMENTUM, weight_decay=WD)


def explain_frozen(exc: BaseException, cls: Any) -> Q:
    """A step that fails on p.grad None names the frozen parameter; other errors as explain_pairs names them."""
    if "NoneType" in str(exc):
        return FROZEN + "."
    return (yield from explain_pairs(exc, cls))


def sgd_checks() -> list[Check]:
    """SGD: 5 points, weighted by the harm to the training at the end of notebook 5 (momentum and a schedule, no
    weight decay): a zero_grad that leaves gradients, a lost momentum buffer or an lr kept from __init__ costs
    more than weight decay or a frozen layer, which that training does not use."""
    return [Check("sgd.not_torch", "your own SGD, not torch.optim's", 0, check_sgd_not_torch, gate=True),
            Check("sgd.params", "trains with named_parameters() or parameters()", 0.5, check_sgd_params,
                  explain=explain_pairs),
            Check("sgd.plain", "lr only: 5 steps equal torch.optim.SGD's", 1, check_sgd_plain, explain=explain_pairs),
            Check("sgd.momentum", "momentum: 5 steps equal torch.optim.SGD's", 1, check_sgd_momentum,
                  explain=explain_pairs),
            Check("sgd.weight_decay", "weight decay (with and without momentum) equals torch's", 0.25,
                  check_sgd_weight_decay, explain=explain_pairs),
            Check("sgd.lr_schedule", "lr changed between steps (a schedule) as in torch.optim.SGD", 0.75,
                  check_sgd_lr_schedule, explain=explain_pairs),
            Check("sgd.zero_grad", "zero_grad() clears every gradient", 1, check_sgd_zero_grad,
                  explain=explain_zero_grad),
            Check("sgd.no_graph", "step() keeps parameters as leaves (no_grad)", 0.25, check_sgd_no_graph,
                  explain=explain_pairs),
            Check("sgd.frozen", "a frozen layer (p.grad None) is skipped, as torch.optim.SGD does", 0.25,
                  check_sgd_frozen, explain=explain_frozen)]


# ---- Adam -----------------------------------------------------------------------------------------

ADAM_HINT = ("per parameter: g = p.grad + wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²; "
             "p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps), with t counting steps from 1")


def check_adam_not_torch(cls: Any) -> Q:
    """Gate: your own Adam, not torch.optim.Adam."""
    yield from _not_torch(cls, "Adam")


ADAM_DEFAULTS = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
WRONG_DEFAULTS = ("your __init__'s defaults differ from torch.optim.Adam's (lr=1e-3, betas=(0.9, 0.999), eps=1e-8, "
                  "weight_decay=0.0), so Adam(params) trains differently")


def _same_default(got: Any, want: Any) -> bool:
    """A default value equal to torch's (a number, or a tuple of numbers)."""
    got_t, want_t = (got if isinstance(got, tuple) else (got,)), (want if isinstance(want, tuple) else (want,))
    return len(got_t) == len(want_t) and all(isinstance(g, (int, float)) and math.isclose(g, w, rel_tol=1e-9)
                                             for g, w in zip(got_t, want_t))


def check_adam_defaults(cls: Any) -> Q:
    """Adam's defaults are torch's, and Adam(params, lr=0.01) with the default betas and eps follows
    torch.optim.Adam."""
    _a_class(cls)
    defaults = yield ask("init_defaults", cls)
    wrong = [f"{k}={v}" for k, v in defaults.items() if k in ADAM_DEFAULTS and not _same_default(v, ADAM_DEFAULTS[k])]
    if wrong:
        raise CheckFailure("Adam's defaults to be torch.optim.Adam's", f"default {', '.join(wrong)}",
                           f"{WRONG_DEFAULTS}: you wrote {', '.join(wrong)}.")
    yield from compare_with_torch(cls, "adam", "Adam", ADAM_HINT, lr=0.01)


def check_adam_hyperparameters(cls: Any) -> Q:
    """betas and eps are used as given (unusual values, so hard-coded ones show)."""
    yield from compare_with_torch(cls, "adam", "Adam", ADAM_HINT, lr=0.02, betas=(0.8, 0.95), eps=1e-2)


def check_adam_weight_decay(cls: Any) -> Q:
    """weight_decay is L2 added to the gradient, as torch.optim.Adam (not AdamW's decoupled decay)."""
    yield from compare_with_torch(cls, "adam", "Adam with weight decay", ADAM_HINT, lr=0.01, weight_decay=WD)


def check_adam_lr_schedule(cls: Any) -> Q:
    """self.lr changed between steps (a schedule) is used by the next step, like torch.optim.Adam's param_groups."""
    yield from compare_with_torch(cls, "adam", "Adam", ADAM_HINT + ", self.lr read in step() each time",
                                  lrs=SCHEDULES["adam"], unnamed=READ_LR, lr=0.01)


def check_adam_zero_grad(cls: Any) -> Q:
    """zero_grad() leaves every gradient None or zero."""
    yield from _check_zero_grad(cls, "adam", lr=0.01)


def check_adam_frozen(cls: Any) -> Q:
    """A frozen first layer is skipped and the rest trained, as torch.optim.Adam does."""
    yield from _check_frozen(cls, "Adam", lr=0.01, weight_decay=WD)


def adam_checks() -> list[Check]:
    """Adam: 3 points; a zero_grad that leaves gradients breaks training, hence its 0.5 against 0.25 for weight
    decay and a frozen layer."""
    return [Check("adam.not_torch", "your own Adam, not torch.optim's", 0, check_adam_not_torch, gate=True),
            Check("adam.defaults", "torch's defaults (lr, betas, eps): 5 steps equal torch.optim.Adam's", 1,
                  check_adam_defaults, explain=explain_pairs),
            Check("adam.hyperparameters", "betas and eps used as given", 0.5, check_adam_hyperparameters,
                  explain=explain_pairs),
            Check("adam.weight_decay", "weight decay as torch.optim.Adam (L2, not AdamW)", 0.25,
                  check_adam_weight_decay, explain=explain_pairs),
            Check("adam.lr_schedule", "lr changed between steps (a schedule) as in torch.optim.Adam", 0.5,
                  check_adam_lr_schedule, explain=explain_pairs),
            Check("adam.zero_grad", "zero_grad() clears every gradient", 0.5, check_adam_zero_grad,
                  explain=explain_zero_grad),
            Check("adam.frozen", "a frozen layer (p.grad None) is skipped, as torch.optim.Adam does", 0.25,
                  check_adam_frozen, explain=explain_frozen)]
