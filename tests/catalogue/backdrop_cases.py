"""update(x, y, lr) submissions in notebook style: they read the module-global `model` and `wd`."""
import torch
import torch.nn.functional as F

from . import Correct, Wrong

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


def _w(name, fn, check, fragment):
    return Wrong("update", name, fn, check, fragment, "backdrop")


WRONG = [
    _w("no weight decay", update_no_wd, "weight_decay", "left out the weight decay"),
    _w("never zeroes gradients", update_no_zero_grad, "zero_grad", "non-zero gradients"),
    _w("returns the loss tensor", update_returns_tensor, "returns_float", "got Tensor"),
    _w("ignores lr (hard-coded 0.1)", update_fixed_lr, "moves_parameters", "lr = 0.37"),
    _w("no torch.no_grad()", update_no_no_grad, "no_graph", "torch.no_grad()"),
    _w("gradient ascent (p += ...)", update_adds_gradient, "moves_parameters", "uphill"),
]
CORRECT = [
    Correct("update", "fast.ai lesson 5 (sub_, loss_func)", update_classic, "backdrop"),
    Correct("update", "model.zero_grad(), float(loss)", update_zero_grad_module, "backdrop"),
    Correct("update", "p.data style", update_data_style, "backdrop"),
]
