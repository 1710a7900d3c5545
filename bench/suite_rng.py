"""Suite ``rng``: standard normals per second from quantforge's Philox4x32-10 on every backend here,
against numpy's default Generator (PCG64, ziggurat), numpy's Philox4x64 bit generator, and JAX's
threefry (``jax.random.normal``), on the same count, in one run.

quantforge draws by (path, draw) address, so its batch is shaped (paths, draws) with the work spread
over paths; the peers draw a flat vector.  Every implementation allocates its float64 output.
"""

from __future__ import annotations

import numpy as np

from ..kernels.backend import available_backends, cuda_simulated, get_backend
from ..kernels.rng import Philox
from .harness import gpu_measurement, median_time, one_numba_thread

_PATHS = 256
_REFERENCE_ONLY = ("numpy",)  # measured on a quarter of the draws, and not in --quick runs
_NOTES = {
    "numba": "quantforge-numba: {threads} threads",
    "cupy": "quantforge-cupy: kept on the device, synchronised",
}


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def run(quick: bool = False) -> list[dict]:
    n = 2**20 if quick else 2**24
    repeat = 3 if quick else 7
    draws = n // _PATHS
    rows: list[dict] = []

    def add(impl: str, fn, note: str = "", meter=None) -> None:
        extra = {}
        if meter is None:
            median, _ = median_time(fn, repeat=repeat, warmup=1)
        else:  # a GPU row: NVML readings, and the share of peak bandwidth that writing the normals reaches
            _, extra["gpu"] = meter.measure(fn, repeat=repeat, work_bytes=8 * n)
            median = extra["gpu"]["warm_median_s"]
        rows.append(
            {
                "benchmark": f"normals float64 x{n}",
                "impl": impl,
                "median": n / median,
                "unit": "normals/s",
                "seconds": median,
                "note": note,
                **extra,
            }
        )

    gen = Philox(seed=20241125, stream=0)
    for backend in available_backends():
        be = get_backend(backend)
        if be.is_gpu and cuda_simulated():
            continue  # numba's CUDA simulator runs the GPU kernels statement by statement: not a timing
        if backend in _REFERENCE_ONLY:
            if quick:
                continue
            # the array-namespace reference: correct, not fast; a quarter of the size keeps the run short
            m = n // 4
            median, _ = median_time(lambda: gen.normals(_PATHS, m // _PATHS, backend=backend), repeat=3)
            rows.append(
                {
                    "benchmark": f"normals float64 x{n}",
                    "impl": f"quantforge-{backend}",
                    "median": m / median,
                    "unit": "normals/s",
                    "seconds": median * 4,
                    "note": f"quantforge-{backend} measured on n/4 draws",
                }
            )
            continue
        fn = lambda b=be: b.synchronize(gen.normals(_PATHS, draws, backend=b.name, to_host=not b.is_gpu))  # noqa: E731
        note = _NOTES.get(backend, "").format(threads=_threads())
        if be.is_gpu:
            with gpu_measurement() as meter:
                add(f"quantforge-{backend}", fn, note=note, meter=meter)
        else:
            add(f"quantforge-{backend}", fn, note=note)
    if "numba" in available_backends():
        add(
            "quantforge-numba-1thread",
            one_numba_thread(lambda: gen.normals(_PATHS, draws, backend="numba")),
            note="quantforge-numba-1thread: the same kernel on one thread, beside the one-thread peers",
        )

    pcg = np.random.default_rng(1)
    add(
        "numpy", lambda: pcg.standard_normal(n), note="numpy: default_rng (PCG64) standard_normal, ziggurat, one thread"
    )
    phx = np.random.Generator(np.random.Philox(1))
    add(
        "numpy-philox4x64",
        lambda: phx.standard_normal(n),
        note="numpy-philox4x64: Philox4x64 bit generator, ziggurat, one thread",
    )
    if "jax" in available_backends():
        import jax

        with get_backend("jax").x64():
            f = jax.jit(lambda k: jax.random.normal(k, (n,), dtype=jax.numpy.float64))
            key = jax.random.key(1)

            def threefry():
                f(key).block_until_ready()

            add("jax-threefry", threefry, note="jax-threefry: jax.random.normal (threefry2x32), jit, float64")
    return rows
