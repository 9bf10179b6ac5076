r"""Second-order sections and zero-phase filtering: ``sosfilt``, ``sosfilt_zi``, ``sosfiltfilt`` and
``filtfilt`` (SciPy's conventions), on tensors, batched and differentiable.

A cascade of biquads :math:`H(z) = \prod_s (b_{0s} + b_{1s} z^{-1} + b_{2s} z^{-2}) / (1 + a_{1s} z^{-1} +
a_{2s} z^{-2})` keeps high-order filters accurate where one polynomial :math:`B/A` would not be; running a
filter forward and then backward in time squares its magnitude response and cancels its phase.
"""

from __future__ import annotations

import torch

from sciml._validation import as_tensor, check_int
from sciml.signal._gust import gustafsson
from sciml.signal._lfilter import check_stable, coefficients, filter_last, normalised, states, steady_states
from sciml.signal._memory import recording
from sciml.signal._segments import as_samples, check_finite
from sciml.signal._sos import (
    SOSFiltFilt,
    cascade,
    forward_backward,
    normalised_sections,
    section_states,
    stacked,
    zero_phase,
)

_PADTYPES = ("odd", "even", "constant", None)


def sections(sos) -> torch.Tensor:
    """``sos`` as a real (n_sections, 6) tensor of stable sections with ``a0 ≠ 0``."""
    sos = as_tensor(sos, "sos", ndim=2, real=True, nonempty=True)
    if sos.shape[1] != 6:
        raise ValueError(f"sos must have shape (n_sections, 6): [b0, b1, b2, a0, a1, a2] per row, got "
                         f"{tuple(sos.shape)}; design one with scipy.signal.butter(..., output='sos')")
    a = sos.detach().cpu().numpy()[:, 3:]
    if (a[:, 0] == 0).any():
        raise ValueError("sos: every section needs a0 ≠ 0 (column 3)")
    for k, row in enumerate(a):
        check_stable(row, f"sos (section {k})")
    return sos


def sosfilt(sos, x, axis=-1, zi=None):
    r"""Filter ``x`` along ``axis`` by a cascade of second-order sections, as ``scipy.signal.sosfilt``.

    Each section :math:`y_n = b_0 x_n + b_1 x_{n-1} + b_2 x_{n-2} - a_1 y_{n-1} - a_2 y_{n-2}` (normalised by
    :math:`a_0`) filters the output of the previous one; the states are SciPy's (two per section, transposed
    direct form). On the CPU all sections run in SciPy's C loop (its values, its speed) and the backward pass
    differentiates the cascade section by section (first derivatives; for second derivatives chain
    :func:`lfilter` over the rows); off the CPU the recursion is :func:`lfilter`'s blocked scan.

    Parameters
    ----------
    sos : (n_sections, 6) tensor-like
        Rows ``[b0, b1, b2, a0, a1, a2]``, e.g. from ``scipy.signal.butter(..., output="sos")``; stable.
    x : tensor-like
        Real or complex samples along ``axis``.
    axis : int
        The samples' dimension.
    zi : tensor-like, optional
        Initial states of shape ``(n_sections, ...)`` with ``...`` ``x``'s shape with ``axis`` replaced by 2
        (a ``(n_sections, 2)`` array broadcasts); see :func:`sosfilt_zi`.

    Returns
    -------
    y : tensor
        The output, of ``x``'s shape.
    zf : tensor
        Final states, like ``zi`` (only when ``zi`` is given).

    Raises
    ------
    ValueError
        ``sos`` not of shape (n, 6), an unstable section, a ``zi`` of the wrong shape.

    References
    ----------
    .. [1] A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal Processing*, 3rd ed., Pearson, 2010,
       §6.3.2 (cascade form).
    .. [2] ``scipy.signal.sosfilt``.

    Examples
    --------
    >>> import scipy.signal
    >>> sos = scipy.signal.butter(4, 0.2, output="sos")
    >>> y = sosfilt(sos, torch.ones(200, dtype=torch.float64))
    >>> round(float(y[-1]), 10)  # unit gain at DC
    1.0
    """
    sos = sections(sos)
    x, axis_i = as_samples(x, "x", axis)
    x = x.to(torch.promote_types(x.dtype, sos.dtype))
    original = x.movedim(-1, axis_i)
    if zi is not None:
        zi = as_tensor(zi, "zi", real=not x.is_complex(), device=x.device)
        if zi.dim() == 2 and original.dim() > 1:
            zi = zi.reshape(zi.shape[0], *[2 if d == axis_i else 1 for d in range(original.dim())])
        if zi.dim() < 1 or zi.shape[0] != sos.shape[0]:
            raise ValueError(f"zi must have one set of states per section, shape ({sos.shape[0]}, ...), got "
                             f"{tuple(zi.shape)}")
    if zi is None:
        return cascade(stacked(sos.to(x.device), x.real.dtype), x, None).movedim(-1, axis_i)
    finals = []
    for k, (b, a) in enumerate(normalised_sections(sos.to(x.device), x.real.dtype)):
        z = None if zi is None else states(zi[k], original, 2, axis_i, "zi")
        x, zf = filter_last(b, a, x, z)
        finals.append(zf)
    y = x.movedim(-1, axis_i)
    return y if zi is None else (y, torch.stack([f.movedim(-1, axis_i) for f in finals]))


