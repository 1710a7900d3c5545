"""execution/schedules.py: whole-lot children that sum exactly to the parent (hypothesis over random
parents and profiles), each within a lot of its exact share; VWAP shares against the profile
integrated by hand; POV never above its rate; named errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantforge.errors import InvalidParameters
from quantforge.execution import Schedule, pov_schedule, round_to_lots, twap_schedule, vwap_schedule


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=1, max_size=60), st.integers(0, 10**6))
def test_largest_remainder_sums_exactly_and_stays_within_a_lot(weights, total):
    w = np.asarray(weights)
    if w.sum() == 0:
        w = np.ones_like(w)
    exact = total * w / w.sum()
    lots = round_to_lots(exact, total)
    assert lots.dtype == np.int64 and int(lots.sum()) == total
    assert np.all(np.abs(lots - exact) < 1.0)
    # Hamilton: a slice gets its floor plus at most one lot, and the extra lots go to the largest remainders
    extra = lots - np.floor(exact).astype(np.int64)
    rem = exact - np.floor(exact)
    assert set(np.unique(extra)) <= {0, 1}
    if extra.any() and (extra == 0).any():
        assert rem[extra == 1].min() >= rem[extra == 0].max() - 1e-6


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 10**7), st.integers(1, 400), st.floats(1.0, 1e5))
def test_twap_children_sum_to_the_parent(parent, n, horizon):
    s = twap_schedule(parent, horizon, n, side="sell")
    assert int(s.child_lots.sum()) == parent and s.unscheduled_lots == 0
    assert s.child_lots.max() - s.child_lots.min() <= 1
    assert s.side == -1 and s.times_s[-1] == pytest.approx(horizon) and s.holdings_lots[-1] == 0


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 10**6),
    st.integers(1, 100),
    st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=40),
    st.floats(0.05, 1.0),
)
def test_vwap_children_sum_to_the_parent_for_random_profiles(parent, n, raw, span):
    raw = np.asarray(raw)
    if raw.sum() <= 1e-6:
        raw = np.ones_like(raw)
    profile = raw / raw.sum()
    session = 23_400.0
    start = 0.0
    horizon = span * session
    edges = np.linspace(0, session, profile.size + 1)
    if np.interp(horizon, edges, np.concatenate([[0], np.cumsum(profile)])) <= 0:
        with pytest.raises(InvalidParameters, match="expects no volume"):
            vwap_schedule(parent, horizon, n, profile=profile, session_s=session, start_s=start)
        return
    s = vwap_schedule(parent, horizon, n, profile=profile, session_s=session, start_s=start)
    assert int(s.child_lots.sum()) == parent


def test_vwap_shares_are_the_profile_integrated_over_each_slice():
    profile = np.array([0.4, 0.1, 0.1, 0.4])  # four 1000-s bins
    s = vwap_schedule(10_000, 3_000.0, 3, profile=profile, session_s=4_000.0, start_s=500.0)
    # slices [500, 1500), [1500, 2500), [2500, 3500): volume 0.2 + 0.05, 0.05 + 0.05, 0.05 + 0.2 of 0.6
    exact = 10_000 * np.array([0.25, 0.1, 0.25]) / 0.6  # 4166.67, 1666.67, 4166.67
    np.testing.assert_array_equal(s.child_lots, [4167, 1667, 4166])  # equal remainders: the earlier slices first
    assert np.all(np.abs(s.child_lots - exact) < 1)


def test_default_vwap_profile_is_u_shaped():
    c = vwap_schedule(13_000, 23_400.0, 13).child_lots
    assert c[0] > c[6] < c[-1] and c[-1] > c[0]  # the close is the heaviest bin by default


def test_pov_takes_its_rate_of_the_volume_and_its_cap():
    v = np.array([100, 0, 300, 50, 400])
    s = pov_schedule(10_000, v, 0.2, 100.0)
    cum_allowed = np.floor(0.25 * np.cumsum(v))
    np.testing.assert_array_equal(np.cumsum(s.child_lots), cum_allowed)
    assert s.unscheduled_lots == 10_000 - 212
    capped = pov_schedule(10_000, v, 0.2, 100.0, cap_lots=60)
    assert capped.child_lots.max() == 60 and np.all(np.cumsum(capped.child_lots) <= cum_allowed)
    done = pov_schedule(100, v, 0.2, 100.0)
    assert int(done.child_lots.sum()) == 100 and done.unscheduled_lots == 0


def test_schedule_summary_and_views():
    s = twap_schedule(10, 60.0, 4)
    np.testing.assert_array_equal(s.cumulative_lots, [0, 3, 6, 8, 10])
    np.testing.assert_array_equal(s.holdings_lots, [10, 7, 4, 2, 0])
    assert s.summary() == "twap buy 10 lots over 60 s in 4 slices: [3, 3, 2, 2]"
    with pytest.raises(ValueError, match="read-only"):
        s.child_lots[0] = 5  # schedules are immutable


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: twap_schedule(-5, 60.0, 4), r"quantity_lots must be >= 1, got -5"),
        (lambda: twap_schedule(10, 0.0, 4), r"horizon_s must be > 0, got 0\.0"),
        (lambda: twap_schedule(10, float("nan"), 4), r"horizon_s must be finite, got nan"),
        (lambda: twap_schedule(10, 60.0, 0), r"n_slices must be >= 1, got 0"),
        (lambda: twap_schedule(10, 60.0, 4, side="short"), r"side must be 'buy', 'sell', \+1 or -1; got 'short'"),
        (lambda: vwap_schedule(10, 60.0, 4, profile=[0.5, 0.6]), r"profile must sum to 1 .*got sum 1\.1"),
        (
            lambda: vwap_schedule(10, 60.0, 4, profile=[1.2, -0.2]),
            r"profile must be >= 0 everywhere; profile\[1\] = -0\.2",
        ),
        (lambda: vwap_schedule(10, 60.0, 4, profile=[np.nan, 1.0]), r"profile must be finite everywhere"),
        (lambda: vwap_schedule(10, 30_000.0, 4), r"start_s \+ horizon_s must be <= session_s"),
        (lambda: pov_schedule(10, [1, 2], 1.5, 60.0), r"rate must lie in \(0\.0, 1\.0\), got 1\.5"),
        (
            lambda: pov_schedule(10, [1, -2], 0.1, 60.0),
            r"volumes_lots must be >= 0 everywhere; volumes_lots\[1\] = -2\.0",
        ),
        (lambda: round_to_lots([1.0, 2.0], 4), r"quantities must sum to total=4, got sum 3\.0"),
        (lambda: round_to_lots([1.0, np.inf], 4), r"quantities must be finite everywhere"),
        (
            lambda: Schedule("x", 1, 5, np.array([0.0, 1.0]), np.array([6])),
            r"child_lots sum to 6, more than the parent 5",
        ),
        (lambda: Schedule("x", 1, 5, np.array([0.0, 1.0]), np.array([-1])), r"child_lots must be >= 0"),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()
