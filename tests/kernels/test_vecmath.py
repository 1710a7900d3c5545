"""kernels/vecmath.py: the vectorisable log, sincos and Box–Muller against numpy's libm within a few ulps."""

from __future__ import annotations

import re

import numpy as np
import pytest
from numba import njit

from quantforge.kernels.backend import get_backend
from quantforge.kernels.rng import Philox
from quantforge.kernels.vecmath import box_muller_vec, log_vec, sincos_vec, sincos_xp


@njit(cache=True, error_model="numpy")
def _apply(u1, u2, out):
    for i in range(u1.shape[0]):
        out[i, 0] = log_vec(u1[i])
        out[i, 1], out[i, 2] = sincos_vec(u2[i])
        out[i, 3], out[i, 4] = box_muller_vec(u1[i], u2[i] / (2 * np.pi))


def _ulps(got, want):
    return np.abs(got - want) / np.spacing(np.maximum(np.abs(want), 1e-300))


def test_against_libm():
    u = Philox(3).uniforms(1, 200_000, backend="numpy")[0]
    u1 = np.concatenate([u, [2.0**-53, 1 - 2.0**-53, 0.5, np.sqrt(0.5), np.sqrt(2) / 2 + 1e-16, 1e-300]])
    t = np.concatenate([2 * np.pi * u, [0.0, np.pi / 4, np.pi / 2, np.pi, 3 * np.pi / 2, 2 * np.pi - 1e-12]])
    out = np.empty((u1.size, 5))
    _apply(u1, t, out)
    assert _ulps(out[:, 0], np.log(u1)).max() <= 2
    # sin/cos: absolute error within 2 ulps of 1 (relative error near a zero is meaningless)
    assert np.abs(out[:, 1] - np.sin(t)).max() <= 2 * np.spacing(1.0)
    assert np.abs(out[:, 2] - np.cos(t)).max() <= 2 * np.spacing(1.0)
    r = np.sqrt(-2 * np.log(u1))
    assert np.all(np.abs(out[:, 3] - r * np.cos(t)) <= 4 * np.spacing(r) + 1e-300)
    assert np.all(np.abs(out[:, 4] - r * np.sin(t)) <= 4 * np.spacing(r) + 1e-300)


@pytest.mark.parametrize("namespace", ["numpy", "jax"])
def test_array_sincos_is_the_scalar_one(namespace):
    # the array form runs the same operations: equal to the compiled scalar form on numpy, and within
    # 2 ulps of 1 (absolute) of libm on jax, whose compiler may contract multiply-adds
    t = 2 * np.pi * Philox(4).uniforms(1, 50_000, backend="numpy")[0]
    out = np.empty((t.size, 5))
    _apply(t, t, out)
    if namespace == "jax":
        jax = pytest.importorskip("jax")
        import jax.numpy as jnp

        with get_backend("jax").x64():
            sn, cs = (np.asarray(a) for a in jax.jit(lambda x: sincos_xp(jnp, x))(jnp.asarray(t)))
        assert np.abs(sn - np.sin(t)).max() <= 2 * np.spacing(1.0)
        assert np.abs(cs - np.cos(t)).max() <= 2 * np.spacing(1.0)
    else:
        sn, cs = sincos_xp(np, t)
        np.testing.assert_array_equal(sn, out[:, 1])
        np.testing.assert_array_equal(cs, out[:, 2])


def test_loops_over_them_vectorise():
    @njit(error_model="numpy")
    def block(u1, u2, z0, z1):
        for i in range(u1.shape[0]):
            z0[i], z1[i] = box_muller_vec(u1[i], u2[i])

    a = np.full(16, 0.3)
    block(a, a, a.copy(), a.copy())
    llvm = block.inspect_llvm(block.signatures[0])
    assert re.search(r"<\d+ x double>", llvm), "the Box–Muller lane loop was not vectorised"
