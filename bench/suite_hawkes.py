"""Suite ``hawkes``: multivariate Hawkes processes, quantforge against tick 0.8 (X-DataInitiative/tick).

* Simulation of a 2-D exponential Hawkes process (baseline (1, 0.8), adjacency [[0.3, 0.1], [0.2, 0.4]],
  decay 2, about 1M events), events per second: quantforge's exact Dassios–Zhao kernel on one path
  and one thread, and on 64 paths of the same total over all threads; tick's ``SimuHawkesExpKernels``
  (one path) and ``SimuHawkesMulti`` (64 paths over all threads).
* The likelihood fit of the same events, seconds and accuracy (the largest relative error of the
  baseline and adjacency entries against the truth): quantforge's joint fit (decays estimated with
  the rest) and its fit with the decay given, against tick's ``HawkesExpKern(gofit="likelihood")``
  with the decay given (tick cannot estimate it).  Beside it, tick's own simulated path fitted by
  both with the decay fixed: the largest difference of their estimates (the parametrisations agree:
  tick's kernel is ``alpha beta e^{-beta t}``, so its ``adjacency`` is quantforge's).
* A batch of univariate series (about 200 events each): quantforge's batched fit (decays
  estimated) against tick fitting them one after the other with the decay given, fits per second.
* Recovery: over seeded replications, the share of 95% Wald intervals (observed information) that
  hold the truth, per parameter: the goal is 93–97%.
* The GPU simulation (one thread per path), reported as not run without a GPU.

tick runs in its own virtual environment (``bench/.venv-tick`` or ``$QUANTFORGE_TICK_VENV``), created
on first use with ``python -m venv`` and ``pip install tick==0.8.0.2 numpydoc six`` (tick needs
numpydoc and six beside it and ships binary wheels with their own numpy pins), driven through
``bench/tick_hawkes.py`` in a subprocess.  Where that fails, the tick rows say "not run" and why.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..kernels.backend import available_backends, cuda_simulated
from ..kernels.hawkes import ExponentialKernel, HawkesProcess, log_likelihood, simulate
from ..models.hawkes import fit_hawkes, fit_hawkes_batch
from .harness import contention_note, gpu_measurement, median_time, one_numba_thread

__all__ = [
    "run",
    "simulation_rows",
    "fit_rows",
    "batch_rows",
    "recovery_rows",
    "gpu_rows",
    "tick_python",
    "TRUTH",
    "GOALS",
]

TICK = ["tick==0.8.0.2", "numpydoc", "six"]
TRUTH = HawkesProcess([1.0, 0.8], ExponentialKernel([[0.3, 0.1], [0.2, 0.4]], 2.0))
UNIVARIATE = HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0))
GOALS = {"simulation_vs_tick": 2.0, "coverage": (0.93, 0.97)}
_PATHS = 64


def tick_python(create: bool = True) -> tuple[str | None, str]:
    """Path of the python in tick's environment, or ``(None, reason)``; with ``create`` a missing
    environment is made (``python -m venv``) and tick installed into it (pip, PyPI)."""
    venv = Path(os.environ.get("QUANTFORGE_TICK_VENV", Path(__file__).parent / ".venv-tick"))
    py = venv / "bin" / "python"
    if _imports_tick(py):
        return str(py), ""
    if not create:
        return None, f"tick environment {venv} absent (`quantforge bench hawkes` creates it)"
    steps = [] if py.exists() else [[sys.executable, "-m", "venv", str(venv)]]
    for cmd in steps + [[str(py), "-m", "pip", "install", "-q", *TICK]]:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"`{' '.join(cmd)}` failed: {e}"
        if p.returncode != 0:
            last = (p.stderr or p.stdout).strip().splitlines()
            return None, f"`{' '.join(cmd)}` failed: {last[-1] if last else f'exit status {p.returncode}'}"
    return (str(py), "") if _imports_tick(py) else (None, f"tick does not import in {venv}")


def _imports_tick(py: Path) -> bool:
    return py.exists() and subprocess.run([str(py), "-c", "import tick.hawkes"], capture_output=True).returncode == 0


def _tick(python: str, *args: str) -> dict:
    p = subprocess.run(
        [python, str(Path(__file__).with_name("tick_hawkes.py")), *args], capture_output=True, text=True, timeout=1800
    )
    if p.returncode != 0:
        last = (p.stderr or p.stdout).strip().splitlines()
        raise RuntimeError(last[-1] if last else f"exit status {p.returncode}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def _tick_args() -> list[str]:
    k = TRUTH.kernel
    return [
        "--adjacency",
        json.dumps(k.adjacency.tolist()),
        "--baseline",
        json.dumps(TRUTH.baseline.tolist()),
        "--decay",
        repr(float(k.decays[0, 0])),
    ]


def simulation_rows(n_events: int, repeat: int, python: str | None, why: str, tmp: Path) -> list[dict]:
    """Events per second of the 2-D simulation; saves tick's path to ``tmp/tick_path.npz``."""
    horizon = n_events / float(TRUTH.stationary_intensity().sum())
    bench = f"2-D exponential Hawkes simulation, ~{n_events:,} events"
    rows: list[dict] = []
    shared = contention_note()

    def ours(impl, fn, n_paths, note):
        paths = fn()
        median, _ = median_time(fn, repeat=repeat, warmup=0)
        rows.append(
            {
                "benchmark": bench,
                "impl": impl,
                "median": paths.times.size / median,
                "unit": "events/s",
                "seconds": median,
                "events": int(paths.times.size),
                "paths": n_paths,
                "note": note,
            }
        )

    simulate(TRUTH, 1.0, 2, seed=1, backend="numba")  # compile outside the timings
    ours(
        "quantforge-numba-1path",
        one_numba_thread(lambda: simulate(TRUTH, horizon, 1, seed=1, backend="numba")),
        1,
        f"quantforge-numba-1path: exact (Dassios-Zhao) kernel, one path on one thread; {shared}",
    )
    ours(
        "quantforge-numba",
        lambda: simulate(TRUTH, horizon / _PATHS, _PATHS, seed=1, backend="numba"),
        _PATHS,
        f"quantforge-numba: {_PATHS} paths of 1/{_PATHS} the horizon, parallel over {_threads()} threads",
    )
    impls = (("tick-1path", 1, 1), ("tick", _PATHS, _threads()))
    if python is None:
        rows += [
            {"benchmark": bench, "impl": i, "median": None, "unit": "events/s", "note": f"not run: {why}"}
            for i, _, _ in impls
        ]
        return rows
    for impl, n_paths, threads in impls:
        out = _tick(
            python,
            "simulate",
            *_tick_args(),
            "--end-time",
            repr(horizon / n_paths),
            "--repeat",
            str(repeat),
            "--n-paths",
            str(n_paths),
            "--threads",
            str(threads),
            *(["--out", str(tmp / "tick_path.npz")] if n_paths == 1 else []),
        )
        what = (
            "SimuHawkesExpKernels, one path"
            if n_paths == 1
            else (f"SimuHawkesMulti, {n_paths} paths on {threads} threads")
        )
        rows.append(
            {
                "benchmark": bench,
                "impl": impl,
                "median": out["events_per_s"],
                "unit": "events/s",
                "seconds": out["seconds"],
                "events": out["events"],
                "paths": n_paths,
                "note": f"{impl}: tick {out['tick']} {what} (numpy {out['numpy']}, its own environment)",
            }
        )
    by = {r["impl"]: r["median"] for r in rows}
    for ours_impl, tick_impl in (("quantforge-numba-1path", "tick-1path"), ("quantforge-numba", "tick")):
        ratio = by[ours_impl] / by[tick_impl]
        row = next(r for r in rows if r["impl"] == ours_impl)
        row["goal"] = GOALS["simulation_vs_tick"]
        row["note"] += (
            f"; {ratio:.2f}x {tick_impl}'s events/s, goal >= {GOALS['simulation_vs_tick']:g}x: "
            f"{'met' if ratio >= GOALS['simulation_vs_tick'] else 'missed'}"
        )
    return rows