def sosfilt_zi(sos) -> torch.Tensor:
    r"""Initial states of :func:`sosfilt` for the steady state of a unit step: each section's
    :func:`lfilter_zi`, scaled by the DC gain :math:`\prod_{t<s} \sum b_t / \sum a_t` of the sections before it.

    Parameters
    ----------
    sos : (n_sections, 6) tensor-like
        The sections.

    Returns
    -------
    (n_sections, 2) tensor
        The states (differentiable in ``sos``).

    Raises
    ------
    ValueError
        As :func:`sosfilt`.

    References
    ----------
    .. [1] ``scipy.signal.sosfilt_zi``.

    Examples
    --------
    >>> import scipy.signal
    >>> sos = scipy.signal.butter(4, 0.2, output="sos")
    >>> y, _ = sosfilt(sos, torch.ones(5, dtype=torch.float64), zi=sosfilt_zi(sos))
    >>> torch.allclose(y, torch.ones(5, dtype=torch.float64))
    True
    """
    sos = sections(sos)
    out, scale = [], 1.0
    for b, a in normalised_sections(sos, sos.dtype):
        out.append(scale * steady_states(b, a))
        scale = scale * b.sum() / a.sum()
    return torch.stack(out)


def _pad_edge(padtype, padlen, n: int, ntaps: int) -> int:
    if padtype not in _PADTYPES:
        raise ValueError(f"padtype must be one of {_PADTYPES}, got {padtype!r}")
    edge = 0 if padtype is None else 3 * ntaps if padlen is None else check_int(padlen, "padlen", low=0)
    if n <= edge:
        raise ValueError(f"x must be longer than padlen = {edge} samples along axis, got {n}; pass a smaller padlen "
                         "(or padtype=None) or a longer signal")
    return edge


def sosfiltfilt(sos, x, axis=-1, padtype="odd", padlen=None):
    r"""Zero-phase filtering by second-order sections: :func:`sosfilt` forward, then backward in time.

    The result has the magnitude response :math:`|H(e^{i\omega})|^2` and no phase shift. The signal is
    extended by ``padlen`` samples at both ends (``padtype``) and each pass starts from the steady state
    (:func:`sosfilt_zi`) of its first sample, as SciPy does, so that the ends carry no transient.

    Parameters
    ----------
    sos : (n_sections, 6) tensor-like
        Stable sections.
    x : tensor-like
        Samples along ``axis``.
    axis : int
        The samples' dimension.
    padtype : {"odd", "even", "constant", None}
        The end extension (default odd: point reflection); None for none.
    padlen : int, optional
        Extension length, less than the signal's; default ``3 (2 n_sections + 1 − zeros)`` as SciPy.

    Returns
    -------
    tensor
        The filtered signal, of ``x``'s shape.

    Raises
    ------
    ValueError
        As :func:`sosfilt`, an unknown ``padtype``, a signal not longer than ``padlen``.

    References
    ----------
    .. [1] F. Gustafsson, "Determining the initial states in forward-backward filtering", *IEEE Trans.
       Signal Process.* 44(4), 988–992, 1996.
    .. [2] ``scipy.signal.sosfiltfilt``.

    Examples
    --------
    A 5 Hz tone through a 20 Hz low-pass comes out without delay:

    >>> import scipy.signal
    >>> t = torch.arange(1000, dtype=torch.float64) / 1000
    >>> x = torch.sin(2 * torch.pi * 5 * t) + 0.3 * torch.sin(2 * torch.pi * 200 * t)
    >>> y = sosfiltfilt(scipy.signal.butter(6, 20, fs=1000, output="sos"), x)
    >>> float((y - torch.sin(2 * torch.pi * 5 * t))[300:-300].abs().max()) < 1e-5
    True
    """
    sos = sections(sos)
    x, axis_i = as_samples(x, "x", axis, finite=False)
    x = x.to(torch.promote_types(x.dtype, sos.dtype))
    zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = _pad_edge(padtype, padlen, x.shape[-1], 2 * sos.shape[0] + 1 - zeros)
    if x.device.type == "cpu" and not x.is_complex():
        if recording(sos):
            normal = stacked(sos, x.dtype)
            zi = section_states(normal)
        else:  # the coefficients in NumPy: microseconds, not torch's per-operation cost
            s = sos.detach().numpy()
            normal = torch.from_numpy(s / s[:, 3:4]).to(x.dtype)
            zi = torch.from_numpy(section_states(normal.numpy()))
        y = SOSFiltFilt.apply(normal, x, zi, edge, padtype)
        # a NaN or an infinity anywhere reaches the backward pass's last output, y[..., 0] (SciPy's loop
        # multiplies every state, 0·NaN = NaN): no pass over x first
        if not bool(torch.isfinite(y[..., 0]).all()):
            check_finite(x, "x")
        return y.movedim(-1, axis_i)
    check_finite(x, "x")
    normal = stacked(sos.to(x.device), x.real.dtype)
    return zero_phase(normal, x, section_states(normal), edge, padtype).movedim(-1, axis_i)


