"""Turning user input into tensors, with errors that name the argument and say what to pass instead."""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np
import torch

DEFAULT_DTYPE = torch.float64


#: the dtypes sciml computes in (float16 and bfloat16 lack the linear algebra, FFTs and accuracy numerics need)
REAL_DTYPES = (torch.float32, torch.float64)
COMPLEX_DTYPES = (torch.complex64, torch.complex128)


def check_dtype(dtype, name: str = "dtype", *, complex: bool = True) -> torch.dtype:
    """``dtype`` if sciml computes in it: float32 or float64 (and complex64/complex128 when ``complex``).

    float16, bfloat16 and integer dtypes are refused with a ``TypeError`` that says what to pass, before
    torch fails deep inside a solver.

    >>> check_dtype(torch.float64)
    torch.float64
    >>> check_dtype(torch.float16, "x")
    Traceback (most recent call last):
    ...
    TypeError: x has dtype torch.float16, a dtype sciml does not compute in; use torch.float64 (or torch.float32)
    """
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"{name} must be a torch.dtype such as torch.float64, got {type(dtype).__name__} {dtype!r}")
    allowed = REAL_DTYPES + (COMPLEX_DTYPES if complex else ())
    if dtype not in allowed:
        if dtype.is_complex and not complex:
            fix = "this function works over the reals: pass real input (split complex variables)"
        else:
            fix = "use torch.float64 (or torch.float32)"
        what = f"{name}={dtype} is a dtype" if name == "dtype" else f"{name} has dtype {dtype}, a dtype"
        raise TypeError(f"{what} sciml does not compute in; {fix}")
    return dtype


def resolve_dtype(dtype, *tensors, complex: bool = True) -> torch.dtype:
    """``dtype`` if given (checked by :func:`check_dtype`; ``complex=False`` refuses complex dtypes), else the
    floating dtype of the first floating tensor (complex ones skipped when ``complex=False``), else float64."""
    if dtype is not None:
        if not isinstance(dtype, torch.dtype) or not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(f"dtype must be a floating torch.dtype such as torch.float64, got {dtype!r}")
        return check_dtype(dtype, complex=complex)
    for t in tensors:  # the tensors' own checks (as_tensor) name them when their dtype is refused
        if isinstance(t, torch.Tensor) and (t.is_floating_point() or (complex and t.is_complex())):
            return t.dtype
    return DEFAULT_DTYPE


def as_tensor(value, name: str, *, dtype=None, device=None, ndim=None, finite: bool = True, real: bool = False,
              nonempty: bool = False) -> torch.Tensor:
    """``value`` (tensor, array, list or number) as a floating tensor, checked.

    Tensors keep their floating dtype and device unless ``dtype``/``device`` are given; everything else
    becomes float64 (complex128 for complex data). Checks, each raising ``TypeError`` or ``ValueError``
    naming ``name``: a numeric, rectangular value; a dtype sciml computes in (:func:`check_dtype`); real
    when ``real`` (complex input is refused, never silently dropped to its real part); ``ndim`` (an int or a
    tuple of allowed dimensions); at least one entry when ``nonempty``; finite entries when ``finite``.

    >>> as_tensor([[1, 2], [3, 4]], "A").dtype
    torch.float64
    >>> as_tensor([1j, 2], "b", real=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: b must be real, got complex entries; sciml does not drop imaginary parts: ...
    """
    if isinstance(value, torch.Tensor):
        t = value
        if not (t.is_floating_point() or t.is_complex()):
            t = t.to(dtype or DEFAULT_DTYPE)
    elif isinstance(value, np.ndarray | list | tuple | numbers.Number) and not isinstance(value, bool):
        try:
            t = torch.as_tensor(np.asarray(value, dtype=np.complex128 if np.iscomplexobj(value) else np.float64))
        except (TypeError, ValueError) as exc:
            text = str(exc)
            if "inhomogeneous" in text or "sequence" in text:
                raise ValueError(f"{name} must be rectangular (every row of the same length), got a ragged nested "
                                 "list") from None
            raise TypeError(f"{name} must be numeric (a tensor, array or nested list of numbers): {exc}") from None
    else:
        raise TypeError(f"{name} must be a tensor, array, list or number, got {type(value).__name__}")
    if real and t.is_complex():
        raise TypeError(f"{name} must be real, got complex entries; sciml does not drop imaginary parts: pass the "
                        f"real part ({name}.real) if that is what you mean")
    if dtype is not None:
        if real and isinstance(dtype, torch.dtype) and dtype.is_complex:
            raise TypeError(f"dtype must be a real floating dtype here ({name} is real), got {dtype}")
        if t.is_complex() and isinstance(dtype, torch.dtype) and not dtype.is_complex:
            raise TypeError(f"{name} is complex but dtype={dtype} is real; sciml does not drop imaginary parts: "
                            f"pass dtype={torch.complex128} or the real part ({name}.real)")
    if dtype is not None or device is not None:
        t = t.to(dtype=dtype or t.dtype, device=device or t.device)
    check_dtype(t.dtype, name, complex=not real)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if t.dim() not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} dimension(s), got shape {tuple(t.shape)}")
    if nonempty and t.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)}); pass at least one entry")
    if finite and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite entries; clean the input first")
    return t