def _error(baseline, adjacency) -> float:
    """The largest relative error of the baseline and adjacency entries against the truth."""
    est = np.concatenate([np.ravel(baseline), np.ravel(adjacency)])
    truth = np.concatenate([TRUTH.baseline, TRUTH.kernel.adjacency.ravel()])
    return float(np.max(np.abs(est - truth) / truth))


def fit_rows(n_events: int, repeat: int, python: str | None, why: str, tmp: Path) -> list[dict]:
    """The likelihood fit on one simulated path: time and the largest relative parameter error."""
    horizon = n_events / float(TRUTH.stationary_intensity().sum())
    t, m = simulate(TRUTH, horizon, seed=7).path(0)
    np.savez(tmp / "path.npz", times=t, marks=m, horizon=horizon)
    bench = f"2-D exponential Hawkes likelihood fit, {t.size:,} events"
    decay = float(TRUTH.kernel.decays[0, 0])
    rows: list[dict] = []
    fit_hawkes(t[:2000], m[:2000], horizon=float(t[1999]))  # compile outside the timings
    fit_hawkes(t[:2000], m[:2000], horizon=float(t[1999]), decays=decay)
    for impl, kw, what in (
        ("quantforge-numba", {}, "joint fit: baseline, adjacency and the decay estimated"),
        ("quantforge-numba-decay-given", {"decays": decay}, "the decay given, as tick"),
    ):
        fit = fit_hawkes(t, m, horizon=horizon, **kw)
        median, _ = median_time(lambda kw=kw: fit_hawkes(t, m, horizon=horizon, **kw), repeat=repeat, warmup=0)
        err = _error(fit.baseline, fit.adjacency)
        truth = np.concatenate([TRUTH.baseline, TRUTH.kernel.adjacency.ravel(), [decay] if not kw else []])
        inside = int(np.sum(np.abs(fit.params - truth) <= 1.96 * fit.std_errors))
        rows.append(
            {
                "benchmark": bench,
                "impl": impl,
                "median": median,
                "unit": "s",
                "param_error": err,
                "decay": float(fit.decays[0, 0]),
                "log_likelihood": fit.log_likelihood,
                "ks_pvalues": fit.goodness.ks_pvalues.tolist(),
                "note": f"{impl}: {what}; largest relative error of baseline and adjacency {err:.2e}; "
                f"{inside}/{truth.size} parameters within 1.96 standard errors; goodness of fit "
                f"computed with the fit (KS p-values {np.round(fit.goodness.ks_pvalues, 3).tolist()}); "
                f"{fit.message}",
            }
        )
    if python is None:
        rows.append({"benchmark": bench, "impl": "tick", "median": None, "unit": "s", "note": f"not run: {why}"})
        return rows
    out = _tick(python, "fit", "--input", str(tmp / "path.npz"), "--decay", repr(decay), "--repeat", str(repeat))
    err = _error(out["baseline"], out["adjacency"])
    rows.append(
        {
            "benchmark": bench,
            "impl": "tick",
            "median": out["seconds"],
            "unit": "s",
            "param_error": err,
            "note": f"tick: HawkesExpKern(decays={decay:g}, gofit='likelihood', penalty='none').fit(events, "
            f"start=0.1), the decay given; largest relative error {err:.2e}",
        }
    )
    ours_row, tick_row = rows[0], rows[-1]
    faster = ours_row["median"] <= tick_row["median"]
    accurate = ours_row["param_error"] <= tick_row["param_error"] * 1.0000001
    ours_row["note"] += (
        f"; goal: no slower than tick's decay-given fit ({ours_row['median']:.3g} s vs "
        f"{tick_row['median']:.3g} s: {'met' if faster else 'missed'}) at equal or better accuracy "
        f"({ours_row['param_error']:.2e} vs {tick_row['param_error']:.2e}: "
        f"{'met' if accurate else 'missed'})"
    )
    tick_path = tmp / "tick_path.npz"
    if tick_path.exists():  # tick's own simulated events, fitted by both with the decay fixed
        data = np.load(tick_path)
        cross = _tick(python, "fit", "--input", str(tick_path), "--decay", repr(decay), "--repeat", "1")
        # tick's fit ends the window at the last event; so does this one, to compare like with like
        mine = fit_hawkes(data["times"], data["marks"], horizon=float(data["times"][-1]), decays=decay)
        diff = float(
            np.max(
                np.abs(
                    np.concatenate(
                        [mine.baseline - cross["baseline"], (mine.adjacency - np.array(cross["adjacency"])).ravel()]
                    )
                )
            )
        )
        theirs = HawkesProcess(cross["baseline"], ExponentialKernel(cross["adjacency"], decay))
        gain = mine.log_likelihood - log_likelihood(
            theirs, data["times"], data["marks"], horizon=float(data["times"][-1])
        )
        tick_row["crossfit_max_abs_diff"] = diff
        tick_row["crossfit_loglik_gain"] = gain
        tick_row["note"] += (
            f"; on tick's own simulated path ({data['times'].size:,} events) tick's estimates and "
            f"quantforge's (decay fixed) differ by at most {diff:.2e}, and the log-likelihood is "
            f"{gain:.3g} higher at quantforge's (tick's solver stops at its tolerance 1e-5)"
        )
    return rows


