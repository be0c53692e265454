"""Checks for stage 5: SGD and Adam classes, whose trajectories must follow torch.optim's for 5 steps.

Each check trains the same small float64 model on the same 5 batches twice, once with the student's
optimizer and once with torch.optim's, and compares every parameter after every step (tolerance
1e-5); one check also changes the lr between steps, as a schedule does. When they differ, it replays
known mistakes (the momentum buffer not kept, weight decay added after momentum, no bias correction,
the lr kept from __init__, ...) and names the one that matches. Nothing here imports the reference
solutions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from . import adapters, source
from .compare import close, max_diff
from .core import Check, CheckFailure

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


def trajectory(make_opt: Callable[[nn.Module], Any], own_zero_grad: bool = False,
               lrs: tuple[float, ...] | None = None) -> Trajectory:
    """Parameters after each of STEPS steps; gradients cleared by the check (or by opt.zero_grad()); with lrs,
    the lr is set to lrs[k] before step k."""
    model = make_model()
    opt = make_opt(model)
    out = []
    for k, (x, y) in enumerate(batches()):
        if lrs:
            set_lr(opt, lrs[k])
        if own_zero_grad:
            adapters.call(opt.zero_grad)
        else:
            for p in model.parameters():
                p.grad = None
        F.cross_entropy(model(x), y).backward()
        adapters.call(opt.step)
        out.append([p.detach().clone() for p in model.parameters()])
    return out


def same(a: Trajectory, b: Trajectory) -> bool:
    """Every parameter after every step within TOL."""
    return all(close(p, q, **TOL) for pa, pb in zip(a, b) for p, q in zip(pa, pb))


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
        if wd and bad != "wd_after":
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
            else:
                buf = g if buf is None else m * buf + g
            st["buf"] = buf
            g = buf
        if wd and bad == "wd_after":
            g = g + wd * p
        if bad == "uphill":
            p += lr * g
            return
        p -= lr * g

    def _adam(self, p: torch.Tensor, g: torch.Tensor, st: dict) -> None:
        lr, (b1, b2), eps = self._lr(), self.hp.get("betas", (0.9, 0.999)), self.hp.get("eps", 1e-8)
        wd, bad, t = self.hp.get("weight_decay", 0.0), self.mistake, st["t"]
        if bad == "swapped_betas":
            b1, b2 = b2, b1
        if wd and bad != "decoupled":
            g = g + wd * p
        st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
        m_hat, v_hat = (st["m"], st["v"]) if bad == "no_bias_correction" else \
            (st["m"] / (1 - b1 ** t), st["v"] / (1 - b2 ** t))
        denom = (v_hat + eps).sqrt() if bad == "eps_inside" else v_hat.sqrt() + eps
        if wd and bad == "decoupled":
            p -= lr * wd * p
        p -= lr * m_hat / denom


EMA = ("momentum as an exponential moving average, buf = momentum * buf + (1 - momentum) * g: that is dampening, "
       "which torch.optim.SGD leaves at 0; it uses buf = momentum * buf + g")
SGD_MISTAKES = {
    "uphill": "a step uphill: p += lr * g moves along the gradient and increases the loss; subtract it",
    "no_buffer": "plain SGD: the momentum buffer is not kept from one step to the next (buf = g each step)",
    "wd_after": "weight decay added after momentum (torch adds wd * p to the gradient before the buffer)",
    "dampening": EMA,
    "dampening_first_g": EMA,
    "wd_sign": "weight decay with the wrong sign (g - wd * p)",
}
ADAM_MISTAKES = {
    "no_bias_correction": "no bias correction (m / (1 - beta1**t) and v / (1 - beta2**t) missing)",
    "eps_inside": "eps inside the square root (torch: sqrt(v_hat) + eps)",
    "swapped_betas": "beta1 and beta2 swapped",
    "decoupled": "decoupled weight decay (AdamW); torch.optim.Adam adds wd * p to the gradient",
    "no_state": "state not kept between steps: m, v and t start again at every step (keep them per parameter)",
    "shared_t": "one step counter t shared by all parameters, bumped once per parameter (keep t per parameter, "
                "or bump one counter once per step())",
}


# mistakes that show only when the lr changes between steps; each label is the whole hint
KEPT_LR = ("step() must read self.lr each time; you kept the lr from __init__, so setting opt.lr (a schedule) "
           "changed nothing")
SCHEDULE_MISTAKES = {
    "sgd": {"kept_lr": KEPT_LR,
            "lr_in_buffer": "the velocity holds lr * g (buf = momentum * buf + lr * g), equal to torch's only while "
                            "lr stays constant; keep buf = momentum * buf + g and step p -= self.lr * buf"},
    "adam": {"kept_lr": KEPT_LR},
}
REBIND = ("you rebound the loop variable (p = p - lr * g) instead of updating the parameter in place: the model "
          "keeps its old tensor; write p -= lr * g (or p.sub_(...)) under torch.no_grad()")
NOTHING_KEPT = ("your optimizer keeps none of the model's parameters: named_parameters() and parameters() are "
                "generators that can be read only once; turn params into a list once in __init__")
PAIRS = ("it received (name, parameter) pairs from named_parameters(); accept both (Hint 1): "
         "[p if isinstance(p, tuple) else (str(i), p) for i, p in enumerate(params)] gives pairs either way")


def _student(cls: Any, style: str = "named", **hp: Any) -> Callable[[nn.Module], Any]:
    """A factory for the student's optimizer on a model, given named_parameters() or parameters()."""
    if not isinstance(cls, type):
        raise CheckFailure("a class (pass SGD itself, without ())", type(cls).__name__, "call self_check with the class.")

    def make(model: nn.Module) -> Any:
        params = model.named_parameters() if style == "named" else model.parameters()
        return adapters.call(lambda: cls(params, **hp))
    return make


