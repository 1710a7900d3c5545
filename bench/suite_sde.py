"""Suite ``sde``: Monte Carlo GBM terminal payoff (a European call), float64, 252 Euler steps per path,
quantforge against a plain numpy step loop, numpy sum-of-logs, JAX (jit + fori_loop) and diffrax, in
path-steps per second; the cost of Merton jumps over plain GBM; on a GPU, the float32 and float64
path kernels against the Philox-only ceiling; fBM by Davies–Harte against the ``fbm`` package.

Every implementation computes the same estimator: ``e^{-rT} mean(max(X_T - K, 0))`` from its own
random numbers (quantforge: Philox4x32-10 in the kernel; numpy: PCG64 ziggurat; JAX and diffrax:
threefry), and reports it with its standard error, so that the rows can be checked to agree.  The
numpy sum-of-logs variant uses the exact log step (one ``exp`` per path) and draws its normals in
chunks of paths so that it never holds the 1M x 252 array.
"""

from __future__ import annotations

import math

import numpy as np

from ..kernels.backend import available_backends, cuda_simulated, get_backend, gpu_devices
from ..kernels.rng import Philox
from ..kernels.rough import fbm
from ..kernels.sde import GBM, Merton, european_price, simulate
from .harness import contention_note, gpu_measurement, median_time, one_numba_thread

S0, K, R, SIGMA, T, STEPS = 100.0, 100.0, 0.05, 0.2, 1.0, 252
MERTON = dict(lam=1.0, jump_mean=-0.1, jump_vol=0.15)  # QuantLib's Bates with frozen variance: 12.76128858
GPU_GOAL = 1.5e11  # float32 path-steps/s on an H100
_CHUNK = 2**14


def _price(total: float, total_sq: float, n: int) -> tuple[float, float]:
    """(discounted mean payoff, its standard error) from the payoff sum and sum of squares."""
    disc = math.exp(-R * T)
    mean = total / n
    var = max(total_sq / n - mean * mean, 0.0) * n / (n - 1)
    return disc * mean, disc * math.sqrt(var / n)


def _numpy_step_loop(n_paths: int, seed: int) -> tuple[float, float]:
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
    pay = np.maximum(x - K, 0.0)
    return _price(float(pay.sum()), float(pay @ pay), n_paths)


