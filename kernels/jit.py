"""How quantforge compiles Python: one set of Numba options for the CPU, one helper for CUDA.

Every compiled function in the package goes through :func:`jit` (kernels) or :func:`engine_jit`
(the hot path), so the options that matter — on-disk caching, the error model, bounds checking,
the GIL — are chosen here once.

Scalar cores are written once in plain Python (arch's "written once, jitted from it"): the CPU
fast path compiles them with :func:`jit` and the GPU fast path with :func:`compile_for_cuda`,
which rebinds the helpers a core calls by global name (``philox10``, ``u01``, ...) to their
device versions before handing it to ``numba.cuda.jit(device=True)``.  The two builds therefore
execute the same source, which is why CPU and GPU paths agree to the last ulps.

Importing this module imports numba but never numba.cuda.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numba

__all__ = ["jit_options", "jit", "engine_jit", "compile_for_cuda"]

_BASE: dict[str, Any] = {"cache": True}


def jit_options(
    *,
    parallel: bool = False,
    inline: bool = False,
    fastmath: bool = False,
    error_model: str = "python",
    nogil: bool = False,
    boundscheck: bool | None = None,
) -> dict[str, Any]:
    """The keyword arguments of ``numba.njit`` for a function compiled with these properties.

    ``inline=True`` inlines the function into its callers at the Numba IR level (small leaves of a
    hot loop); ``error_model="numpy"`` makes division by zero give inf/NaN instead of raising, which
    lets LLVM vectorise loops that divide.
    """
    opts = dict(_BASE)
    if parallel:
        opts["parallel"] = True
    if inline:
        opts["inline"] = "always"
    if fastmath:
        opts["fastmath"] = True
    if error_model != "python":
        opts["error_model"] = error_model
    if nogil:
        opts["nogil"] = True
    if boundscheck is not None:
        opts["boundscheck"] = boundscheck
    return opts


def jit(fn: Callable | None = None, **options: Any) -> Any:
    """``numba.njit`` with :func:`jit_options`; usable bare (``@jit``) or with options (``@jit(parallel=True)``)."""
    decorator = numba.njit(**jit_options(**options))
    return decorator if fn is None else decorator(fn)


def engine_jit(fn: Callable | None = None, *, inline: bool = False) -> Any:
    """The hot path's compilation: no GIL, no bounds checks (buffers are validated at the Python boundary)."""
    return jit(fn, nogil=True, boundscheck=False, inline=inline)


def compile_for_cuda(fn: Callable, *, name: str | None = None, device: bool = True, **device_globals: Any) -> Any:
    """Compile a plain-Python scalar core as a CUDA device function (or, ``device=False``, a kernel).

    Parameters
    ----------
    fn : function
        The scalar core, in plain Python (not a Numba dispatcher: pass ``dispatcher.py_func``).
    name : str, optional
        The device function's name (default: ``fn``'s); give each rebound build its own.
    device : bool, default True
        False compiles a kernel (``__global__``) instead, for launch sources that call rebound cores.
    **device_globals
        Global names ``fn`` calls, rebound to device functions (for example
        ``philox10=philox10_dev``).  Every other global keeps its value from ``fn``'s module.

    Returns
    -------
    A ``numba.cuda`` device function or kernel (under ``NUMBA_ENABLE_CUDASIM=1``, the simulator's).
    """
    from numba import cuda

    if device_globals:
        fn = types.FunctionType(
            fn.__code__, {**fn.__globals__, **device_globals}, name or fn.__name__, fn.__defaults__, fn.__closure__
        )
    return cuda.jit(device=True)(fn) if device else cuda.jit(fn)
