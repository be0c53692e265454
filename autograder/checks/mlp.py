"""Checks for stage 3: ReLU and Flatten against torch over many shapes, and SimpleMLP against the reference."""
from __future__ import annotations

from typing import Any, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from . import adapters
from .compare import close, expect_close, identical, max_diff
from .core import Check, CheckFailure

SWEEP = 40  # random shapes per sweep; tests/test_checks_mlp.py adds hypothesis-generated ones


def random_shapes(seed: int, min_dims: int, max_dims: int, n: int = SWEEP) -> Iterator[tuple[int, ...]]:
    """A seeded sweep of small shapes (sizes 1..5), so the same student gets the same verdict."""
    g = torch.Generator().manual_seed(seed)
    for _ in range(n):
        ndim = int(torch.randint(min_dims, max_dims + 1, (1,), generator=g))
        yield tuple(int(s) for s in torch.randint(1, 6, (ndim,), generator=g))


def relu_input(shape: tuple[int, ...], dtype: torch.dtype, seed: int) -> torch.Tensor:
    """Values of both signs, with exact zeros, negative zeros and tiny values mixed in (no inf: x * (x > 0) is fine)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 3
    specials = torch.tensor([0.0, -0.0, 1e-30, -1e-30], dtype=torch.float64)
    mask = torch.rand(shape, generator=g) < 0.2
    idx = torch.randint(0, len(specials), shape, generator=g)
    return torch.where(mask, specials[idx], x).to(dtype)


def _not_borrowed(cls: Any, torch_cls: type, what: str) -> None:
    """Fail for the reference itself, a torch module subclass, or a torch module inside."""
    origin = adapters.reference_origin(cls)
    if origin:
        raise CheckFailure(f"your own {what}", f"the course's reference {origin}",
                           "write the module yourself instead of importing the solution.")
    if isinstance(cls, type) and issubclass(cls, torch_cls):
        raise CheckFailure(f"a class built on nn.Module", f"a subclass of nn.{torch_cls.__name__}",
                           f"subclass nn.Module and write forward yourself.")


def check_relu_not_borrowed(cls: Any) -> None:
    """Your own ReLU: not nn.ReLU, torch.relu or F.relu."""
    _not_borrowed(cls, nn.ReLU, "ReLU")
    module = adapters.build(cls)
    inner = [n for n, m in module.named_modules() if n and isinstance(m, nn.ReLU)]
    if inner:
        raise CheckFailure("no nn.ReLU inside your ReLU", f"submodule {inner[0]!r}", "write max(0, x) yourself.")
    spies = [(torch, "relu"), (F, "relu"), (torch.Tensor, "relu"), (torch, "relu_"), (F, "relu_")]
    with adapters.record_calls(spies) as seen:
        adapters.call(module, torch.randn(3, 4))
    if seen:
        raise CheckFailure("max(0, x) written with tensor operations (clamp, maximum, where, ...)",
                           f"a call to {seen[0]}", "ReLU is what you are building: do not call torch's relu.")


def check_relu_values(cls: Any) -> None:
    """ReLU equals torch.relu exactly over a sweep of shapes (0-D to 4-D) and float dtypes."""
    module = adapters.build(cls)
    for k, shape in enumerate(random_shapes(11, 0, 4)):
        for dtype in (torch.float32, torch.float64):
            x = relu_input(shape, dtype, k)
            got = adapters.call(module, x.clone())
            want = torch.relu(x)
            if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
                raise CheckFailure(f"an output shaped {tuple(want.shape)}",
                                   f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}",
                                   "return max(0, x) elementwise, the same shape as x.")
            if not close(got, want, rtol=0, atol=0):
                raise CheckFailure(f"relu(x) for x shaped {shape} ({dtype})",
                                   f"max difference {max_diff(got, want):.3g}",
                                   "keep positives, replace negatives by 0 (e.g. x.clamp(min=0)).")


def check_relu_safe(cls: Any) -> None:
    """ReLU leaves its input unchanged and keeps dtype and device."""
    module = adapters.build(cls)
    for dtype in (torch.float32, torch.float64, torch.float16):
        x = relu_input((4, 5), dtype, 0)
        before = x.clone()
        got = adapters.call(module, x)
        if not identical(x, before):
            raise CheckFailure("the input left unchanged", "the input was modified in place",
                               "return a new tensor: no x.clamp_(), x[x < 0] = 0 or x *= ... .")
        if not isinstance(got, torch.Tensor) or got.dtype != dtype:
            raise CheckFailure(f"a {dtype} output for a {dtype} input", f"{getattr(got, 'dtype', type(got))}",
                               "avoid mixing in tensors of another dtype (e.g. torch.tensor(0.)).")
    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("meta")
    try:
        got = adapters.call(module, torch.randn(3, 4, device=device))
    except RuntimeError as e:
        raise CheckFailure(f"ReLU to work on {device}", f"RuntimeError: {str(e).splitlines()[0][:150]}",
                           "create new tensors with torch.zeros_like(x) or device=x.device.") from None
    if got.device.type != device.type:
        raise CheckFailure(f"output on {device}", f"{got.device}", "do not move tensors in forward.")


def check_relu_grad(cls: Any) -> None:
    """The gradient is 0 where x < 0 and 1 where x > 0."""
    module = adapters.build(cls)
    x = torch.tensor([-3.0, -0.5, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    out = adapters.call(module, x)
    if not isinstance(out, torch.Tensor) or out.grad_fn is None:
        raise CheckFailure("an output connected to the autograd graph", "no grad_fn",
                           "do not use .data, .detach() or torch.no_grad() in forward.")
    out.sum().backward()
    want = torch.tensor([0.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    if x.grad is None or not close(x.grad, want, rtol=0, atol=0):
        raise CheckFailure(f"d relu / dx = {want.tolist()} at x = {x.detach().tolist()}",
                           f"{None if x.grad is None else x.grad.tolist()}", "use differentiable operations.")


def flatten_cases(seed: int) -> Iterator[tuple[tuple[int, ...], int, int]]:
    """(shape, start_dim, end_dim) with every valid dim pair, negative ones included."""
    for shape in random_shapes(seed, 1, 5, n=12):
        n = len(shape)
        for start in range(-n, n):
            for end in range(-n, n):
                if start % n <= end % n:
                    yield shape, start, end


def _flatten_once(cls: Any, shape: tuple[int, ...], *dims: int) -> None:
    """Compare one Flatten configuration with torch.flatten."""
    module = adapters.build(cls, *dims)
    x = torch.randn(shape)
    want = torch.flatten(x, *dims) if dims else torch.flatten(x, 1)
    got = adapters.call(module, x)
    call = f"Flatten({', '.join(map(str, dims))}) on shape {shape}"
    if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
        raise CheckFailure(f"{call} -> shape {tuple(want.shape)}",
                           f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}",
                           "merge dims start_dim..end_dim (inclusive; negative dims count from the end) "
                           "and keep the others.")
    expect_close(call, got, want, "keep the elements in row-major order (reshape/view).", torch.float32)


def check_flatten_default(cls: Any) -> None:
    """Flatten() keeps the batch dimension and merges the rest, like nn.Flatten()."""
    for shape in random_shapes(21, 2, 5):
        _flatten_once(cls, shape)


def check_flatten_dims(cls: Any) -> None:
    """Flatten(start_dim, end_dim) equals torch.flatten for all dim pairs, negative ones included."""
    for shape, start, end in flatten_cases(22):
        _flatten_once(cls, shape, start, end)


def check_flatten_safe(cls: Any) -> None:
    """Flatten keeps dtype, passes gradients through and leaves its input unchanged."""
    module = adapters.build(cls)
    x = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    out = adapters.call(module, x)
    if not isinstance(out, torch.Tensor) or out.dtype != torch.float64:
        raise CheckFailure("a float64 output for a float64 input", f"{getattr(out, 'dtype', type(out))}",
                           "reshape; do not convert dtypes.")
    if out.grad_fn is None:
        raise CheckFailure("an output connected to the autograd graph", "no grad_fn",
                           "do not use .data or .detach().")
    out.sum().backward()
    if x.grad is None or not close(x.grad, torch.ones_like(x)):
        raise CheckFailure("gradient of ones flowing back to the input", f"{x.grad}", "use reshape or view.")


def check_flatten_not_borrowed(cls: Any) -> None:
    """Your own Flatten: not nn.Flatten or the reference."""
    _not_borrowed(cls, nn.Flatten, "Flatten")
    inner = [n for n, m in adapters.build(cls).named_modules() if n and isinstance(m, nn.Flatten)]
    if inner:
        raise CheckFailure("no nn.Flatten inside your Flatten", f"submodule {inner[0]!r}", "write it yourself.")


MLP_SHAPES = [(100, 784), (100,), (10, 100), (10,)]


def check_mlp_structure(cls: Any) -> None:
    """flatten -> linear(784, 100) -> relu -> linear(100, 10): 79,510 parameters in that order."""
    model = adapters.build(cls)
    shapes = [tuple(p.shape) for p in model.parameters()]
    count = sum(p.numel() for p in model.parameters())
    if shapes != MLP_SHAPES or count != 79_510:
        raise CheckFailure(f"parameters shaped {MLP_SHAPES} (79,510 in all)", f"{shapes} ({count:,} in all)",
                           "one hidden layer of 100: MyLinear(784, 100), ReLU, MyLinear(100, 10).")
    children = list(model.children())
    if len(children) != 4:
        raise CheckFailure("4 submodules: flatten, linear1, relu, linear2",
                           f"{len(children)}: {[type(c).__name__ for c in children]}",
                           "create self.flatten, self.linear1, self.relu, self.linear2 in __init__.")


def check_mlp_own_modules(cls: Any) -> None:
    """Built from your own MyLinear, ReLU and Flatten: no nn.Linear, nn.ReLU, nn.Flatten or F.linear."""
    model = adapters.build(cls)
    for name, m in model.named_modules():
        if isinstance(m, (nn.Linear, nn.ReLU, nn.Flatten)):
            raise CheckFailure("only your own MyLinear, ReLU and Flatten inside", f"nn.{type(m).__name__} at {name!r}",
                               "use the classes you wrote in this notebook.")
    spies = adapters.LINEAR_FUNCTIONS + [(torch, "relu"), (F, "relu"), (torch.Tensor, "relu")]
    with adapters.record_calls(spies) as seen:
        adapters.call(model, torch.randn(2, 1, 28, 28))
    if seen:
        raise CheckFailure("forward built from your own modules", f"a call to {seen[0]}",
                           "call self.linear1, self.relu, ... instead of torch's functions.")


def check_mlp_not_reference(cls: Any) -> None:
    """Your own SimpleMLP and modules, not the course's reference."""
    origin = adapters.reference_origin(cls) or next(
        (adapters.reference_origin(type(m)) for m in adapters.build(cls).modules()
         if adapters.reference_origin(type(m))), None)
    if origin:
        raise CheckFailure("your own modules", f"the course's reference {origin}", "use your own classes.")