def named_mistake(got: Trajectory, kind: str, lrs: tuple[float, ...] | None = None, **hp: Any) -> str | None:
    """The named mistake whose trajectory the student's equals, or None (schedule mistakes only when lrs)."""
    mistakes = dict(SGD_MISTAKES if kind == "sgd" else ADAM_MISTAKES)
    if lrs:
        mistakes = {**SCHEDULE_MISTAKES[kind], **mistakes}
    for mistake, label in mistakes.items():
        if same(got, trajectory(lambda m: Formula(m.parameters(), kind, mistake, **hp), lrs=lrs)):
            return label
    return None


def _says(label: str, kind: str, hint: str) -> str:
    """The hint for a named mistake: a schedule mistake's label is a whole sentence."""
    return label + "." if label in SCHEDULE_MISTAKES[kind].values() else f"your step is {label}. {hint}"


def _held_tensors(obj: Any, depth: int = 0) -> Iterator[torch.Tensor]:
    """The tensors an optimizer keeps in its attributes, lists, tuples and dicts (a few levels deep)."""
    if isinstance(obj, torch.Tensor):
        yield obj
        return
    if depth > 4:
        return
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        items = list(obj)
    else:
        items = list(getattr(obj, "__dict__", {}).values())
    for item in items[:1000]:
        yield from _held_tensors(item, depth + 1)


def check_moves(got: Trajectory, make_opt: Callable[[nn.Module], Any], what: str) -> None:
    """Fail when step() changed no parameter, naming why: a rebound local name, or no parameter kept."""
    if not same(got, [[p.detach().clone() for p in make_model().parameters()]] * STEPS):
        return
    model = make_model()
    ids = {id(p) for p in model.parameters()}
    kept = any(id(t) in ids for t in _held_tensors(make_opt(model)))
    raise CheckFailure(f"{what} to move the parameters", "no change after step()",
                       (REBIND if kept else NOTHING_KEPT) + ".")


