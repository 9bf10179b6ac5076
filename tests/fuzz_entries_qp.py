"""sciml.qp's inequality entry points in the fuzz suite (tests/test_bad_input.py): junk ``a``, ``b`` as G, h,
bounds, tolerances and warm starts give a named ValueError/TypeError or an honest result (a status), never a crash
deep inside torch."""

from sciml import qp

_EYE = [[1.0, 0.0], [0.0, 1.0]]
_C = [1.0, -1.0]

ENTRY_POINTS = {
    "qp.solve_qp(G, h)": lambda a, b: qp.solve_qp(_EYE, _C, G=a, h=b),
    "qp.solve_qp(lb, ub)": lambda a, b: qp.solve_qp(_EYE, _C, lb=a, ub=b),
    "qp.solve_qp(Q, c, lb=0)": lambda a, b: qp.solve_qp(a, b, lb=0.0),
    "qp.solve_qp(eps_abs, max_iter)": lambda a, b: qp.solve_qp(_EYE, _C, lb=0.0, eps_abs=a, max_iter=b),
    "qp.solve_qp(x0, mu0)": lambda a, b: qp.solve_qp(_EYE, _C, G=[[1.0, 1.0]], h=[1.0], x0=a, mu0=b),
}
WARNINGS = (qp.QPWarning,)
