"""Avellaneda–Stoikov (2008) quotes: eqs. (29)-(30) by hand, limits, properties, surfaces, bad input."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quantforge.errors import InvalidParameters
from quantforge.models import QuoteSurface
from quantforge.models import avellaneda_stoikov as AS

P = AS.ASParams(gamma=0.1, sigma=2.0, k=1.5, A=140.0, T=1.0)


def test_equations_29_30_by_hand():
    # s = 100, q = 3, t = 0.25 with the section-4 parameters, computed directly from the paper's formulas
    r = 100.0 - 3 * 0.1 * 4.0 * 0.75
    spread = 0.1 * 4.0 * 0.75 + (2 / 0.1) * math.log(1 + 0.1 / 1.5)
    assert AS.reservation_price(100.0, 3, 0.25, P) == pytest.approx(r, rel=1e-15)
    assert AS.optimal_spread(0.25, P) == pytest.approx(spread, rel=1e-15)
    bid, ask = AS.optimal_quotes(100.0, 3, 0.25, P)
    assert bid == pytest.approx(r - spread / 2, rel=1e-15) and ask == pytest.approx(r + spread / 2, rel=1e-15)
    db, da = AS.optimal_depths(3, 0.25, P)
    assert db == pytest.approx(100.0 - bid, rel=1e-13) and da == pytest.approx(ask - 100.0, rel=1e-13)
    assert AS.arrival_intensity(0.5, P) == pytest.approx(140.0 * math.exp(-1.5 * 0.5), rel=1e-15)


def test_limits():
    # at the horizon the spread is the pure liquidity term and the reservation price is the mid
    assert AS.optimal_spread(1.0, P) == pytest.approx((2 / 0.1) * math.log1p(0.1 / 1.5))
    assert AS.reservation_price(100.0, 7, 1.0, P) == 100.0
    # gamma -> 0: the risk-neutral spread 2/k, no inventory skew
    tiny = AS.ASParams(gamma=1e-9, sigma=2.0, k=1.5)
    assert AS.optimal_spread(0.0, tiny) == pytest.approx(2 / 1.5, rel=1e-6)
    # zero volatility: no skew at all
    calm = AS.ASParams(gamma=0.5, sigma=0.0, k=1.5)
    assert AS.reservation_price(100.0, 10, 0.0, calm) == 100.0


params = st.builds(
    AS.ASParams,
    gamma=st.floats(1e-4, 10.0),
    sigma=st.floats(1e-3, 10.0),
    k=st.floats(1e-2, 50.0),
    A=st.floats(1.0, 500.0),
    T=st.just(1.0),
)


@settings(max_examples=60, deadline=None)
@given(p=params, s=st.floats(1.0, 1e4), q=st.integers(-50, 50), t=st.floats(0.0, 1.0))
@example(p=AS.ASParams(gamma=1e-4, sigma=1e-3, k=1.5, A=140.0, T=1.0), s=1e4, q=1, t=1.0 - 2.0**-53)
def test_quote_properties(p, s, q, t):
    bid, ask = AS.optimal_quotes(s, q, t, p)
    r = AS.reservation_price(s, q, t, p)
    assert ask > bid
    assert bid < r < ask
    # the skew q gamma sigma^2 (T - t) moves r off s only when it exceeds half an ulp of s
    visible = abs(q) * p.gamma * p.sigma**2 * (p.T - t) > np.spacing(s)
    if q > 0:
        assert r <= s and (r < s or not visible)
    if q < 0:
        assert r >= s and (r > s or not visible)
    if q == 0:
        assert r == s


@settings(max_examples=40, deadline=None)
@given(p=params, q=st.integers(1, 50), t=st.floats(0.0, 0.99), factor=st.floats(1.01, 10.0))
def test_skew_grows_with_gamma_and_inventory(p, q, t, factor):
    skew = abs(AS.reservation_price(100.0, q, t, p) - 100.0)
    more_averse = AS.ASParams(gamma=p.gamma * factor, sigma=p.sigma, k=p.k, A=p.A, T=p.T)
    assert abs(AS.reservation_price(100.0, q, t, more_averse) - 100.0) > skew
    assert abs(AS.reservation_price(100.0, q + 1, t, p) - 100.0) > skew
    assert abs(AS.reservation_price(100.0, -q - 1, t, p) - 100.0) > skew


def test_liquidity_part_of_the_spread_falls_with_gamma():
    # (2/gamma) ln(1 + gamma/k) is decreasing in gamma: the spread is not monotone in gamma, only the skew is
    g = np.array([0.01, 0.1, 1.0, 10.0])
    term = [AS.optimal_spread(1.0, AS.ASParams(gamma=x, sigma=2, k=1.5)) for x in g]
    assert np.all(np.diff(term) < 0)


def test_surfaces_match_the_scalar_formulas_on_every_backend(backend):
    batch = AS.ASParams(gamma=[0.1, 1.0], sigma=[2.0, 0.5], k=[1.5, 3.0], A=[140.0, 50.0], T=[1.0, 2.0])
    tau = np.linspace(0.0, 1.0, 11)
    surfaces = AS.quote_surfaces(batch, tau, -4, 6, backend=backend)
    assert len(surfaces) == 2
    for i, surf in enumerate(surfaces):
        p = batch[i]
        assert isinstance(surf, QuoteSurface) and surf.bid_depth.shape == (11, 11)
        assert surf.params == p.as_dict()
        q = np.arange(-4, 7)
        for j, ttl in enumerate(tau):
            db, da = AS.optimal_depths(q, p.T - ttl, p)
            np.testing.assert_allclose(surf.bid_depth[j], db, rtol=1e-13)
            np.testing.assert_allclose(surf.ask_depth[j], da, rtol=1e-13)


def test_batched_closed_forms_are_the_per_set_closed_forms():
    # a batch (n_sets,) lines up with the trailing axis of the state arguments
    batch = AS.ASParams(gamma=[0.1, 1.0, 0.01], sigma=2.0, k=[1.5, 3.0, 1.5])
    bid, ask = AS.optimal_quotes(100.0, 3, 0.25, batch)
    for i in range(3):
        b1, a1 = AS.optimal_quotes(100.0, 3, 0.25, batch[i])
        assert bid[i] == b1 and ask[i] == a1


def test_surface_round_trips_through_npz(tmp_path):
    surf = AS.quote_surfaces(P, np.linspace(0.01, 1.0, 5), -3, 3, backend="numpy")[0]
    from quantforge.models import load_surface

    back = load_surface(surf.save(tmp_path / "as"))
    assert back.model == "avellaneda-stoikov" and back.params == P.as_dict()
    np.testing.assert_array_equal(back.bid_depth, surf.bid_depth)
    np.testing.assert_array_equal(back.inventory_lots, np.arange(-3, 4))


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(gamma=0.1, sigma=float("nan"), k=1.5), "sigma"),
        (dict(gamma=0.0, sigma=2.0, k=1.5), "gamma"),
        (dict(gamma=-1.0, sigma=2.0, k=1.5), "gamma"),
        (dict(gamma=0.1, sigma=-2.0, k=1.5), "sigma"),
        (dict(gamma=0.1, sigma=2.0, k=float("inf")), "k"),
        (dict(gamma=0.1, sigma=2.0, k=1.5, A=0.0), "A"),
        (dict(gamma=0.1, sigma=2.0, k=1.5, T=float("nan")), "T"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs, name):
    with pytest.raises(InvalidParameters, match=rf"^{name} must"):
        AS.ASParams(**kwargs)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(gamma=[0.1, float("nan")], sigma=2.0, k=1.5), r"^gamma must be finite everywhere; gamma\[\(1,\)\] = nan"),
        (dict(gamma=0.1, sigma=[2.0, -1.0], k=1.5), r"^sigma must be >= 0 everywhere; sigma\[\(1,\)\] = -1.0"),
        (dict(gamma=0.1, sigma=2.0, k=[1.5, float("inf")]), r"^k must be finite everywhere; k\[\(1,\)\] = inf"),
        (
            dict(gamma=[[0.1]], sigma=2.0, k=1.5),
            r"^gamma must be a scalar or a 1-D array over parameter sets, got shape \(1, 1\)",
        ),
        (
            dict(gamma=[0.1, 0.2], sigma=2.0, k=[1.5, 2.0, 3.0]),
            r"^parameter arrays must have one common length.*'gamma': 2, 'k': 3",
        ),
        (dict(gamma=[], sigma=2.0, k=1.5), r"^gamma must not be empty"),
    ],
)
def test_bad_batches_name_the_parameter_and_the_value(kwargs, message):
    with pytest.raises(InvalidParameters, match=message):
        AS.ASParams(**kwargs)


def test_a_batch_is_read_only_and_indexes_to_single_sets():
    batch = AS.ASParams(gamma=[0.1, 1.0], sigma=2.0, k=1.5)
    assert batch.batched and batch.n_sets == 2 and batch.sigma.shape == (2,)
    with pytest.raises(ValueError, match="read-only"):
        batch.gamma[0] = 5.0
    assert batch[1] == AS.ASParams(gamma=1.0, sigma=2.0, k=1.5) and not batch[1].batched
    with pytest.raises(IndexError, match="parameter set 2"):
        batch[2]


def test_bad_arguments():
    with pytest.raises(TypeError, match="gamma must be a real number, got str"):
        AS.ASParams(gamma="0.1", sigma=2.0, k=1.5)
    with pytest.raises(InvalidParameters, match="t must lie"):
        AS.optimal_spread(1.5, P)
    with pytest.raises(InvalidParameters, match="s and q must be finite"):
        AS.reservation_price(float("nan"), 0, 0.0, P)
    with pytest.raises(InvalidParameters, match="q_max must be >= q_min, got q_min=2, q_max=1"):
        AS.quote_surfaces(P, np.linspace(0, 1, 3), 2, 1)
    with pytest.raises(InvalidParameters, match=r"taus must be a finite 1-D array within \[0, 1.0\]"):
        AS.quote_surfaces(P, np.array([0.0, 2.0]), -1, 1)
    with pytest.raises(InvalidParameters, match=r"taus must be strictly increasing; taus\[1\] = 0.5"):
        AS.quote_surfaces(P, np.array([0.0, 0.5, 0.5]), -1, 1)
    with pytest.raises(InvalidParameters, match="backend must be one of"):
        AS.quote_surfaces(P, np.linspace(0, 1, 3), -1, 1, backend="gpu")
    with pytest.raises(TypeError, match="params must be an ASParams"):
        AS.quote_surfaces([P], np.linspace(0, 1, 3), -1, 1)