def filtfilt(b, a, x, axis=-1, padtype="odd", padlen=None, method="pad", irlen=None):
    r"""Zero-phase filtering by :math:`B(z)/A(z)`: :func:`lfilter` forward, then backward in time.

    As :func:`sosfiltfilt` for a filter given by its polynomials (SciPy's ``method="pad"``; the default
    ``padlen`` is ``3 max(len(a), len(b))``). ``method="gust"`` needs no extension: Gustafsson's initial
    states for both passes make forward-backward and backward-forward filtering agree (least squares).
    Prefer :func:`sosfiltfilt` for high orders.

    Parameters
    ----------
    b, a : tensor-like
        Stable filter coefficients.
    x : tensor-like
        Samples along ``axis``.
    axis, padtype, padlen
        As for :func:`sosfiltfilt` (``padtype`` and ``padlen`` are ignored by ``"gust"``).
    method : {"pad", "gust"}
        Edge handling: extension and steady states (default), or Gustafsson's method.
    irlen : int, optional
        For ``"gust"``: the length of the impulse response's non-negligible part; with a signal longer
        than ``2 irlen`` only that many samples at each end enter the least-squares problem (faster for
        long signals). Default: the whole signal.

    Returns
    -------
    tensor
        The filtered signal, of ``x``'s shape.

    Raises
    ------
    ValueError
        As :func:`lfilter`, ``method`` other than ``"pad"`` or ``"gust"``, an unknown ``padtype``, a short
        signal, ``irlen < 1``.

    References
    ----------
    .. [1] F. Gustafsson, "Determining the initial states in forward-backward filtering", *IEEE Trans.
       Signal Process.* 44(4), 988–992, 1996.
    .. [2] ``scipy.signal.filtfilt``.

    Examples
    --------
    >>> y = filtfilt([0.5], [1.0, -0.5], torch.ones(20, dtype=torch.float64))
    >>> torch.allclose(y, torch.ones(20, dtype=torch.float64))
    True
    >>> y = filtfilt([0.5], [1.0, -0.5], torch.ones(20, dtype=torch.float64), method="gust")
    >>> torch.allclose(y, torch.ones(20, dtype=torch.float64))
    True
    """
    if method not in ("pad", "gust"):
        raise ValueError(f"method must be 'pad' or 'gust' (Gustafsson's initial states), got {method!r}")
    b, a = coefficients(b, a)
    x, axis_i = as_samples(x, "x", axis)
    x = x.to(torch.promote_types(torch.promote_types(x.dtype, b.dtype), a.dtype))
    if method == "gust":
        b, a = normalised(b.to(x.device), a.to(x.device), x.real.dtype)
        return gustafsson(b, a, x, irlen).movedim(-1, axis_i)
    edge = _pad_edge(padtype, padlen, x.shape[-1], max(b.shape[0], a.shape[0]))
    b, a = normalised(b.to(x.device), a.to(x.device), x.real.dtype)
    zi = steady_states(b, a)

    def run(v, v0):
        return filter_last(b, a, v, zi * v0, final=False)[0]

    return forward_backward(x, edge, padtype, run).movedim(-1, axis_i)
