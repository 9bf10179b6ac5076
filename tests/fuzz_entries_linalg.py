"""sciml.linalg's entry points (beyond the seed's, listed in tests/test_bad_input.py) in the fuzz suite: junk
``a``, ``b`` give a named ValueError/TypeError/LookupError or an honest result, never a crash inside torch."""

import torch

from sciml import linalg
from sciml.linalg import IllConditionedWarning, KrylovWarning

_EYE = torch.eye(3, dtype=torch.float64)
_L = linalg.laplacian_operator(2)

ENTRY_POINTS = {
    "linalg.solve(assume_a)": lambda a, b: linalg.solve(_EYE, a, assume_a=b),
    "linalg.solve(pos)": lambda a, b: linalg.solve(a, b, assume_a="pos"),
    "linalg.lstsq": lambda a, b: linalg.lstsq(a, b),
    "linalg.lstsq(rcond)": lambda a, b: linalg.lstsq(_EYE, a, rcond=b),
    "linalg.pinv": lambda a, b: linalg.pinv(a, rcond=b),
    "linalg.null_space": lambda a, b: linalg.null_space(a),
    "linalg.orth": lambda a, b: linalg.orth(a),
    "linalg.eig": lambda a, b: linalg.eig(a),
    "linalg.eigh": lambda a, b: linalg.eigh(a, b),
    "linalg.norm": lambda a, b: linalg.norm(a, b),
    "linalg.det": lambda a, b: linalg.det(a),
    "linalg.slogdet": lambda a, b: linalg.slogdet(a),
    "linalg.backward_error": lambda a, b: linalg.backward_error(_EYE, a, b),
    "linalg.expm": lambda a, b: linalg.expm(a),
    "linalg.expm_multiply": lambda a, b: linalg.expm_multiply(a, b),
    "linalg.expm_multiply(t)": lambda a, b: linalg.expm_multiply(_EYE, a, t=b),
    "linalg.sqrtm": lambda a, b: linalg.sqrtm(a),
    "linalg.logm": lambda a, b: linalg.logm(a),
    "linalg.aslinearoperator": lambda a, b: linalg.aslinearoperator(a, shape=b),
    "linalg.LinearOperator": lambda a, b: linalg.LinearOperator(a, b),
    "linalg.hessian_operator": lambda a, b: linalg.hessian_operator(lambda x: (x**3).sum(), a).matvec(b),
    "linalg.laplacian_operator": lambda a, b: linalg.laplacian_operator(a, b),
    "linalg.cg": lambda a, b: linalg.cg(a, b),
    "linalg.cg(options)": lambda a, b: linalg.cg(_L, [1.0, 2.0, 3.0, 4.0], x0=a, maxiter=b),
    "linalg.minres": lambda a, b: linalg.minres(a, b),
    "linalg.gmres": lambda a, b: linalg.gmres(a, b),
    "linalg.gmres(options)": lambda a, b: linalg.gmres(_EYE, [1.0, 2.0, 3.0], restart=a, rtol=b),
    "linalg.bicgstab": lambda a, b: linalg.bicgstab(a, b),
    "linalg.eigsh": lambda a, b: linalg.eigsh(a, b),
    "linalg.lobpcg": lambda a, b: linalg.lobpcg(a, b),
    "linalg.lobpcg(B)": lambda a, b: linalg.lobpcg(_EYE, 1, a, tol=b),
}

WARNINGS = (IllConditionedWarning, KrylovWarning)