def _numpy_sum_of_logs(n_paths: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    dt = T / STEPS
    total = total_sq = 0.0
    for p0 in range(0, n_paths, _CHUNK):
        m = min(_CHUNK, n_paths - p0)
        z = rng.standard_normal((m, STEPS))
        x = S0 * np.exp((R - 0.5 * SIGMA**2) * T + SIGMA * math.sqrt(dt) * z.sum(axis=1))
        pay = np.maximum(x - K, 0.0)
        total += float(pay.sum())
        total_sq += float(pay @ pay)
    return _price(total, total_sq, n_paths)


def _jax_fori(n_paths: int):
    import jax
    import jax.numpy as jnp

    dt = T / STEPS

    @jax.jit
    def price(key):
        def body(j, x):
            z = jax.random.normal(jax.random.fold_in(key, j), (n_paths,), dtype=jnp.float64)
            return x + R * x * dt + SIGMA * x * math.sqrt(dt) * z

        pay = jnp.maximum(jax.lax.fori_loop(0, STEPS, body, jnp.full(n_paths, S0)) - K, 0.0)
        return pay.sum(), pay @ pay

    return lambda key: _price(*(float(v) for v in price(key)), n_paths)


def _diffrax(n_paths: int):
    import diffrax
    import jax
    import jax.numpy as jnp
    import lineax

    @jax.jit
    def price(key):
        bm = diffrax.UnsafeBrownianPath(shape=(n_paths,), key=key)
        diffusion = diffrax.ControlTerm(lambda t, y, a: lineax.DiagonalLinearOperator(SIGMA * y), bm)
        terms = diffrax.MultiTerm(diffrax.ODETerm(lambda t, y, a: R * y), diffusion)
        sol = diffrax.diffeqsolve(
            terms,
            diffrax.Euler(),
            0.0,
            T,
            T / STEPS,
            jnp.full(n_paths, S0),
            saveat=diffrax.SaveAt(t1=True),
            max_steps=STEPS + 1,
            adjoint=diffrax.ForwardMode(),
        )
        pay = jnp.maximum(sol.ys[-1] - K, 0.0)
        return pay.sum(), pay @ pay

    return lambda key: _price(*(float(v) for v in price(key)), n_paths)


def _timed(rows, benchmark, impl, fn, repeat, note="", work=None, unit="path-steps/s"):
    """Time ``fn() -> (price, stderr)`` and append its row; returns the median seconds."""
    price, stderr = fn()
    median, _ = median_time(fn, repeat=repeat, warmup=1)
    rows.append(
        {
            "benchmark": benchmark,
            "impl": impl,
            "median": work / median,
            "unit": unit,
            "seconds": median,
            "price": price,
            "stderr": stderr,
            "note": note,
        }
    )
    return median


def gbm_rows(n_paths: int, repeat: int) -> list[dict]:
    """The GBM call, Euler, on the CPU: quantforge (numba, parallel and one thread; jax) and the peers."""
    import numba

    bench = f"GBM call, Euler, {n_paths} paths x {STEPS} steps, float64"
    work = n_paths * STEPS
    rows: list[dict] = []
    gbm = GBM(mu=R, sigma=SIGMA)

    def ours(backend):
        def fn():
            est = european_price(gbm, S0, K, T, R, STEPS, n_paths, scheme="euler", seed=1, backend=backend)
            return est.price, est.stderr

        return fn

    shared = contention_note()
    _timed(
        rows,
        bench,
        "quantforge-numba",
        ours("numba"),
        repeat,
        work=work,
        note=f"quantforge-numba: Philox4x32-10 normals generated in the kernel, blocks of 16 paths in SIMD, "
        f"parallel over {numba.get_num_threads()} threads (jax and diffrax use what XLA takes); {shared}",
    )
    _timed(
        rows,
        bench,
        "quantforge-numba-1thread",
        one_numba_thread(ours("numba")),
        repeat,
        work=work,
        note="quantforge-numba-1thread: the same kernel on one thread, beside the one-thread numpy peers",
    )
    if "jax" in available_backends():
        _timed(
            rows,
            bench,
            "quantforge-jax",
            ours("jax"),
            repeat,
            work=work,
            note="quantforge-jax: jit + fori_loop over groups of four steps, Philox words computed once per "
            "block, the next group's normals carried in the loop so XLA computes them once",
        )
    _timed(
        rows,
        bench,
        "numpy",
        lambda: _numpy_step_loop(n_paths, 1),
        repeat,
        work=work,
        note="numpy: step loop over 252 steps, PCG64 normals, one thread",
    )
    _timed(
        rows,
        bench,
        "numpy-sum-of-logs",
        lambda: _numpy_sum_of_logs(n_paths, 1),
        repeat,
        work=work,
        note="numpy-sum-of-logs: exact log step, normals drawn in chunks of 2^14 paths, one thread",
    )
    if "jax" in available_backends():
        import jax

        with get_backend("jax").x64():
            key = jax.random.key(1)
            f = _jax_fori(n_paths)
            _timed(
                rows,
                bench,
                "jax",
                lambda: f(key),
                repeat,
                work=work,
                note="jax: jit + fori_loop, threefry normals per step",
            )
            try:
                g = _diffrax(n_paths)
            except ImportError:
                g = None
            if g is not None:
                _timed(
                    rows,
                    bench,
                    "diffrax",
                    lambda: g(key),
                    repeat,
                    work=work,
                    note="diffrax: diffeqsolve, Euler, one batched state, UnsafeBrownianPath",
                )
    return rows


def merton_rows(n_paths: int, repeat: int, gbm_seconds: float) -> list[dict]:
    """Merton jumps (lam = 1) on quantforge-numba, and their cost over the GBM row's time."""
    model = Merton(mu=R, sigma=SIGMA, **MERTON)

    def fn():
        est = european_price(model, S0, K, T, R, STEPS, n_paths, scheme="euler", seed=1, backend="numba")
        return est.price, est.stderr

    rows: list[dict] = []
    t = _timed(
        rows,
        f"Merton call (lam=1), Euler, {n_paths} paths x {STEPS} steps, float64",
        "quantforge-numba",
        fn,
        repeat,
        work=n_paths * STEPS,
    )
    rows[-1]["cost_over_gbm"] = t / gbm_seconds
    rows[-1]["note"] = (
        f"Merton jumps cost {t / gbm_seconds:.2f}x plain GBM on quantforge-numba (one Philox block of "
        "jump-count words per four steps; the jump core runs only on steps with a jump)"
    )
    return rows


# Floating-point operations counted per path-step, transcendentals as one: the Euler update
# x (1 + r dt + sigma sqrt(dt) z) is 3, half a Box-Muller pair (log, sqrt, cos and three products) 3.5;
# the ceiling adds its normal to a sum.  Philox's integer rounds are not counted.
FLOPS_PER_STEP = {"path": 6.5, "ceiling": 4.5}


def _timed_gpu(rows, meter, benchmark, impl, fn, repeat, work, precision, flops_per_step):
    """Time ``fn() -> (price, stderr)`` under NVML (``harness.gpu_measurement``: cold and warm times,
    energy per run, throttle reasons, share of the device's peak flop/s) and append its row."""
    (price, stderr), record = meter.measure(fn, repeat=repeat, work_flops=flops_per_step * work, precision=precision)
    median = record["warm_median_s"]
    rows.append(
        {
            "benchmark": benchmark,
            "impl": impl,
            "median": work / median,
            "unit": "path-steps/s",
            "seconds": median,
            "price": price,
            "stderr": stderr,
            "note": "",
            "gpu": record,
        }
    )
    return median


def gpu_rows(n_paths: int, repeat: int) -> list[dict]:
    """The GBM call on the GPU in float32 and float64, and the Philox-only ceiling kernel of each.

    The ceiling generates and sums the same number of normals as the path kernel and nothing else, so
    its rate in path-steps/s is normals/s and ``ratio_vs`` of the path row against it is the share
    of the Philox-generation ceiling that the path kernel reaches.  Without a CUDA device the rows
    say so and carry no number.
    """
    benches = {p: f"GBM call, Euler, {n_paths} paths x {STEPS} steps, {p}, GPU" for p in ("float32", "float64")}
    impls = ("quantforge-cupy", "quantforge-cupy-philox-only")
    if "cupy" not in available_backends() or cuda_simulated():
        return [
            {
                "benchmark": benches[p],
                "impl": i,
                "median": None,
                "unit": "path-steps/s",
                "note": "not run: no GPU (no CUDA device answered on this machine); the GPU kernels are numba.cuda, "
                "and no cupy RawKernel version exists to compare them with",
            }
            for p in benches
            for i in impls
        ]
    from ..kernels.sde import cuda as sde_cuda

    xp = get_backend("cupy").xp

    gpu = gpu_devices()[0].name if gpu_devices() else "a CUDA GPU"
    gbm = GBM(mu=R, sigma=SIGMA)
    k0, k1 = Philox(1).key
    rows: list[dict] = []
    with gpu_measurement() as meter:
        for precision, bench in benches.items():
            dtype = np.dtype(precision)

            def path_kernel():
                res = simulate(
                    gbm, S0, T, STEPS, n_paths, scheme="euler", seed=1, dtype=dtype, backend="cupy", to_host=False
                )
                pay = xp.maximum(xp.astype(res.terminal, xp.float64) - K, 0.0)
                return _price(float(pay.sum()), float(pay @ pay), n_paths)

            def ceiling():
                float(sde_cuda.normal_sums(n_paths, STEPS, k0, k1, 0, 0, dtype, False).sum())  # waits for the kernel
                return None, None

            t_path = _timed_gpu(
                rows, meter, bench, impls[0], path_kernel, repeat, n_paths * STEPS, precision, FLOPS_PER_STEP["path"]
            )
            t_ceiling = _timed_gpu(
                rows, meter, bench, impls[1], ceiling, repeat, n_paths * STEPS, precision, FLOPS_PER_STEP["ceiling"]
            )
            share = t_ceiling / t_path
            rows[-2]["ceiling_share"] = share
            note = (
                f"quantforge-cupy {precision}: numba.cuda kernel, one thread per path, Philox in the kernel, outputs "
                f"kept on {gpu} and reduced there; {share:.0%} of the Philox-only ceiling"
            )
            if precision == "float32":
                rate = rows[-2]["median"]
                rows[-2]["goal"] = GPU_GOAL
                note += (
                    f"; goal {GPU_GOAL:.1e} path-steps/s on an H100: {rate / GPU_GOAL:.2f} of it "
                    f"({'met' if rate >= GPU_GOAL else 'missed'})"
                )
            rows[-2]["note"] = note
            rows[-1]["note"] = (
                "quantforge-cupy-philox-only: the same normals generated and summed per path, no SDE "
                "(the ceiling); the kernels are numba.cuda, no cupy RawKernel version exists to compare"
            )
    return rows


def fbm_rows(n_paths: int, n_steps: int, repeat: int, fbm_repeat: int) -> list[dict]:
    """fBM by Davies–Harte: quantforge (one batched FFT) against ``fbm`` (a path per call).

    Each row also records the sample variance of B_T (T = 1, so 1 in law) of one batch.
    """
    hurst = 0.1
    bench = f"fBM Davies-Harte, H={hurst}, {n_paths} paths x {n_steps} steps, float64"
    rows = []

    def add(impl, fn, note, repeat, warmup=1):
        paths = fn()
        median, _ = median_time(fn, repeat=repeat, warmup=warmup)
        rows.append(
            {
                "benchmark": bench,
                "impl": impl,
                "median": n_paths * n_steps / median,
                "unit": "path-steps/s",
                "seconds": median,
                "terminal_variance": float(np.var(paths[:, -1])),
                "note": note,
            }
        )

    for backend in ("numba", "jax"):
        if backend in available_backends():
            add(
                f"quantforge-{backend}",
                lambda b=backend: fbm(hurst, n_steps, n_paths, seed=1, backend=b),
                f"quantforge-{backend}: Philox normals, one batched complex FFT per two paths (real and imaginary "
                "parts)",
                repeat,
            )
    try:
        from fbm import FBM
    except ImportError:
        return rows
    gen = FBM(n=n_steps, hurst=hurst, length=1.0, method="daviesharte")
    np.random.seed(1)  # fbm draws from numpy's global generator; seeded so that a run repeats
    add(
        "fbm",
        lambda: np.stack([gen.fbm() for _ in range(n_paths)]),
        "fbm: FBM(method='daviesharte').fbm(), one path per call (numpy's global generator, seed 1)",
        fbm_repeat,
        warmup=0,
    )
    return rows


def run(quick: bool = False) -> list[dict]:
    n = 2**16 if quick else 2**20
    repeat = 3 if quick else 5
    rows = gbm_rows(n, repeat)
    gbm_seconds = next(r["seconds"] for r in rows if r["impl"] == "quantforge-numba")
    rows += merton_rows(n, repeat, gbm_seconds)
    rows += gpu_rows(2**18 if quick else 2**22, repeat)
    rows += fbm_rows(1000 if quick else 10_000, 1024, repeat, repeat if quick else 2)
    return rows
