"""The linalg catalog kind: new operations validated at load time, the expected-warning reference can fail."""

import pytest

from sciml import problems
from sciml.problems import ProblemFileError

LSTSQ = {"kind": "linalg", "title": "t", "operation": "lstsq", "A": [[1, 0], [1, 1], [1, 2]], "b": [1, 2, 3],
         "reference": {"scipy": {"tol": 1e-12}}}


@pytest.mark.parametrize(("change", "message"), [
    ({"b": [1, 2]}, "key .b.: must have 3 entries"),
    ({"B": [[1, 0], [0, 1]]}, "key .B.: is not a key of operation 'lstsq'"),
    ({"operation": "eigh", "b": None, "A": [[1, 2], [2, 1]], "B": [[1, 0]]}, "key .B.: must be 2×2"),
    ({"operation": "cg", "A": None, "b": None}, "grid is required"),
    ({"operation": "cg", "b": None}, "acts on the grid Laplacian"),
    ({"operation": "eigsh", "A": None, "b": None, "grid": 3, "k": 9}, "key .k.: must be an integer"),
    ({"grid": 4}, "key .grid.: is a key of the grid operations"),
    ({"warns": "IllConditionedWarning"}, "needs a \\[reference.warning\\]"),
    ({"warns": "Nope", "reference": {"warning": {"tol": 0.5}}}, "warns"),
])
def test_bad_keys_are_named(change, message):
    data = {k: v for k, v in {**LSTSQ, **change}.items() if v is not None}
    with pytest.raises(ProblemFileError, match=message):
        problems.from_dict(data, source="my.toml")


def test_the_expected_warning_reference_fails_without_the_warning():
    quiet = problems.from_dict({"kind": "linalg", "title": "t", "operation": "solve", "A": [[2, 0], [0, 1]],
                                "b": [2, 1], "warns": "IllConditionedWarning",
                                "reference": {"warning": {"tol": 0.5}}}, name="quiet")
    v = problems.verify_problem(quiet)
    assert not v.passed and v.comparisons[0].error == 1.0
    v = problems.verify_problem(problems.load("hilbert12_ill_conditioned"))
    assert v.passed and v.comparisons[0].error == 0.0


@pytest.mark.parametrize("name", ["lstsq_line_fit", "generalized_eigh", "expm_rotation", "poisson_cg",
                                  "laplacian_eigsh"])
def test_new_problems_pass(name):
    v = problems.verify_problem(problems.load(name))
    assert v.passed, v.comparisons