def batch_rows(n_series: int, n_tick: int, python: str | None, why: str) -> list[dict]:
    """Fits per second of a batch of univariate series (about 200 events each)."""
    horizon = 100.0
    paths = simulate(UNIVARIATE, horizon, n_series, seed=3)
    series = [paths.path(p)[0] for p in range(n_series)]
    bench = f"batch of {n_series:,} univariate exponential Hawkes fits, ~{paths.times.size // n_series} events each"
    fit_hawkes_batch(series[:4], horizon)  # compile outside the timings
    median, _ = median_time(lambda: fit_hawkes_batch(series, horizon), repeat=1, warmup=0)
    res = fit_hawkes_batch(series, horizon)
    rows = [
        {
            "benchmark": bench,
            "impl": "quantforge-numba",
            "median": n_series / median,
            "unit": "fits/s",
            "seconds": median,
            "converged": int(res.converged.sum()),
            "note": f"quantforge-numba: fit_hawkes_batch, baseline, adjacency and decay estimated, projected Newton "
            f"with the analytic Hessian from 2 starts, one series per thread ({_threads()} threads), standard "
            f"errors and KS goodness of fit included; {int(res.converged.sum())}/{n_series} converged; median "
            f"estimates {np.round(np.median(res.params, axis=0), 3).tolist()} (truth [1.0, 0.5, 2.0])",
        }
    ]
    if python is None:
        rows.append({"benchmark": bench, "impl": "tick", "median": None, "unit": "fits/s", "note": f"not run: {why}"})
        return rows
    with tempfile.TemporaryDirectory(prefix="qf-hawkes-") as d:
        sizes = np.array([s.size for s in series[:n_tick]])
        np.savez(
            Path(d) / "batch.npz",
            times=np.concatenate(series[:n_tick]),
            offsets=np.concatenate([[0], np.cumsum(sizes)]),
            horizons=np.full(n_tick, horizon),
        )
        out = _tick(python, "fit-batch", "--input", str(Path(d) / "batch.npz"), "--decay", "2.0")
    rows.append(
        {
            "benchmark": bench,
            "impl": "tick",
            "median": n_tick / out["seconds"],
            "unit": "fits/s",
            "seconds": out["seconds"],
            "series": n_tick,
            "note": f"tick: HawkesExpKern(decays=2, gofit='likelihood') fitted series by series (no batched fit), "
            f"the decay given, measured on the first {n_tick} series",
        }
    )
    return rows


