"""The Lomb–Scargle periodogram of unevenly sampled data (``lombscargle``), SciPy's generalised form, batched
over signals sharing their sample times, differentiable."""

from __future__ import annotations

import warnings

import torch

from sciml._validation import as_tensor, check_bool


def lombscargle(x, y, freqs, precenter=None, normalize=False, *, weights=None, floating_mean=False):
    r"""Lomb–Scargle periodogram: the least-squares fit of a sinusoid at each angular frequency.

    At each :math:`\omega` it fits :math:`y(x) \approx a \cos \omega(x - \tau) + b \sin \omega(x - \tau)`
    (:math:`+\, c` with ``floating_mean``) by weighted least squares, the offset :math:`\tau` making the two
    terms orthogonal (:math:`\tan 2\omega\tau = 2\,CS/(CC - SS)`), and returns the power
    :math:`2 (a\,YC + b\,YS)` explained by the fit, in SciPy's units: times :math:`N/4` (``"power"``, the
    default), divided by :math:`2\,YY` (``"normalize"``, in [0, 1]), or the complex amplitude
    :math:`(a + i b) e^{i\omega\tau}` (``"amplitude"``). Normalised weights :math:`w` enter every sum.

    Parameters
    ----------
    x : (N,) tensor-like
        Sample times, any order, uneven.
    y : (..., N) tensor-like
        Observations; leading dimensions are a batch sharing ``x``.
    freqs : (F,) tensor-like
        Angular frequencies :math:`\omega = 2\pi f`, non-zero.
    precenter : bool, optional
        Deprecated in SciPy 1.17: subtract the mean of ``y`` first (pass ``y - y.mean()`` instead).
    normalize : {False, True, "power", "normalize", "amplitude"}
        Output scaling (``False`` is ``"power"``, ``True`` is ``"normalize"``).
    weights : (N,) or (..., N) tensor-like, optional
        Non-negative weights with a positive sum; default equal.
    floating_mean : bool
        Fit an offset :math:`c` with the sinusoid (the generalised Lomb–Scargle periodogram).

    Returns
    -------
    (..., F) tensor
        The periodogram (complex for ``"amplitude"``).

    Raises
    ------
    ValueError
        Shapes that differ, empty inputs, negative weights or weights summing to 0, an unknown ``normalize``,
        non-finite inputs.

    References
    ----------
    .. [1] N. R. Lomb, "Least-squares frequency analysis of unequally spaced data", *Astrophys. Space Sci.*
       39, 447–462, 1976.
    .. [2] J. D. Scargle, "Studies in astronomical time series analysis II", *Astrophys. J.* 263, 835–853,
       1982.
    .. [3] M. Zechmeister and M. Kürster, "The generalised Lomb-Scargle periodogram", *Astron. Astrophys.*
       496, 577–584, 2009.
    .. [4] ``scipy.signal.lombscargle``.

    Examples
    --------
    A 1.5 rad/s sinusoid at 200 random times:

    >>> g = torch.Generator().manual_seed(0)
    >>> t = 30 * torch.rand(200, generator=g, dtype=torch.float64)
    >>> w = torch.linspace(0.1, 3, 300, dtype=torch.float64)
    >>> p = lombscargle(t, 2 * torch.sin(1.5 * t), w, normalize=True)
    >>> round(float(w[p.argmax()]), 1)
    1.5
    """
    t = as_tensor(x, "x", ndim=1, real=True, nonempty=True)
    y = as_tensor(y, "y", real=True, device=t.device)
    w = as_tensor(freqs, "freqs", ndim=1, real=True, nonempty=True, device=t.device)
    dtype = torch.promote_types(torch.promote_types(t.dtype, y.dtype), w.dtype)
    t, y, w = t.to(dtype), y.to(dtype), w.to(dtype)
    if y.dim() == 0 or y.shape[-1] != t.shape[0]:
        raise ValueError(f"y must have x's {t.shape[0]} samples along its last dimension, got shape {tuple(y.shape)}")
    if weights is None:
        weights = torch.ones_like(t)
    weights = as_tensor(weights, "weights", real=True, device=t.device).to(dtype)
    if weights.dim() == 0 or weights.shape[-1] != t.shape[0]:
        raise ValueError(f"weights must have x's {t.shape[0]} samples, got shape {tuple(weights.shape)}")
    if bool((weights < 0).any()) or not bool((weights.sum(-1) > 0).all()):
        raise ValueError("weights must be non-negative with a positive sum")
    if isinstance(normalize, bool):
        normalize = "normalize" if normalize else "power"
    if normalize not in ("power", "normalize", "amplitude"):
        raise ValueError(f"normalize must be False (or 'power'), True (or 'normalize') or 'amplitude', got "
                         f"{normalize!r}")
    floating_mean = check_bool(floating_mean, "floating_mean")
    if precenter is not None:
        warnings.warn("precenter is deprecated (as in SciPy 1.17): pass y - y.mean() instead, or floating_mean=True",
                      DeprecationWarning, stacklevel=2)
        if check_bool(precenter, "precenter"):
            y = y - y.mean(-1, keepdim=True)
    weights = weights / weights.sum(-1, keepdim=True)
    wy = weights * y
    phase = t[:, None] * w  # (N, F)
    cos, sin = torch.cos(phase), torch.sin(phase)

    Y = wy.sum(-1, keepdim=True)
    CC = weights @ (cos * cos)
    SS = 1.0 - CC
    CS = weights @ (cos * sin)
    if floating_mean:
        C, S = weights @ cos, weights @ sin
        CC, SS, CS = CC - C * C, SS - S * S, CS - C * S
    tau = 0.5 * torch.atan2(2.0 * CS, CC - SS)
    shifted = phase - tau[..., None, :]
    cos_t, sin_t = torch.cos(shifted), torch.sin(shifted)
    YC = (wy[..., :, None] * cos_t).sum(-2)
    YS = (wy[..., :, None] * sin_t).sum(-2)
    CC = (weights[..., :, None] * cos_t * cos_t).sum(-2)
    SS = 1.0 - CC
    if floating_mean:
        C = (weights[..., :, None] * cos_t).sum(-2)
        S = (weights[..., :, None] * sin_t).sum(-2)
        YC, YS, CC, SS = YC - Y * C, YS - Y * S, CC - C * C, SS - S * S
    eps = torch.finfo(dtype).eps / 2  # NumPy's epsneg
    CC, SS = CC.clamp_min(eps), SS.clamp_min(eps)
    a, b = YC / CC, YS / SS
    if normalize == "amplitude":
        return torch.complex(a, b) * torch.polar(torch.ones_like(tau), tau)
    power = 2.0 * (a * YC + b * YS)
    if normalize == "power":
        return power * (t.shape[0] / 4.0)
    YY = (wy * y).sum(-1, keepdim=True)
    if floating_mean:
        YY = YY - Y * Y
    return power * (0.5 / YY)
