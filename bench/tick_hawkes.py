"""Time tick 0.8's Hawkes simulation and likelihood fits (the peer of the ``hawkes`` suite).

Runs in tick's own virtual environment (``bench/.venv-tick``: tick needs numpydoc and six beside it
and its binary wheels follow their own numpy pins), so it imports nothing from quantforge.  One
subcommand per measurement; each prints one JSON object on stdout.

``simulate``: ``SimuHawkesExpKernels`` (one path, tick's C++ thinning with exponential kernels)
timed ``--repeat`` times; with ``--n-paths > 1`` ``SimuHawkesMulti`` on ``--threads`` threads.  The
first path is saved to ``--out`` (``times``, ``marks``, ``horizon``) for the cross-fit.

``fit``: ``HawkesExpKern(decays, gofit="likelihood", penalty="none")`` on the events of an ``.npz``
(tick's exponential kernel is ``alpha beta e^{-beta t}``: its ``adjacency`` is the branching
matrix, as in quantforge), ``fit(events, start=0.1)`` as tick's documentation asks; median time.

``fit-batch``: the same learner on each univariate series of an ``.npz`` (``times`` concatenated,
``offsets``, ``horizons``), one after the other: tick has no batched fit.

Usage: ``python tick_hawkes.py simulate|fit|fit-batch [options]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np


def _simulate(a) -> dict:
    from tick.hawkes import SimuHawkesExpKernels, SimuHawkesMulti

    adjacency = np.array(json.loads(a.adjacency))
    decays = np.full(adjacency.shape, a.decay)
    baseline = np.array(json.loads(a.baseline))
    times, counts = [], []
    first = None
    for r in range(a.repeat + 1):  # the first run warms tick up and is not timed
        simu = SimuHawkesExpKernels(
            adjacency=adjacency, decays=decays, baseline=baseline, end_time=a.end_time, seed=a.seed + r, verbose=False
        )
        if a.n_paths > 1:
            multi = SimuHawkesMulti(simu, n_simulations=a.n_paths, n_threads=a.threads)
            t0 = time.perf_counter()
            multi.simulate()
            dt = time.perf_counter() - t0
            n = sum(len(ts) for path in multi.timestamps for ts in path)
        else:
            t0 = time.perf_counter()
            simu.simulate()
            dt = time.perf_counter() - t0
            n = sum(len(ts) for ts in simu.timestamps)
            if first is None:
                first = simu.timestamps
        if r:
            times.append(dt)
            counts.append(n)
    if a.out and first is not None:
        marks = np.concatenate([np.full(len(ts), i) for i, ts in enumerate(first)])
        t = np.concatenate(first)
        order = np.argsort(t, kind="stable")
        np.savez(a.out, times=t[order], marks=marks[order], horizon=a.end_time)
    med = statistics.median(times)
    return {
        "seconds": med,
        "events": int(statistics.median(counts)),
        "events_per_s": statistics.median([n / t for n, t in zip(counts, times)]),
    }


def _fit(a) -> dict:
    from tick.hawkes import HawkesExpKern

    data = np.load(a.input)
    t, m = data["times"], data["marks"]
    dim = int(m.max()) + 1
    events = [np.ascontiguousarray(t[m == i]) for i in range(dim)]
    times, learner = [], None
    for r in range(a.repeat + 1):
        learner = HawkesExpKern(decays=a.decay, gofit="likelihood", penalty="none", verbose=False)
        t0 = time.perf_counter()
        learner.fit(events, start=0.1)  # tick ends the window at the last event (its fit takes no end time)
        if r:
            times.append(time.perf_counter() - t0)
    return {
        "seconds": statistics.median(times),
        "baseline": learner.baseline.tolist(),
        "adjacency": learner.adjacency.tolist(),
        "score": float(learner.score()),
    }


def _fit_batch(a) -> dict:
    from tick.hawkes import HawkesExpKern

    data = np.load(a.input)
    t, off = data["times"], data["offsets"]
    est = []
    t0 = time.perf_counter()
    for s in range(off.size - 1):
        learner = HawkesExpKern(decays=a.decay, gofit="likelihood", penalty="none", verbose=False)
        learner.fit([np.ascontiguousarray(t[off[s] : off[s + 1]])], start=0.1)
        est.append([float(learner.baseline[0]), float(learner.adjacency[0, 0])])
    return {"seconds": time.perf_counter() - t0, "estimates": est}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("simulate")
    s.add_argument("--adjacency", required=True)
    s.add_argument("--baseline", required=True)
    s.add_argument("--decay", type=float, required=True)
    s.add_argument("--end-time", type=float, required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--repeat", type=int, default=3)
    s.add_argument("--n-paths", type=int, default=1)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--out", default="")
    f = sub.add_parser("fit")
    f.add_argument("--input", required=True)
    f.add_argument("--decay", type=float, required=True)
    f.add_argument("--repeat", type=int, default=3)
    b = sub.add_parser("fit-batch")
    b.add_argument("--input", required=True)
    b.add_argument("--decay", type=float, required=True)
    a = p.parse_args(argv)
    out = {"simulate": _simulate, "fit": _fit, "fit-batch": _fit_batch}[a.cmd](a)
    import tick

    out["tick"] = getattr(tick, "__version__", "unknown")
    out["numpy"] = np.__version__
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
