"""The SDE path kernels of :mod:`quantforge.kernels.sde` on NVIDIA GPUs (numba.cuda, cupy backend).

One thread simulates one path, drawing its normals, jump counts and jump sizes in the kernel from
Philox (no pre-generated arrays), in float64 or float32.  The per-path source ``_path_scalar`` is
written once against a few names bound per precision (``_real``, ``_uniform``, ``_box_muller``) and
compiled twice with :func:`quantforge.kernels.jit.compile_for_cuda`; the Philox words come from the
device versions in :mod:`quantforge.kernels.rng.cuda` and the jump core from :mod:`.core`, so both
precisions read the same words as the CPU backends:

* float64 returns the CPU backends' paths to the last few ulps;
* float32 keeps the state and the diffusion arithmetic in float32, with uniforms that are the
  float32 rounding of the float64 ones (:func:`_u01_f32_scalar`, relative error below 2^-22) and a
  float32 Box–Muller.  Jump counts and log-jump sums are computed in float64 (one comparison per
  step, and real work only on the rare steps with a jump) and enter the float32 state rounded.

``_ceiling_scalar`` generates and sums the same number of normals as a path of ``n_steps`` steps,
with nothing else: its rate is the Philox-generation ceiling that the path kernel is measured
against.  Under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) the same kernels run on the
CPU, which is how the test suite checks them.  Importing this module imports numba.cuda.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from ..jit import compile_for_cuda
from ..rng import Philox
from ..rng.cuda import box_muller_dev, deliver, philox10_dev, u01_dev
from .core import ModelCode, Prm, Scheme, count_uniform, jump_scalar

__all__ = ["simulate", "normal_sums"]

_THREADS = 128
_SHIFT6 = np.uint64(6)
_F32_2M26 = np.float32(2.0**-26)
_F32_2M52 = np.float32(2.0**-52)
_F32_2M53 = np.float32(2.0**-53)
_F32_TWO_PI = np.float32(2.0 * math.pi)
_F32_MINUS_TWO = np.float32(-2.0)


def _u01_f32_scalar(w_hi, w_lo):
    """``rng.u01`` in float32: ``(2m + 1) 2^-53`` as ``hi 2^-26 + lo 2^-52 + 2^-53`` (26-bit halves of m).

    Each term carries at most one rounding (its conversion; the powers of two are exact) and each of
    the two sums one more; the terms are positive, so the relative error is at most 3 x 2^-24 < 2^-22
    for every pair of words, and tiny uniforms (the tail of Box–Muller) keep their relative precision.
    """
    return (np.float32(w_hi >> _SHIFT6) * _F32_2M26 + np.float32(w_lo >> _SHIFT6) * _F32_2M52) + _F32_2M53


def _box_muller_f32_scalar(u1, u2):
    """The Box–Muller pair in float32 arithmetic (``logf``, ``sqrtf``, ``cosf``, ``sinf`` on the device)."""
    r = np.float32(math.sqrt(_F32_MINUS_TWO * np.float32(math.log(u1))))
    t = _F32_TWO_PI * u2
    return np.float32(r * np.float32(math.cos(t))), np.float32(r * np.float32(math.sin(t)))


# prm: the parameters (the layout of core.Prm) in the kernel's precision; prm64 the same in float64 for the jumps
def _path_scalar(
    i,
    code,
    scheme,
    correction,
    prm,
    prm64,
    n_steps,
    k0,
    k1,
    stream,
    path0,
    store,
    paths_out,
    terminal,
    maximum,
    minimum,
    average,
    jumps,
):
    """One path, one thread, in the precision of ``_real``; the statements of the numba kernel (:mod:`.numba`)."""
    mu_c = prm[Prm.MU_C]
    sig = prm[Prm.SIGMA]
    x = prm[Prm.X0]
    dt = prm[Prm.DT]
    sqdt = prm[Prm.SQRT_DT]
    exact_drift = prm[Prm.EXACT_DRIFT]
    no_jump = prm64[Prm.NO_JUMP]
    half = _real(0.5)
    p = np.uint64(path0 + i)
    s0 = np.uint64(stream)
    s1 = np.uint64(stream + 1)
    s2 = np.uint64(stream + 2)
    mx = x
    mn = x
    acc = _real(0.0)
    cum = 0
    z1 = _real(0.0)
    c0 = c1 = c2 = c3 = np.uint64(0)
    if store:
        paths_out[i, 0] = x
    for j in range(n_steps):
        if j % 2 == 0:
            w0, w1, w2, w3 = philox10(np.uint64(j // 2), np.uint64(0), p, s0, k0, k1)
            z0, z1 = _box_muller(_uniform(w0, w1), _uniform(w2, w3))
            dw = z0 * sqdt
        else:
            dw = z1 * sqdt
        jsum = _real(0.0)
        jf = _real(1.0)
        if code != ModelCode.GBM:
            h = j % 4
            if h == 0:
                c0, c1, c2, c3 = philox10(np.uint64(j // 4), np.uint64(0), p, s1, k0, k1)
            u = _count_u(c0 if h == 0 else (c1 if h == 1 else (c2 if h == 2 else c3)))
            if u > no_jump:
                js, nj = _jump_sum(code, u, j, p, cum, prm64, k0, k1, s2)
                cum += nj
                jsum = _real(js)
                jf = _real(math.exp(js))
        if scheme == Scheme.EXACT:
            x = x * _real(math.exp(exact_drift + sig * dw + jsum))
        else:
            xn = x + mu_c * x * dt + sig * x * dw
            if scheme == Scheme.MILSTEIN and correction:
                xn = xn + half * sig * sig * x * (dw * dw - dt)
            x = xn * jf
        if x > mx:
            mx = x
        if x < mn:
            mn = x
        acc += x
        if store:
            paths_out[i, j + 1] = x
    terminal[i] = x
    maximum[i] = mx
    minimum[i] = mn
    average[i] = acc / _real(n_steps)
    jumps[i] = cum


def _ceiling_scalar(i, n_steps, k0, k1, stream, path0, out):
    """The sum of normal draws ``[0, n_steps)`` of path ``path0 + i``: the Philox work of a path, alone."""
    p = np.uint64(path0 + i)
    s0 = np.uint64(stream)
    acc = _real(0.0)
    for b in range((n_steps + 1) // 2):
        w0, w1, w2, w3 = philox10(np.uint64(b), np.uint64(0), p, s0, k0, k1)
        z0, z1 = _box_muller(_uniform(w0, w1), _uniform(w2, w3))
        acc += z0
        if 2 * b + 1 < n_steps:
            acc += z1
    out[i] = acc


def _simulate_kernel_source(
    code,
    scheme,
    correction,
    prm,
    prm64,
    n_steps,
    k0,
    k1,
    stream,
    path0,
    store,
    paths_out,
    terminal,
    maximum,
    minimum,
    average,
    jumps,
):
    i = cuda.grid(1)
    if i < terminal.shape[0]:
        _path_dev(
            i,
            code,
            scheme,
            correction,
            prm,
            prm64,
            n_steps,
            k0,
            k1,
            stream,
            path0,
            store,
            paths_out,
            terminal,
            maximum,
            minimum,
            average,
            jumps,
        )


def _ceiling_kernel_source(n_steps, k0, k1, stream, path0, out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        _ceiling_dev(i, n_steps, k0, k1, stream, path0, out)


_SHARED = {"philox10": philox10_dev, "u01": u01_dev, "box_muller": box_muller_dev}
_SHARED["_jump_sum"] = compile_for_cuda(jump_scalar, name="_jump_dev", **_SHARED)
_SHARED["_count_u"] = compile_for_cuda(count_uniform)
_PRECISIONS = {
    "float64": {"_real": np.float64, "_uniform": u01_dev, "_box_muller": box_muller_dev},
    "float32": {
        "_real": np.float32,
        "_uniform": compile_for_cuda(_u01_f32_scalar),
        "_box_muller": compile_for_cuda(_box_muller_f32_scalar),
    },
}


def _kernels(precision: str):
    names = {**_SHARED, **_PRECISIONS[precision]}
    names["_path_dev"] = compile_for_cuda(_path_scalar, name=f"_path_{precision}", **names)
    names["_ceiling_dev"] = compile_for_cuda(_ceiling_scalar, name=f"_ceiling_{precision}", **names)
    return (
        compile_for_cuda(_simulate_kernel_source, name=f"_simulate_{precision}", device=False, **names),
        compile_for_cuda(_ceiling_kernel_source, name=f"_ceiling_kernel_{precision}", device=False, **names),
    )


_KERNELS = {precision: _kernels(precision) for precision in _PRECISIONS}


def _blocks(n: int) -> int:
    return (n + _THREADS - 1) // _THREADS


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
    """Launch one thread per path; returns the arrays of ``sde.SimulationResult`` in order (device
    arrays, CuPy where it imports, when ``to_host`` is False).  ``model`` and ``dw_in`` are not read:
    the kernel knows GBM, Merton and Kou from ``code`` and ``prm`` and draws its own normals."""
    k0, k1 = Philox(seed, stream).key
    dtype = np.dtype(dtype)
    kernel = _KERNELS[dtype.name][0]
    out = [cuda.device_array(n_paths, dtype=dtype) for _ in range(4)]
    jumps = cuda.device_array(n_paths, dtype=np.int64)
    paths = cuda.device_array((n_paths, n_steps + 1) if store else (1, 1), dtype=dtype)
    kernel[_blocks(n_paths), _THREADS](
        code,
        scheme,
        correction,
        cuda.to_device(prm.astype(dtype)),
        cuda.to_device(prm),
        n_steps,
        np.uint64(k0),
        np.uint64(k1),
        stream,
        path0,
        store,
        paths,
        *out,
        jumps,
    )
    return (*(deliver(a, to_host) for a in out), deliver(jumps, to_host), deliver(paths, to_host) if store else None)


def normal_sums(n_paths: int, n_steps: int, k0: int, k1: int, stream: int, path0: int, dtype, to_host: bool):
    """Per path, the sum of its normal draws ``[0, n_steps)``, shape (n_paths,): the Philox-only ceiling."""
    dtype = np.dtype(dtype)
    out = cuda.device_array(n_paths, dtype=dtype)
    _KERNELS[dtype.name][1][_blocks(n_paths), _THREADS](n_steps, np.uint64(k0), np.uint64(k1), stream, path0, out)
    return deliver(out, to_host)
