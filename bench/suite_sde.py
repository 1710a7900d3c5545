"""Suite ``sde``: Monte Carlo GBM terminal payoff (a European call), float64, 252 Euler steps per path,
quantforge against a plain numpy step loop, numpy sum-of-logs, JAX (jit + fori_loop) and diffrax, in
path-steps per second; the cost of Merton jumps over plain GBM; fBM by Davies–Harte against the
``fbm`` package.

Every implementation computes the same estimator: ``e^{-rT} mean(max(X_T - K, 0))`` from its own
random numbers (quantforge: Philox4x32-10 in the kernel; numpy: PCG64 ziggurat; JAX and diffrax:
threefry).  The numpy sum-of-logs variant uses the exact log step (one ``exp`` per path) and draws
its normals in chunks of paths so that it never holds the 1M x 252 array.
"""

from __future__ import annotations

import math
import os

import numba
import numpy as np

from ..kernels.backend import available_backends
from ..kernels.rough import fbm
from ..kernels.sde import GBM, Merton, european_price
from .harness import median_time

S0, K, R, SIGMA, T, STEPS = 100.0, 100.0, 0.05, 0.2, 1.0, 252
_CHUNK = 2**14


def _numpy_step_loop(n_paths: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    dt = T / STEPS
    sq = math.sqrt(dt)
    x = np.full(n_paths, S0)
    dw = np.empty(n_paths)
    for _ in range(STEPS):
        rng.standard_normal(out=dw)
        dw *= SIGMA * sq
        dw += 1.0 + R * dt
        x *= dw  # Euler: x + r x dt + sigma x dW
    return math.exp(-R * T) * float(np.maximum(x - K, 0.0).mean())


def _numpy_sum_of_logs(n_paths: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    dt = T / STEPS
    total = 0.0
    for p0 in range(0, n_paths, _CHUNK):
        m = min(_CHUNK, n_paths - p0)
        z = rng.standard_normal((m, STEPS))
        x = S0 * np.exp((R - 0.5 * SIGMA**2) * T + SIGMA * math.sqrt(dt) * z.sum(axis=1))
        total += float(np.maximum(x - K, 0.0).sum())
    return math.exp(-R * T) * total / n_paths


def _jax_fori(n_paths: int):
    import jax
    import jax.numpy as jnp

    dt = T / STEPS

    @jax.jit
    def price(key):
        def body(j, x):
            z = jax.random.normal(jax.random.fold_in(key, j), (n_paths,), dtype=jnp.float64)
            return x + R * x * dt + SIGMA * x * math.sqrt(dt) * z

        x = jax.lax.fori_loop(0, STEPS, body, jnp.full(n_paths, S0))
        return jnp.exp(-R * T) * jnp.maximum(x - K, 0.0).mean()

    return price


def _diffrax(n_paths: int):
    import diffrax
    import jax
    import lineax
    import jax.numpy as jnp

    @jax.jit
    def price(key):
        bm = diffrax.UnsafeBrownianPath(shape=(n_paths,), key=key)
        diffusion = diffrax.ControlTerm(lambda t, y, a: lineax.DiagonalLinearOperator(SIGMA * y), bm)
        terms = diffrax.MultiTerm(diffrax.ODETerm(lambda t, y, a: R * y), diffusion)
        sol = diffrax.diffeqsolve(terms, diffrax.Euler(), 0.0, T, T / STEPS, jnp.full(n_paths, S0),
                                  saveat=diffrax.SaveAt(t1=True), max_steps=STEPS + 1,
                                  adjoint=diffrax.ForwardMode())
        return jnp.exp(-R * T) * jnp.maximum(sol.ys[-1] - K, 0.0).mean()

    return price


def run(quick: bool = False) -> list[dict]:
    n = 2**16 if quick else 2**20
    repeat = 3 if quick else 5
    work = n * STEPS
    bench = f"GBM call, Euler, {n} paths x {STEPS} steps, float64"
    rows: list[dict] = []
    prices: dict[str, float] = {}

    def add(benchmark: str, impl: str, fn, note: str = "", paths: int = n) -> float:
        prices[impl] = float(fn())
        median, _ = median_time(fn, repeat=repeat, warmup=1)
        rows.append({"benchmark": benchmark, "impl": impl, "median": paths * STEPS / median, "unit": "path-steps/s",
                     "seconds": median, "price": prices[impl], "note": note})
        return median

    gbm = GBM(mu=R, sigma=SIGMA)
    backends = available_backends()
    load = os.getloadavg()[0]
    t_gbm = add(bench, "quantforge-numba",
                lambda: european_price(gbm, S0, K, T, R, STEPS, n, scheme="euler", seed=1, backend="numba").price,
                note="quantforge-numba: Philox4x32-10 normals generated in the kernel, blocks of 16 paths in SIMD, "
                     f"parallel over {numba.get_num_threads()} threads (the numpy peers use one core, jax and "
                     f"diffrax what XLA takes; 1-minute load average {load:.2f} at the start: a shared machine)")
    if "jax" in backends:
        add(bench, "quantforge-jax",
            lambda: european_price(gbm, S0, K, T, R, STEPS, n, scheme="euler", seed=1, backend="jax").price,
            note="quantforge-jax: jit + fori_loop, Philox words computed in the loop")
    if "cupy" in backends:
        add(bench, "quantforge-cupy",
            lambda: european_price(gbm, S0, K, T, R, STEPS, n, scheme="euler", seed=1, backend="cupy").price,
            note="quantforge-cupy: numba.cuda kernel, one thread per path, in-kernel Philox, results copied to host")
    add(bench, "numpy", lambda: _numpy_step_loop(n, 1), note="numpy: step loop over 252 steps, PCG64 normals, one thread")
    add(bench, "numpy-sum-of-logs", lambda: _numpy_sum_of_logs(n, 1),
        note="numpy-sum-of-logs: exact log step, normals drawn in chunks of 2^14 paths, one thread")
    if "jax" in backends:
        import jax

        with jax.enable_x64(True):
            f = _jax_fori(n)
            key = jax.random.key(1)
            add(bench, "jax", lambda: f(key).block_until_ready(), note="jax: jit + fori_loop, threefry normals per step")
            try:
                g = _diffrax(n)
            except ImportError:
                g = None
            if g is not None:
                add(bench, "diffrax", lambda: g(key).block_until_ready(),
                    note="diffrax: diffeqsolve, Euler, one batched state, UnsafeBrownianPath")

    merton = Merton(mu=R, sigma=SIGMA, lam=1.0, jump_mean=-0.1, jump_vol=0.15)
    t_merton = add(f"Merton call (lam=1), Euler, {n} paths x {STEPS} steps, float64", "quantforge-numba",
                   lambda: european_price(merton, S0, K, T, R, STEPS, n, scheme="euler", seed=1, backend="numba").price)
    rows[-1]["note"] = f"Merton jumps cost {t_merton / t_gbm:.2f}x plain GBM on quantforge-numba (Poisson count per step)"
    rows[-1]["cost_over_gbm"] = t_merton / t_gbm
    rows += _fbm_rows(quick, repeat)
    return rows


def _fbm_rows(quick: bool, repeat: int) -> list[dict]:
    """fBM by Davies–Harte, 10k paths x 1024 steps: quantforge (one batched FFT) against ``fbm`` (a path per call)."""
    n_paths, n_steps, hurst = (1000 if quick else 10_000), 1024, 0.1
    bench = f"fBM Davies-Harte, H={hurst}, {n_paths} paths x {n_steps} steps, float64"
    rows = []

    def add(impl, fn, note, repeat=repeat, warmup=1):
        median, _ = median_time(fn, repeat=repeat, warmup=warmup)
        rows.append({"benchmark": bench, "impl": impl, "median": n_paths * n_steps / median, "unit": "path-steps/s",
                     "seconds": median, "note": note})

    for backend in ("numba", "jax"):
        if backend in available_backends():
            add(f"quantforge-{backend}", lambda b=backend: fbm(hurst, n_steps, n_paths, seed=1, backend=b),
                f"quantforge-{backend}: Philox normals, one batched complex FFT for all paths")
    try:
        from fbm import FBM
    except ImportError:
        return rows
    gen = FBM(n=n_steps, hurst=hurst, length=1.0, method="daviesharte")
    add("fbm", lambda: np.stack([gen.fbm() for _ in range(n_paths)]), "fbm: FBM(method='daviesharte').fbm(), one path per call",
        repeat=2 if not quick else repeat, warmup=0 if not quick else 1)
    return rows
