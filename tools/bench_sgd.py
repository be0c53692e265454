"""05_optimizer's MLP recipe (5 epochs, bs 128, momentum 0.9, one-cycle to lr 0.3) with the reference SGD and with torch.optim.SGD.

    .venv/bin/python tools/bench_sgd.py

Prints each validation accuracy: what a correct SGD gets, for the notebook's text.
"""
import math, torch, torch.nn.functional as F
from torch import nn
from autograder.student.data import load_mnist
from autograder.student.notebook import seed_everything
from autograder.student.training import tensor_batches, evaluate
from solutions.optimizer import SGD
torch.set_num_threads(1)
mnist = load_mnist()
def run(make):
    """Train the recipe with the optimizer make(model) builds; the validation accuracy."""
    EPOCHS, BS, MAX_LR = 5, 128, 0.3
    def one_cycle(step, total, peak=MAX_LR, warmup=0.25):
        f = step / total
        return peak * f / warmup if f < warmup else peak * 0.5 * (1 + math.cos(math.pi * (f - warmup) / (1 - warmup)))
    seed_everything()
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = make(model)
    total = EPOCHS * math.ceil(len(mnist.x_train) / BS); shuffle = torch.Generator().manual_seed(42); step = 0
    for epoch in range(EPOCHS):
        for xb, yb in tensor_batches(mnist.x_train, mnist.y_train, BS, generator=shuffle):
            lr = one_cycle(step, total); step += 1
            if hasattr(opt, "param_groups"):
                for g in opt.param_groups: g["lr"] = lr
            else: opt.lr = lr
            loss = F.cross_entropy(model(xb), yb); opt.zero_grad(); loss.backward(); opt.step()
    return evaluate(model, mnist.x_valid, mnist.y_valid)[1]
print("reference SGD", f"{run(lambda m: SGD(m.named_parameters(), lr=0.3, momentum=0.9)):.2%}")
print("torch.optim.SGD", f"{run(lambda m: torch.optim.SGD(m.parameters(), lr=0.3, momentum=0.9)):.2%}")
