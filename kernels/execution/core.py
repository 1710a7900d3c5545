"""The shared core of the execution family: the parameter layout and the Almgren–Chriss scalar code.

Every backend receives a liquidation problem as the float64 vector laid out by :class:`Prm`; the
scalar functions below are plain Python, compiled for the CPU by :mod:`.numba` and for the GPU by
:mod:`.cuda`, so both execute the same source.

The trajectory is built from ``r_j = sinh(kappa (T - t_j)) / sinh(kappa T)`` by the recurrence

    r_{j-1} = c r_j + s q_j,   q_{j-1} = c q_j + s r_j,   r_N = 0,  q_N = 1 / sinh(kappa T),

with ``c = cosh(kappa tau)``, ``s = sinh(kappa tau)`` (``q_j = cosh(kappa (T - t_j)) / sinh(kappa T)``):
run from ``j = N`` down, every term is positive, so there is no cancellation and one step costs four
multiplications instead of a ``sinh``.  Beyond ``kappa T = 700`` (``sinh`` overflows) the terms are
taken from ``exp(-kappa t_j) (1 - e^{-2 kappa (T - t_j)}) / (1 - e^{-2 kappa T})`` directly.  The drift
term ``xbar (1 - r_j - r_{N-j})`` cancels for small ``kappa T``; there (``kappa T < 0.01``) it is
evaluated from the identity ``sinh(A + B) - sinh A - sinh B = 2 sinh A sinh^2(B/2) + 2 sinh B sinh^2(A/2)``,
which has no cancellation and tends to the parabola ``t (T - t) / 2`` of ``lambda = 0``.
"""

from __future__ import annotations

import enum
import math

from ..jit import jit

__all__ = [
    "Prm",
    "BIG_KAPPA_T",
    "SMALL_KAPPA_T",
    "kappa_scalar",
    "ratio_far_scalar",
    "bump_scalar",
    "trajectory_scalar",
    "moments_scalar",
    "sums_scalar",
    "frontier_scalar",
    "kappa",
    "ratio_far",
    "bump",
    "trajectory",
    "moments",
    "sums",
]

BIG_KAPPA_T = 700.0  # sinh(kappa T) overflows a float64 a little above 710
SMALL_KAPPA_T = 1e-2  # below this the drift term is evaluated without cancellation


class Prm(enum.IntEnum):
    """Fields of the parameter vector (float64, length :attr:`SIZE`) of a liquidation problem.

    A position of ``QUANTITY`` shares is liquidated over ``HORIZON`` in ``N`` equal intervals of
    ``TAU``; ``SIGMA`` is the price volatility (price per square-root time unit), ``GAMMA`` the
    permanent and ``ETA`` the temporary impact coefficient, ``EPSILON`` the fixed cost per share,
    ``ETA_TILDE = ETA - GAMMA TAU / 2`` and ``DRIFT`` the expected drift of the position's value per
    share and time unit (positive: waiting pays).
    """

    QUANTITY = 0
    HORIZON = 1
    SIGMA = 2
    GAMMA = 3
    ETA = 4
    EPSILON = 5
    DRIFT = 6
    TAU = 7
    ETA_TILDE = 8
    SIZE = 9


def kappa_scalar(lam, prm):
    """The discrete-time urgency ``kappa``: ``cosh(kappa tau) = 1 + lambda sigma^2 tau^2 / (2 eta~)``.

    Written as ``kappa tau = log1p(z + sqrt(z (z + 2)))``, ``z = lambda sigma^2 tau^2 / (2 eta~)``,
    which keeps full precision where ``z`` is tiny (``arccosh(1 + z)`` would not).
    """
    tau = prm[Prm.TAU]
    z = lam * prm[Prm.SIGMA] * prm[Prm.SIGMA] * tau * tau / (2.0 * prm[Prm.ETA_TILDE])
    return math.log1p(z + math.sqrt(z * (z + 2.0))) / tau


def ratio_far_scalar(kappa, t, horizon):
    """``sinh(kappa (T - t)) / sinh(kappa T)`` for ``kappa T`` large (no overflow)."""
    return math.exp(-kappa * t) * (-math.expm1(-2.0 * kappa * (horizon - t))) / (-math.expm1(-2.0 * kappa * horizon))


def bump_scalar(kappa, t, prm):
    """``(1 - r(t) - r(T - t)) / kappa~^2`` without cancellation (``kappa T`` small; ``t (T - t) / 2`` at 0)."""
    horizon = prm[Prm.HORIZON]
    if kappa == 0.0:
        return 0.5 * t * (horizon - t)
    tau = prm[Prm.TAU]
    a = kappa * (horizon - t)
    b = kappa * t
    sa = math.sinh(0.5 * a)
    sb = math.sinh(0.5 * b)
    h = math.sinh(0.5 * kappa * tau)
    return tau * tau * (math.sinh(a) * sb * sb + math.sinh(b) * sa * sa) / (2.0 * h * h * math.sinh(kappa * horizon))