# -- scalars and options: one message per kind of mistake, naming the argument ------------------------------

def _bound_text(low, high, low_open, high_open) -> str:
    if low == 0 and high is None:
        return "positive" if low_open else "non-negative"
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


def check_int(value, name: str, *, low: int | None = None, high: int | None = None, none: bool = False):
    """``value`` as an ``int`` within ``[low, high]`` (``None`` allowed when ``none``); else an error naming it.

    >>> check_int(3, "max_iter", low=0)
    3
    >>> check_int(-1, "max_iter", low=0)
    Traceback (most recent call last):
    ...
    ValueError: max_iter must be a non-negative integer, got -1
    """
    if value is None and none:
        return None
    if low == 0 and high is None:
        want = "a non-negative integer"
    elif low == 1 and high is None:
        want = "a positive integer"
    else:
        want = (f"an integer in [{low}, {high}]" if low is not None and high is not None
                else f"an integer >= {low}" if low is not None else f"an integer <= {high}" if high is not None
                else "an integer")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {want}, got {type(value).__name__} {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return int(value)


def check_real(value, name: str, *, low: float | None = None, high: float | None = None, low_open: bool = False,
               high_open: bool = False, finite: bool = True, none: bool = False):
    """``value`` as a ``float`` within its bounds (open or closed), finite unless ``finite=False``.

    >>> check_real(1e-8, "rtol", low=0)
    1e-08
    >>> check_real(float("nan"), "lam0", low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: lam0 must be a positive finite number, got nan
    """
    if value is None and none:
        return None
    bounds = _bound_text(low, high, low_open, high_open)
    want = (f"a {bounds} " if bounds in ("positive", "non-negative") else "a ") + ("finite " if finite else "") + \
        "number" + (f" {bounds}" if bounds and bounds not in ("positive", "non-negative") else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {want}, got {type(value).__name__} {value!r}")
    v = float(value)
    bad = math.isnan(v) or (finite and math.isinf(v))
    if low is not None:
        bad = bad or (v <= low if low_open else v < low)
    if high is not None:
        bad = bad or (v >= high if high_open else v > high)
    if bad:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return v


def check_bool(value, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (not 0, 1 or a string)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_callable(value, name: str, signature: str, *, none: bool = True):
    """``value`` if it is callable (or ``None`` when allowed); ``signature`` shows how it is called."""
    if value is None and none:
        return None
    if not callable(value):
        raise TypeError(f"{name} must be callable ({signature}), got {type(value).__name__}")
    return value


def check_choice(value, name: str, choices):
    """``value`` if it is one of ``choices`` (strings compared case-insensitively), else a suggestion."""
    choices = tuple(choices)
    if isinstance(value, str):
        for c in choices:
            if isinstance(c, str) and c.lower() == value.lower():
                return c
        close = difflib.get_close_matches(value.lower(), [str(c).lower() for c in choices], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
    else:
        hint = ""
    raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}{hint}")
