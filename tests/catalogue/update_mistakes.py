"""Common update(x, y, lr) mistakes, written as a student writes them in notebook 0 (globals `model` and `wd`)."""
import torch
import torch.nn.functional as F

from . import Mistake

model = None  # the checks swap in their own nn.Linear while calling update
wd = 1e-5


def _w2():
    return sum((p ** 2).sum() for p in model.parameters())


def uphill(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p += lr * p.grad
            p.grad.zero_()
    return loss.item()


def decay_sign(x, y, lr):
    loss = F.cross_entropy(model(x), y) - wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def decay_without_factor_2(x, y, lr):
    """Weight decay added to the gradient by hand, as wd * p (the derivative of wd * p**2 is 2 * wd * p)."""
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * (p.grad + wd * p)
            p.grad.zero_()
    return loss.item()


def decay_on_weight_only(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * (model.weight ** 2).sum()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def decay_on_bias_only(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * (model.bias ** 2).sum()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def rebinds_p(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p = p - lr * p.grad
    model.zero_grad()
    return loss.item()


def rebinds_p_then_zeroes(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p = p - lr * p.grad
            p.grad.zero_()
    return loss.item()


def zeroes_before_step(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p.grad.zero_()
            p -= lr * p.grad
    return loss.item()


def no_decay(x, y, lr):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def l1_penalty(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * sum(p.abs().sum() for p in model.parameters())
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def hard_coded_lr(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.02 * p.grad
            p.grad.zero_()
    return loss.item()


def weight_only_step(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        model.weight -= lr * model.weight.grad
    model.zero_grad()
    return loss.item()


def never_zeroes(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return loss.item()


def returns_tensor(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss


def returns_loss_after_step(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
        return (F.cross_entropy(model(x), y) + wd * _w2()).item()


def step_outside_no_grad(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    for p in model.parameters():
        p -= lr * p.grad
        p.grad.zero_()
    return loss.item()


def _m(name, fn, first, words, lost):
    return Mistake("update", name, fn, first, tuple(words), lost, "backdrop")


MISTAKES = [
    _m("p += lr * p.grad (uphill)", uphill, "moves_parameters", ["uphill", "p -= lr * p.grad"], 1.5),
    _m("loss - wd * w2 (decay sign)", decay_sign, "weight_decay", ["wrong sign", "+ wd * w2"], 1),
    _m("p.grad + wd * p (missing factor 2)", decay_without_factor_2, "weight_decay", ["factor 2", "2 * wd * p"], 1),
    _m("decay on model.weight only", decay_on_weight_only, "weight_decay", ["only some parameters", "bias left out"], 1),
    _m("decay on model.bias only", decay_on_bias_only, "weight_decay", ["only some parameters", "weight left out"], 1),
    _m("p = p - lr * p.grad (rebinding)", rebinds_p, "moves_parameters", ["rebound", "in place"], 1.5),
    _m("rebinding, then p.grad.zero_()", rebinds_p_then_zeroes, "moves_parameters", ["rebound", "in place"], 4),
    _m("p.grad.zero_() before the step", zeroes_before_step, "moves_parameters", ["zeroed p.grad before the step"], 1.5),
    _m("no weight decay", no_decay, "weight_decay", ["left out the weight decay"], 1),
    _m("an L1 penalty wd * |p|", l1_penalty, "moves_parameters", ["L1 penalty", "sum of squares"], 2.5),
    _m("lr hard-coded to 0.02", hard_coded_lr, "moves_parameters", ["step size", "lr argument"], 1.5),
    _m("steps model.weight only", weight_only_step, "moves_parameters", ["only some parameters"], 1.5),
    _m("never zeroes the gradients", never_zeroes, "zero_grad", ["never zeroed the gradients"], 0.5),
    _m("returns the loss tensor", returns_tensor, "returns_float", ["loss.item()"], 0.5),
    _m("returns the loss after the step", returns_loss_after_step, "returns_float", ["before the step"], 0.5),
    _m("the step outside torch.no_grad()", step_outside_no_grad, "moves_parameters", ["outside torch.no_grad()"], 4),
]
