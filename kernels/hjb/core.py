"""Scalar code shared by the reference and the numba fast path of the linear HJB solver.

:func:`propagator_plan` chooses, from the norm of a non-negative tridiagonal ``N s``, the number of
squarings and the Taylor degree that make ``exp(N s)`` accurate entry by entry; the reference calls it
as plain Python, the numba path compiles the same source.
"""

from __future__ import annotations

import math

__all__ = ["SERIES_TOL", "MAX_TERMS", "propagator_plan"]

SERIES_TOL = 2.0**-60  # relative error of every entry of the propagator
MAX_TERMS = 64  # degree cap of the Taylor polynomial (each squaring doubles the rounding error)


def propagator_plan(theta, n):
    """``(a, K)`` such that ``T_K(N s / 2^a)^(2^a)``, with ``T_K`` the Taylor polynomial of degree
    ``K``, equals ``exp(N s)`` entry by entry to a relative error below ``2^-60``, however small the
    entry; ``N >= 0`` is ``n x n`` tridiagonal and ``theta = ||N s||_inf``.

    Entry ``(i, k)`` (``|i - k| = delta``) of ``exp(N s) = sum_p (N s)^p / p!`` is a sum over paths
    of ``p`` steps on the line; it is at least its first term ``W / delta!`` (``W`` the weight of the
    direct path), a path of ``delta + r`` steps crosses every edge of the direct path forwards and so
    weighs at most ``W theta^r``, and there are at most ``C(delta + r, r) 3^r`` such paths: the paths
    longer than ``delta + r*`` add at most ``sum_{r > r*} (3 theta)^r / r!`` relative to the entry.
    Raising ``T_K(N h)``, ``h = s / 2^a``, to the power ``2^a`` keeps of the term of order ``p`` the
    fraction of ways of spreading its ``p`` steps over the ``2^a`` sub-steps with at most ``K`` in each;
    the rest is at most ``2^a (p / 2^a)^(K+1) / (K+1)!`` (union bound), evaluated at
    ``p* = n - 1 + r*``.  ``a = 0`` needs ``K >= p*``.  The smallest ``a`` with ``K <= 64`` is taken.

    A cut of the series by its norm alone (``||N h||^K / K! < eps``) would instead drop every entry
    farther than ``K`` from the diagonal of ``exp(N h)``: wrong small components whenever ``v`` varies by
    many orders of magnitude along the grid (a terminal penalty) and is fed there from far away."""
    if theta <= 0.0:
        return 0, 0
    log_tol = math.log(SERIES_TOL / 2.0)
    x = 3.0 * theta
    lx = math.log(x)

    def tail_small(r):
        # the terms of order above r add less than the tolerance (meaningful for r + 2 > x)
        return (r + 1) * lx - math.lgamma(r + 2.0) - math.log(1.0 - x / (r + 2)) < log_tol

    # r* is the smallest r with r + 2 > x whose tail bound holds; beyond x the bound decreases strictly
    # in r, so a doubling search and a bisection find it in O(log x) evaluations (counting up from 0
    # took O(x): minutes for rates of 1e8).  The caller keeps x below 2^53, where r is exact in a float.
    r = max(0, int(x) - 1)
    while not r + 2 > x:
        r += 1
    if not tail_small(r):
        step = 1
        while not tail_small(r + step):
            step *= 2
        bad, good = r + step // 2, r + step  # the bound fails at bad and holds at good
        while good - bad > 1:
            mid = (bad + good) // 2
            if tail_small(mid):
                good = mid
            else:
                bad = mid
        r = good
    p = n - 1 + r
    if p <= MAX_TERMS:
        return 0, p
    a = 1
    while True:
        lb = a * math.log(2.0)
        lr = math.log(p) - lb
        for k in range(1, MAX_TERMS + 1):
            if lb + (k + 1) * lr - math.lgamma(k + 2.0) < log_tol:
                return a, k
        a += 1
