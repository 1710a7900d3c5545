"""kernels/rng/reference.py: the reference runs unchanged under array_api_strict and equals the numpy run.

array_api_strict implements only the array API standard, so a numpy-only call in the reference (a
method such as ``.astype``, implicit casting, numpy scalars) fails here; that is what keeps the
reference runnable on cupy and on jax's GPU backend without a GPU to test them on.
"""

import array_api_strict as xps
import numpy as np
import pytest

from quantforge.kernels.rng import Philox, philox4x32
from quantforge.kernels.rng.core import DrawKind
from quantforge.kernels.rng.reference import block_words_xp, pairs_xp, philox_xp, poisson_xp


def _host(a) -> np.ndarray:
    return np.from_dlpack(a)


def test_philox_words_under_array_api_strict():
    # Random123 known answer (shared/REFERENCES.md): counter 243f6a88 85a308d3 13198a2e 03707344,
    # key a4093822 299f31d0 -> d16cfe09 94fdcceb 5001e420 24126ea1
    c = [xps.asarray([w], dtype=xps.uint64) for w in (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344)]
    k = [xps.asarray(w, dtype=xps.uint64) for w in (0xA4093822, 0x299F31D0)]
    words = [int(_host(w)[0]) for w in philox_xp(xps, *c, *k, 10)]
    assert words == [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]


@pytest.mark.parametrize("kind", list(DrawKind))
@pytest.mark.parametrize("draw_offset", [0, 5])
def test_draws_under_array_api_strict_equal_numpy(kind, draw_offset):
    g = Philox(seed=2**40 + 17, stream=3)
    k0, k1 = g.key
    got = pairs_xp(xps, kind, 6, 9, 4, draw_offset // 2, draw_offset % 2, g.stream, k0, k1)
    want = {DrawKind.UNIFORM: g.uniforms, DrawKind.NORMAL: g.normals, DrawKind.EXPONENTIAL: g.exponentials}[kind](
        6, 9, path_offset=4, draw_offset=draw_offset, backend="numpy"
    )
    assert got.dtype == xps.float64
    np.testing.assert_array_equal(_host(got), want)


def test_block_words_under_array_api_strict_equal_philox4x32():
    g = Philox(seed=99, stream=7)
    k0, k1 = g.key
    got = np.stack([_host(w) for w in block_words_xp(xps, 3, 4, 10, 2, 0, 7, k0, k1)], axis=-1)
    blocks, paths = np.meshgrid(np.arange(2, 6), np.arange(10, 13))
    ctr = np.stack([blocks, np.zeros_like(blocks), paths, np.full_like(blocks, 7)], axis=-1).astype(np.uint32)
    want = philox4x32(ctr, np.array([k0, k1], np.uint32), backend="numpy")
    np.testing.assert_array_equal(got.astype(np.uint32), want)


def test_poisson_under_array_api_strict_equals_numpy():
    g = Philox(seed=5, stream=1)
    k0, k1 = g.key
    lam = np.array([[0.0, 0.3, 4.0, 12.0, 250.0]] * 3)
    got = poisson_xp(xps, xps.asarray(lam), 3, 5, 0, 2, g.stream, k0, k1)
    np.testing.assert_array_equal(_host(got), g.poisson(lam, 3, 5, draw_offset=2, backend="numpy"))
