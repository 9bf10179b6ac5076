"""sciml.qp.solve_qp (equality KKT) against SciPy: the same KKT solve, and SciPy's constrained minimizer."""

import numpy as np
import scipy.linalg
import scipy.optimize
import torch
from _harness import Case

from sciml.qp import solve_qp


def _problem(n, m, rng):
    M = rng.standard_normal((n, n))
    return M @ M.T + np.eye(n), rng.standard_normal(n), rng.standard_normal((m, n)), rng.standard_normal(m)


def cases():
    rng = np.random.default_rng(0)
    out = []
    for n, m in ((2, 1), (50, 10), (300, 50)):
        Q, c, A, b = _problem(n, m, rng)
        K = np.block([[Q, A.T], [A, np.zeros((m, m))]])
        rhs = np.concatenate([-c, b])
        tQ, tc, tA, tb = map(torch.from_numpy, (Q, c, A, b))
        peers = {"scipy KKT solve": lambda K=K, rhs=rhs: scipy.linalg.solve(K, rhs, assume_a="sym")}
        if n <= 50:
            cons = {"type": "eq", "fun": lambda x, A=A, b=b: A @ x - b, "jac": lambda x, A=A: A}
            peers["scipy SLSQP"] = lambda Q=Q, c=c, cons=cons, n=n: scipy.optimize.minimize(
                lambda x: 0.5 * x @ Q @ x + c @ x, np.zeros(n), jac=lambda x: Q @ x + c,
                constraints=[cons], method="SLSQP", options={"ftol": 1e-12})
        out.append(Case(f"equality QP n={n} m={m}", lambda tQ=tQ, tc=tc, tA=tA, tb=tb: solve_qp(tQ, tc, tA, tb),
                        peers))
    B = 256
    Qs = torch.stack([torch.from_numpy(_problem(10, 3, rng)[0]) for _ in range(B)])
    cs, As, bs = (torch.randn(B, 10, dtype=torch.float64), torch.randn(B, 3, 10, dtype=torch.float64),
                  torch.randn(B, 3, dtype=torch.float64))
    Qn, cn, An, bn = Qs.numpy(), cs.numpy(), As.numpy(), bs.numpy()

    def scipy_loop():
        for i in range(B):
            K = np.block([[Qn[i], An[i].T], [An[i], np.zeros((3, 3))]])
            scipy.linalg.solve(K, np.concatenate([-cn[i], bn[i]]), assume_a="sym")

    out.append(Case(f"batch of {B} QPs n=10 m=3", lambda: solve_qp(Qs, cs, As, bs), {"scipy loop": scipy_loop}))
    return out
