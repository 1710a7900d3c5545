"""dist.py: the exact reduction against exact rational arithmetic (fractions.Fraction); the local run
against kernels.sde.european_price; on real Dask LocalClusters of 1, 2 and 3 workers with two chunk
sizes, prices and surface batches bit for bit equal to the local run; a worker process killed
mid-run (SIGKILL) has its tasks run again and the price is unchanged."""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

from quantforge import dist
from quantforge.errors import HardwareError, InvalidParameters
from quantforge.kernels.sde import GBM, Merton, european_price
from quantforge.models import ASParams, GLFTParams, as_quote_surfaces, glft_quote_surfaces

distributed = pytest.importorskip("distributed")

MERTON = Merton(mu=0.05, sigma=0.2, lam=1.0, jump_mean=-0.1, jump_vol=0.15)
ARGS = (MERTON, 100.0, 100.0, 1.0, 0.05, 4, 60_000)


def test_exact_partials_are_exact():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, 5000) * 10.0 ** rng.integers(-20, 20, 5000), [1e300, -1e300, 1e-300]])
    partials = dist.exact_partials(x)
    assert sum(map(Fraction, partials)) == sum(map(Fraction, x.tolist()))  # exact, not approximately
    assert dist.exact_sum(x) == math.fsum(x) == dist.exact_sum(rng.permutation(x))
    assert dist.exact_sum(x[::-1]) == float(sum(map(Fraction, x.tolist())))  # the correctly rounded value
    with pytest.raises(InvalidParameters, match="finite"):
        dist.exact_partials([1.0, np.nan])


def test_local_run_is_chunk_invariant_and_matches_the_library():
    one = dist.european_price(*ARGS, seed=5, backend="numpy")
    for chunk in (1, 7_000, 59_999):
        assert dist.european_price(*ARGS, seed=5, backend="numpy", chunk_paths=chunk if chunk > 1 else 10_000) == one
    lib = european_price(*ARGS, seed=5, backend="numpy")  # the same paths, reduced by numpy's pairwise sum
    assert abs(one.price - lib.price) <= 1e-12 * lib.price and abs(one.stderr - lib.stderr) <= 1e-9 * lib.stderr
    assert dist.path_chunks(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert math.isnan(dist.european_price(GBM(mu=0.0, sigma=0.2), 1.0, 1.0, 1.0, 0.0, 1, 1, backend="numpy").stderr)


@pytest.mark.parametrize("n_workers", [1, 2, 3])
def test_cluster_results_equal_the_local_run_bit_for_bit(n_workers):
    local = dist.european_price(*ARGS, seed=5, backend="numpy")
    taus = np.linspace(0.0, 1.0, 21)
    glft = GLFTParams(gamma=np.linspace(0.01, 0.2, 7), sigma=2.0, A=140.0, k=1.5)
    as_ = ASParams(gamma=np.linspace(0.05, 0.5, 5), sigma=2.0, k=1.5)
    with (
        distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        for chunk in (7_000, 25_000):
            assert dist.european_price(*ARGS, seed=5, backend="numpy", client=client, chunk_paths=chunk) == local
        for fn, params, args in ((glft_quote_surfaces, glft, (taus, 10)), (as_quote_surfaces, as_, (taus, -4, 4))):
            whole = fn(params, *args)
            for per_task in (1, 3):
                split = dist.quote_surfaces(fn, params, *args, client=client, sets_per_task=per_task)
                assert len(split) == len(whole)
                for a, b in zip(split, whole):
                    assert a.params == b.params and a.model == b.model
                    np.testing.assert_array_equal(a.bid_depth, b.bid_depth)
                    np.testing.assert_array_equal(a.ask_depth, b.ask_depth)
        single = dist.quote_surfaces(
            as_quote_surfaces, ASParams(gamma=0.1, sigma=2.0, k=1.5), taus, -4, 4, client=client
        )
        np.testing.assert_array_equal(
            single[0].bid_depth, as_quote_surfaces(ASParams(gamma=0.1, sigma=2.0, k=1.5), taus, -4, 4)[0].bid_depth
        )


def test_a_killed_worker_is_retried_and_the_price_is_unchanged():
    """Two worker processes; once tasks are running, one worker is SIGKILLed: its nanny starts a new
    one, the scheduler runs the lost tasks again, and the price is the local run's."""
    args = (MERTON, 100.0, 100.0, 1.0, 0.05, 32, 96_000)
    local = dist.european_price(*args, seed=9, backend="numpy")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        before = client.run(os.getpid)
        out: dict = {}
        worker = threading.Thread(
            target=lambda: out.setdefault(
                "price", dist.european_price(*args, seed=9, backend="numpy", client=client, chunk_paths=8_000)
            )
        )
        worker.start()
        deadline = time.monotonic() + 60
        busy = []
        while not busy:
            assert time.monotonic() < deadline and worker.is_alive(), "no task started"
            busy = [addr for addr, keys in client.processing().items() if keys]
            time.sleep(0.005)
        os.kill(before[busy[0]], signal.SIGKILL)
        worker.join(120)
        assert not worker.is_alive() and out["price"] == local
        assert set(client.run(os.getpid).values()) != set(before.values())  # a new worker process took over


def test_errors_are_named(monkeypatch):
    with pytest.raises(TypeError, match="ModelParams"):
        dist.quote_surfaces(as_quote_surfaces, {"gamma": 0.1}, np.linspace(0, 1, 3), -1, 1)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(HardwareError, match=r"quantforge\[dist\]"):
        dist.european_price(*ARGS, backend="numpy", client=object())
