"""sciml.calculus operators against torch.autograd.functional (and JAX-jit, x64, when installed)."""

import torch
from _harness import Case, have

from sciml import calculus


def cases():
    out = []
    g = torch.Generator().manual_seed(0)
    for n in (10, 100, 1000):
        W = torch.randn(n, n, generator=g, dtype=torch.float64) / n**0.5
        x = torch.randn(n, generator=g, dtype=torch.float64)

        def f(x, W=W):
            return torch.tanh(W @ x) + x**3

        peers = {"torch.autograd.functional.jacobian": lambda f=f, x=x: torch.autograd.functional.jacobian(f, x)}
        if have("jax"):
            import jax
            import jax.numpy as jnp

            jax.config.update("jax_enable_x64", True)
            jW, jx = jnp.asarray(W.numpy()), jnp.asarray(x.numpy())
            jf = jax.jit(jax.jacrev(lambda x, W: jnp.tanh(W @ x) + x**3))
            peers["jax jit jacrev"] = lambda jf=jf, jx=jx, jW=jW: jf(jx, jW).block_until_ready()
        jac = calculus.jacobian(f)
        out.append(Case(f"jacobian tanh(Wx)+x^3 n={n}", lambda jac=jac, x=x: jac(x), peers))

    def rosen(x):
        return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    for n in (10, 100):
        x = torch.randn(n, generator=g, dtype=torch.float64)
        v = torch.randn(n, generator=g, dtype=torch.float64)
        hess = calculus.hessian(rosen)
        out.append(Case(f"hessian rosenbrock n={n}", lambda hess=hess, x=x: hess(x),
                        {"torch.autograd.functional.hessian": lambda x=x: torch.autograd.functional.hessian(rosen, x)}))
        out.append(Case(f"hvp rosenbrock n={n}", lambda x=x, v=v: calculus.hvp(rosen, x, v),
                        {"torch.autograd.functional.hvp": lambda x=x, v=v: torch.autograd.functional.hvp(rosen, x, v)}))
    return out
