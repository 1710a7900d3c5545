"""Suite ``hjb``: exact GLFT quote surfaces for many parameter sets, and the multi-asset grid HJB.

``glft surfaces``: 1,000 GLFT parameter sets (``--quick``: 40), inventories ``-50..50``, 1,000 time
points on ``[0, 1]``; every implementation returns ``ln v`` (or ``v``) on the whole grid for every set.

* ``quantforge-<backend>``: :func:`quantforge.kernels.hjb.solve_linear_hjb`, one batched call
  (componentwise-accurate scaling and squaring, then stepping).
* ``scipy-expm-per-time``: ``scipy.linalg.expm(-M tau_j) @ 1`` for every time point, the direct use of
  GLFT's formula; measured on a few sets and scaled to the batch (noted in the row).
* ``scipy-expm-stepping``: one ``scipy.linalg.expm(-M dt)`` per set, then repeated products along the
  uniform grid — the fastest plain-scipy way to the same numbers.

``grid HJB``: one solve of the finite-difference multi-asset HJB (:mod:`quantforge.kernels.hjb_grid`)
in 2 and 3 dimensions, time per solve (numpy on the CPU).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sl

from ..kernels.backend import available_backends
from ..kernels.hjb import solve_linear_hjb
from .harness import median_time

_Q = 50
_N_T = 1000
_CONTENTION = "shared 2-core machine, other jobs running: absolute times are indicative, ratios in one run comparable"


def _glft_batch(n_sets: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    gamma = 10 ** rng.uniform(-2, 0, n_sets)
    sigma = rng.uniform(1.0, 3.0, n_sets)
    a = rng.uniform(50.0, 200.0, n_sets)
    k = rng.uniform(0.5, 3.0, n_sets)
    q = np.arange(-_Q, _Q + 1, dtype=np.float64)
    diag = (k * gamma * sigma**2 / 2)[:, None] * q**2
    eta = (a * (1 + gamma / k) ** (-(1 + k / gamma)))[:, None] * np.ones_like(q)
    return diag, eta


def _dense(diag, eta):
    return np.diag(diag) - np.diag(eta[1:], -1) - np.diag(eta[:-1], 1)


def _scipy_per_time(diag, eta, taus):
    ones = np.ones(diag.shape[1])
    for b in range(diag.shape[0]):
        m = _dense(diag[b], eta[b])
        for tau in taus:
            sl.expm(-m * tau) @ ones


def _scipy_stepping(diag, eta, taus):
    n = diag.shape[1]
    for b in range(diag.shape[0]):
        prop = sl.expm(-_dense(diag[b], eta[b]) * (taus[1] - taus[0]))
        v = np.ones(n)
        out = np.empty((taus.size, n))
        out[0] = v
        for j in range(1, taus.size):
            v = prop @ v
            out[j] = v


def _grid_rows(quick: bool) -> list[dict]:
    from ..kernels.hjb_grid import ExponentialSide, solve_hjb_grid

    rows = []
    side = ExponentialSide(140.0 / 1.5 * (1 + 0.1 / 1.5) ** (-(1 + 1.5 / 0.1)), 1.5)
    for dim, bound in ((2, 10), (3, 6 if quick else 8)):
        corr = np.full((dim, dim), 0.5) + 0.5 * np.eye(dim)
        cov = 4.0 * corr
        taus = np.linspace(0.0, 1.0, 11)

        def solve():
            solve_hjb_grid(
                taus, lower_bounds=(-bound,) * dim, upper_bounds=(bound,) * dim, bid_sides=(side,) * dim,
                ask_sides=(side,) * dim, drift=np.zeros(dim), penalty=0.1 * cov, terminal_penalty=np.zeros((dim, dim)),
            )

        median, _ = median_time(solve, repeat=1 if quick else 3, warmup=0)
        rows.append({
            "benchmark": f"grid HJB {dim}-D, {(2 * bound + 1) ** dim} inventories, T=1 (RK4)",
            "impl": "quantforge-numpy", "median": median, "unit": "s", "note": _CONTENTION,
        })
    return rows


def run(quick: bool = False) -> list[dict]:
    n_sets = 40 if quick else 1000
    repeat = 1 if quick else 3
    diag, eta = _glft_batch(n_sets)
    taus = np.linspace(0.0, 1.0, _N_T)
    zeros = np.zeros_like(diag)
    bench = f"glft surfaces {n_sets} sets x {2 * _Q + 1} inventories x {_N_T} times"
    rows: list[dict] = []
    for backend in ("numba", "numpy"):
        if backend not in available_backends():
            continue
        median, _ = median_time(lambda b=backend: solve_linear_hjb(diag, eta, eta, zeros, taus, backend=b), repeat=repeat, warmup=1)
        rows.append({"benchmark": bench, "impl": f"quantforge-{backend}", "median": median, "unit": "s", "note": _CONTENTION})

    few = 2
    t_few, _ = median_time(lambda: _scipy_per_time(diag[:few], eta[:few], taus[:: 10 if quick else 4]), repeat=1, warmup=0)
    scale = (n_sets / few) * (10 if quick else 4)
    rows.append({
        "benchmark": bench, "impl": "scipy-expm-per-time", "median": t_few * scale, "unit": "s",
        "note": f"scipy-expm-per-time: measured on {few} sets and every {10 if quick else 4}th time point, scaled x{scale:g}",
    })
    median, _ = median_time(lambda: _scipy_stepping(diag, eta, taus), repeat=repeat, warmup=0)
    rows.append({"benchmark": bench, "impl": "scipy-expm-stepping", "median": median, "unit": "s",
                 "note": "scipy-expm-stepping: expm(-M dt) once per set, then 999 products (uniform grid only)"})
    return rows + _grid_rows(quick)