def compare_with_torch(cls: Any, kind: str, what: str, hint: str, lrs: tuple[float, ...] | None = None,
                       **hp: Any) -> None:
    """Fail unless the student's trajectory equals torch.optim's for these hyperparameters (and lr schedule)."""
    torch_cls = torch_optimizer("SGD" if kind == "sgd" else "Adam")
    got = trajectory(_student(cls, **hp), lrs=lrs)
    want = trajectory(lambda m: torch_cls(m.parameters(), **hp), lrs=lrs)
    if not same(want, trajectory(lambda m: Formula(m.parameters(), kind, **hp), lrs=lrs)):
        raise CheckFailure(f"the genuine torch.optim.{torch_cls.__name__}", "one that disagrees with its textbook "
                           "formula (was torch.optim changed in this kernel?)", "restart the kernel and run again.")
    if same(got, want):
        return
    expected = f"{what} to follow torch.optim.{torch_cls.__name__}({_fmt(hp)}) for {STEPS} steps" + \
        (f" with lr set to {', '.join(map(str, lrs))} before them" if lrs else "")
    label = named_mistake(got, kind, lrs, **hp)
    if label:
        raise CheckFailure(expected, label, _says(label, kind, hint))
    check_moves(got, _student(cls, **hp), what)
    raise CheckFailure(f"{expected} (tolerance {TOL['atol']:g})", first_difference(got, want), hint)


def _fmt(hp: dict) -> str:
    """lr=0.37, momentum=0.8 for messages."""
    return ", ".join(f"{k}={v}" for k, v in hp.items())


def _not_torch(cls: Any, name: str) -> None:
    """Gate: your own class, not torch.optim's (or a subclass) and not the reference."""
    origin = adapters.reference_origin(cls) if isinstance(cls, type) else None
    if origin:
        raise CheckFailure(f"your own {name}", f"the course's reference {origin}", "write the class yourself.")
    if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer):
        raise CheckFailure(f"a plain class {name}", "a subclass of torch.optim.Optimizer",
                           "write a plain class holding the parameters: the optimizer is what you are building.")
    used = source.source_uses(cls, OPTIM_SOURCE) if isinstance(cls, type) else None
    if used:
        raise CheckFailure(f"{name}'s update written with tensor operations", f"`{used}` in its code",
                           "do not call torch.optim: write the update yourself.")


# ---- SGD ------------------------------------------------------------------------------------------

SGD_HINT = ("in step(), under torch.no_grad(), for each p with a gradient: g = p.grad + wd * p; "
            "buf = g on the first step, else momentum * buf + g (kept per parameter); p -= lr * buf.")


def check_sgd_not_torch(cls: Any) -> None:
    """Gate: your own SGD, not torch.optim.SGD."""
    _not_torch(cls, "SGD")


def check_sgd_params(cls: Any) -> None:
    """SGD accepts model.named_parameters() and model.parameters() (both generators)."""
    for style, call in (("named", "named_parameters()"), ("plain", "parameters()")):
        got = trajectory(_student(cls, style, lr=LR))
        want = trajectory(lambda m: torch_optimizer("SGD")(m.parameters(), lr=LR))
        if not same(got, want):
            label = named_mistake(got, "sgd", lr=LR)
            if label:
                raise CheckFailure(f"SGD(model.{call}, lr={LR}) to train like torch.optim.SGD", label,
                                   f"your step is {label}.")
            check_moves(got, _student(cls, style, lr=LR), f"SGD(model.{call}, lr={LR})")
            raise CheckFailure(f"SGD(model.{call}, lr={LR}) to train like torch.optim.SGD",
                               first_difference(got, want),
                               "turn the generator into a list once in __init__ (it can be read only once); for "
                               "named_parameters() keep the tensor of each (name, tensor) pair.")


def check_sgd_plain(cls: Any) -> None:
    """lr only: p -= lr * p.grad, for 5 steps like torch.optim.SGD."""
    compare_with_torch(cls, "sgd", "SGD", "p -= lr * p.grad under torch.no_grad(), with the lr you were given.", lr=LR)


def check_sgd_momentum(cls: Any) -> None:
    """momentum: a velocity buffer per parameter, kept across steps, like torch.optim.SGD."""
    compare_with_torch(cls, "sgd", "SGD with momentum", SGD_HINT, lr=LR, momentum=MOMENTUM)


