"""Large CPU results allocated where the kernel gives them huge pages, and FFTs by SciPy's pocketfft on them.

torch's CPU allocator asks for transparent huge pages only when ``THP_MEM_ALLOC_ENABLE=1`` is set before torch
starts; otherwise every fresh tensor of tens of MB is faulted in 4 kB page by page, which costs more than the
arithmetic that fills it (a fresh 65 MB complex tensor: ~80 ms to fill, ~10 ms in NumPy's memory on the same
core). NumPy advises huge pages for large arrays, so on the CPU the spectral functions write their large
results into NumPy-allocated tensors (``torch.from_numpy``: the same tensor type, shared memory) with the
``out=`` forms of torch's operations — when no gradient is being recorded (``out=`` does not record one;
otherwise the ordinary operations run). SciPy's pocketfft (``scipy.fft``) already returns NumPy memory, and
runs batches of short real transforms about twice as fast as torch's CPU FFT; it is given torch's intra-op
thread count (``workers``), so ``torch.set_num_threads`` governs it as it governs torch.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import torch
import torch.nn.functional as F

_NUMPY = {torch.float64: np.float64, torch.float32: np.float32, torch.complex128: np.complex128,
          torch.complex64: np.complex64}
#: below this many bytes torch's allocator is as fast (its small blocks come from the heap)
_LARGE = 1 << 20


def recording(*tensors) -> bool:
    """Whether autograd records an operation on ``tensors`` (then no ``out=`` and no in-place writes)."""
    return torch.is_grad_enabled() and any(isinstance(t, torch.Tensor) and t.requires_grad for t in tensors)


def empty(shape, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """An uninitialised tensor; a large CPU one in NumPy's (huge-page advised) memory."""
    shape = tuple(shape)
    if device.type == "cpu" and dtype in _NUMPY and np.prod(shape) * dtype.itemsize >= _LARGE:
        return torch.from_numpy(np.empty(shape, dtype=_NUMPY[dtype]))
    return torch.empty(shape, dtype=dtype, device=device)


def binary(op, a: torch.Tensor, b) -> torch.Tensor:
    """``op(a, b)`` (``torch.mul``, ``torch.sub``, …) broadcast, its result in :func:`empty` memory when no
    gradient is recorded."""
    if recording(a, b) or a.device.type != "cpu":
        return op(a, b)
    shape = torch.broadcast_shapes(a.shape, b.shape if isinstance(b, torch.Tensor) else ())
    return op(a, b, out=empty(shape, torch.result_type(a, b), a.device))


def cat(tensors: list[torch.Tensor]) -> torch.Tensor:
    """``torch.cat`` along the last dimension, into :func:`empty` memory when no gradient is recorded."""
    first = tensors[0]
    if recording(*tensors) or first.device.type != "cpu":
        return torch.cat(tensors, -1)
    shape = (*first.shape[:-1], sum(t.shape[-1] for t in tensors))
    return torch.cat(tensors, -1, out=empty(shape, first.dtype, first.device))


def workers() -> int:
    """pocketfft's thread count: torch's intra-op thread count."""
    return torch.get_num_threads()


def as_numpy(x: torch.Tensor) -> np.ndarray:
    """The CPU tensor's memory as a NumPy array (no copy unless a lazy conjugate or negation is pending)."""
    return x.detach().resolve_conj().resolve_neg().numpy()


def pocket_rfft(x: torch.Tensor, n: int) -> torch.Tensor:
    """``rfft`` along the last dimension of a CPU tensor by pocketfft (no gradient)."""
    return torch.from_numpy(scipy.fft.rfft(as_numpy(x), n=n, axis=-1, workers=workers()))


def pocket_irfft(z: torch.Tensor, n: int) -> torch.Tensor:
    """``irfft`` along the last dimension of a CPU tensor by pocketfft (no gradient)."""
    return torch.from_numpy(scipy.fft.irfft(as_numpy(z), n=n, axis=-1, workers=workers()))


class _RFFT(torch.autograd.Function):
    """``rfft`` (length ``n`` ≥ the input's) by pocketfft; the backward pass is its adjoint,
    ``n · Re(ifft(g zero-padded to n))`` truncated to the input's length."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.n, ctx.length = n, x.shape[-1]
        return pocket_rfft(x, n)

    @staticmethod
    def backward(ctx, g):
        full = F.pad(g, (0, ctx.n - g.shape[-1]))
        return (torch.fft.ifft(full, dim=-1).real * ctx.n)[..., :ctx.length], None


class _IRFFT(torch.autograd.Function):
    """``irfft`` to ``n`` samples by pocketfft; the backward pass is its adjoint, ``rfft(g)/n`` with the bins
    that stand for two doubled, cut or zero-padded to the input's number of bins."""

    @staticmethod
    def forward(ctx, z, n):
        ctx.n, ctx.bins = n, z.shape[-1]
        return pocket_irfft(z, n)

    @staticmethod
    def backward(ctx, g):
        n = ctx.n
        G = torch.fft.rfft(g, dim=-1) / n
        twice = torch.full((G.shape[-1],), 2.0, dtype=g.dtype, device=g.device)
        twice[0] = 1.0
        if n % 2 == 0:
            twice[-1] = 1.0
        G = G * twice
        m = ctx.bins
        return (G[..., :m] if m <= G.shape[-1] else F.pad(G, (0, m - G.shape[-1]))), None


def rfft(x: torch.Tensor, n: int) -> torch.Tensor:
    """``torch.fft.rfft(x, n)`` along the last dimension (``n`` ≥ its length); by pocketfft on the CPU."""
    if x.device.type != "cpu":
        return torch.fft.rfft(x, n=n, dim=-1)
    return _RFFT.apply(x, n)


def irfft(z: torch.Tensor, n: int) -> torch.Tensor:
    """``torch.fft.irfft(z, n)`` along the last dimension; by pocketfft on the CPU."""
    if z.device.type != "cpu":
        return torch.fft.irfft(z, n=n, dim=-1)
    return _IRFFT.apply(z, n)
