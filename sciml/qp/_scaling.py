"""Ruiz equilibration of a batch of QPs, and the map of a scaled solution back to the original problem.

With diagonal ``D`` (variables), ``E`` (rows of ``A``), ``F`` (rows of ``G``) and a cost factor ``σ`` the
scaled problem has ``Q̃ = σDQD``, ``c̃ = σDc``, ``Ã = EAD``, ``b̃ = Eb``, ``G̃ = FGD``, ``h̃ = Fh``,
``l̃ = D⁻¹l``, ``ũ = D⁻¹u``; its solution maps back as ``x = Dx̃``, ``y = Eỹ/σ``, ``z = Fz̃/σ``,
``z_l = D⁻¹z̃_l/σ``, ``z_u = D⁻¹z̃_u/σ``. Each sweep divides every column and row of the KKT matrix
``[[Q, Aᵀ, Gᵀ], [A, 0, 0], [G, 0, 0]]`` by the square root of its largest entry (Ruiz, 2001), so that all
of them approach 1 in the ∞-norm; the stopping tests always use the original data.
"""

from __future__ import annotations

import torch

from sciml.qp._residuals import Data, amax


def _safe(v):
    return torch.where(v > 1e-8, v, torch.ones_like(v)).clamp(max=1e8).rsqrt()


def equilibrate(d: Data, sweeps: int = 10):
    """The scaled problem and the factors ``(D, E, F, sigma)``."""
    Q, c, A, b, G, h = d.Q, d.c, d.A, d.b, d.G, d.h
    D = torch.ones_like(c)
    E = torch.ones_like(b)
    F = torch.ones_like(h.where(d.mG, 0.0))
    for _ in range(sweeps):
        absA, absG = A.abs(), G.abs()
        col = torch.stack([Q.abs().amax(-2), amax(absA.mT), amax(absG.mT)]).amax(0)
        dd, de, df = _safe(col), _safe(amax(absA)), _safe(amax(absG))
        Q = dd.unsqueeze(-1) * Q * dd.unsqueeze(-2)
        A = de.unsqueeze(-1) * A * dd.unsqueeze(-2)
        G = df.unsqueeze(-1) * G * dd.unsqueeze(-2)
        D, E, F = D * dd, E * de, F * df
    c = D * c
    sigma = 1.0 / torch.stack([Q.abs().amax(-2).mean(-1), amax(c.abs())]).amax(0).clamp(min=1e-4, max=1e4)
    scaled = Data(sigma[:, None, None] * Q, sigma[:, None] * c, A, E * b, G, F * h, d.lb / D, d.ub / D, d.mG, d.ml,
                  d.mu)
    return scaled, (D, E, F, sigma)


def unscale(factors, x, y, z, zl, zu):
    D, E, F, sigma = factors
    s = sigma.unsqueeze(-1)
    return D * x, E * y / s, F * z / s, zl / (D * s), zu / (D * s)


def scale_point(factors, x, y, z, zl, zu):
    """The inverse of :func:`unscale` (for warm starts)."""
    D, E, F, sigma = factors
    s = sigma.unsqueeze(-1)
    return x / D, y * s / E, z * s / F, zl * D * s, zu * D * s
