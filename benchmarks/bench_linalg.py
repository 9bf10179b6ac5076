"""sciml.linalg against SciPy (and JAX when installed): dense solves and symmetric eigenvalues."""

import numpy as np
import scipy.linalg
import torch
from _harness import Case, have

from sciml import linalg


def cases():
    out = []
    rng = np.random.default_rng(0)
    for n in (10, 100, 500):
        M = rng.standard_normal((n, n))
        A_np = M @ M.T + n * np.eye(n)
        b_np = rng.standard_normal(n)
        A, b = torch.from_numpy(A_np), torch.from_numpy(b_np)
        peers = {"scipy": lambda A_np=A_np, b_np=b_np: scipy.linalg.solve(A_np, b_np)}
        if have("jax"):
            import jax
            import jax.numpy as jnp

            jax.config.update("jax_enable_x64", True)
            jA, jb = jnp.asarray(A_np), jnp.asarray(b_np)
            f = jax.jit(jnp.linalg.solve)
            peers["jax"] = lambda f=f, jA=jA, jb=jb: f(jA, jb).block_until_ready()
        out.append(Case(f"solve n={n} (checked)", lambda A=A, b=b: linalg.solve(A, b), peers))
        out.append(Case(f"eigvalsh n={n}", lambda A=A: linalg.eigvalsh(A),
                        {"scipy": lambda A_np=A_np: scipy.linalg.eigvalsh(A_np)}))
    return out
