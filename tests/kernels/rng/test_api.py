"""Philox4x32-10: known answers, cross-backend identity, chunk/thread independence, distributions."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy import stats

from quantforge.errors import InvalidParameters
from quantforge.kernels.rng import Philox, philox4x32

# Random123 tests/kat_vectors (shared/REFERENCES.md): counter, key -> output.
KAT = [
    ("00000000 00000000 00000000 00000000", "00000000 00000000", "6627e8d5 e169c58d bc57ac4c 9b00dbd8"),
    ("ffffffff ffffffff ffffffff ffffffff", "ffffffff ffffffff", "408f276d 41c83b0e a20bc7c6 6d5451fd"),
    ("243f6a88 85a308d3 13198a2e 03707344", "a4093822 299f31d0", "d16cfe09 94fdcceb 5001e420 24126ea1"),
]


def _words(text):
    return np.array([int(w, 16) for w in text.split()], dtype=np.uint32)


@pytest.mark.parametrize("ctr,key,expected", KAT)
def test_known_answer_vectors(backend, ctr, key, expected):
    out = philox4x32(_words(ctr), _words(key), backend=backend)
    assert out.dtype == np.uint32 and out.shape == (4,)
    np.testing.assert_array_equal(out, _words(expected))


def test_known_answers_batched_with_key_broadcast(backend):
    ctr = np.stack([_words(c) for c, _, _ in KAT])
    keys = np.stack([_words(k) for _, k, _ in KAT])
    expected = np.stack([_words(e) for _, _, e in KAT])
    np.testing.assert_array_equal(philox4x32(ctr, keys, backend=backend), expected)
    # one key broadcast over a (2, 3, 4) counter array
    c = np.arange(24, dtype=np.uint32).reshape(2, 3, 4)
    out = philox4x32(c, _words("a4093822 299f31d0"), backend=backend)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out[1, 2], philox4x32(c[1, 2], _words("a4093822 299f31d0"), backend="numpy"))


def test_rounds_change_output_and_are_validated():
    z4, z2 = np.zeros(4, np.uint32), np.zeros(2, np.uint32)
    assert not np.array_equal(philox4x32(z4, z2, rounds=7, backend="numpy"), philox4x32(z4, z2, backend="numpy"))
    np.testing.assert_array_equal(
        philox4x32(z4, z2, rounds=7, backend="numba"), philox4x32(z4, z2, rounds=7, backend="numpy")
    )
    with pytest.raises(InvalidParameters, match="rounds"):
        philox4x32(z4, z2, rounds=0)


def test_wrong_dtype_or_shape_is_refused_not_cast():
    with pytest.raises(TypeError, match=r"counter must have dtype uint32 \(native byte order\), got int64"):
        philox4x32(np.zeros(4, np.int64), np.zeros(2, np.uint32))
    with pytest.raises(TypeError, match="key must have dtype uint32 .native byte order., got >u4"):
        philox4x32(np.zeros(4, np.uint32), np.zeros(2, ">u4"))
    with pytest.raises(TypeError, match="key"):
        philox4x32(np.zeros(4, np.uint32), [0, 0])
    with pytest.raises(InvalidParameters, match=r"counter must have shape \(\.\.\., 4\)"):
        philox4x32(np.zeros(3, np.uint32), np.zeros(2, np.uint32))
    with pytest.raises(InvalidParameters, match="incompatible"):
        philox4x32(np.zeros((3, 4), np.uint32), np.zeros((2, 2), np.uint32))
    with pytest.raises(InvalidParameters, match="backend"):
        philox4x32(np.zeros(4, np.uint32), np.zeros(2, np.uint32), backend="torch")


@pytest.mark.parametrize("method", ["uniforms", "exponentials"])
def test_uniform_based_draws_are_bit_identical_across_backends(backend, method):
    g = Philox(seed=2**40 + 17, stream=5)
    ref = getattr(g, method)(13, 101, path_offset=3, draw_offset=7, backend="numpy")
    out = getattr(g, method)(13, 101, path_offset=3, draw_offset=7, backend=backend)
    if method == "uniforms":
        np.testing.assert_array_equal(out, ref)
    else:  # -log differs by at most an ulp between libms
        np.testing.assert_array_max_ulp(out, ref, maxulp=2)


def test_normals_agree_across_backends_to_a_few_ulps(backend):
    g = Philox(seed=99, stream=1)
    ref = g.normals(17, 257, draw_offset=1, backend="numpy")
    out = g.normals(17, 257, draw_offset=1, backend=backend)
    np.testing.assert_allclose(out, ref, rtol=1e-14, atol=1e-14)


def test_uniforms_are_strictly_inside_the_unit_interval():
    u = Philox(seed=1).uniforms(64, 4096, backend="numba")
    assert u.min() > 0.0 and u.max() < 1.0
    assert np.unique(u).size == u.size  # 52-bit draws: no collisions expected among 2.6e5


def test_chunks_offsets_and_threads_do_not_change_the_numbers():
    import numba

    g = Philox(seed=123456789, stream=9)
    whole = g.normals(70, 90, backend="numba")
    # 7 chunks over paths with uneven sizes, and draw chunks starting at odd offsets
    edges = [0, 3, 11, 12, 30, 41, 63, 70]
    by_paths = np.vstack([g.normals(b - a, 90, path_offset=a, backend="numba") for a, b in zip(edges[:-1], edges[1:])])
    d_edges = [0, 1, 8, 33, 34, 77, 89, 90]
    by_draws = np.hstack(
        [g.normals(70, b - a, draw_offset=a, backend="numba") for a, b in zip(d_edges[:-1], d_edges[1:])]
    )
    np.testing.assert_array_equal(by_paths, whole)
    np.testing.assert_array_equal(by_draws, whole)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = g.normals(70, 90, backend="numba")
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = g.normals(70, 90, backend="numba")
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, whole)
    np.testing.assert_array_equal(two, whole)
    # the numpy reference in chunks agrees with the compiled whole
    np.testing.assert_allclose(
        np.vstack([g.normals(b - a, 90, path_offset=a, backend="numpy") for a, b in zip(edges[:-1], edges[1:])]),
        whole,
        rtol=1e-14,
        atol=1e-14,
    )


def test_streams_and_seeds_are_distinct():
    a = Philox(seed=5, stream=0).uniforms(4, 1000, backend="numba")
    b = Philox(seed=5, stream=1).uniforms(4, 1000, backend="numba")
    c = Philox(seed=6, stream=0).uniforms(4, 1000, backend="numba")
    assert not np.any(a == b) and not np.any(a == c)
    # independence: correlation of two streams within 4 standard errors of zero
    r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    assert abs(r) < 4 / np.sqrt(a.size)


N_STAT = 400_000  # draws for the distribution tests (fixed seed: the p-values are deterministic)


def test_uniform_moments_and_ks():
    u = Philox(seed=2024).uniforms(4, N_STAT // 4, backend="numba").ravel()
    se = np.sqrt(1 / 12 / u.size)
    assert abs(u.mean() - 0.5) < 4 * se
    assert abs(u.var() - 1 / 12) < 4 * np.sqrt(1 / 180 / u.size)  # Var of (U-1/2)^2 is 1/180
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_normal_moments_and_ks():
    z = Philox(seed=2025).normals(4, N_STAT // 4, backend="numba").ravel()
    n = z.size
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.var() - 1) < 4 * np.sqrt(2 / n)
    assert abs(stats.skew(z)) < 4 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < 4 * np.sqrt(24 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # the pairs of one Box-Muller block are uncorrelated
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 4 / np.sqrt(n / 2)


def test_exponential_ks():
    e = Philox(seed=2026).exponentials(4, N_STAT // 4, backend="numba").ravel()
    assert abs(e.mean() - 1) < 4 / np.sqrt(e.size)
    assert stats.kstest(e, "expon").pvalue > 1e-3


@pytest.mark.parametrize("lam", [0.02, 0.9, 4.5, 9.99, 10.0, 27.0, 640.0])
def test_poisson_matches_the_pmf(lam):
    g = Philox(seed=77, stream=int(lam * 100))
    k = g.poisson(lam, 8, 25_000, backend="numba").ravel()
    n = k.size
    assert abs(k.mean() - lam) < 4 * np.sqrt(lam / n)
    assert abs(k.var() - lam) < 4 * np.sqrt((lam + 2 * lam**2) / n)  # Var of the sample variance ~ (mu4 - s^4)/n
    # chi-square goodness of fit over bins with expected count >= 20
    lo, hi = int(stats.poisson.ppf(1e-4, lam)), int(stats.poisson.ppf(1 - 1e-4, lam))
    edges = np.arange(lo, hi + 2)
    observed = np.histogram(k, bins=np.r_[-0.5, edges[1:-1] - 0.5, np.inf])[0]
    cdf = stats.poisson.cdf(edges[:-1], lam)
    expected = n * np.diff(np.r_[0.0, cdf[:-1], 1.0])
    keep = expected >= 20
    obs, exp = observed[keep], expected[keep]
    exp = exp * obs.sum() / exp.sum()
    assert stats.chisquare(obs, exp).pvalue > 1e-3


def test_poisson_is_identical_on_every_backend(backend):
    lam = np.array([[0.0], [0.3], [7.0], [10.0], [55.5], [1e5]])
    g = Philox(seed=31337, stream=2)
    ref = g.poisson(lam, 6, 300, draw_offset=11, backend="numpy")
    np.testing.assert_array_equal(g.poisson(lam, 6, 300, draw_offset=11, backend=backend), ref)
    assert (ref[0] == 0).all()


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(seed=-1), "seed"),
        (dict(seed=2**64), "seed"),
        (dict(seed=1, stream=2**32), "stream"),
    ],
)
def test_bad_seed_or_stream(kwargs, match):
    with pytest.raises(InvalidParameters, match=match):
        Philox(**kwargs)


def test_bad_draw_arguments():
    g = Philox(seed=1)
    with pytest.raises(TypeError, match="seed"):
        Philox(seed=1.5)
    with pytest.raises(InvalidParameters, match="n_paths"):
        g.normals(-1, 3)
    with pytest.raises(InvalidParameters, match="path_offset"):
        g.uniforms(2, 3, path_offset=2**32)
    for lam in (np.nan, -0.5, np.inf, 2e9):
        with pytest.raises(InvalidParameters, match="lam"):
            g.poisson(lam, 2, 2)
    with pytest.raises(InvalidParameters, match="broadcast"):
        g.poisson(np.ones(3), 2, 2)


def test_cuda_kernels_match_the_reference_under_the_simulator():
    """The numba.cuda kernels of the cupy backend, run by numba's CUDA simulator on the CPU."""
    code = textwrap.dedent(
        """
        import numpy as np
        from quantforge.kernels import rng
        from quantforge.kernels.rng import cuda as rng_cuda
        c = np.array([[0, 0, 0, 0], [0xFFFFFFFF] * 4, [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344]], np.uint32)
        k = np.array([[0, 0], [0xFFFFFFFF] * 2, [0xA4093822, 0x299F31D0]], np.uint32)
        assert np.array_equal(rng_cuda.words(c, k, 10, to_host=True), rng.philox4x32(c, k, backend="numpy"))
        g = rng.Philox(11, 3)
        for kind, name in [(0, "uniforms"), (1, "normals"), (2, "exponentials")]:
            for d0 in (0, 3):
                a = rng_cuda.draws(kind, *g.key, g.stream, 3, 7, 5, d0, to_host=True)
                b = getattr(g, name)(3, 7, path_offset=5, draw_offset=d0, backend="numpy")
                assert np.allclose(a, b, rtol=1e-14, atol=1e-14), (name, d0)
        lam = np.array([[0.0, 0.7, 4.0, 12.0, 300.0]] * 2)
        assert np.array_equal(rng_cuda.poisson(lam, *g.key, g.stream, 0, 2, to_host=True),
                              g.poisson(lam, 2, 5, draw_offset=2, backend="numpy"))
        # the same kernels through the public API: the cupy backend resolves under the simulator
        assert np.allclose(g.normals(3, 7, backend="cupy"), g.normals(3, 7, backend="numpy"), rtol=1e-14, atol=1e-14)
        print("ok")
        """
    )
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


