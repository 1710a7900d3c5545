"""The jax path of :mod:`quantforge.kernels.sde`: the reference step under ``jit`` and ``lax.fori_loop``.

The step functions are those of the numpy reference (written against an array namespace); the
Philox words, Box–Muller normals, Poisson counts (inversion in a ``lax.while_loop``) and Kou jump
sizes are generated inside the loop from the documented layout, so no random array is materialised
and the paths equal the reference's to the last few ulps.  The loop body covers four steps, so each
Philox block is computed once (a loop of single steps would compute every normal block twice and
every jump-count block four times: XLA does not share work across iterations).  Importing this module imports jax.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..backend import get_backend
from ..rng import Philox
from ..rng.core import TWO_M53
from ..rng.reference import philox_xp
from ..vecmath import sincos_xp
from .core import MAX_JUMPS, TWO_M32, ModelCode, Prm, Scheme
from .models import ItoProcess
from .reference import gbm_step_xp, ito_step_xp

__all__ = ["simulate"]


def _u01(w_hi, w_lo):
    """``rng.u01`` with the integer-to-float conversion done from int64 (the value is below 2^53, so
    it is exact either way; x86 has a vector instruction for int64 -> float64 but not for uint64)."""
    m = ((w_hi >> 6) << 26) | (w_lo >> 6)
    return (m * 2 + 1).astype(jnp.int64).astype(jnp.float64) * TWO_M53


@functools.lru_cache(maxsize=64)
def _jax_kernel(model, code, scheme, correction, n_steps, n_paths, store, use_dw):
    """jax: the reference step under ``jit`` and ``lax.fori_loop``, Philox words generated in the loop.

    One iteration advances four steps, the span of one Philox block of jump-count words and of two
    blocks of normals, so every word is computed once.  Returns ``f(prm, k0, k1, stream, path0, dw_all)``;
    compiled once per static configuration.
    """
    u64 = jnp.uint64

    def run(prm, k0, k1, stream, path0, dw_all):
        path = jnp.arange(n_paths, dtype=u64) + path0
        zero = jnp.zeros_like(path)

        def words(block, s):
            return philox_xp(jnp, zero + block, zero, path, zero + s, k0, k1, 10)

        def normal_pair(block, s):
            w0, w1, w2, w3 = words(block, s)
            r = jnp.sqrt(-2.0 * jnp.log(_u01(w0, w1)))
            sin, cos = sincos_xp(jnp, 2.0 * math.pi * _u01(w2, w3))
            return r * cos, r * sin

        def poisson(u):
            """The inversion loop of :func:`.core.jump_scalar` on all paths at once."""
            p0 = prm[Prm.NO_JUMP] + jnp.zeros(u.shape)

            def cond(st):
                return jnp.any(st[4]) & (st[0] < MAX_JUMPS)

            def body(st):
                step, k, p, cdf, active = st
                step = step + 1
                k = k + active.astype(jnp.int64)
                p = jnp.where(active, p * (prm[Prm.LAM_DT] / step), p)
                cdf = jnp.where(active, cdf + p, cdf)
                return step, k, p, cdf, active & (u > cdf) & (p != 0.0)

            return lax.while_loop(cond, body, (0, jnp.zeros(u.shape, jnp.int64), p0, p0, u > p0))[1]

        def kou(counts, cum):
            def body(kk, jsum):
                d = (cum + kk).astype(u64)
                w0, w1, w2, w3 = words(d // u64(2), stream + u64(2))
                u = jnp.where(d % u64(2) == u64(0), _u01(w0, w1), _u01(w2, w3))
                p_up = prm[Prm.JUMP_A]
                up = u < p_up
                y = jnp.where(
                    up,
                    -jnp.log(jnp.where(up, u, 1.0) / p_up) / prm[Prm.JUMP_B],
                    jnp.log(jnp.where(up, 1.0, u - p_up) / (1.0 - p_up)) / prm[Prm.JUMP_C],
                )
                return jsum + jnp.where(counts > kk, y, 0.0)

            return lax.fori_loop(0, jnp.max(counts), body, jnp.zeros(counts.shape))

        def draws(q):
            """The random numbers of steps 4q .. 4q + 3: normals, jump-count uniforms, Merton jump normals."""
            q = jnp.asarray(q).astype(u64)
            out = ()
            if not use_dw:
                out += (*normal_pair(u64(2) * q, stream), *normal_pair(u64(2) * q + u64(1), stream))
            if code in (ModelCode.MERTON, ModelCode.KOU):
                out += tuple(
                    (w.astype(jnp.int64).astype(jnp.float64) + 0.5) * TWO_M32 for w in words(q, stream + u64(1))
                )
            if code == ModelCode.MERTON:
                out += (*normal_pair(u64(2) * q, stream + u64(2)), *normal_pair(u64(2) * q + u64(1), stream + u64(2)))
            return out

        def group(q, st, d, m):
            """Steps 4q .. 4q + m - 1 (m <= 4, static) with the draws ``d`` of group q."""
            x, mx, mn, acc, cum, paths = st
            q = jnp.asarray(q).astype(u64)
            z, d = (d, d) if use_dw else (d[:4], d[4:])
            uj, zj = d[:4], d[4:]
            for h in range(m):
                j = (q * u64(4) + u64(h)).astype(jnp.int64)
                dw = dw_all[:, j] if use_dw else z[h] * prm[Prm.SQRT_DT]
                jsum = 0.0
                if code in (ModelCode.MERTON, ModelCode.KOU):
                    nj = poisson(uj[h])
                    if code == ModelCode.MERTON:
                        jsum = jnp.where(nj > 0, nj * prm[Prm.JUMP_A] + prm[Prm.JUMP_B] * jnp.sqrt(nj) * zj[h], 0.0)
                    else:
                        jsum = kou(nj, cum)
                    cum = cum + nj
                if code == ModelCode.ITO:
                    x = ito_step_xp(
                        model, scheme == Scheme.MILSTEIN and correction, j * prm[Prm.DT], prm[Prm.DT], x, dw
                    )
                else:
                    x = gbm_step_xp(jnp, code, scheme, correction, prm, x, dw, jsum)
                if store:
                    paths = lax.dynamic_update_slice(paths, x[:, None], (0, j + 1))
                mx, mn, acc = jnp.maximum(mx, x), jnp.minimum(mn, x), acc + x
            return x, mx, mn, acc, cum, paths

        x = jnp.full(n_paths, prm[Prm.X0])
        paths = jnp.zeros((n_paths, n_steps + 1)).at[:, 0].set(prm[Prm.X0]) if store else jnp.zeros((1, 1))
        st = (x, x, x, jnp.zeros(n_paths), jnp.zeros(n_paths, jnp.int64), paths)
        # the draws of the next group travel in the loop carry: XLA then computes them once, into
        # memory, instead of inside each fusion that consumes them (x, its maximum, minimum and sum)
        st, d = lax.fori_loop(0, n_steps // 4, lambda q, c: (group(q, c[0], c[1], 4), draws(q + 1)), (st, draws(0)))
        if n_steps % 4:
            st = group(n_steps // 4, st, d, n_steps % 4)
        x, mx, mn, acc, cum, paths = st
        return x, mx, mn, acc / n_steps, cum, paths

    return jax.jit(run)


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
    """The outputs of :func:`quantforge.kernels.sde.simulate` on jax (validated arguments, float64, host arrays)."""
    k0, k1 = Philox(seed, stream).key
    ito = code == ModelCode.ITO
    if ito:  # numba.njit callables are traced through their Python source
        model = ItoProcess(*(getattr(f, "py_func", f) for f in (model.drift, model.diffusion, model.diffusion_dx)))
    with get_backend("jax").x64():
        f = _jax_kernel(model if ito else None, code, scheme, correction, n_steps, n_paths, store, dw_in is not None)
        u64 = np.uint64
        out = f(
            jnp.asarray(prm),
            u64(k0),
            u64(k1),
            u64(stream),
            u64(path0),
            jnp.asarray(dw_in) if dw_in is not None else jnp.zeros((1, 1)),
        )
        out = [np.asarray(a) for a in out]
    return (*out[:5], out[5] if store else None)
