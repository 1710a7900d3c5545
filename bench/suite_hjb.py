"""Suite ``hjb``: exact GLFT quote surfaces for many parameter sets, and the multi-asset grid HJB.

``glft surfaces``: 1,000 GLFT parameter sets (``--quick``: 40), inventories ``-50..50``, 1,000 time
points on ``[0, 1]``; every implementation returns ``ln v`` (or ``v``) on the whole grid for every set.

* ``quantforge-<backend>``: :func:`quantforge.kernels.hjb.solve_linear_hjb`, one batched call
  (componentwise-accurate propagator; the numba path turns the stepping into matrix-matrix products).
* ``scipy-expm-per-time``: ``scipy.linalg.expm(-M tau_j) @ 1`` for every time point, the direct use of
  GLFT's formula (the ">= 10x vs a scipy.linalg.expm loop" of the goal).  It costs about a millisecond
  per call, so it is timed on the first ``per_time_sets`` sets of the batch (20 of 1,000; the sets are
  one random draw, so any 20 are a random sample), over every time point, and scaled by
  ``n_sets / per_time_sets``; the row's note says so.
* ``scipy-expm-stepping``: one ``scipy.linalg.expm(-M dt)`` per set, then repeated products along the
  uniform grid, for the whole batch: the fastest plain-scipy way to the same numbers on a uniform grid.

These rows are measured in a child process with ``OPENBLAS_NUM_THREADS=1``: for 101 x 101 matrices
OpenBLAS's threads are several times slower than one thread on this kind of machine (each call pays
their start-up, and they keep spinning afterwards, taking cores from numba's threads), so every
implementation gets its faster setting.  The note of the ``quantforge-numba`` row also gives how far
the peers' quotes (differences of ``ln v``) are from quantforge's, in the middle of the inventory
range and over the whole grid (a dense ``expm`` is accurate relative to the largest component only).

``grid HJB``: one solve of the finite-difference multi-asset HJB (:mod:`quantforge.kernels.hjb_grid`)
in 2 and 3 dimensions, time per solve (numpy on the CPU).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import scipy.linalg as sl

from ..errors import PerformanceError
from ..kernels.backend import available_backends
from ..kernels.hjb import solve_linear_hjb
from .harness import contention_note, median_time

_Q = 50
_N_T = 1000


def glft_batch(n_sets: int, q_max: int = _Q, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """``(diag, eta)`` of GLFT's matrix ``M`` (GLFT 2013: ``alpha q^2`` on the diagonal, ``-eta`` off it)
    for ``n_sets`` random parameter sets (gamma log-uniform on [0.01, 1], sigma, A, k uniform)."""
    rng = np.random.default_rng(seed)
    gamma = 10 ** rng.uniform(-2, 0, n_sets)
    sigma = rng.uniform(1.0, 3.0, n_sets)
    a = rng.uniform(50.0, 200.0, n_sets)
    k = rng.uniform(0.5, 3.0, n_sets)
    q = np.arange(-q_max, q_max + 1, dtype=np.float64)
    diag = (k * gamma * sigma**2 / 2)[:, None] * q**2
    eta = (a * (1 + gamma / k) ** (-(1 + k / gamma)))[:, None] * np.ones_like(q)
    return diag, eta


def _dense(diag, eta):
    return np.diag(diag) - np.diag(eta[1:], -1) - np.diag(eta[:-1], 1)


def scipy_per_time(diag, eta, taus) -> np.ndarray:
    """``v[b, j] = expm(-M_b taus[j]) @ 1`` (a dense ``expm`` per time point)."""
    out = np.empty((diag.shape[0], taus.size, diag.shape[1]))
    ones = np.ones(diag.shape[1])
    for b in range(diag.shape[0]):
        m = _dense(diag[b], eta[b])
        for j, tau in enumerate(taus):
            out[b, j] = sl.expm(-m * tau) @ ones
    return out


def scipy_stepping(diag, eta, taus, keep: int) -> np.ndarray:
    """``v`` on a uniform grid by ``expm(-M dt)`` once per set and repeated products; returns the first ``keep`` sets."""
    n = diag.shape[1]
    kept = np.empty((keep, taus.size, n))
    for b in range(diag.shape[0]):
        prop = sl.expm(-_dense(diag[b], eta[b]) * (taus[1] - taus[0]))
        v = np.ones(n)
        out = np.empty((taus.size, n))
        out[0] = v
        for j in range(1, taus.size):
            v = prop @ v
            out[j] = v
        if b < keep:
            kept[b] = out
    return kept


def quote_gap(log_v_a, log_v_b, mid: int) -> tuple[float, float]:
    """Largest difference of the one-step gaps of ``ln v`` (what the quotes are made of) between two
    solutions: over inventories ``|q| <= mid`` (column offsets from the centre) and over the whole grid."""
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(np.diff(log_v_a, axis=-1) - np.diff(log_v_b, axis=-1))
    centre = log_v_a.shape[-1] // 2
    inner = gap[..., centre - mid : centre + mid]
    return float(np.nanmax(inner)), float(np.nanmax(np.where(np.isfinite(gap), gap, np.inf)))


def glft_rows(n_sets: int, n_t: int = _N_T, q_max: int = _Q, per_time_sets: int = 20, repeat: int = 3) -> list[dict]:
    """The ``glft surfaces`` rows, measured in this process (see the module docstring)."""
    diag, eta = glft_batch(n_sets, q_max)
    taus = np.linspace(0.0, 1.0, n_t)
    zeros = np.zeros_like(diag)
    bench = f"glft surfaces {n_sets} sets x {2 * q_max + 1} inventories x {n_t} times"
    blas = f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    rows: list[dict] = []
    ours = None
    shared = contention_note()
    for backend in ("numba", "numpy"):
        if backend not in available_backends():
            continue
        median, _ = median_time(
            lambda b=backend: solve_linear_hjb(diag, eta, eta, zeros, taus, backend=b), repeat=repeat, warmup=1
        )
        rows.append(
            {
                "benchmark": bench,
                "impl": f"quantforge-{backend}",
                "median": median,
                "unit": "s",
                "note": f"quantforge-{backend}: {blas}; {shared}"
                if not rows
                else f"quantforge-{backend}: the array reference of the same scheme, {blas}",
            }
        )
        if ours is None:
            ours = solve_linear_hjb(
                diag[:per_time_sets],
                eta[:per_time_sets],
                eta[:per_time_sets],
                zeros[:per_time_sets],
                taus,
                backend=backend,
            )

    per_time = {}
    t_few, _ = median_time(
        lambda: per_time.setdefault("v", scipy_per_time(diag[:per_time_sets], eta[:per_time_sets], taus)),
        repeat=1,
        warmup=0,
    )
    scale = n_sets / per_time_sets
    rows.append(
        {
            "benchmark": bench,
            "impl": "scipy-expm-per-time",
            "median": t_few * scale,
            "unit": "s",
            "note": f"scipy-expm-per-time: measured on {per_time_sets} of the {n_sets} sets, every one of the {n_t} time points "
            f"({t_few:.3g} s), scaled x{scale:g}",
        }
    )
    stepped = {}
    median, _ = median_time(
        lambda: stepped.__setitem__("v", scipy_stepping(diag, eta, taus, per_time_sets)), repeat=repeat, warmup=0
    )
    rows.append(
        {
            "benchmark": bench,
            "impl": "scipy-expm-stepping",
            "median": median,
            "unit": "s",
            "note": f"scipy-expm-stepping: expm(-M dt) once per set, then {n_t - 1} products (uniform grid only)",
        }
    )
    mid = q_max // 2
    with np.errstate(divide="ignore"):
        gaps = {
            name: quote_gap(np.log(v), ours, mid)
            for name, v in (("per-time", per_time["v"]), ("stepping", stepped["v"]))
        }
    rows[0]["agreement"] = {name: {"inner": g[0], "whole_grid": g[1]} for name, g in gaps.items()}
    rows[0]["note"] += "; " + ", ".join(
        f"scipy {name} vs quantforge on {per_time_sets} sets: quote gaps of ln v differ by {g[0]:.1e} at |q| <= {mid}, "
        f"{g[1]:.1e} over the whole grid"
        for name, g in gaps.items()
    )
    return rows


def _glft_rows_single_threaded_blas(**kwargs) -> list[dict]:
    """:func:`glft_rows` in a child process with one OpenBLAS thread (module docstring)."""
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1"}
    code = "import json, sys; from quantforge.bench.suite_hjb import glft_rows; print(json.dumps(glft_rows(**json.loads(sys.argv[1]))))"
    done = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise PerformanceError(f"the glft benchmark child process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def grid_rows(quick: bool) -> list[dict]:
    """One solve of the grid HJB in 2-D and 3-D, time per solve."""
    from ..kernels.hjb import ExponentialSide, solve_hjb_grid

    rows = []
    side = ExponentialSide(140.0 / 1.5 * (1 + 0.1 / 1.5) ** (-(1 + 1.5 / 0.1)), 1.5)
    for dim, bound in ((2, 10), (3, 6 if quick else 8)):
        corr = np.full((dim, dim), 0.5) + 0.5 * np.eye(dim)
        cov = 4.0 * corr
        taus = np.linspace(0.0, 1.0, 11)

        def solve():
            solve_hjb_grid(
                taus,
                lower_bounds=(-bound,) * dim,
                upper_bounds=(bound,) * dim,
                bid_sides=(side,) * dim,
                ask_sides=(side,) * dim,
                drift=np.zeros(dim),
                penalty=0.1 * cov,
                terminal_penalty=np.zeros((dim, dim)),
            )

        shared = contention_note()
        median, _ = median_time(solve, repeat=1 if quick else 3, warmup=0)
        rows.append(
            {
                "benchmark": f"grid HJB {dim}-D, {(2 * bound + 1) ** dim} inventories, T=1 (RK4)",
                "impl": "quantforge-numpy",
                "median": median,
                "unit": "s",
                "note": f"grid HJB {dim}-D: {shared}",
            }
        )
    return rows


def run(quick: bool = False) -> list[dict]:
    glft = _glft_rows_single_threaded_blas(n_sets=40 if quick else 1000, per_time_sets=2 if quick else 20, repeat=3)
    return glft + grid_rows(quick)