def recovery_rows(n_rep: int, horizon: float = 1500.0) -> list[dict]:
    """Coverage of the 95% Wald intervals of ``fit_hawkes`` over ``n_rep`` seeded univariate paths."""
    truth = np.array([1.0, 0.5, 2.0])
    paths = simulate(UNIVARIATE, horizon, n_rep, seed=2024)
    inside = np.zeros((n_rep, 3), dtype=bool)
    for r in range(n_rep):
        fit = fit_hawkes(paths.path(r)[0], horizon=horizon)
        inside[r] = np.abs(fit.params - truth) <= 1.959963984540054 * fit.std_errors
    per = inside.mean(axis=0)
    lo, hi = GOALS["coverage"]
    se = math.sqrt(0.95 * 0.05 / n_rep)
    bench = f"recovery: 95% Wald intervals over {n_rep} replications (~{paths.times.size // n_rep} events each)"
    met = bool(np.all((per >= lo) & (per <= hi)))
    return [
        {
            "benchmark": bench,
            "impl": "quantforge-numba",
            "median": 100.0 * float(inside.mean()),
            "unit": "% covered",
            "coverage": dict(zip(("mu", "alpha", "beta"), per.tolist())),
            "replications": n_rep,
            "note": f"quantforge-numba: fit_hawkes on univariate paths (mu 1, alpha 0.5, beta 2, horizon {horizon:g}); "
            f"coverage mu {per[0]:.1%}, alpha {per[1]:.1%}, beta {per[2]:.1%} (binomial standard error "
            f"{se:.1%} at 95%); goal {lo:.0%}-{hi:.0%} for each: {'met' if met else 'missed'}",
        }
    ]


