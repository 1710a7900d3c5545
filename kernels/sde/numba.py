"""The numba (CPU) fast path of :mod:`quantforge.kernels.sde`.

The jump-diffusion kernel works on blocks of 16 paths, four steps at a time: the Philox words and
Box–Muller normals of a block (two Philox calls per lane) and its jump-count words (one call, a word
per step) are computed in branch-free loops over the lanes that LLVM turns into SIMD code (with the
vectorisable log and sincos of :mod:`vecmath`), the jumps (a data-dependent amount of work per path)
lane by lane and only where a count uniform exceeds ``e^{-lam dt}``, and the state update again as a
vector loop.  Every lane draws exactly the numbers of the documented layout (see :mod:`sde`), so the
paths equal the numpy reference to the last few ulps.  The jump core (:func:`.core.jump_scalar`) is
plain Python, compiled here for the CPU and by :mod:`.cuda` for the GPU; general Itô processes get a
kernel compiled per set of callables.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit, prange

from ..jit import jit
from ..rng import Philox
from ..rng.core import box_muller, philox10, u01
from ..vecmath import box_muller_vec
from .core import ModelCode, Prm, Scheme, count_uniform, jump_scalar

__all__ = ["simulate"]

_jump_sum = jit(error_model="numpy")(jump_scalar)
_count_u = jit(inline=True)(count_uniform)

_LANES = 16


@jit(parallel=True, error_model="numpy")
def _simulate_numba(
    code,
    scheme,
    correction,
    prm,
    n_steps,
    k0,
    k1,
    stream,
    path0,
    dw_in,
    use_dw,
    store,
    paths_out,
    terminal,
    maximum,
    minimum,
    average,
    jumps,
):
    """Blocks of 16 paths, four steps at a time: two Philox blocks of normals and one of jump counts."""
    n = terminal.shape[0]
    mu_c = prm[Prm.MU_C]
    sig = prm[Prm.SIGMA]
    dt = prm[Prm.DT]
    sqdt = prm[Prm.SQRT_DT]
    exact_drift = prm[Prm.EXACT_DRIFT]
    no_jump = prm[Prm.NO_JUMP]
    milstein = scheme == Scheme.MILSTEIN and correction
    s0 = np.uint64(stream)
    s1 = np.uint64(stream + 1)
    s2 = np.uint64(stream + 2)
    for g in prange((n + _LANES - 1) // _LANES):
        i0 = g * _LANES
        cnt = min(_LANES, n - i0)
        x = np.full(_LANES, prm[Prm.X0])
        mx = x.copy()
        mn = x.copy()
        acc = np.zeros(_LANES)
        cum = np.zeros(_LANES, dtype=np.int64)
        u1 = np.empty(_LANES)
        u2 = np.empty(_LANES)
        dw = np.zeros((4, _LANES))
        uj = np.empty((4, _LANES))
        js = np.zeros((4, _LANES))
        jf = np.ones((4, _LANES))  # e^J, 1 = exp(0) where a step has no jump
        if store:
            for ll in range(cnt):
                paths_out[i0 + ll, 0] = x[ll]
        for q in range((n_steps + 3) // 4):
            m = min(4, n_steps - 4 * q)
            if use_dw:
                for h in range(m):
                    for ll in range(cnt):
                        dw[h, ll] = dw_in[i0 + ll, 4 * q + h]
            else:
                for half in range((m + 1) // 2):
                    for ll in range(_LANES):
                        w0, w1, w2, w3 = philox10(
                            np.uint64(2 * q + half), np.uint64(0), np.uint64(path0 + i0 + ll), s0, k0, k1
                        )
                        u1[ll] = u01(w0, w1)
                        u2[ll] = u01(w2, w3)
                    for ll in range(_LANES):
                        z0, z1 = box_muller_vec(u1[ll], u2[ll])
                        dw[2 * half, ll] = z0 * sqdt
                        dw[2 * half + 1, ll] = z1 * sqdt
            if code != ModelCode.GBM:
                # the inversion's first test, u > e^{-lam dt}, on all lanes at once: only the lanes
                # with a jump in a step go through the scalar jump core
                for ll in range(_LANES):
                    w0, w1, w2, w3 = philox10(np.uint64(q), np.uint64(0), np.uint64(path0 + i0 + ll), s1, k0, k1)
                    uj[0, ll] = _count_u(w0)
                    uj[1, ll] = _count_u(w1)
                    uj[2, ll] = _count_u(w2)
                    uj[3, ll] = _count_u(w3)
                for h in range(m):
                    for ll in range(cnt):
                        js[h, ll] = 0.0
                        jf[h, ll] = 1.0
                        if uj[h, ll] > no_jump:
                            js[h, ll], nj = _jump_sum(
                                code, uj[h, ll], 4 * q + h, np.uint64(path0 + i0 + ll), cum[ll], prm, k0, k1, s2
                            )
                            jf[h, ll] = math.exp(js[h, ll])
                            cum[ll] += nj
            for h in range(m):
                # one loop per case, so that the call-free Euler/Milstein loop of GBM vectorises
                if scheme == Scheme.EXACT:
                    for ll in range(_LANES):
                        x[ll] = x[ll] * math.exp(exact_drift + sig * dw[h, ll] + js[h, ll])
                elif code != ModelCode.GBM:
                    for ll in range(_LANES):
                        xl = x[ll]
                        d = dw[h, ll]
                        xn = xl + mu_c * xl * dt + sig * xl * d
                        if milstein:
                            xn = xn + 0.5 * sig * sig * xl * (d * d - dt)
                        x[ll] = xn * jf[h, ll]
                else:
                    for ll in range(_LANES):
                        xl = x[ll]
                        d = dw[h, ll]
                        xn = xl + mu_c * xl * dt + sig * xl * d
                        if milstein:
                            xn = xn + 0.5 * sig * sig * xl * (d * d - dt)
                        x[ll] = xn
                for ll in range(_LANES):
                    xl = x[ll]
                    mx[ll] = xl if xl > mx[ll] else mx[ll]
                    mn[ll] = xl if xl < mn[ll] else mn[ll]
                    acc[ll] += xl
                if store:
                    for ll in range(cnt):
                        paths_out[i0 + ll, 4 * q + h + 1] = x[ll]
        for ll in range(cnt):
            terminal[i0 + ll] = x[ll]
            maximum[i0 + ll] = mx[ll]
            minimum[i0 + ll] = mn[ll]
            average[i0 + ll] = acc[ll] / n_steps
            jumps[i0 + ll] = cum[ll]


def _ito_path(drift, diffusion, diffusion_dx):
    """A numba kernel for one Itô process (compiled per callables; not cached across sessions)."""

    @njit(parallel=True)
    def kernel(
        milstein,
        x0,
        dt,
        sqdt,
        n_steps,
        k0,
        k1,
        stream,
        path0,
        dw_in,
        use_dw,
        store,
        paths_out,
        terminal,
        maximum,
        minimum,
        average,
    ):
        zero = np.uint64(0)
        s0 = np.uint64(stream)
        for i in prange(terminal.shape[0]):
            p = np.uint64(path0 + i)
            x = x0
            mx = x
            mn = x
            acc = 0.0
            z1 = 0.0
            if store:
                paths_out[i, 0] = x
            for j in range(n_steps):
                if use_dw:
                    dw = dw_in[i, j]
                elif j % 2 == 0:
                    w0, w1, w2, w3 = philox10(np.uint64(j // 2), zero, p, s0, k0, k1)
                    z0, z1 = box_muller(u01(w0, w1), u01(w2, w3))
                    dw = z0 * sqdt
                else:
                    dw = z1 * sqdt
                t = j * dt
                b = diffusion(t, x)
                xn = x + drift(t, x) * dt + b * dw
                if milstein:
                    xn = xn + 0.5 * b * diffusion_dx(t, x) * (dw * dw - dt)
                x = xn
                mx = max(mx, x)
                mn = min(mn, x)
                acc += x
                if store:
                    paths_out[i, j + 1] = x
            terminal[i] = x
            maximum[i] = mx
            minimum[i] = mn
            average[i] = acc / n_steps

    return kernel


@functools.lru_cache(maxsize=32)
def _ito_kernel(drift, diffusion, diffusion_dx):
    return _ito_path(drift, diffusion, diffusion_dx if diffusion_dx is not None else drift)


def simulate(
    model,
    code,
    scheme,
    correction,
    prm,
    n_steps,
    n_paths,
    seed,
    stream,
    path0,
    dw_in,
    store,
    *,
    dtype=np.float64,
    to_host=True,
):
    """The outputs of :func:`quantforge.kernels.sde.simulate` on the CPU (validated arguments, float64)."""
    k0, k1 = (np.uint64(w) for w in Philox(seed, stream).key)
    out = [np.empty(n_paths) for _ in range(4)]
    jumps = np.zeros(n_paths, dtype=np.int64)
    paths = np.empty((n_paths, n_steps + 1) if store else (1, 1))
    dw = dw_in if dw_in is not None else np.empty((1, 1))
    if code == ModelCode.ITO:
        for name in ("drift", "diffusion", "diffusion_dx"):
            f = getattr(model, name)
            if f is not None and not hasattr(f, "py_func"):
                raise TypeError(
                    f"backend 'numba' needs {name} to be a numba.njit function of scalars (t, x), "
                    f"got {type(f).__name__}; use backend='numpy' or 'jax' for array callables"
                )
        kernel = _ito_kernel(model.drift, model.diffusion, model.diffusion_dx)
        kernel(
            scheme == Scheme.MILSTEIN and correction,
            prm[Prm.X0],
            prm[Prm.DT],
            prm[Prm.SQRT_DT],
            n_steps,
            k0,
            k1,
            stream,
            path0,
            dw,
            dw_in is not None,
            store,
            paths,
            *out,
        )
    else:
        _simulate_numba(
            code,
            scheme,
            correction,
            prm,
            n_steps,
            k0,
            k1,
            stream,
            path0,
            dw,
            dw_in is not None,
            store,
            paths,
            *out,
            jumps,
        )
    return (*out, jumps, paths if store else None)
