"""sciml.qp.solve_qp on the Maros–Meszaros test set (``../shared/data/maros_meszaros``), scored as qpbenchmark
scores it (tests/maros_meszaros.py); skipped where the data is absent. A handful of small problems run by
default; the whole set of 62 is ``slow``."""

import maros_meszaros as MM
import pytest

pytestmark = pytest.mark.skipif(not MM.available(), reason="Maros–Meszaros data not found (../shared/data)")

SMALL = ["HS21", "HS35", "QPTEST", "HS118", "QAFIRO", "DUAL1", "CVXQP1_S"]


@pytest.mark.parametrize("name", SMALL)
def test_small_problems_at_high_accuracy(name):
    s = MM.score(name, 1e-9)
    assert s["solved"], s
    assert s["objective_error"] <= 1e-6, s  # the published optimum has 8 significant digits


def test_qpcboei2_at_1e_6_through_the_active_set_update():
    # the interior-point method stalls on QPCBOEI2 (its reduced matrix loses accuracy); the polish's first active
    # set has three negative multipliers and the primal-dual active-set update repairs it
    s = MM.score("QPCBOEI2", 1e-6)
    assert s["solved"] and s["objective_error"] <= 1e-6, s


@pytest.mark.slow
@pytest.mark.parametrize("eps", [1e-9, 1e-6])
def test_whole_set_no_false_status_and_counts(eps):
    scores = [MM.score(name, eps) for name in MM.names()]
    smallest = set(MM.names(smallest=True))
    false = [s["name"] for s in scores if s["false_solved"] or s["false_infeasible"]]
    assert not false, f"false solved/infeasible: {false}"
    solved = sum(s["solved"] for s in scores)
    solved40 = sum(s["solved"] for s in scores if s["name"] in smallest)
    # issue 16's targets: 37/40 and 50/62 at 1e-9 (measured: 38 and 53); 40/40 and 60/62 at 1e-6 (measured: 40
    # and 61, QFORPLAN unsolved: its gap stays at 7e-5 with terms of 1.5e10, rounding-bound). QPCBOEI1 and QCAPRI
    # at 1e-6 hinge on the last digits of a stalled interior-point run (their gaps are y·(b − Ax) at rounding
    # level with |y| ~ 1e7), so the floor at 1e-6 is the target, not the count
    floor = {1e-9: (38, 53), 1e-6: (40, 60)}[eps]
    assert (solved40, solved) >= floor, (solved40, solved, [s["name"] for s in scores if not s["solved"]])
