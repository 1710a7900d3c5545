"""kernels/hjb/reference.py: every entry of the propagator against a 40-digit Taylor sum, and the
array-API references run unchanged under array_api_strict with the numbers they give on numpy."""

import math
from decimal import Decimal, localcontext

import array_api_strict as xps
import numpy as np

from quantforge.kernels.hjb.reference import propagator, solve_grid, solve_linear


def test_every_propagator_entry_is_relatively_accurate():
    # exp(N s) for a non-negative tridiagonal N (n = 30, ||N s|| = 3.6): its entries span ~1e-40..1e1.
    # Reference: the Taylor series summed entry by entry in 40-digit arithmetic (all terms >= 0).
    n, s = 30, 0.3
    rng = np.random.default_rng(4)
    nd, lo, up = rng.uniform(0.0, 4.0, n), rng.uniform(1.0, 4.0, n), rng.uniform(1.0, 4.0, n)
    lo[0], up[-1] = 0.0, 0.0
    norm = float((nd + lo + up).max())
    prop, log_factor = propagator(nd[None], lo[None], up[None], np.array([norm]), s, xp=np)
    got = prop[0] * math.exp(log_factor[0])
    with localcontext() as ctx:
        ctx.prec = 40
        a = [[Decimal(0)] * n for _ in range(n)]
        for i in range(n):
            a[i][i] = Decimal(float(nd[i])) * Decimal(s)
            if i:
                a[i][i - 1] = Decimal(float(lo[i])) * Decimal(s)
            if i < n - 1:
                a[i][i + 1] = Decimal(float(up[i])) * Decimal(s)
        term = [[Decimal(int(i == k)) for k in range(n)] for i in range(n)]
        total = [row[:] for row in term]
        for m in range(1, 200):
            term = [
                [sum(a[i][j] * term[j][k] for j in range(max(0, i - 1), min(n, i + 2))) / m for k in range(n)]
                for i in range(n)
            ]
            total = [[x + y for x, y in zip(r1, r2)] for r1, r2 in zip(total, term)]
            if m > n + 20 and max(max(r) for r in term) < Decimal(10) ** -60:
                break
        ref = np.array([[float(x) for x in row] for row in total])
    assert ref.min() < 1e-30 * ref.max()
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


def test_linear_reference_runs_under_array_api_strict(random_system):
    rng = np.random.default_rng(5)
    diag, lower, upper, log_vt = random_system(rng, 3, 9)
    lower[:, 0], upper[:, -1] = 0.0, 0.0
    args = [np.ascontiguousarray(np.broadcast_to(a, diag.shape)) for a in (diag, lower, upper, log_vt)]
    taus = np.array([0.0, 0.1, 0.2, 0.3, 0.7])
    want = solve_linear(*args, taus, xp=np)
    got = solve_linear(*(xps.asarray(a) for a in args), taus, xp=xps)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14, atol=0)


def test_grid_reference_runs_under_array_api_strict():
    # two assets on -2..2 x -1..1, two parameter sets, correlated running penalty and a drift
    q0, q1 = np.meshgrid(np.arange(-2.0, 3.0), np.arange(-1.0, 2.0), indexing="ij")
    mu = np.array([[0.1, -0.2], [0.0, 0.3]])[:, :, None, None]
    running = mu[:, 0] * q0 + mu[:, 1] * q1 - 0.5 * (0.4 * q0 * q0 + 0.2 * q0 * q1 + 0.3 * q1 * q1)
    theta0 = np.broadcast_to(-0.01 * (q0 * q0 + q1 * q1), running.shape)
    sides = [
        (np.array([30.0, 40.0]).reshape(2, 1, 1), np.full((2, 1, 1), 1.5)),
        (np.full((2, 1, 1), 25.0), np.full((2, 1, 1), 2.0)),
    ]
    taus = np.array([0.0, 0.05, 0.1])
    want = solve_grid(theta0, running, sides, sides, taus, 1000.0, xp=np)
    strict_sides = [tuple(xps.asarray(c) for c in side) for side in sides]
    got = solve_grid(xps.asarray(theta0), xps.asarray(running), strict_sides, strict_sides, taus, 1000.0, xp=xps)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14, atol=0)
