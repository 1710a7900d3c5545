"""The jax path of :mod:`quantforge.kernels.sde`: the reference step under ``jit`` and ``lax.fori_loop``.

The step functions are those of the numpy reference (written against an array namespace); the
Philox words, Box–Muller normals, Poisson counts (inversion in a ``lax.while_loop``) and Kou jump
sizes are generated inside the loop from the documented layout, so no random array is materialised
and the paths equal the reference's to the last few ulps.  Importing this module imports jax.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .rng import Philox, _philox_xp, _u01_xp
from .sde import ItoProcess, _gbm_step_xp, _ito_step_xp

__all__ = ["simulate"]


@functools.lru_cache(maxsize=64)
def _jax_kernel(model, code, scheme, correction, n_steps, n_paths, store, use_dw):
    """jax: the reference step under ``jit`` and ``lax.fori_loop``, Philox words generated in the loop.

    Returns ``f(prm, k0, k1, stream, path0, dw_all)``; compiled once per static configuration.
    """
    u64 = jnp.uint64

    def run(prm, k0, k1, stream, path0, dw_all):
        def words(block, path, s):
            z = jnp.zeros_like(path)
            return _philox_xp(jnp, z + block, z, path, z + s, k0, k1, 10)

        def normal(j, path, s):
            w0, w1, w2, w3 = words((j // 2).astype(u64), path, s)
            r = jnp.sqrt(-2.0 * jnp.log(_u01_xp(jnp, w0, w1)))
            t = 2.0 * math.pi * _u01_xp(jnp, w2, w3)
            return jnp.where(j % 2 == 0, r * jnp.cos(t), r * jnp.sin(t))

        def poisson(j, path, lam):
            w0, w1, _, _ = words(jnp.asarray(j).astype(u64), path, stream + u64(1))
            u = _u01_xp(jnp, w0, w1)
            p0 = jnp.exp(-lam) + jnp.zeros(u.shape)

            def cond(st):
                return jnp.any(st[4]) & (st[0] < 1000)

            def body(st):
                step, k, p, cdf, active = st
                step = step + 1
                k = k + active.astype(jnp.int64)
                p = jnp.where(active, p * (lam / step), p)
                cdf = jnp.where(active, cdf + p, cdf)
                return step, k, p, cdf, active & (u > cdf) & (p != 0.0)

            st = (0, jnp.zeros(u.shape, jnp.int64), p0, p0, (u > p0) & (lam > 0))
            return lax.while_loop(cond, body, st)[1]

        def kou(counts, cum, path):
            def body(kk, jsum):
                d = (cum + kk).astype(u64)
                w0, w1, w2, w3 = words(d // u64(2), path, stream + u64(2))
                u = jnp.where(d % u64(2) == u64(0), _u01_xp(jnp, w0, w1), _u01_xp(jnp, w2, w3))
                up = u < prm[3]
                y = jnp.where(up, -jnp.log(jnp.where(up, u, 1.0) / prm[3]) / prm[4],
                              jnp.log(jnp.where(up, 1.0, u - prm[3]) / (1.0 - prm[3])) / prm[5])
                return jsum + jnp.where(counts > kk, y, 0.0)

            return lax.fori_loop(0, jnp.max(counts), body, jnp.zeros(counts.shape))

        path = jnp.arange(n_paths, dtype=u64) + path0
        x = jnp.full(n_paths, prm[6])
        paths = jnp.zeros((n_paths, n_steps + 1)).at[:, 0].set(prm[6]) if store else jnp.zeros((1, 1))

        def body(j, st):
            x, mx, mn, acc, cum, paths = st
            dw = dw_all[:, j] if use_dw else normal(j, path, stream) * prm[8]
            jsum = 0.0
            if code in (1, 2):
                nj = poisson(j, path, prm[2])
                if code == 1:
                    zj = normal(j, path, stream + u64(2))
                    jsum = jnp.where(nj > 0, nj * prm[3] + prm[4] * jnp.sqrt(nj) * zj, 0.0)
                else:
                    jsum = kou(nj, cum, path)
                cum = cum + nj
            if code == 3:
                x = _ito_step_xp(model, scheme == 1 and correction, j * prm[7], prm[7], x, dw)
            else:
                x = _gbm_step_xp(jnp, code, scheme, correction, prm, x, dw, jsum)
            if store:
                paths = lax.dynamic_update_slice(paths, x[:, None], (0, j + 1))
            return x, jnp.maximum(mx, x), jnp.minimum(mn, x), acc + x, cum, paths

        st = (x, x, x, jnp.zeros(n_paths), jnp.zeros(n_paths, jnp.int64), paths)
        x, mx, mn, acc, cum, paths = lax.fori_loop(0, n_steps, body, st)
        return x, mx, mn, acc / n_steps, cum, paths

    return jax.jit(run)


def simulate(model, code, scheme, correction, prm, n_steps, n_paths, seed, stream, path0, dw_in, store):
    k0, k1 = Philox(seed, stream).key
    if code == 3:  # numba.njit callables are traced through their Python source
        model = ItoProcess(*(getattr(f, "py_func", f) for f in (model.drift, model.diffusion, model.diffusion_dx)))
    with jax.enable_x64(True):
        f = _jax_kernel(model if code == 3 else None, code, scheme, correction, n_steps, n_paths, store,
                        dw_in is not None)
        u64 = np.uint64
        out = f(jnp.asarray(prm), u64(k0), u64(k1), u64(stream), u64(path0),
                jnp.asarray(dw_in) if dw_in is not None else jnp.zeros((1, 1)))
        out = [np.asarray(a) for a in out]
    return (*out[:5], out[5] if store else None)
