"""engine/surface.py against QuoteSurface.quotes (nearest in time) and numpy.interp (linear), on a
non-uniform time grid, including clamping, +inf sides and the allocation-free claim."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from quantforge.engine.surface import CLAMP_INVENTORY, CLAMP_TIME, make_surface_table, surface_lookup
from quantforge.errors import InvalidParameters, NumericalInstability
from quantforge.models.surface import QuoteSurface


@pytest.fixture(scope="module")
def surface():
    rng = np.random.default_rng(5)
    t = np.cumsum(rng.uniform(0.05, 0.3, 40))
    q = np.arange(-5, 6)
    bid = rng.uniform(0.01, 0.5, (t.size, q.size))
    ask = rng.uniform(0.01, 0.5, (t.size, q.size))
    bid[:, -1] = np.inf  # no bid at the upper inventory bound
    ask[:, 0] = np.inf
    ask[7, 3] = np.inf  # one unquoted cell inside the grid
    sizes = rng.integers(1, 9, (t.size, q.size))
    return QuoteSurface("test", {}, t, q, bid, ask, bid_size_lots=sizes, ask_size_lots=sizes[::-1].copy())


def test_nearest_matches_quote_surface(surface):
    tab = make_surface_table(
        surface.bid_depth,
        surface.ask_depth,
        surface.time_to_horizon_s,
        surface.q_min,
        surface.bid_size_lots,
        surface.ask_size_lots,
    )
    rng = np.random.default_rng(1)
    ts = np.concatenate([rng.uniform(-1, surface.time_to_horizon_s[-1] + 1, 3000), surface.time_to_horizon_s])
    for t in ts:
        q = int(rng.integers(-8, 9))
        bd, ad, bs, as_, flags = surface_lookup(tab, t, q, False)
        mid = 100.0
        eb, ea = surface.quotes(t, q, mid, clamp=True)  # times and inventories off the grid, as the lookup clamps
        assert (mid - bd if np.isfinite(bd) else np.nan) == pytest.approx(eb, nan_ok=True, abs=1e-12)
        assert (mid + ad if np.isfinite(ad) else np.nan) == pytest.approx(ea, nan_ok=True, abs=1e-12)
        i = int(np.argmin(np.abs(surface.time_to_horizon_s - t)))
        j = int(np.clip(q, -5, 5)) + 5
        assert (bs, as_) == (surface.bid_size_lots[i, j], surface.ask_size_lots[i, j])
        tg = surface.time_to_horizon_s
        assert bool(flags & CLAMP_TIME) == (t < tg[0] or t > tg[-1])
        assert bool(flags & CLAMP_INVENTORY) == (q < -5 or q > 5)


def test_linear_matches_numpy_interp(surface):
    """Linear in time: numpy.interp between finite neighbours, +inf when either neighbour is +inf (the
    unquoted ask cell at (t[7], q=-2) makes both intervals around t[7] unquoted; the bid at q=5 and
    the ask at q=-5 are never quoted)."""
    tg = surface.time_to_horizon_s
    tab = make_surface_table(surface.bid_depth, surface.ask_depth, tg, surface.q_min)
    rng = np.random.default_rng(2)
    ts = np.concatenate([rng.uniform(tg[0], tg[-1], 2000), 0.5 * (tg[5:9] + tg[6:10])])  # + midpoints around t[7]

    def expected(col, t):
        i = np.searchsorted(tg, t, side="right") - 1
        if np.isinf(col[i]) or (t > tg[i] and np.isinf(col[i + 1])):
            return np.inf
        return np.interp(t, tg, col)

    unquoted = {"bid": 0, "ask": 0, "ask inside the grid": 0}
    for t in ts:
        for q in (-5, -4, -2, 0, 3, 5):
            j = q + 5
            bd, ad, _, _, flags = surface_lookup(tab, t, q, True)
            assert flags == 0
            for got, col, side in ((bd, surface.bid_depth[:, j], "bid"), (ad, surface.ask_depth[:, j], "ask")):
                want = expected(col, t)
                if want == np.inf:
                    assert got == np.inf, (t, q, side)
                    unquoted[side] += 1
                    unquoted["ask inside the grid"] += side == "ask" and q == -2
                else:
                    assert got == pytest.approx(want, rel=1e-12), (t, q, side)
    # Every +inf path was taken: both sides, and the ask's one unquoted cell between quoted ones.
    assert unquoted["bid"] >= len(ts) and unquoted["ask"] > len(ts) and unquoted["ask inside the grid"] >= 4


def test_lookup_allocates_nothing(surface):
    tab = make_surface_table(surface.bid_depth, surface.ask_depth, surface.time_to_horizon_s, surface.q_min)

    @numba.njit
    def many(tab, n):
        acc = 0.0
        for k in range(n):
            bd, ad, _, _, _ = surface_lookup(tab, 0.1 + k * 1e-5, k % 11 - 5, True)
            acc += min(bd, 1.0) + min(ad, 1.0)
        return acc

    from numba.core.runtime import _nrt_python

    _nrt_python.memsys_enable_stats()
    many(tab, 10)
    stats = numba.core.runtime.rtsys.get_allocation_stats
    deltas = []
    for n in (10, 100_000):  # the call itself wraps the input arrays; the loop must add nothing
        before = stats()
        many(tab, n)
        after = stats()
        deltas.append((after.alloc - before.alloc, after.mi_alloc - before.mi_alloc))
    _nrt_python.memsys_disable_stats()
    assert deltas[0] == deltas[1]


def test_bad_surfaces_are_refused():
    t = np.array([0.0, 1.0, 2.0])
    ok = np.ones((3, 4))
    with pytest.raises(NumericalInstability, match="bid_depth"):
        make_surface_table(np.full((3, 4), np.nan), ok, t, 0)
    with pytest.raises(InvalidParameters, match="strictly increasing"):
        make_surface_table(ok, ok, np.array([0.0, 2.0, 1.0]), 0)
    with pytest.raises(InvalidParameters, match="shape"):
        make_surface_table(ok, np.ones((3, 5)), t, 0)
    with pytest.raises(InvalidParameters, match="resample"):
        make_surface_table(np.ones((3, 1)), np.ones((3, 1)), np.array([0.0, 1e-9, 1.0]), 0)
    with pytest.raises(TypeError, match="q_min"):
        make_surface_table(ok, ok, t, 0.5)