def reference_mlp() -> nn.Module:
    """The checks' own 784-100-10 MLP from torch's modules (no answer key needed); weights are copied in."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 100), nn.ReLU(), nn.Linear(100, 10))


def check_mlp_forward(cls: Any) -> None:
    """Forward equals the reference SimpleMLP's after copying weights by order and shape."""
    for dtype in (torch.float32, torch.float64):
        ref = reference_mlp().to(dtype)
        model = adapters.build(cls).to(dtype)
        adapters.copy_by_order(ref, model)
        for shape in ((8, 1, 28, 28), (8, 784)):
            x = torch.rand(shape, dtype=dtype)
            expect_close(f"SimpleMLP output for images shaped {shape}", adapters.call(model, x),
                         ref(x).detach(), "flatten, linear1, relu, linear2, in that order.", dtype)


def check_mlp_backward(cls: Any) -> None:
    """A cross-entropy loss backpropagates to every parameter."""
    model = adapters.build(cls)
    out = adapters.call(model, torch.rand(16, 1, 28, 28))
    F.cross_entropy(out, torch.arange(16) % 10).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    if missing:
        raise CheckFailure("a non-zero gradient for every parameter", f"none for {missing}",
                           "do not detach anything in forward; use every layer.")


def relu_checks() -> list[Check]:
    """ReLU: 2 points."""
    return [Check("relu.built_not_borrowed", "your own ReLU, not torch's", 0, check_relu_not_borrowed, gate=True),
            Check("relu.values", "equals torch.relu over many shapes", 1, check_relu_values),
            Check("relu.safe", "input unchanged; dtype and device kept", 0.5, check_relu_safe),
            Check("relu.grad", "gradient 0 for x < 0 and 1 for x > 0", 0.5, check_relu_grad)]


def flatten_checks() -> list[Check]:
    """Flatten: 2 points."""
    return [Check("flatten.built_not_borrowed", "your own Flatten, not nn.Flatten", 0, check_flatten_not_borrowed, gate=True),
            Check("flatten.default", "Flatten() equals nn.Flatten()", 1, check_flatten_default),
            Check("flatten.dims", "start_dim / end_dim, negative dims too", 0.5, check_flatten_dims),
            Check("flatten.safe", "dtype and gradients pass through", 0.5, check_flatten_safe)]


def simple_mlp_checks() -> list[Check]:
    """SimpleMLP: 4 points."""
    return [Check("simple_mlp.not_reference", "your own modules, not the reference", 0, check_mlp_not_reference, gate=True),
            Check("simple_mlp.structure", "structure: 784 -> 100 -> ReLU -> 10 (79,510 parameters)", 1, check_mlp_structure),
            Check("simple_mlp.own_modules", "no nn.Linear / nn.ReLU / nn.Flatten inside", 1, check_mlp_own_modules),
            Check("simple_mlp.forward", "forward equals the reference", 1.5, check_mlp_forward),
            Check("simple_mlp.backward", "gradients reach every parameter", 0.5, check_mlp_backward)]
