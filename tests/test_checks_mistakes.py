"""Common mistakes: the report's first line says FAIL and names the mistake, the first failed check is its root
cause, the points lost are exactly those of the checks it concerns, and only borrowing fails a required check."""
import pytest

from autograder.student.checks import check_report
from catalogue import Mistake, all_mistakes

MISTAKES = all_mistakes()


def _param(case: Mistake):
    return pytest.param(case, id=f"{case.exercise}: {case.name}", marks=getattr(pytest.mark, case.marker))


def verdict(case: Mistake) -> list[str]:
    """What is wrong with the report of this mistake (empty when the catalogue's expectations hold)."""
    report = check_report(case.exercise, case.obj)
    headline = str(report).splitlines()[0]
    problems = []
    if not report.failures():
        return [f"every check passed:\n{report}"]
    if not headline.startswith("FAIL"):
        problems.append("the first line does not start with FAIL")
    first = report.failures()[0].check.id
    if first != case.first_id:
        problems.append(f"the first failure is {first}, not {case.first_id}")
    missing = [w for w in case.words if w not in headline]
    if missing:
        problems.append(f"the first line lacks {missing}")
    lost = report.max_score - report.score
    if abs(lost - case.lost) > 1e-9:
        problems.append(f"it loses {lost:g} points, not {case.lost:g}")
    if report.gated != case.borrowing:
        problems.append("a required check failed without borrowing" if report.gated
                        else "borrowing did not fail the required check")
    return [p + f"\n{report}" for p in problems]


@pytest.mark.parametrize("case", [_param(c) for c in MISTAKES])
def test_common_mistake_is_named_by_its_first_failure(case: Mistake) -> None:
    problems = verdict(case)
    assert not problems, "; ".join(problems)


def test_catalogue_covers_every_exercise_with_at_least_40_mistakes() -> None:
    by_exercise = {c.exercise for c in MISTAKES}
    assert len(MISTAKES) >= 40, f"Expected at least 40 common mistakes; got {len(MISTAKES)}."
    assert by_exercise == {"update", "linear_randn", "linear_kaiming", "relu", "flatten", "simple_mlp",
                            "module_base", "activation_bwd", "lin_bwd", "mse_bwd", "model_backward", "sgd",
                            "adam"}, by_exercise
    names = [(c.exercise, c.name) for c in MISTAKES]
    assert len(names) == len(set(names)), "duplicate mistake names"
