"""execution/decision.py, called from Python: the holdings ratio, the resting child's price against a
brute-force search written here from the documented fill model, the adaptive plan against the
Almgren–Chriss ratio, and POV targets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quantforge.engine.book import book_add, new_book_state
from quantforge.execution import AdaptiveExecutor, POVExecutor, ScheduleExecutor, Tactics, twap_schedule
from quantforge.execution import decision as D
from quantforge.execution.executors import executor_config
from quantforge.execution.layouts import CHILD, F, Fate, S, new_state

FIRST = 1 << 40


@pytest.mark.parametrize(
    "kappa,t_left,t_total",
    [(0.0, 3.0, 10.0), (1e-3, 3.0, 10.0), (0.5, 3.0, 10.0), (200.0, 3.0, 10.0), (0.5, 0.0, 10.0)],
)
def test_remaining_fraction_is_the_sinh_ratio(kappa, t_left, t_total):
    want = (
        t_left / t_total
        if kappa == 0
        else math.exp(math.log(math.sinh(kappa * t_left) or 1e-300) - math.log(math.sinh(kappa * t_total)))
        if kappa * t_total < 700
        else math.exp(-kappa * (t_total - t_left))
    )
    if t_left == 0:
        want = 0.0
    assert D.remaining_fraction(kappa, t_left, t_total) == pytest.approx(want, rel=1e-12, abs=1e-300)


def _book():
    """Bids 5 @ 99, 8 @ 98, 20 @ 97; asks 6 @ 101, 9 @ 102 (spread 2 ticks)."""
    bk = new_book_state(capacity=64, window=256)
    for oid, side, px, q in [(1, 1, 99, 5), (2, 1, 98, 8), (3, 1, 97, 20), (4, -1, 101, 6), (5, -1, 102, 9)]:
        book_add(bk, oid, side, px, q, 0)
    return bk


def _cfg(side="buy", **tactics):
    t = Tactics(fill_a=4.0, fill_k=0.7, max_depth_ticks=3, **tactics)
    return executor_config(
        ScheduleExecutor(twap_schedule(50, 100.0, 2, side=side), t),
        start_ns=0,
        decision_ns=0,
        first_oid=FIRST,
        fill_a=4.0,
        fill_k=0.7,
    )[0]


def _brute_force(levels, side, bb, ba, a, k, max_depth, dt, size, own=None, margin=0.1):
    """max over prices of |far - p| (1 - exp(-a e^{-k delta} dt / (ahead + size))), the model of the docs;
    a live child (``own``: price, lots ahead, open lots) stays unless the best beats it by ``margin``."""
    near, far = (bb, ba) if side > 0 else (ba, bb)
    mid = 0.5 * (bb + ba)
    best, px, ahead, own_gain = -1.0, near, 0, None
    for d in range(1 - (ba - bb), max_depth + 1):
        p = near - side * d
        level = levels.get(p, 0)
        if own is not None and p == own[0]:
            level -= own[2]
            a_here = ahead + own[1]
        else:
            a_here = ahead + level
        gain = side * (far - p) * (1 - math.exp(-a * math.exp(-k * side * (mid - p)) * dt / (a_here + size)))
        if own is not None and p == own[0]:
            own_gain = gain
        if gain > best:
            best, px = gain, p
        ahead += level
    if own_gain is not None and best <= own_gain * (1 + margin):
        return own[0]
    return px


@pytest.mark.parametrize("dt", [0.5, 5.0, 60.0, 3600.0])
@pytest.mark.parametrize("side", [1, -1])
def test_the_fill_model_price_is_the_best_expected_saving(dt, side):
    bk = _book()
    cfg = _cfg("buy" if side > 0 else "sell")
    si, _, _ = new_state()
    si[S.BEST_BID], si[S.BEST_ASK] = 99, 101
    ch = np.zeros(2, CHILD)
    levels = {99: 5, 98: 8, 97: 20} if side > 0 else {101: 6, 102: 9}
    got = D.passive_price(bk, cfg, si, ch, dt, 4)
    assert got == _brute_force(levels, side, 99, 101, 4.0, 0.7, 3, dt, 4)


def test_a_child_keeps_its_place_in_the_queue():
    bk = _book()
    book_add(bk, FIRST, 1, 98, 4, 0)
    book_add(bk, 6, 1, 98, 10, 0)  # more lots join 98 behind the own child
    cfg = _cfg()
    si, _, _ = new_state()
    si[S.BEST_BID], si[S.BEST_ASK] = 99, 101
    ch = np.zeros(2, CHILD)
    ch[0]["oid"], ch[0]["price_ticks"], ch[0]["size_lots"], ch[0]["fate"] = FIRST, 98, 4, Fate.LIVE
    si[S.PASSIVE] = 0
    for dt in (2.0, 20.0, 200.0):
        got = D.passive_price(bk, cfg, si, ch, dt, 4)
        assert got == _brute_force({99: 5, 98: 22, 97: 20}, 1, 99, 101, 4.0, 0.7, 3, dt, 4, own=(98, 8, 4))
    # with 20 s left the child stays at 98, where 8 lots are ahead of it; a new child would join 99
    assert D.passive_price(bk, cfg, si, ch, 20.0, 4) == 98
    si[S.PASSIVE] = -1
    assert D.passive_price(bk, cfg, si, ch, 20.0, 4) == 99


def test_fixed_depth_and_the_price_limit():
    bk = _book()
    si, _, _ = new_state()
    si[S.BEST_BID], si[S.BEST_ASK] = 99, 101
    ch = np.zeros(1, CHILD)
    assert D.passive_price(bk, _cfg(depth="fixed", depth_ticks=2), si, ch, 1.0, 1) == 97
    assert D.passive_price(bk, _cfg("sell", depth="fixed", depth_ticks=0), si, ch, 1.0, 1) == 101
    assert D.passive_price(bk, _cfg(depth="fixed", depth_ticks=0, limit_ticks=95), si, ch, 1.0, 1) == 95


def test_the_adaptive_plan_follows_the_almgren_chriss_ratio():
    ex = AdaptiveExecutor("buy", 1000, 100.0, 4, urgency=2.0, aim=0.0, tactics=Tactics(fill_a=1.0, fill_k=1.0))
    cfg = executor_config(ex, start_ns=0, decision_ns=0, first_oid=FIRST, fill_a=1.0, fill_k=1.0)[0]
    si, sf, _ = new_state()
    sf[F.VAR_RATE], sf[F.DEPTH] = 0.04, 50.0
    si[S.LAST_MID2] = si[S.ARRIVAL_MID2] = 20_000
    sched = np.round(ex.times_s * 1e9).astype(np.int64)
    plan_cum = ex.targets()
    done, nxt = D.plan(cfg, si, sf, sched, plan_cum, 0, 0)
    eta = 25.0 / (2 * 50.0)  # a 25-s slice over twice the touch depth
    lam = eta * (2.0 / 100.0) ** 2 / 0.04
    kappa = math.sqrt(lam * 0.04 / eta)  # = urgency / T with the first estimates
    assert sf[F.LAMBDA] == pytest.approx(lam) and sf[F.KAPPA] == pytest.approx(2.0 / 100.0)
    frac = 1 - math.sinh(kappa * 75.0) / math.sinh(kappa * 100.0)
    assert done == 0 and nxt == round(1000 * frac)
    # behind by 30 lots at the next slice: the plan starts from where the catch-up brings it
    si[S.FILLED] = nxt - 30
    done2, nxt2 = D.plan(cfg, si, sf, sched, plan_cum, 1, 25 * 10**9)
    left = 1000 - nxt
    assert done2 == nxt and nxt2 == nxt + round(left * (1 - math.sinh(kappa * 50.0) / math.sinh(kappa * 75.0)))
    *_, last = D.plan(cfg, si, sf, sched, plan_cum, 3, 75 * 10**9)
    assert last == 1000


def test_pov_targets_are_the_rate_of_the_others_volume():
    ex = POVExecutor("sell", 100, 60.0, 0.2, tactics=Tactics(fill_a=1.0, fill_k=1.0))
    cfg = executor_config(ex, start_ns=0, decision_ns=0, first_oid=FIRST, fill_a=1.0, fill_k=1.0)[0]
    si, sf, _ = new_state()
    si[S.MKT_VOL], si[S.FILLED], sf[F.VOL_RATE] = 170, 10, 3.0
    assert D.pov_targets(cfg, si, sf, 10.0) == (40, 47)  # 0.25 x 160 and 0.25 x (160 + 30)
    si[S.MKT_VOL] = 10_000
    assert D.pov_targets(cfg, si, sf, 10.0) == (100, 100)


@pytest.mark.parametrize("margin", [0.0, 0.1, 10.0])
def test_a_live_child_moves_only_for_a_clearly_better_price(margin):
    bk = _book()
    book_add(bk, FIRST, 1, 98, 4, 0)
    cfg = _cfg(reprice_margin=margin)
    si, _, _ = new_state()
    si[S.BEST_BID], si[S.BEST_ASK] = 99, 101
    ch = np.zeros(1, CHILD)
    ch[0]["oid"], ch[0]["price_ticks"], ch[0]["size_lots"], ch[0]["fate"] = FIRST, 98, 4, Fate.LIVE
    si[S.PASSIVE] = 0
    got = D.passive_price(bk, cfg, si, ch, 200.0, 4)
    assert got == _brute_force(
        {99: 5, 98: 12, 97: 20}, 1, 99, 101, 4.0, 0.7, 3, 200.0, 4, own=(98, 8, 4), margin=margin
    )
    assert (got == 98) == (margin == 10.0)  # 97 gains a little more: only a wide margin keeps the child
