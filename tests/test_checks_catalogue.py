"""Every case of the catalogue (tests/catalogue/) gets the report it promises: a correct submission full marks; a
wrong one fails its check with its words in the message; a common mistake (first=True) also has them on the
report's first line, is named there by its root cause, loses exactly the points of the checks it concerns, and
fails a required check only when it borrows (and then the first line says so)."""
import pytest

from autograder.student.checks import check_report
from catalogue import Case, cases, correct, mistakes, wrong

CASES = cases()


def _param(case: Case):
    return pytest.param(case, id=f"{case.exercise}: {case.name}", marks=getattr(pytest.mark, case.marker))


def verdict(case: Case) -> list[str]:
    """What is wrong with this case's report (empty when the catalogue's promises hold)."""
    report = check_report(case.exercise, case.obj)
    if case.correct:
        return [] if report.score == report.max_score else [f"it scores below full marks:\n{report}"]
    named = [r for r in report.results if r.check.id == case.check_id]
    if len(named) != 1:
        return [f"no check with id {case.check_id!r} in {[r.check.id for r in report.results]}"]
    result, problems = named[0], []
    if result.passed:
        problems.append(f"{case.check_id} passed")
    if report.score >= report.max_score:
        problems.append("it lost no points")
    missing = [w for w in case.words if w not in result.message]
    if missing:
        problems.append(f"the message of {case.check_id} lacks {missing}")
    if case.first and report.failures():
        headline = str(report).splitlines()[0]
        if not headline.startswith("FAIL"):
            problems.append("the first line does not start with FAIL")
        first = report.failures()[0].check.id
        if first != case.check_id:
            problems.append(f"the first failure is {first}, not {case.check_id}")
        missing = [w for w in case.words if w not in headline]
        if missing:
            problems.append(f"the first line lacks {missing}")
        lost = report.max_score - report.score
        if abs(lost - case.lost) > 1e-9:
            problems.append(f"it loses {lost:g} points, not {case.lost:g}")
        if report.gated != case.borrowing:
            problems.append("a required check failed without borrowing" if report.gated
                            else "borrowing did not fail the required check")
        if case.borrowing and "(a required check failed)" not in headline:
            problems.append("the first line does not say that a required check failed")
    return [p + f"\n{report}" for p in problems]


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_each_case_gets_the_report_it_promises(case: Case) -> None:
    problems = verdict(case)
    assert not problems, "; ".join(problems)


@pytest.mark.grading
def test_kill_rate_and_false_failure_rate() -> None:
    bad, good = wrong(), correct()
    killed = sum(not verdict(c) for c in bad)
    false_failures = sum(bool(verdict(c)) for c in good)
    print(f"\nkill rate: {killed}/{len(bad)} = {killed / len(bad):.0%}; "
          f"false-failure rate: {false_failures}/{len(good)} = {false_failures / len(good):.0%}")
    assert len(bad) >= 20 and len(good) >= 4
    assert killed == len(bad) and false_failures == 0


def test_catalogue_covers_every_exercise_with_a_correct_case_and_at_least_40_mistakes() -> None:
    everything = {"update", "linear_randn", "linear_kaiming", "relu", "flatten", "simple_mlp", "module_base",
                  "activation_bwd", "lin_bwd", "mse_bwd", "model_backward", "sgd", "adam"}
    named = mistakes()
    assert len(named) >= 40, f"Expected at least 40 common mistakes; got {len(named)}."
    assert {c.exercise for c in named} == everything, {c.exercise for c in named}
    assert {c.exercise for c in correct()} == everything, {c.exercise for c in correct()}


def test_each_case_has_its_own_name() -> None:
    """The name is the test id and the key of the student-edition run (tests/test_student_edition.py)."""
    names = [(c.exercise, c.name) for c in CASES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
