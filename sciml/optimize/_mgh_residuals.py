"""The residuals :math:`r(x)` of the Moré–Garbow–Hillstrom problems, :math:`f(x) = \\sum_i r_i(x)^2`, in torch.

Numbered as in Moré, Garbow and Hillstrom (1981); each takes a 1-D tensor ``x`` (and ``m`` where the number
of residuals is free) and returns a 1-D tensor of the same dtype. The data tables are the paper's.
"""

from __future__ import annotations

import math

import torch

BARD_Y = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]
GAUSS_Y = [0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521, 0.2420, 0.1295, 0.0540,
           0.0175, 0.0044, 0.0009]
MEYER_Y = [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872]
KOWALIK_Y = [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
KOWALIK_U = [4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625]
OSBORNE1_Y = [0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718, 0.685, 0.658,
              0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431,
              0.424, 0.420, 0.414, 0.411, 0.406]
OSBORNE2_Y = [1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608, 0.655,
              0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558,
              0.533, 0.495, 0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562,
              0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739, 0.710,
              0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054]


def _t(values, x):
    return torch.tensor(values, dtype=x.dtype, device=x.device)


def _i(m, x, start=1):
    return torch.arange(start, start + m, dtype=x.dtype, device=x.device)


def rosenbrock(x):
    return torch.stack([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def freudenstein_roth(x):
    return torch.stack([-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1], -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]])


def powell_badly_scaled(x):
    return torch.stack([1e4 * x[0] * x[1] - 1, torch.exp(-x[0]) + torch.exp(-x[1]) - 1.0001])


def brown_badly_scaled(x):
    return torch.stack([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])


def beale(x):
    i = _i(3, x)
    return _t([1.5, 2.25, 2.625], x) - x[0] * (1 - x[1] ** i)


def jennrich_sampson(x, m=10):
    i = _i(m, x)
    return 2 + 2 * i - (torch.exp(i * x[0]) + torch.exp(i * x[1]))


def helical_valley(x):
    theta = torch.atan2(x[1], x[0]) / (2 * math.pi)
    theta = torch.where(theta < -0.25, theta + 1, theta)
    return torch.stack([10 * (x[2] - 10 * theta), 10 * (torch.sqrt(x[0] ** 2 + x[1] ** 2) - 1), x[2]])


def bard(x):
    u = _i(15, x)
    v = 16 - u
    w = torch.minimum(u, v)
    return _t(BARD_Y, x) - (x[0] + u / (v * x[1] + w * x[2]))


def gaussian(x):
    t = (8 - _i(15, x)) / 2
    return x[0] * torch.exp(-x[1] * (t - x[2]) ** 2 / 2) - _t(GAUSS_Y, x)


def meyer(x):
    t = 45 + 5 * _i(16, x)
    return x[0] * torch.exp(x[1] / (t + x[2])) - _t(MEYER_Y, x)


def gulf(x, m=99):
    t = _i(m, x) / 100
    y = 25 + (-50 * torch.log(t)) ** (2 / 3)
    return torch.exp(-(y - x[1]).abs() ** x[2] / x[0]) - t


def box3d(x, m=10):
    t = 0.1 * _i(m, x)
    return torch.exp(-t * x[0]) - torch.exp(-t * x[1]) - x[2] * (torch.exp(-t) - torch.exp(-10 * t))


def powell_singular(x):
    return torch.stack([x[0] + 10 * x[1], math.sqrt(5) * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2,
                        math.sqrt(10) * (x[0] - x[3]) ** 2])


def wood(x):
    return torch.stack([10 * (x[1] - x[0] ** 2), 1 - x[0], math.sqrt(90) * (x[3] - x[2] ** 2), 1 - x[2],
                        math.sqrt(10) * (x[1] + x[3] - 2), (x[1] - x[3]) / math.sqrt(10)])


def kowalik_osborne(x):
    u = _t(KOWALIK_U, x)
    return _t(KOWALIK_Y, x) - x[0] * (u**2 + u * x[1]) / (u**2 + u * x[2] + x[3])


def brown_dennis(x, m=20):
    t = _i(m, x) / 5
    return (x[0] + t * x[1] - torch.exp(t)) ** 2 + (x[2] + x[3] * torch.sin(t) - torch.cos(t)) ** 2


def osborne1(x):
    t = 10 * _i(33, x, 0)
    return _t(OSBORNE1_Y, x) - (x[0] + x[1] * torch.exp(-t * x[3]) + x[2] * torch.exp(-t * x[4]))


def biggs_exp6(x, m=13):
    t = 0.1 * _i(m, x)
    y = torch.exp(-t) - 5 * torch.exp(-10 * t) + 3 * torch.exp(-4 * t)
    return x[2] * torch.exp(-t * x[0]) - x[3] * torch.exp(-t * x[1]) + x[5] * torch.exp(-t * x[4]) - y


def osborne2(x):
    t = _i(65, x, 0) / 10
    model = (x[0] * torch.exp(-t * x[4]) + x[1] * torch.exp(-(t - x[8]) ** 2 * x[5])
             + x[2] * torch.exp(-(t - x[9]) ** 2 * x[6]) + x[3] * torch.exp(-(t - x[10]) ** 2 * x[7]))
    return _t(OSBORNE2_Y, x) - model


def watson(x):
    n = x.numel()
    t = _i(29, x) / 29
    j = _i(n, x, 0)
    powers = t[:, None] ** j  # t^(j-1) for j = 1..n
    first = (powers[:, :-1] * (j[1:] * x[1:])).sum(1)
    second = (powers * x).sum(1)
    return torch.cat([first - second**2 - 1, torch.stack([x[0], x[1] - x[0] ** 2 - 1])])


def extended_rosenbrock(x):
    return torch.stack([10 * (x[1::2] - x[0::2] ** 2), 1 - x[0::2]], 1).reshape(-1)


def extended_powell(x):
    a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
    return torch.stack([a + 10 * b, math.sqrt(5) * (c - d), (b - 2 * c) ** 2, math.sqrt(10) * (a - d) ** 2],
                       1).reshape(-1)


def penalty1(x):
    return torch.cat([math.sqrt(1e-5) * (x - 1), (x @ x - 0.25).reshape(1)])


def penalty2(x):
    n = x.numel()
    a = math.sqrt(1e-5)
    i = _i(n, x)
    y = torch.exp(i / 10) + torch.exp((i - 1) / 10)
    middle = a * (torch.exp(x[1:] / 10) + torch.exp(x[:-1] / 10) - y[1:])
    tail = a * (torch.exp(x[1:] / 10) - math.exp(-0.1))
    last = ((n - i + 1) * x**2).sum() - 1
    return torch.cat([(x[0] - 0.2).reshape(1), middle, tail, last.reshape(1)])


def variably_dimensioned(x):
    s = (_i(x.numel(), x) * (x - 1)).sum()
    return torch.cat([x - 1, torch.stack([s, s**2])])


def trigonometric(x):
    n = x.numel()
    return n - torch.cos(x).sum() + _i(n, x) * (1 - torch.cos(x)) - torch.sin(x)


def brown_almost_linear(x):
    n = x.numel()
    return torch.cat([x[:-1] + x.sum() - (n + 1), (torch.prod(x) - 1).reshape(1)])


def _bv_grid(x):
    n = x.numel()
    h = 1 / (n + 1)
    return h, h * _i(n, x)


def discrete_boundary_value(x):
    h, t = _bv_grid(x)
    padded = torch.cat([x.new_zeros(1), x, x.new_zeros(1)])
    return 2 * x - padded[:-2] - padded[2:] + h**2 * (x + t + 1) ** 3 / 2


def discrete_integral_equation(x):
    h, t = _bv_grid(x)
    u = (x + t + 1) ** 3
    lower = torch.cumsum(t * u, 0)  # sum over j <= i
    upper = torch.flip(torch.cumsum(torch.flip((1 - t) * u, [0]), 0), [0]) - (1 - t) * u  # j > i
    return x + h * ((1 - t) * lower + t * upper) / 2


def broyden_tridiagonal(x):
    padded = torch.cat([x.new_zeros(1), x, x.new_zeros(1)])
    return (3 - 2 * x) * x - padded[:-2] - 2 * padded[2:] + 1


def broyden_banded(x, lower=5, upper=1):
    n = x.numel()
    i = torch.arange(n, device=x.device)
    band = ((i[None, :] - i[:, None]) <= upper) & ((i[:, None] - i[None, :]) <= lower) & (i[:, None] != i[None, :])
    return x * (2 + 5 * x**2) + 1 - band.to(x.dtype) @ (x * (1 + x))


def linear_full_rank(x, m=20):
    n = x.numel()
    s = x.sum()
    return torch.cat([x - 2 * s / m - 1, (-2 * s / m - 1).expand(m - n)])


def linear_rank1(x, m=20):
    return _i(m, x) * (_i(x.numel(), x) @ x) - 1


def linear_rank1_zero(x, m=20):
    n = x.numel()
    s = _i(n - 2, x, 2) @ x[1:-1]
    return torch.cat([x.new_full((1,), -1.0), _i(m - 2, x, 1) * s - 1, x.new_full((1,), -1.0)])


def chebyquad(x, m=None):
    n = x.numel()
    m = n if m is None else m
    y = 2 * x - 1
    T = [torch.ones_like(y), y]
    for _ in range(2, m + 1):
        T.append(2 * y * T[-1] - T[-2])
    i = _i(m, x)
    exact = torch.where(i % 2 == 0, -1 / (i**2 - 1), torch.zeros_like(i))
    return torch.stack([t.mean() for t in T[1:]]) - exact