def trajectory_scalar(lam, kappa, prm, n_steps, row):
    """Write the optimal holdings ``x_0 .. x_N`` (``x_0 = X``, ``x_N = 0``) into ``row``.

    ``x_j = X r_j + xbar (1 - r_j - r_{N-j})`` with ``xbar = DRIFT / (2 lambda sigma^2)`` (Almgren &
    Chriss 2000, the trajectory with drift); at ``lambda = 0`` the straight line plus the parabola
    ``DRIFT t_j (T - t_j) / (4 eta~)``.
    """
    horizon = prm[Prm.HORIZON]
    tau = prm[Prm.TAU]
    x = prm[Prm.QUANTITY]
    kt = kappa * horizon
    if kappa == 0.0:
        for j in range(n_steps + 1):
            row[j] = (n_steps - j) / n_steps
    elif kt <= BIG_KAPPA_T:
        c = math.cosh(kappa * tau)
        s = math.sinh(kappa * tau)
        r = 0.0
        q = 1.0 / math.sinh(kt)
        row[n_steps] = 0.0
        for j in range(n_steps, 0, -1):
            r, q = c * r + s * q, c * q + s * r
            row[j - 1] = r
        row[0] = 1.0  # the recurrence gives 1 to rounding; the boundary condition is exact
    else:
        for j in range(n_steps + 1):
            row[j] = ratio_far(kappa, j * tau, horizon)
    drift = prm[Prm.DRIFT]
    if drift == 0.0:
        for j in range(n_steps + 1):
            row[j] = x * row[j]
        return
    scale = drift / (2.0 * prm[Prm.ETA_TILDE])  # xbar kappa~^2
    for j in range((n_steps + 2) // 2):
        k = n_steps - j
        rj = row[j]
        rk = row[k]
        if kt < SMALL_KAPPA_T:
            d = scale * bump(kappa, j * tau, prm)
        else:
            d = drift / (2.0 * lam * prm[Prm.SIGMA] * prm[Prm.SIGMA]) * (1.0 - rj - rk)
        row[j] = x * rj + d
        row[k] = x * rk + d  # the drift term is symmetric in t and T - t
    row[0] = x
    row[n_steps] = 0.0


def moments_scalar(row, prm, n_steps):
    """(E, V) of the holdings ``row``: expected cost and variance of the cost (Almgren & Chriss 2000).

    ``E = gamma X^2 / 2 + epsilon sum |n_k| + (eta~ / tau) sum n_k^2 - DRIFT tau sum_{k>=1} x_k`` and
    ``V = sigma^2 tau sum_{k>=1} x_k^2``, with ``n_k = x_{k-1} - x_k``.
    """
    tau = prm[Prm.TAU]
    x = prm[Prm.QUANTITY]
    sn = 0.0
    sn2 = 0.0
    sx = 0.0
    sx2 = 0.0
    for k in range(1, n_steps + 1):
        n = row[k - 1] - row[k]
        sn += abs(n)
        sn2 += n * n
        sx += row[k]
        sx2 += row[k] * row[k]
    e = (
        0.5 * prm[Prm.GAMMA] * x * x
        + prm[Prm.EPSILON] * sn
        + prm[Prm.ETA_TILDE] / tau * sn2
        - prm[Prm.DRIFT] * tau * sx
    )
    v = prm[Prm.SIGMA] * prm[Prm.SIGMA] * tau * sx2
    return e, v


def sums_scalar(kappa, prm, n_steps):
    """(E, V) of the optimal trajectory without drift, summed while the recurrence runs (no row stored).

    The terms of :func:`moments_scalar` for ``x_j = X r_j``, ``r_j`` from the recurrence of the module
    notes (the straight line at ``kappa = 0``, the exponential form beyond ``kappa T = 700``).
    """
    horizon = prm[Prm.HORIZON]
    tau = prm[Prm.TAU]
    x = prm[Prm.QUANTITY]
    kt = kappa * horizon
    c = math.cosh(kappa * tau)
    s = math.sinh(kappa * tau)
    r = 0.0
    q = 1.0 / math.sinh(kt) if 0.0 < kt <= BIG_KAPPA_T else 0.0
    sn = 0.0
    sn2 = 0.0
    sx2 = 0.0
    for j in range(n_steps, 0, -1):
        if j == 1:
            r_prev = 1.0  # x_0 = X exactly
        elif kappa == 0.0:
            r_prev = (n_steps - j + 1) / n_steps
        elif kt <= BIG_KAPPA_T:
            r_prev = c * r + s * q
            q = c * q + s * r
        else:
            r_prev = ratio_far(kappa, (j - 1) * tau, horizon)
        n = x * (r_prev - r)
        sn += abs(n)
        sn2 += n * n
        sx2 += x * x * r * r
        r = r_prev
    e = 0.5 * prm[Prm.GAMMA] * x * x + prm[Prm.EPSILON] * sn + prm[Prm.ETA_TILDE] / tau * sn2
    return e, prm[Prm.SIGMA] * prm[Prm.SIGMA] * tau * sx2


def frontier_scalar(lam, prm, n_steps, row, keep):
    """One point of the efficient frontier: ``(kappa, E, V)`` at ``lam``.

    With ``keep`` (or a drift, whose term pairs ``t`` with ``T - t``) the holdings are written into
    ``row`` and summed from it; otherwise they are summed as the recurrence produces them.
    ``kappa``, ``trajectory``, ``moments`` and ``sums`` are resolved from the globals of the compiling
    target: the CPU builds below, the device builds in :mod:`.cuda`.
    """
    kap = kappa(lam, prm)
    if keep or prm[Prm.DRIFT] != 0.0:
        trajectory(lam, kap, prm, n_steps, row)
        e, v = moments(row, prm, n_steps)
    else:
        e, v = sums(kap, prm, n_steps)
    return kap, e, v


# CPU builds of the scalar core, for the numba fast path (the cuda path rebinds the same names).
kappa = jit(inline=True)(kappa_scalar)
ratio_far = jit(inline=True)(ratio_far_scalar)
bump = jit(inline=True)(bump_scalar)
trajectory = jit(inline=True)(trajectory_scalar)
moments = jit(inline=True)(moments_scalar)
sums = jit(inline=True)(sums_scalar)
