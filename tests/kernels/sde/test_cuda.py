"""kernels/sde/cuda.py: the GPU path kernels (float64 and float32) and the Philox ceiling kernel, under
numba's CUDA simulator on tiny sizes, and on a real GPU where one answers (``gpu`` marker)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy import stats

from quantforge.kernels.rng import Philox
from quantforge.kernels.sde import GBM, SCHEMES, Kou, Merton, european_price, simulate

EPS32 = 2.0**-24  # float32 unit roundoff
MODELS = {
    "gbm": GBM(mu=0.05, sigma=0.3),
    "merton": Merton(mu=0.05, sigma=0.2, lam=4.0, jump_mean=-0.1, jump_vol=0.15),
    "kou": Kou(mu=0.05, sigma=0.2, lam=4.0, p_up=0.4, eta_up=8.0, eta_down=5.0),
}


def _normal_error_bound(seed, stream, n_paths, n_steps):
    """(z, dz): the float64 normals of the paths and a bound on |z32 - z64| for each.

    The float32 uniforms are within 2^-22 (relative) of the float64 ones (kernels/sde/cuda.py, _u01_f32_scalar), so
    ln u1 moves by at most 2^-22 and r = sqrt(-2 ln u1) by 2^-22 / r; logf (1 ulp), sqrtf (0.5 ulp), the
    angle 2 pi u2 (5 roundings) and cosf / sinf (2 ulp, CUDA's bounds) add at most 39 x 2^-24 r < 2^-18 r.
    Hence |z32 - z64| <= 2^-22 / r + 2^-18 r, with r the radius of the normal's Box–Muller pair.
    """
    z = Philox(seed, stream).normals(n_paths, n_steps + n_steps % 2, backend="numpy")
    r = np.repeat(np.hypot(z[:, 0::2], z[:, 1::2]), 2, axis=1)[:, :n_steps]
    return z[:, :n_steps], 2.0**-22 / r + 2.0**-18 * r


def _float32_path_bound(model, seed, stream, horizon, n_paths, n_steps, jump_count):
    """A bound on |x32 / x64 - 1| for every value a float32 path takes (terminal, maximum, minimum).

    A step multiplies x by f (1 + mu dt + sigma dW, Milstein's term added, or the exact step's
    exponential) with at most 8 roundings of x's size, and the normal's error dz enters as at most
    1.5 sigma sqrt(dt) dz; relative to the new x that is divided by f >= 1/2 (asserted below).  A jump
    step adds the float64 -> float32 roundings of J and e^J and the float32 e^J (8 x 2^-24 for |J| < 2).
    Summed over the steps (first order), plus 1% for the second-order terms.
    """
    dt = horizon / n_steps
    z, dz = _normal_error_bound(seed, stream, n_paths, n_steps)
    s = model.sigma * math.sqrt(dt)
    assert np.all(s * np.abs(z) + abs(model.mu) * dt < 0.4)  # f >= 1/2 on every step
    bound = (16 * EPS32 + 3 * s * dz).sum(axis=1) + 8 * EPS32 * jump_count
    return 1.01 * bound


def _sim(script: str) -> str:
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_float64_kernel_gives_the_reference_paths_under_the_simulator():
    out = _sim("""
        import numpy as np
        from quantforge.kernels import sde
        for model in (sde.GBM(0.05, 0.3), sde.Merton(0.05, 0.2, 4.0, -0.1, 0.15), sde.Kou(0.05, 0.2, 4.0, 0.4, 8.0, 5.0)):
            for scheme in sde.SCHEMES:
                kw = dict(scheme=scheme, seed=11, stream=3, return_paths=True)
                ref = sde.simulate(model, 100.0, 1.0, 9, 5, backend="numpy", **kw)
                got = sde.simulate(model, 100.0, 1.0, 9, 5, backend="cupy", **kw)
                np.testing.assert_allclose(got.paths, ref.paths, rtol=1e-13)
                np.testing.assert_array_equal(got.jump_count, ref.jump_count)
        dev = sde.simulate(sde.GBM(0.05, 0.3), 100.0, 1.0, 9, 5, backend="cupy", to_host=False)
        assert hasattr(dev.terminal, "copy_to_host")  # a device array (numba's, where cupy is absent)
        print("cuda-sim-ok")
    """)
    assert "cuda-sim-ok" in out


def test_float32_kernel_and_ceiling_within_their_float32_bounds(tmp_path):
    n_paths, n_steps, horizon = 24, 33, 1.0
    _sim(f"""
        import numpy as np
        from quantforge.kernels import sde
        from quantforge.kernels.sde import cuda as sde_cuda
        from quantforge.kernels.rng import Philox
        out = {{}}
        for name, model in (("gbm", sde.GBM(0.05, 0.3)), ("merton", sde.Merton(0.05, 0.2, 4.0, -0.1, 0.15)),
                            ("kou", sde.Kou(0.05, 0.2, 4.0, 0.4, 8.0, 5.0))):
            for scheme in sde.SCHEMES:
                r = sde.simulate(model, 100.0, {horizon}, {n_steps}, {n_paths}, scheme=scheme, seed=11, stream=3,
                                 dtype=np.float32, backend="cupy")
                for f in ("terminal", "maximum", "minimum", "average", "jump_count"):
                    out[f"{{name}}-{{scheme}}-{{f}}"] = getattr(r, f)
        k0, k1 = Philox(11, 3).key
        for dtype in (np.float64, np.float32):
            out[np.dtype(dtype).name] = sde_cuda.normal_sums({n_paths}, {n_steps}, k0, k1, 3, 0, dtype, True)
        np.savez("{tmp_path / "sim.npz"}", **out)
    """)
    got = np.load(tmp_path / "sim.npz")
    for name, model in MODELS.items():
        for scheme in SCHEMES:
            ref = simulate(model, 100.0, horizon, n_steps, n_paths, scheme=scheme, seed=11, stream=3, backend="numpy")
            key = f"{name}-{scheme}"
            assert got[f"{key}-terminal"].dtype == np.float32
            np.testing.assert_array_equal(got[f"{key}-jump_count"], ref.jump_count)
            bound = _float32_path_bound(model, 11, 3, horizon, n_paths, n_steps, ref.jump_count)
            for f in ("terminal", "maximum", "minimum", "average"):
                err = np.abs(got[f"{key}-{f}"] / getattr(ref, f) - 1.0)
                allowed = bound + (n_steps + 1) * EPS32 * (f == "average")  # the float32 sum and division
                assert np.all(err <= allowed), (key, f, (err / allowed).max())
                assert np.any(err > 0)  # the float32 kernel really runs in float32
    z, dz = _normal_error_bound(11, 3, n_paths, n_steps)
    np.testing.assert_allclose(got["float64"], z.sum(axis=1), rtol=1e-12)
    sum_bound = dz.sum(axis=1) + n_steps * EPS32 * np.abs(z).sum(axis=1)
    assert np.all(np.abs(got["float32"] - z.sum(axis=1)) <= sum_bound)


# --- on a real GPU ------------------------------------------------------------------------------------
@pytest.mark.gpu
@pytest.mark.parametrize("name", ["gbm", "merton"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_gpu_float32_against_float64(name, scheme):
    model, n_paths, n_steps = MODELS[name], 4096, 252
    kw = dict(scheme=scheme, seed=5, stream=1, backend="cupy")
    f64 = simulate(model, 100.0, 1.0, n_steps, n_paths, **kw)
    f32 = simulate(model, 100.0, 1.0, n_steps, n_paths, dtype=np.float32, **kw)
    ref = simulate(model, 100.0, 1.0, n_steps, n_paths, scheme=scheme, seed=5, stream=1, backend="numba")
    np.testing.assert_allclose(f64.terminal, ref.terminal, rtol=1e-12)
    np.testing.assert_array_equal(f32.jump_count, ref.jump_count)
    bound = _float32_path_bound(model, 5, 1, 1.0, n_paths, n_steps, ref.jump_count)
    for f in ("terminal", "maximum", "minimum"):
        assert np.all(np.abs(getattr(f32, f) / getattr(f64, f) - 1.0) <= bound), f


@pytest.mark.gpu
def test_gpu_ceiling_sums_the_philox_normals():
    from quantforge.kernels.sde import cuda as sde_cuda

    n_paths, n_steps = 4096, 252
    k0, k1 = Philox(7, 2).key
    z, dz = _normal_error_bound(7, 2, n_paths, n_steps)
    np.testing.assert_allclose(
        sde_cuda.normal_sums(n_paths, n_steps, k0, k1, 2, 0, np.float64, True), z.sum(axis=1), rtol=1e-11, atol=1e-11
    )
    s32 = sde_cuda.normal_sums(n_paths, n_steps, k0, k1, 2, 0, np.float32, True)
    assert np.all(np.abs(s32 - z.sum(axis=1)) <= dz.sum(axis=1) + n_steps * EPS32 * np.abs(z).sum(axis=1))


@pytest.mark.gpu
def test_gpu_float32_price_matches_black_scholes():
    # the exact scheme is exact in law; with float32 errors near 1e-5 relative the price is within 3 s.e.
    import cupy

    n_paths = 1 << 20
    res = simulate(
        GBM(0.05, 0.2),
        100.0,
        1.0,
        252,
        n_paths,
        scheme="exact",
        seed=3,
        dtype=np.float32,
        backend="cupy",
        to_host=False,
    )
    assert isinstance(res.terminal, cupy.ndarray)
    pay = cupy.maximum(res.terminal.astype(cupy.float64) - 100.0, 0.0)
    price, se = math.exp(-0.05) * float(pay.mean()), math.exp(-0.05) * float(pay.std()) / math.sqrt(n_paths)
    d1 = (0.05 + 0.02) / 0.2
    want = 100.0 * stats.norm.cdf(d1) - 100.0 * math.exp(-0.05) * stats.norm.cdf(d1 - 0.2)
    assert abs(price - want) < 3 * se, (price, se, want)
    est64 = european_price(GBM(0.05, 0.2), 100.0, 100.0, 1.0, 0.05, 252, n_paths, seed=3, backend="cupy")
    assert abs(est64.price - want) < 3 * est64.stderr
