"""The shared core of the var family: the instrument table layout, the scalar revaluation and selection.

Every backend receives the instruments as one float64 table laid out by :class:`Inst` (a row per
instrument) and the factor spots as a vector; :func:`linear_pnl` and :func:`option_pnl` revalue one
instrument under one scenario and :func:`select_kth` places one order statistic, all plain Python, compiled by the
numba path (:mod:`.numba`) and checked against the reference (:mod:`.reference`).  A scenario costs
one ``exp`` per factor and one Black–Scholes repricing per option: linear instruments reuse their
factor's growth ``e^r``.
"""

from __future__ import annotations

import enum
import math

from ..options.core import black_scholes_scalar

__all__ = ["Kind", "Inst", "METHODS", "option_pnl", "linear_pnl", "select_kth", "tail_ranks", "CHUNK"]

METHODS: tuple[str, ...] = ("historical", "filtered_historical", "parametric", "cornish_fisher", "monte_carlo")
CHUNK = 8192  # scenarios revalued at once: memory CHUNK x instruments, never scenarios x instruments


class Kind(enum.IntEnum):
    """What an instrument is: a position linear in its factor's price, or a European option on it."""

    LINEAR = 0
    OPTION = 1


class Inst(enum.IntEnum):
    """Columns of the instrument table (float64, ``SIZE`` columns, one row per instrument).

    ``VALUE0`` is the option's Black–Scholes value today (per unit of underlying, before the
    multiplier), computed once by the dispatcher so that a scenario costs one repricing.
    """

    FACTOR = 0  # index of the risk factor (its spot and its return column)
    KIND = 1  # a Kind
    MULTIPLIER = 2  # units of the factor per unit of position (contract size)
    STRIKE = 3
    EXPIRY = 4  # years to expiry today
    VOL = 5  # Black–Scholes volatility, per square-root year
    RATE = 6
    DIVIDEND = 7
    CALL = 8  # 1.0 for a call, 0.0 for a put
    VALUE0 = 9
    SIZE = 10


def option_pnl(row, new_spot, horizon, vol_shift):
    """P&L per unit of position of one option (table row ``row``) when its factor moves to ``new_spot``:
    ``m (BS(S e^r, K, T - h, sigma + dsigma) - BS(S, K, T, sigma))``, full revaluation (Black & Scholes
    1973), with ``horizon`` in years and ``vol_shift`` an absolute change of volatility."""
    price = black_scholes_scalar(
        new_spot,
        row[Inst.STRIKE],
        row[Inst.EXPIRY] - horizon,
        row[Inst.RATE],
        row[Inst.DIVIDEND],
        row[Inst.VOL] + vol_shift,
        row[Inst.CALL] != 0.0,
    )[0]
    return row[Inst.MULTIPLIER] * (price - row[Inst.VALUE0])


def linear_pnl(multiplier, spot, growth):
    """P&L per unit of position of a linear instrument whose factor grows by ``growth = e^r``: ``m S (e^r - 1)``."""
    return multiplier * spot * (growth - 1.0)


def select_kth(a, lo, hi, k):
    """Rearrange ``a[lo:hi]`` so that ``a[k]`` is the value a sort would put there, the smaller ones
    before it and the larger ones after (Hoare's FIND with a median-of-three pivot; O(hi - lo) expected)."""
    hi -= 1
    while hi > lo:
        mid = (lo + hi) // 2
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


def tail_ranks(n, alpha):
    """(k, lo, hi, frac) of the order statistics behind VaR and ES at confidence ``alpha`` of ``n`` losses.

    ``k = ceil(n alpha) - 1`` is VaR's 0-based rank in ascending order (the lower empirical
    quantile), the ``n - 1 - k`` losses above it and ``frac = n (1 - alpha) - (n - 1 - k)`` of it make
    ES (Acerbi & Tasche 2002, eq. 3.1); ``lo, hi`` are the ranks one binomial standard deviation
    ``sqrt(n alpha (1 - alpha))`` below and above ``k``, whose half-distance is VaR's standard error.
    """
    k = min(n - 1, max(0, int(math.ceil(n * alpha)) - 1))
    sd = math.sqrt(n * alpha * (1.0 - alpha))
    lo = max(0, int(math.floor(n * alpha - sd)) - 1)
    hi = min(n - 1, int(math.ceil(n * alpha + sd)) - 1)
    frac = n * (1.0 - alpha) - (n - 1 - k)
    return k, lo, hi, frac