@pytest.mark.gpu
def test_gpu_known_answers_and_identity():
    for ctr, key, expected in KAT:
        np.testing.assert_array_equal(philox4x32(_words(ctr), _words(key), backend="cupy"), _words(expected))
    g = Philox(seed=3)
    np.testing.assert_array_equal(
        g.uniforms(1000, 333, draw_offset=1, backend="cupy"), g.uniforms(1000, 333, draw_offset=1, backend="numpy")
    )
    np.testing.assert_allclose(
        g.normals(1000, 333, backend="cupy"), g.normals(1000, 333, backend="numpy"), rtol=1e-13, atol=1e-13
    )


@pytest.mark.gpu
def test_jax_on_the_gpu_gives_the_same_words():
    import jax

    if jax.default_backend() != "gpu":
        pytest.skip("jax has no GPU backend here (install quantforge[gpu])")
    for ctr, key, expected in KAT:
        np.testing.assert_array_equal(philox4x32(_words(ctr), _words(key), backend="jax"), _words(expected))
    g = Philox(seed=3)
    np.testing.assert_array_equal(g.uniforms(1000, 333, backend="jax"), g.uniforms(1000, 333, backend="numpy"))
    np.testing.assert_allclose(
        g.normals(1000, 333, backend="jax"), g.normals(1000, 333, backend="numpy"), rtol=1e-13, atol=1e-13
    )
