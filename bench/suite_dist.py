"""Benchmark suite ``dist``: Monte Carlo pricing and a batch of quote surfaces split into Dask tasks
(``quantforge.dist``) on a ``distributed.LocalCluster`` of worker processes on this machine, against
the same work in this process; every distributed answer is checked to equal the local one bit for
bit, and the scheduler's cost per task is measured with empty tasks.

On a 2-core machine a cluster cannot beat one process by much: the rows show what the split costs
(tasks of >= 50 ms keep it small); on a real cluster the work per worker shrinks with the workers.
"""

from __future__ import annotations

import time

import numpy as np

from .. import dist
from ..kernels.sde import Merton
from .harness import contention_note

__all__ = ["run", "price_rows", "surface_rows", "task_overhead_ms"]

MERTON = Merton(mu=0.05, sigma=0.2, lam=1.0, jump_mean=-0.1, jump_vol=0.15)
STEPS = 16


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def task_overhead_ms(client, n_tasks: int = 200) -> float:
    """Milliseconds of scheduling per task: ``n_tasks`` empty tasks submitted and gathered at once."""
    client.gather(client.map(int, range(n_tasks), pure=False))  # warm
    t0 = time.perf_counter()
    client.gather(client.map(int, range(n_tasks), pure=False))
    return (time.perf_counter() - t0) / n_tasks * 1e3


def price_rows(client, n_workers: int, n_paths: int, chunk_paths: int) -> list[dict]:
    """A Merton European call, ``n_paths`` x 16 steps, numpy backend: local, then over the cluster."""
    bench = f"Merton call, {n_paths:,} paths x {STEPS} steps, numpy backend (paths/s)"
    args = (MERTON, 100.0, 100.0, 1.0, 0.05, STEPS, n_paths)
    dist.european_price(*args[:-1], chunk_paths, seed=2, backend="numpy")
    dist.european_price(*args, seed=2, backend="numpy", client=client, chunk_paths=chunk_paths)  # workers warm
    local, t_local = _timed(lambda: dist.european_price(*args, seed=1, backend="numpy", chunk_paths=chunk_paths))
    remote, t_remote = _timed(
        lambda: dist.european_price(*args, seed=1, backend="numpy", client=client, chunk_paths=chunk_paths)
    )
    n_tasks = -(-n_paths // chunk_paths)
    same = remote == local
    return [
        {
            "benchmark": bench,
            "impl": "quantforge-local",
            "median": n_paths / t_local,
            "unit": "paths/s",
            "seconds": t_local,
            "price": local.price,
            "note": f"quantforge-local: the same {n_tasks} path ranges one after the other in this process",
        },
        {
            "benchmark": bench,
            "impl": f"quantforge-dask-{n_workers}-workers",
            "median": n_paths / t_remote,
            "unit": "paths/s",
            "seconds": t_remote,
            "price": remote.price,
            "bit_identical": same,
            "tasks": n_tasks,
            "task_ms": t_remote / n_tasks * n_workers * 1e3,
            "note": f"quantforge-dask-{n_workers}-workers: {n_tasks} tasks of {chunk_paths:,} paths (about "
            f"{t_local / n_tasks * 1e3:.0f} ms each) on a LocalCluster of {n_workers} worker processes, 1 thread "
            f"each; price {'bit for bit equal to' if same else 'DIFFERENT from'} the local run's",
        },
    ]


def surface_rows(client, n_workers: int, n_sets: int) -> list[dict]:
    """Exact GLFT surfaces for ``n_sets`` parameter sets (25 x 101): one local batched call, then
    split four sets per task over the cluster."""
    from ..models import GLFTParams, glft_quote_surfaces

    params = GLFTParams(gamma=np.linspace(0.01, 0.3, n_sets), sigma=2.0, A=140.0, k=1.5)
    taus = np.linspace(0.0, 1.0, 25)
    bench = f"GLFT exact surfaces, {n_sets} parameter sets x 25 x 101 (surfaces/s)"
    warm = GLFTParams(gamma=np.linspace(0.02, 0.2, 8), sigma=2.0, A=140.0, k=1.5)  # other keys: nothing cached
    glft_quote_surfaces(warm, taus, 50, backend="numpy")
    dist.quote_surfaces(glft_quote_surfaces, warm, taus, 50, backend="numpy", client=client, sets_per_task=4)
    local, t_local = _timed(lambda: glft_quote_surfaces(params, taus, 50, backend="numpy"))
    remote, t_remote = _timed(
        lambda: dist.quote_surfaces(
            glft_quote_surfaces, params, taus, 50, backend="numpy", client=client, sets_per_task=4
        )
    )
    same = all(
        np.array_equal(a.bid_depth, b.bid_depth) and np.array_equal(a.ask_depth, b.ask_depth)
        for a, b in zip(local, remote)
    )
    return [
        {
            "benchmark": bench,
            "impl": "quantforge-local",
            "median": n_sets / t_local,
            "unit": "surfaces/s",
            "seconds": t_local,
            "note": "quantforge-local: one batched glft_quote_surfaces call (numpy backend)",
        },
        {
            "benchmark": bench,
            "impl": f"quantforge-dask-{n_workers}-workers",
            "median": n_sets / t_remote,
            "unit": "surfaces/s",
            "seconds": t_remote,
            "bit_identical": same,
            "note": f"quantforge-dask-{n_workers}-workers: 4 sets per task; surfaces "
            f"{'bit for bit equal to' if same else 'DIFFERENT from'} the local batch's",
        },
    ]


def run(quick: bool = False) -> list[dict]:
    """The suite on a LocalCluster of 2 worker processes: 4 x 10^5 paths (full: 4 x 10^6), 16 surfaces (64)."""
    import distributed

    shared = contention_note()
    n_workers = 2
    with (
        distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        overhead = task_overhead_ms(client)
        rows = price_rows(client, n_workers, 400_000 if quick else 4_000_000, 50_000 if quick else 250_000)
        rows += surface_rows(client, n_workers, 16 if quick else 64)
    rows.append(
        {
            "benchmark": "Dask scheduling cost per task, LocalCluster (ms/task)",
            "impl": "distributed",
            "median": overhead,
            "unit": "ms",
            "note": f"distributed: 200 empty tasks submitted and gathered at once on {n_workers} worker processes; "
            f"size tasks >= 50 ms so that this stays a few percent; {shared}",
        }
    )
    return rows