def check_sgd_weight_decay(cls: Any) -> None:
    """weight_decay: wd * p added to the gradient before momentum, like torch.optim.SGD."""
    compare_with_torch(cls, "sgd", "SGD with weight decay", SGD_HINT, lr=LR, weight_decay=WD)
    compare_with_torch(cls, "sgd", "SGD with weight decay and momentum", SGD_HINT, lr=LR, momentum=MOMENTUM,
                       weight_decay=WD)


NO_GRAD = ("your step() updates the parameters outside torch.no_grad(): autograd refuses an in-place change of "
           "a leaf that requires grad; put the loop in `with torch.no_grad():` (or decorate step with @torch.no_grad())")
PAIRS_ONLY = ("your optimizer unpacks every item as a (name, parameter) pair, but parameters() gives plain tensors; "
              "accept both (Hint 1): [p if isinstance(p, tuple) else (str(i), p) for i, p in enumerate(params)]")


def explain_pairs(exc: BaseException, cls: Any) -> str | None:
    """Names a step outside no_grad, pairs assumed where parameters() gives tensors, or tensors assumed where
    named_parameters() gives pairs."""
    text = str(exc)
    if isinstance(exc, RuntimeError) and "leaf Variable that requires grad" in text and "in-place" in text:
        return NO_GRAD + "."
    if isinstance(exc, (ValueError, TypeError)) and "values to unpack" in text:
        return PAIRS_ONLY + "."
    if "tuple" not in text:
        return None
    try:
        trajectory(_student(cls, "plain", lr=0.01))
    except Exception:  # noqa: BLE001 - it fails on plain tensors too: some other mistake
        return None
    return PAIRS + "."


def check_sgd_lr_schedule(cls: Any) -> None:
    """self.lr changed between steps (a schedule) is used by the next step, like torch.optim.SGD's param_groups."""
    compare_with_torch(cls, "sgd", "SGD", "read self.lr in step(), each time.", lrs=SCHEDULES["sgd"], lr=LR)
    compare_with_torch(cls, "sgd", "SGD with momentum", SGD_HINT, lrs=SCHEDULES["sgd"], lr=LR, momentum=MOMENTUM)


def _check_zero_grad(cls: Any, kind: str, **hp: Any) -> None:
    """zero_grad() leaves every gradient None or zero, and training with it equals training with the gradients
    cleared by the check: judged against the student's own step(), so a mistake in step() costs only its checks."""
    model = make_model()
    opt = _student(cls, **hp)(model)
    x, y = next(batches())
    F.cross_entropy(model(x), y).backward()
    adapters.call(opt.zero_grad)
    left = [n for n, p in model.named_parameters() if p.grad is not None and bool(p.grad.abs().sum() != 0)]
    if left:
        raise CheckFailure("every p.grad None or zero after zero_grad()", f"gradients left in {left}",
                           "for every parameter: p.grad = None (or p.grad.zero_()).")
    try:
        want = trajectory(_student(cls, **hp))
    except Exception:  # noqa: BLE001 - step() itself fails: its own checks say why
        return
    got = trajectory(_student(cls, **hp), own_zero_grad=True)
    if not same(got, want):
        raise CheckFailure("training with your zero_grad() to equal training with the gradients cleared by the check",
                           first_difference(got, want),
                           "zero_grad() clears .grad of every parameter and nothing else (not the momentum buffers).")


def check_sgd_zero_grad(cls: Any) -> None:
    """zero_grad() leaves every gradient None or zero."""
    _check_zero_grad(cls, "sgd", lr=LR, momentum=MOMENTUM)


def check_sgd_no_graph(cls: Any) -> None:
    """step() runs under torch.no_grad(): the parameters stay leaf tensors that require grad."""
    model = make_model()
    before = [id(p) for p in model.parameters()]
    opt = _student(cls, lr=LR, momentum=MOMENTUM)(model)
    for x, y in batches():
        for p in model.parameters():
            p.grad = None
        F.cross_entropy(model(x), y).backward()
        adapters.call(opt.step)
    bad = [n for n, p in model.named_parameters() if not (p.is_leaf and p.requires_grad) or p.grad_fn is not None]
    if bad or [id(p) for p in model.parameters()] != before:
        raise CheckFailure("parameters that stay the same leaf tensors requiring grad", f"{bad or 'replaced tensors'}",
                           "update in place inside `with torch.no_grad():` (or decorate step with @torch.no_grad()).")


