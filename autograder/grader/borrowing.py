"""Borrowing read from the source, in the grader's process: the required "your own code" check, second witness.

The kernel's call record (the gate checks' `torch_calls`) is evidence gathered where student code runs. This
module reads the submitted answer cell itself (AST) and resolves every name it uses through the notebook's
imports and simple assignments (`import torch.nn.functional as F`, `from torch.nn import Linear as L`,
`lin = F.linear`, `getattr(F, "linear")`), so a layer that borrows torch's answer scores 0 for the exercise
whatever the kernel wrote. Names hidden behind computed strings, exec or importlib are `flags` (flags.py).
No student code runs here.
"""
from __future__ import annotations

import ast
from typing import Iterable

from ..student.checks.core import Check, CheckResult, Report

NN, F = "torch.nn", "torch.nn.functional"
LINEAR = {f"{NN}.Linear": "nn.Linear", f"{NN}.LazyLinear": "nn.LazyLinear", f"{NN}.modules.linear.Linear": "nn.Linear",
          f"{F}.linear": "F.linear", "torch._C._nn.linear": "F.linear", f"{NN}.Bilinear": "nn.Bilinear"}
RELU = {"torch.relu": "torch.relu", "torch.relu_": "torch.relu_", f"{F}.relu": "F.relu", f"{F}.relu_": "F.relu_",
        f"{NN}.ReLU": "nn.ReLU", "torch.Tensor.relu": "Tensor.relu", "torch.nn.functional.threshold": "F.threshold"}
FLATTEN = {"torch.flatten": "torch.flatten", f"{NN}.Flatten": "nn.Flatten", "torch.Tensor.flatten": "Tensor.flatten"}
AUTOGRAD = {"torch.autograd": "torch.autograd", "torch.func": "torch.func", "functorch": "functorch",
            "torch.Tensor.backward": "Tensor.backward"}
OPTIM = {"torch.optim": "torch.optim"}
# exercise -> (dotted names it may not use, method names it may not call on any object)
FORBIDDEN: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "linear_randn": (LINEAR, {}),
    "linear_kaiming": (LINEAR, {}),
    "relu": (RELU, {"relu": "Tensor.relu", "relu_": "Tensor.relu_"}),
    "flatten": (FLATTEN, {"flatten": "Tensor.flatten"}),
    "simple_mlp": ({**LINEAR, **RELU, **FLATTEN}, {}),
    "activation_bwd": (AUTOGRAD, {"backward": ".backward()"}),
    "lin_bwd": (AUTOGRAD, {"backward": ".backward()"}),
    "mse_bwd": (AUTOGRAD, {"backward": ".backward()"}),
    "sgd": (OPTIM, {}),
    "adam": (OPTIM, {}),
}


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted name an expression stands for (`F.linear` -> torch.nn.functional.linear), or None."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
        base = _dotted(node.args[0], aliases)
        return f"{base}.{node.args[1].value}" if base else None
    return None


def _parse(source: str) -> ast.Module | None:
    """The cell's syntax tree, IPython magics dropped; None when it does not parse."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def aliases_of(sources: Iterable[str]) -> dict[str, str]:
    """name -> dotted name for every import and simple assignment of a dotted name, over the cells in order."""
    aliases: dict[str, str] = {"torch": "torch", "functorch": "functorch"}
    for source in sources:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = _dotted(node.value, aliases)
                if target:
                    aliases[node.targets[0].id] = target
    return aliases


def _named(dotted: str, names: dict[str, str]) -> str | None:
    """What a forbidden name is called, when dotted is it or lies inside it (torch.optim.SGD is torch.optim)."""
    for name, label in names.items():
        if dotted == name or dotted.startswith(name + "."):
            return label
    return None


def borrowed(exercise: str, answer: str, cells: Iterable[str] = ()) -> str | None:
    """The first forbidden thing the answer cell uses, resolved through the notebook's cells; None when honest.

    Bare top-level expressions (a student printing F.relu(x) to compare) are experiments, not the answer.
    """
    if exercise not in FORBIDDEN:
        return None
    names, methods = FORBIDDEN[exercise]
    tree = _parse(answer)
    if tree is None:
        return None
    aliases = aliases_of([*cells, answer])
    for node in (n for stmt in tree.body if not isinstance(stmt, ast.Expr) for n in ast.walk(stmt)):
        dotted = _dotted(node, aliases)
        label = _named(dotted, names) if dotted else None
        if label:
            return label
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods
                and _dotted(node.func, aliases) is None
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "self")):
            return methods[node.func.attr]
    return None


SOURCE_CHECK = "your own code, read from your answer cell"


def with_source_gate(report: Report, found: str) -> Report:
    """The report with the exercise's required check failed for borrowing found in the source (0 points)."""
    message = (f"Expected the exercise written with tensor operations; got {found} in your answer cell. "
               f"Hint: {found} is what you are building: write it yourself.")
    gates = [i for i, r in enumerate(report.results) if r.check.gate]
    if gates:
        check = report.results[gates[0]].check
        report.results[gates[0]] = CheckResult(check, False, message, hint=f"{found} is what you are building")
        if gates[0] < len(report.diagnoses):
            report.diagnoses[gates[0]] = check.id
    else:
        check = Check(f"{report.exercise}.own_code", SOURCE_CHECK, 0, lambda obj: None, gate=True)
        report.results.insert(0, CheckResult(check, False, message, hint=f"{found} is what you are building"))
        report.diagnoses[:0] = [check.id] if report.diagnoses else []
    return report
