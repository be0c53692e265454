"""Every wrong submission in the catalogue fails the right check with the right message; every correct one scores full marks."""
import pytest

from autograder.student.checks import check_report
from catalogue import Correct, Wrong, all_correct, all_wrong

WRONG, CORRECT = all_wrong(), all_correct()


def _param(case):
    return pytest.param(case, id=f"{case.exercise}: {case.name}", marks=getattr(pytest.mark, case.marker))


def caught(case: Wrong) -> tuple[bool, str]:
    """(True, '') when the case loses points on its named check with the expected message fragment."""
    report = check_report(case.exercise, case.obj)
    named = [r for r in report.results if r.check.id == case.check_id]
    if len(named) != 1:
        return False, f"no check with id {case.check_id!r} in {[r.check.id for r in report.results]}"
    result = named[0]
    ok = not result.passed and case.fragment in result.message and report.score < report.max_score
    return ok, str(report)


@pytest.mark.parametrize("case", [_param(c) for c in WRONG])
def test_wrong_submission_fails_the_right_check(case: Wrong) -> None:
    ok, report = caught(case)
    assert ok, f"expected check {case.check_id!r} to fail mentioning {case.fragment!r}; got\n{report}"


@pytest.mark.parametrize("case", [_param(c) for c in CORRECT])
def test_correct_submission_gets_full_marks(case: Correct) -> None:
    report = check_report(case.exercise, case.obj)
    assert report.score == report.max_score, str(report)


@pytest.mark.grading
def test_kill_rate_and_false_failure_rate() -> None:
    killed = sum(caught(c)[0] for c in WRONG)
    false_failures = 0
    for c in CORRECT:
        report = check_report(c.exercise, c.obj)
        false_failures += report.score != report.max_score
    print(f"\nkill rate: {killed}/{len(WRONG)} = {killed / len(WRONG):.0%}; "
          f"false-failure rate: {false_failures}/{len(CORRECT)} = {false_failures / len(CORRECT):.0%}")
    assert len(WRONG) >= 20 and len(CORRECT) >= 4
    assert killed == len(WRONG) and false_failures == 0
