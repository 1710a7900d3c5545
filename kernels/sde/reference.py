"""The reference SDE simulation: one step written against an array namespace ``xp``, a loop over steps.

The step functions (:func:`gbm_step_xp`, :func:`ito_step_xp`) are shared with the jax fast path,
which runs them under ``jit``; :func:`simulate` is the numpy reference that every fast path is
tested against.  Random numbers are drawn :data:`.core.CHUNK` steps at a time from the documented
Philox layout (see :mod:`quantforge.kernels.sde`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..rng import Philox
from ..rng.reference import block_words_xp, philox_xp, u01_xp
from .core import CHUNK, MAX_JUMPS, TWO_M32, ModelCode, Prm, Scheme

__all__ = ["gbm_step_xp", "ito_step_xp", "count_uniforms_xp", "poisson_inversion", "kou_jumps_xp", "simulate"]


def gbm_step_xp(xp: Any, code, scheme, correction, prm, x, dw, jsum):
    """One step of GBM/Merton/Kou from ``x`` with increment ``dw`` and log-jump sum ``jsum``."""
    mu_c, sig, dt, exact_drift = prm[Prm.MU_C], prm[Prm.SIGMA], prm[Prm.DT], prm[Prm.EXACT_DRIFT]
    if scheme == Scheme.EXACT:
        return x * xp.exp(exact_drift + sig * dw + jsum)
    xn = x + mu_c * x * dt + sig * x * dw
    if scheme == Scheme.MILSTEIN and correction:
        xn = xn + 0.5 * sig * sig * x * (dw * dw - dt)
    return xn * xp.exp(jsum) if code != ModelCode.GBM else xn


def ito_step_xp(model, milstein, t, dt, x, dw):
    """One Euler (or Milstein) step of an :class:`ItoProcess` with array callables."""
    b = model.diffusion(t, x)
    xn = x + model.drift(t, x) * dt + b * dw
    if milstein:
        xn = xn + 0.5 * b * model.diffusion_dx(t, x) * (dw * dw - dt)
    return xn


def count_uniforms_xp(xp: Any, n_paths, n_steps, path0, step0, stream, k0, k1):
    """The jump-count uniforms ``(w + 1/2) 2^-32`` of steps ``[step0, step0 + n_steps)``, shape (n_paths, n_steps)."""
    b0 = step0 // 4
    n_blocks = (step0 + n_steps + 3) // 4 - b0
    words = xp.stack(block_words_xp(xp, n_paths, n_blocks, path0, b0, 0, stream, k0, k1), axis=-1)
    words = xp.reshape(words, (n_paths, 4 * n_blocks))[:, step0 - 4 * b0 : step0 - 4 * b0 + n_steps]
    return (xp.astype(words, xp.float64) + 0.5) * TWO_M32


def poisson_inversion(u, lam_dt, p0):
    """Poisson(lam_dt) counts by inversion of ``u`` (numpy): the loop of the scalar core, vectorised."""
    k = np.zeros(u.shape, dtype=np.int64)
    p = np.full(u.shape, p0)
    cdf = p.copy()
    active = u > cdf
    step = 0
    while active.any() and step < MAX_JUMPS:
        step += 1
        k += active
        p = np.where(active, p * (lam_dt / step), p)
        cdf = np.where(active, cdf + p, cdf)
        active &= (u > cdf) & (p != 0.0)
    return k


def kou_jumps_xp(xp: Any, counts, cum, n_paths, path0, stream, k0, k1, p_up, eta_up, eta_down):
    """Sum of each path's log-jumps in one step: jump k of a path is its uniform draw cum + k."""
    u64 = xp.uint64
    jsum = xp.zeros(counts.shape, dtype=xp.float64)
    path = xp.arange(n_paths, dtype=u64) + u64(path0)
    for kk in range(int(counts.max()) if counts.size else 0):
        d = xp.astype(cum + kk, u64)
        w0, w1, w2, w3 = philox_xp(
            xp, d // u64(2), xp.zeros_like(d), path, xp.zeros_like(d) + u64(stream), u64(k0), u64(k1), 10
        )
        u = xp.where(d % u64(2) == u64(0), u01_xp(xp, w0, w1), u01_xp(xp, w2, w3))
        up = u < p_up
        y = xp.where(
            up,
            -xp.log(xp.where(up, u, 1.0) / p_up) / eta_up,
            xp.log(xp.where(up, 1.0, u - p_up) / (1.0 - p_up)) / eta_down,
        )
        jsum = jsum + xp.where(counts > kk, y, 0.0)
    return jsum


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
    """numpy reference: a step loop vectorised over paths, random numbers drawn CHUNK steps at a time."""
    gen, gen_sizes = Philox(seed, stream), Philox(seed, stream + 2)
    k0, k1 = gen.key
    jumps = code in (ModelCode.MERTON, ModelCode.KOU)
    x = np.full(n_paths, prm[Prm.X0])
    mx, mn, acc = x.copy(), x.copy(), np.zeros(n_paths)
    cum = np.zeros(n_paths, dtype=np.int64)
    paths = np.empty((n_paths, n_steps + 1)) if store else None
    if store:
        paths[:, 0] = x
    for j0 in range(0, n_steps, CHUNK):
        m = min(CHUNK, n_steps - j0)
        if dw_in is None:
            dw = gen.normals(n_paths, m, path_offset=path0, draw_offset=j0, backend="numpy") * prm[Prm.SQRT_DT]
        else:
            dw = dw_in[:, j0 : j0 + m]
        if jumps:
            u = count_uniforms_xp(np, n_paths, m, np.uint64(path0), j0, np.uint64(stream + 1), k0, k1)
            counts = poisson_inversion(u, prm[Prm.LAM_DT], prm[Prm.NO_JUMP])
        if code == ModelCode.MERTON:
            z = gen_sizes.normals(n_paths, m, path_offset=path0, draw_offset=j0, backend="numpy")
        for jj in range(m):
            j = j0 + jj
            if not jumps:
                jsum = 0.0
            elif code == ModelCode.MERTON:
                nj = counts[:, jj]
                jsum = np.where(nj > 0, nj * prm[Prm.JUMP_A] + prm[Prm.JUMP_B] * np.sqrt(nj) * z[:, jj], 0.0)
            else:
                nj = counts[:, jj]
                jsum = kou_jumps_xp(
                    np, nj, cum, n_paths, path0, stream + 2, k0, k1, prm[Prm.JUMP_A], prm[Prm.JUMP_B], prm[Prm.JUMP_C]
                )
            if jumps:
                cum = cum + counts[:, jj]
            if code == ModelCode.ITO:
                x = ito_step_xp(
                    model, scheme == Scheme.MILSTEIN and correction, j * prm[Prm.DT], prm[Prm.DT], x, dw[:, jj]
                )
            else:
                x = gbm_step_xp(np, code, scheme, correction, prm, x, dw[:, jj], jsum)
            mx = np.maximum(mx, x)
            mn = np.minimum(mn, x)
            acc = acc + x
            if store:
                paths[:, j + 1] = x
    return x, mx, mn, acc / n_steps, cum, paths
