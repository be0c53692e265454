"""Stage 0 (00_mnist): update(x, y, lr) submissions in notebook style; they read the module-global `model` and `wd`."""
import torch
import torch.nn.functional as F

from . import correct_case, failing, named_first

model = None  # the checks swap in their own model while calling update
wd = 1e-5
loss_func = F.cross_entropy


def update_classic(x, y, lr):
    """fast.ai lesson 5, as the course writes it."""
    y_hat = model(x)
    w2 = 0.0
    for p in model.parameters():
        w2 += (p ** 2).sum()
    loss = loss_func(y_hat, y) + w2 * wd
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p.sub_(lr * p.grad)
            p.grad.zero_()
    return loss.item()


def update_zero_grad_module(x, y, lr):
    """model.zero_grad() (grads to None) and a generator sum."""
    loss = F.cross_entropy(model(x), y) + wd * sum((p * p).sum() for p in model.parameters())
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    model.zero_grad()
    return float(loss)


def update_data_style(x, y, lr):
    """The pre-1.0 style through .data: no graph is built, so it counts as correct."""
    loss = F.cross_entropy(model(x), y) + wd * sum(p.pow(2).sum() for p in model.parameters())
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad.data
        p.grad.data.zero_()
    return loss.item()


def update_no_wd(x, y, lr):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def update_no_zero_grad(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * sum((p ** 2).sum() for p in model.parameters())
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return loss.item()


def update_returns_tensor(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * sum((p ** 2).sum() for p in model.parameters())
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
    return loss


def update_fixed_lr(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * sum((p ** 2).sum() for p in model.parameters())
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
            p.grad.zero_()
    return loss.item()


def update_no_no_grad(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * sum((p ** 2).sum() for p in model.parameters())
    loss.backward()
    for p in model.parameters():
        p -= lr * p.grad
        p.grad.zero_()
    return loss.item()


def update_adds_gradient(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * sum((p ** 2).sum() for p in model.parameters())
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p += lr * p.grad
            p.grad.zero_()
    return loss.item()


def _w2():
    return sum((p ** 2).sum() for p in model.parameters())


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


def returns_loss_after_step(x, y, lr):
    loss = F.cross_entropy(model(x), y) + wd * _w2()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()
        return (F.cross_entropy(model(x), y) + wd * _w2()).item()


def _ok(name, fn):
    return correct_case("update", name, fn, "backdrop")


def _w(name, fn, check, *words):
    return failing("update", name, fn, "backdrop", check, *words)


def _m(name, fn, first, words, lost):
    return named_first("update", name, fn, "backdrop", first, words, lost)


CASES = [
    _ok("fast.ai lesson 5 (sub_, loss_func)", update_classic),
    _ok("model.zero_grad(), float(loss)", update_zero_grad_module),
    _ok("p.data style", update_data_style),
    _w("ignores lr (hard-coded 0.1)", update_fixed_lr, "moves_parameters", "lr = 0.37"),
    _w("no torch.no_grad()", update_no_no_grad, "no_graph", "torch.no_grad()"),
    _m("p += lr * p.grad (uphill)", update_adds_gradient, "moves_parameters", ["uphill", "p -= lr * p.grad"], 1.5),
    _m("loss - wd * w2 (decay sign)", decay_sign, "weight_decay", ["wrong sign", "+ wd * w2"], 1),
    _m("p.grad + wd * p (missing factor 2)", decay_without_factor_2, "weight_decay", ["factor 2", "2 * wd * p"], 1),
    _m("decay on model.weight only", decay_on_weight_only, "weight_decay", ["only some parameters", "bias left out"], 1),
    _m("decay on model.bias only", decay_on_bias_only, "weight_decay", ["only some parameters", "weight left out"], 1),
    _m("p = p - lr * p.grad (rebinding)", rebinds_p, "moves_parameters", ["rebound", "in place"], 1.5),
    _m("rebinding, then p.grad.zero_()", rebinds_p_then_zeroes, "moves_parameters", ["rebound", "in place"], 4),
    _m("p.grad.zero_() before the step", zeroes_before_step, "moves_parameters", ["zeroed p.grad before the step"], 1.5),
    _m("no weight decay", update_no_wd, "weight_decay", ["left out the weight decay"], 1),
    _m("an L1 penalty wd * |p|", l1_penalty, "moves_parameters", ["L1 penalty", "sum of squares"], 2.5),
    _m("lr hard-coded to 0.02", hard_coded_lr, "moves_parameters", ["step size", "lr argument"], 1.5),
    _m("steps model.weight only", weight_only_step, "moves_parameters", ["only some parameters"], 1.5),
    _m("never zeroes the gradients", update_no_zero_grad, "zero_grad",
       ["never zeroed the gradients"], 0.5),
    _w("never zeroes the gradients (the message)", update_no_zero_grad, "zero_grad", "non-zero gradients"),
    _m("returns the loss tensor", update_returns_tensor, "returns_float", ["loss.item()"], 0.5),
    _w("returns the loss tensor (the message)", update_returns_tensor, "returns_float", "got Tensor"),
    _m("returns the loss after the step", returns_loss_after_step, "returns_float", ["before the step"], 0.5),
    _m("the step outside torch.no_grad()", update_no_no_grad, "moves_parameters", ["outside torch.no_grad()"], 4),
]
