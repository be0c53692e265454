"""The registry's points, the report format, and misbehaving student code (exit, interrupt, hang, noise)."""
import dataclasses
import re
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

import autograder.student.checks as checks
from autograder.student.checks import core, iter2, judge
from autograder.student.checks.registry import check_ids, points_table
from catalogue.linear_cases import ForgotBias, KaimingEinsum

pytestmark = pytest.mark.grading

TOTALS = {"update": 4, "linear_randn": 10, "linear_kaiming": 12, "relu": 2, "flatten": 2, "simple_mlp": 4,
          "module_base": 2, "activation_bwd": 3, "lin_bwd": 5, "mse_bwd": 2, "model_backward": 3,
          "sgd": 5, "adam": 3}


def test_every_exercise_is_registered_with_its_fixed_total() -> None:
    assert {e: checks.max_points(e) for e in checks.EXERCISES} == TOTALS


def test_points_table_lists_every_check_and_total() -> None:
    table = points_table()
    for exercise, total in TOTALS.items():
        assert f"| `{exercise}` | | **total** | **{total:g}** |" in table
    rows = [line for line in table.splitlines()[2:] if "**total**" not in line]
    assert len(rows) == sum(len(f()) for f in checks.EXERCISES.values())


def test_docs_points_table_is_current() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "design" / "checks.md").read_text(encoding="utf-8")
    assert points_table() in page, ("docs/design/checks.md's points table is stale. Hint: paste the output of "
                                      "`.venv/bin/python -c 'from autograder.student.checks.registry import points_table; "
                                      "print(points_table())'` over it.")


def test_failure_messages_read_expected_got_hint() -> None:
    report = checks.check_report("linear_kaiming", ForgotBias)
    assert report.failures()
    for r in report.failures():
        assert re.match(r"Expected .+; got .+\. Hint: .+", r.message), r.message
        assert "Traceback" not in r.message


def test_grade_returns_partial_credit_and_prints_report(capsys: pytest.CaptureFixture) -> None:
    points = checks.grade("linear_kaiming", ForgotBias)
    out = capsys.readouterr().out
    assert 0 < points < 12 and out.startswith(f"FAIL linear_kaiming: {points:g} / 12 points")


def test_self_check_does_not_raise_and_its_first_line_names_the_mistake(capsys: pytest.CaptureFixture) -> None:
    report = checks.self_check("linear_kaiming", ForgotBias)
    first = capsys.readouterr().out.splitlines()[0]
    assert not report.passed
    assert first.startswith("FAIL linear_kaiming:") and "forgot to add the bias" in first, first
    assert checks.self_check("linear_kaiming", KaimingEinsum).passed
    assert capsys.readouterr().out.startswith("PASS linear_kaiming: 12 / 12 points")


class Exits(KaimingEinsum):
    def forward(self, x):
        sys.exit("bye")


class Interrupts(KaimingEinsum):
    def forward(self, x):
        raise KeyboardInterrupt


class Hangs(KaimingEinsum):
    def forward(self, x):
        while True:
            pass


class Noisy(KaimingEinsum):
    def forward(self, x):
        print("debug", file=sys.stderr)
        warnings.warn("student warning")
        return super().forward(x)


@pytest.mark.parametrize("cls, fragment", [(Exits, "SystemExit"), (Interrupts, "KeyboardInterrupt")])
def test_exit_and_interrupt_become_failed_checks(cls: type, fragment: str) -> None:
    report = checks.check_report("linear_kaiming", cls)
    forward = report.result("linear_kaiming.forward")
    assert not forward.passed and fragment in forward.message
    assert report.failures()[0] is forward and fragment in str(report).splitlines()[0]
    assert not report.gated, "an exit is no evidence of borrowing: it must not fail the required check"


class UsesAHelperNotRun(KaimingEinsum):
    def forward(self, x):
        return helper_from_a_cell_not_run(x)  # noqa: F821 - the mistake: its cell was never run


def test_an_undefined_name_says_run_the_cell_that_defines_it() -> None:
    forward = checks.check_report("linear_kaiming", UsesAHelperNotRun).result("linear_kaiming.forward")
    assert not forward.passed and "NameError" in forward.message
    assert "helper_from_a_cell_not_run, which is not defined in this kernel: run the cell that defines it" \
        in forward.hint, f"Expected the NameError hint to say which name and what to run; got {forward.hint!r}."


def test_infinite_loop_is_stopped_and_later_checks_skipped() -> None:
    fast = [dataclasses.replace(c, timeout_s=0.3) for c in iter2.linear_checks()]
    start = time.perf_counter()
    report = judge.run_live("linear_kaiming", fast, Hangs)
    elapsed = time.perf_counter() - start
    assert report.score == 0 and elapsed < 5
    assert report.results[0].timed_out and "finish within 0.3 s" in report.results[0].message
    assert all("skipped" in r.message and not r.passed for r in report.results[1:])


def test_time_bound_does_not_depend_on_the_message_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewording the time-out message must not remove the bound: the skip follows CheckResult.timed_out."""
    monkeypatch.setattr(core, "_describe", lambda exc, diagnosis=None: "reworded")
    fast = [dataclasses.replace(c, timeout_s=0.3) for c in iter2.linear_checks()]
    start = time.perf_counter()
    report = judge.run_live("linear_kaiming", fast, Hangs)
    assert time.perf_counter() - start < 5
    assert report.results[0].timed_out and report.results[0].message == "reworded"
    assert not any(r.timed_out for r in report.results[1:])


def test_check_ids_are_unique_and_name_their_exercise() -> None:
    ids = check_ids()
    assert len(ids) == len(set(ids)), f"duplicate check ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    for exercise, make in checks.EXERCISES.items():
        for c in make():
            assert c.id.startswith(exercise + "."), f"check {c.id!r} is registered under {exercise!r}"


def test_a_malformed_check_id_is_refused() -> None:
    with pytest.raises(ValueError, match="exercise.check_name"):
        core.Check("Bias init", "bias init", 1, lambda obj: None)


def test_report_result_looks_up_by_id() -> None:
    report = checks.check_report("linear_kaiming", ForgotBias)
    assert not report.result("linear_kaiming.forward").passed
    with pytest.raises(KeyError, match="linear_kaiming.forward"):
        report.result("forward equals nn.Linear")


def test_grade_writes_nothing_to_stderr_and_keeps_rng(capfd: pytest.CaptureFixture) -> None:
    torch.manual_seed(123)
    want = torch.rand(3)
    torch.manual_seed(123)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping grade() would raise here
        points = checks.grade("linear_kaiming", Noisy)
    assert points == 12
    assert torch.equal(torch.rand(3), want)
    assert capfd.readouterr().err == ""


def test_not_a_class_fails_readably() -> None:
    report = checks.check_report("linear_kaiming", KaimingEinsum(3, 4))
    assert "pass the class itself" in report.failures()[0].message


def test_whole_exercise_is_fast_for_a_correct_layer() -> None:
    report = checks.check_report("linear_kaiming", KaimingEinsum)
    print(f"\nlinear_kaiming checks: {sum(r.seconds for r in report.results):.2f} s")
    assert report.passed
    assert all(r.seconds < r.check.timeout_s for r in report.results)


def test_unknown_exercise_names_the_valid_ones() -> None:
    with pytest.raises(KeyError, match="linear_kaiming"):
        checks.check_report("nope", nn.Module)