def sgd_checks() -> list[Check]:
    """SGD: 5 points."""
    return [Check("sgd.not_torch", "your own SGD, not torch.optim's", 0, check_sgd_not_torch, gate=True),
            Check("sgd.params", "trains with named_parameters() or parameters()", 0.5, check_sgd_params,
                  explain=explain_pairs),
            Check("sgd.plain", "lr only: 5 steps equal torch.optim.SGD's", 1, check_sgd_plain, explain=explain_pairs),
            Check("sgd.momentum", "momentum: 5 steps equal torch.optim.SGD's", 1, check_sgd_momentum,
                  explain=explain_pairs),
            Check("sgd.weight_decay", "weight decay (with and without momentum) equals torch's", 1,
                  check_sgd_weight_decay, explain=explain_pairs),
            Check("sgd.lr_schedule", "lr changed between steps (a schedule) as in torch.optim.SGD", 0.5,
                  check_sgd_lr_schedule, explain=explain_pairs),
            Check("sgd.zero_grad", "zero_grad() clears every gradient", 0.5, check_sgd_zero_grad,
                  explain=explain_pairs),
            Check("sgd.no_graph", "step() keeps parameters as leaves (no_grad)", 0.5, check_sgd_no_graph,
                  explain=explain_pairs)]


# ---- Adam -----------------------------------------------------------------------------------------

ADAM_HINT = ("per parameter: g = p.grad + wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²; "
             "p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps), with t counting steps from 1.")


def check_adam_not_torch(cls: Any) -> None:
    """Gate: your own Adam, not torch.optim.Adam."""
    _not_torch(cls, "Adam")


def check_adam_defaults(cls: Any) -> None:
    """Adam(params, lr=0.01) with the default betas and eps follows torch.optim.Adam."""
    compare_with_torch(cls, "adam", "Adam", ADAM_HINT, lr=0.01)


def check_adam_hyperparameters(cls: Any) -> None:
    """betas and eps are used as given (unusual values, so hard-coded ones show)."""
    compare_with_torch(cls, "adam", "Adam", ADAM_HINT, lr=0.02, betas=(0.8, 0.95), eps=1e-2)


def check_adam_weight_decay(cls: Any) -> None:
    """weight_decay is L2 added to the gradient, as torch.optim.Adam (not AdamW's decoupled decay)."""
    compare_with_torch(cls, "adam", "Adam with weight decay", ADAM_HINT, lr=0.01, weight_decay=WD)


def check_adam_lr_schedule(cls: Any) -> None:
    """self.lr changed between steps (a schedule) is used by the next step, like torch.optim.Adam's param_groups."""
    compare_with_torch(cls, "adam", "Adam", "read self.lr in step(), each time.", lrs=SCHEDULES["adam"], lr=0.01)


def check_adam_zero_grad(cls: Any) -> None:
    """zero_grad() leaves every gradient None or zero."""
    _check_zero_grad(cls, "adam", lr=0.01)


def adam_checks() -> list[Check]:
    """Adam: 3 points."""
    return [Check("adam.not_torch", "your own Adam, not torch.optim's", 0, check_adam_not_torch, gate=True),
            Check("adam.defaults", "default betas and eps: 5 steps equal torch.optim.Adam's", 1,
                  check_adam_defaults, explain=explain_pairs),
            Check("adam.hyperparameters", "betas and eps used as given", 0.5, check_adam_hyperparameters,
                  explain=explain_pairs),
            Check("adam.weight_decay", "weight decay as torch.optim.Adam (L2, not AdamW)", 0.5,
                  check_adam_weight_decay, explain=explain_pairs),
            Check("adam.lr_schedule", "lr changed between steps (a schedule) as in torch.optim.Adam", 0.5,
                  check_adam_lr_schedule, explain=explain_pairs),
            Check("adam.zero_grad", "zero_grad() clears every gradient", 0.5, check_adam_zero_grad,
                  explain=explain_pairs)]

