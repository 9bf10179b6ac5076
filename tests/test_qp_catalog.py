"""The qp catalog kind with inequalities, bounds and expected statuses: the new files verify, bad keys are named."""

import pytest

from sciml import problems as P
from sciml.problems._spec import ProblemFileError

NEW = ["qp_portfolio_long_only", "qp_box_least_squares", "qp_redundant_equality", "qp_infeasible", "qp_unbounded",
       "qp_maros_meszaros_hs21"]
BASE = {"kind": "qp", "Q": [[1, 0], [0, 1]], "c": [1, 1]}


@pytest.mark.parametrize("name", NEW)
def test_new_catalog_problems_verify(name):
    problem = P.load(name)
    v = P.verify_problem(problem)
    assert v.error is None and v.passed, [(c.reference, c.error, c.tol, c.note) for c in v.comparisons]
    assert len(v.comparisons) == 2


def test_expected_statuses_are_what_the_solver_reports():
    assert P.load("qp_infeasible").solve().status.name == "INFEASIBLE"
    assert P.load("qp_unbounded").solve().status.name == "UNBOUNDED"
    assert P.load("qp_portfolio_long_only").lb == 0.0


@pytest.mark.parametrize(("extra", "match"), [
    ({"G": [[1, 0, 0]], "h": [1], "reference": {"scipy": {"tol": 1e-6}}}, "key 'G': each row must have 2"),
    ({"G": [[1, 0]], "h": [1, 2], "reference": {"scipy": {"tol": 1e-6}}}, "key 'h': must have one entry per row"),
    ({"G": [[1, 0]], "reference": {"scipy": {"tol": 1e-6}}}, "give both G and h"),
    ({"lb": [0, 0, 0], "reference": {"scipy": {"tol": 1e-6}}}, "key 'lb': must be a number or 2 numbers"),
    ({"lb": 1, "ub": 0, "reference": {"scipy": {"tol": 1e-6}}}, "key 'lb': must be at most ub"),
    ({"lb": "x", "reference": {"scipy": {"tol": 1e-6}}}, r"key 'lb'"),
    ({"expected_status": "INFEASABLE", "reference": {"scipy": {"tol": 1e-6}}}, "expected_status"),
    ({"expected_status": "INFEASIBLE", "reference": {"exact": {"tol": 1e-6}}}, "takes the references"),
    ({"exact_mu": [1], "exact_x": [0, 0], "reference": {"exact": {"tol": 1e-6}}}, "exact_mu.*only meaningful"),
])
def test_malformed_inequality_files_are_named(extra, match):
    with pytest.raises(ProblemFileError, match=match):
        P.from_dict({**BASE, **extra}, source="bad.toml")