def gpu_rows(n_events: int, repeat: int) -> list[dict]:
    """The exact simulation on the GPU (one thread per path), or a "not run" row without one."""
    bench = f"2-D exponential Hawkes simulation, ~{n_events:,} events, GPU ({_PATHS * 64} paths)"
    if "cupy" not in available_backends() or cuda_simulated():
        return [
            {
                "benchmark": bench,
                "impl": "quantforge-cupy",
                "median": None,
                "unit": "events/s",
                "note": "not run: no GPU (no CUDA device answered on this machine)",
            }
        ]
    n_paths = _PATHS * 64
    horizon = n_events / float(TRUTH.stationary_intensity().sum()) / n_paths
    fn = lambda: simulate(TRUTH, horizon, n_paths, seed=1, backend="cupy")  # noqa: E731
    events = fn().times.size
    with gpu_measurement() as meter:
        _, gpu = meter.measure(fn, repeat=repeat)
    median = gpu["warm_median_s"]
    return [
        {
            "benchmark": bench,
            "impl": "quantforge-cupy",
            "median": events / median,
            "unit": "events/s",
            "seconds": median,
            "gpu": gpu,
            "note": "quantforge-cupy: numba.cuda kernel, one path per thread, padded rows copied to the host",
        }
    ]


def run(quick: bool = False) -> list[dict]:
    n_events = 2**16 if quick else 1_000_000
    repeat = 2 if quick else 5
    python, why = tick_python(create=True)
    with tempfile.TemporaryDirectory(prefix="qf-hawkes-") as d:
        tmp = Path(d)
        rows = simulation_rows(n_events, repeat, python, why, tmp)
        rows += fit_rows(n_events, 1 if quick else 3, python, why, tmp)
    rows += batch_rows(500 if quick else 10_000, 50 if quick else 1_000, python, why)
    rows += recovery_rows(30 if quick else 200)
    rows += gpu_rows(n_events, repeat)
    return rows
