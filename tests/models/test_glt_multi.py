"""models/glt_multi.py: correlation checks and Higham's nearest-correlation example, portfolio risk and
hedges in closed form, decoupling at zero correlation, and the Riccati quotes against the grid HJB."""

import numpy as np
import pytest

from quantforge.engine.types import MARKET_STATE
from quantforge.errors import InvalidParameters, MatrixError
from quantforge.models.glft import GLFTParams, glft_asymptotic_depths, glft_half_spread_skew
from quantforge.models.glt_multi import (
    MultiAssetParams,
    calculate_multi_asset_quotes,
    minimum_variance_hedge,
    multi_asset_cross_shift,
    multi_asset_depths,
    multi_asset_grid_depths,
    multi_asset_surface_quotes,
    nearest_correlation,
    portfolio_risk,
    quote_surfaces,
    validate_correlation,
)

MARKET = dict(sigma=np.array([2.0, 1.5]), rho=np.array([[1.0, 0.6], [0.6, 1.0]]), gamma=0.1, A=140.0, k=1.5)
PARAMS = MultiAssetParams(**MARKET)


def market(**kw):
    """The two-asset market with changes."""
    return MultiAssetParams(**(MARKET | kw))


def test_higham_2002_nearest_correlation_example():
    # Higham (2002), §5: the nearest correlation matrix to tridiag(-1, 2, -1) (4 x 4), to 4 decimals.
    a = np.array([[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2.0]])
    expected = np.array(
        [
            [1, -0.8084, 0.1916, 0.1068],
            [-0.8084, 1, -0.6562, 0.1916],
            [0.1916, -0.6562, 1, -0.8084],
            [0.1068, 0.1916, -0.8084, 1],
        ]
    )
    np.testing.assert_allclose(nearest_correlation(a), expected, atol=1e-4)
    fixed = validate_correlation(np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1.0]]), repair=True)
    assert np.linalg.eigvalsh(fixed).min() > -1e-9 and np.allclose(np.diag(fixed), 1.0)


@pytest.mark.parametrize(
    "matrix, words",
    [
        ([[1.0, 0.2], [0.3, 1.0]], "symmetric"),
        ([[2.0, 0.2], [0.2, 1.0]], "diagonal"),
        ([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1.0]], "positive semi-definite"),
    ],
)
def test_bad_correlation_is_a_matrix_error(matrix, words):
    with pytest.raises(MatrixError, match=words):
        validate_correlation(np.array(matrix))


def test_portfolio_risk_and_two_asset_hedge_closed_forms():
    s1, s2, rho = 2.0, 1.5, 0.6
    cov = np.array([[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]])
    q = np.array([3.0, -1.0])
    assert portfolio_risk(q, cov) == pytest.approx(9 * s1**2 + s2**2 - 6 * rho * s1 * s2)
    hedge, resid = minimum_variance_hedge(np.array([3.0, 0.0]), cov, [1])
    # regression hedge: h2 = -rho s1/s2 q1, residual variance (1 - rho^2) s1^2 q1^2
    assert hedge[1] == pytest.approx(-rho * s1 / s2 * 3.0) and hedge[0] == 0.0
    assert resid == pytest.approx((1 - rho**2) * s1**2 * 9.0)
    with pytest.raises(InvalidParameters, match="hedge_assets must be distinct indices"):
        minimum_variance_hedge(q, cov, [2])


@pytest.mark.parametrize("drift", [None, np.array([0.3, -0.2])])
def test_zero_correlation_decouples_into_single_asset_glft(drift):
    # The stationary quadratic approximation of each asset is GLFT's closed form (3), drift included;
    # tau = 50 is ~400 e-folds of the Riccati flow's growing mode (a single long restart step loses it).
    qs = np.array([[0.0, 0.0], [2.0, -1.0], [-3.0, 4.0]])
    bid, ask, cross = multi_asset_depths(qs, 50.0, market(rho=np.eye(2), mu=drift))
    for i, sigma in enumerate((2.0, 1.5)):
        b1, a1 = glft_asymptotic_depths(
            qs[:, i], GLFTParams(gamma=0.1, sigma=sigma, A=140.0, k=1.5, mu=0.0 if drift is None else drift[i])
        )
        np.testing.assert_allclose(bid[:, i], b1, rtol=1e-10)
        np.testing.assert_allclose(ask[:, i], a1, rtol=1e-10)
    np.testing.assert_allclose(cross, 0.0, atol=1e-12)


def test_riccati_quotes_agree_with_grid_hjb_in_2d_away_from_bounds():
    # The quadratic approximation against the grid solution (q in [-10, 10]^2, tau = 5, stationary):
    # at |q_i| <= 1 they agree within 5% of each asset's skew omega_i, the size of the 1-D closed
    # form's error against the exact GLFT solution.
    bid_g, ask_g = multi_asset_grid_depths(PARAMS, np.array([5.0]), 10)
    omegas = glft_half_spread_skew(GLFTParams(gamma=0.1, sigma=[2.0, 1.5], A=140.0, k=1.5))[1]
    for q1 in (-1, 0, 1):
        for q2 in (-1, 0, 1):
            b, a, _ = multi_asset_depths(np.array([q1, q2], float), 5.0, PARAMS)
            np.testing.assert_array_less(np.abs(b - bid_g[-1, :, q1 + 10, q2 + 10]), 0.05 * omegas)
            np.testing.assert_array_less(np.abs(a - ask_g[-1, :, q1 + 10, q2 + 10]), 0.05 * omegas)


def test_positive_correlation_makes_a_long_position_lean_on_the_other_asset():
    # Long asset 0 with rho > 0: asset 1's bid moves away and its ask closer (cross adjustment > 0).
    b0, a0, _ = multi_asset_depths(np.array([0.0, 0.0]), 5.0, PARAMS)
    b1, a1, cross = multi_asset_depths(np.array([3.0, 0.0]), 5.0, PARAMS)
    assert b1[1] > b0[1] and a1[1] < a0[1] and cross[1] > 0


def test_per_asset_surfaces_with_the_stored_coupling_give_the_full_multi_asset_quotes():
    three = MultiAssetParams(
        sigma=np.array([2.0, 1.5, 1.0]),
        rho=np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]]),
        gamma=0.1,
        A=np.array([140.0, 120.0, 100.0]),
        k=1.5,
        mu=np.array([0.1, 0.0, -0.2]),
    )
    t = np.linspace(0.0, 3.0, 7)
    surfs = quote_surfaces(three, t, 4)
    rng = np.random.default_rng(36)
    for q in rng.integers(-3, 4, size=(6, 3)).astype(float):
        for tau in t[1:]:
            bid, ask, cross = multi_asset_depths(q, tau, three)
            for i, surf in enumerate(surfs):
                assert multi_asset_cross_shift(surf, tau, q) == pytest.approx(cross[i], rel=1e-12, abs=1e-14)
                b, a = multi_asset_surface_quotes(surf, tau, q, 50.0)
                assert b == pytest.approx(50.0 - bid[i], rel=1e-12) and a == pytest.approx(50.0 + ask[i], rel=1e-12)
    b, a = multi_asset_surface_quotes(surfs[2], 3.0, np.array([1.0, 2.0, -4.0]), 50.0)
    assert np.isnan(a) and np.isfinite(b)  # own inventory at -q_max: no ask
    with pytest.raises(InvalidParameters, match="integer"):
        multi_asset_surface_quotes(surfs[0], 3.0, np.array([5.0, 0.0, 0.0]), 50.0)
    with pytest.raises(InvalidParameters, match="one inventory per asset"):
        multi_asset_cross_shift(surfs[0], 3.0, np.zeros(2))


def test_calculate_multi_asset_quotes_bounds_drift_and_crossed_markets():
    states = np.zeros(2, MARKET_STATE)
    states["bid_ticks"] = [9999, 4999]
    states["ask_ticks"] = [10001, 5001]
    kw = dict(tick_sizes=np.array([0.01, 0.02]), time_to_horizon=5.0)
    out = calculate_multi_asset_quotes(states, np.array([3.0, -3.0]), PARAMS, q_max=3, **kw)
    assert np.isnan(out.bid_price[0]) and np.isinf(out.bid_depth[0]) and np.isfinite(out.ask_price[0])
    assert np.isnan(out.ask_price[1]) and np.isfinite(out.bid_price[1])
    drift = np.array([0.3, -0.2])
    with_drift = calculate_multi_asset_quotes(states, np.array([1.0, 0.0]), market(mu=drift), **kw)
    bid, ask, _ = multi_asset_depths(np.array([1.0, 0.0]), 5.0, market(mu=drift))
    np.testing.assert_allclose(with_drift.bid_depth, bid, rtol=1e-14)
    np.testing.assert_allclose(with_drift.ask_depth, ask, rtol=1e-14)
    flat = calculate_multi_asset_quotes(states, np.array([1.0, 0.0]), PARAMS, **kw)
    assert (
        with_drift.bid_depth[0] < flat.bid_depth[0] and with_drift.ask_depth[0] > flat.ask_depth[0]
    )  # rising mid: buy
    crossed = states.copy()
    crossed["ask_ticks"][1] = 4998
    with pytest.raises(InvalidParameters, match=r"market_states\[1\] is crossed"):
        calculate_multi_asset_quotes(crossed, np.zeros(2), PARAMS, **kw)
    with pytest.raises(InvalidParameters, match="beyond the bounds"):
        calculate_multi_asset_quotes(states, np.array([4.0, 0.0]), PARAMS, q_max=3, **kw)
    with pytest.raises(InvalidParameters, match="params must be one parameter set"):
        calculate_multi_asset_quotes(states, np.zeros(2), market(gamma=[0.1, 0.2]), **kw)


def test_calculate_multi_asset_quotes_from_market_states():
    states = np.zeros(2, MARKET_STATE)
    states["bid_ticks"] = [9999, 4999]
    states["ask_ticks"] = [10001, 5001]
    out = calculate_multi_asset_quotes(
        states, np.array([2.0, -1.0]), PARAMS, tick_sizes=np.array([0.01, 0.02]), time_to_horizon=5.0
    )
    np.testing.assert_allclose(out.bid_price, [100.0, 100.0] - out.bid_depth)
    np.testing.assert_allclose(out.ask_price, [100.0, 100.0] + out.ask_depth)
    assert out.hedge.shape == (2, 2) and out.hedge[0, 0] == 0.0 and out.hedge[0, 1] < 0
    assert "portfolio variance" in out.summary()
    with pytest.raises(MatrixError, match="correlation is not positive semi-definite"):
        market(rho=np.array([[1.0, 1.2], [1.2, 1.0]]))


def test_per_asset_surfaces_match_pointwise_depths():
    t = np.linspace(0.0, 2.0, 9)
    surfs = quote_surfaces(PARAMS, t, 5)
    assert len(surfs) == 2 and surfs[1].bid_depth.shape == (9, 11)
    b, a, _ = multi_asset_depths(np.array([0.0, 3.0]), 2.0, PARAMS)
    assert surfs[1].bid_depth[-1, 5 + 3] == pytest.approx(b[1], rel=1e-12)
    assert surfs[1].ask_depth[-1, 5 + 3] == pytest.approx(a[1], rel=1e-12)
    assert np.isinf(surfs[0].bid_depth[:, -1]).all() and np.isinf(surfs[0].ask_depth[:, 0]).all()


def test_surfaces_on_every_backend_equal_the_numpy_surfaces(backend):
    t = np.linspace(0.0, 2.0, 9)
    ref = quote_surfaces(PARAMS, t, 5, backend="numpy")
    for surf, one in zip(quote_surfaces(PARAMS, t, 5, backend=backend), ref):
        np.testing.assert_allclose(surf.bid_depth, one.bid_depth, rtol=1e-14)
        np.testing.assert_allclose(surf.ask_depth, one.ask_depth, rtol=1e-14)
        assert surf.params == one.params


def test_batches_equal_one_set_at_a_time():
    batch = market(
        gamma=[0.05, 0.1, 0.2],
        mu=np.array([[0.0, 0.0], [0.3, -0.2], [0.1, 0.1]]),
        rho=np.array([[[1.0, 0.6], [0.6, 1.0]], [[1.0, -0.3], [-0.3, 1.0]], [[1.0, 0.0], [0.0, 1.0]]]),
    )
    assert batch.batched and batch.n_sets == 3 and batch.A.shape == (3, 2)
    t = np.linspace(0.0, 2.0, 5)
    surfs = quote_surfaces(batch, t, 4)
    assert len(surfs) == 6 and [s.params["asset"] for s in surfs] == [0, 1] * 3
    q = np.array([[1.0, -2.0], [0.0, 3.0]])
    bid, ask, cross = multi_asset_depths(q, 2.0, batch)
    bid_g, _ = multi_asset_grid_depths(batch, np.array([0.0, 0.5]), 3)
    assert bid.shape == (3, 2, 2) and bid_g.shape == (3, 2, 2, 7, 7)
    for s in range(3):
        one = batch[s]
        for i, surf in enumerate(quote_surfaces(one, t, 4)):
            stored, ref = dict(surfs[2 * s + i].params), dict(surf.params)
            np.testing.assert_allclose(stored.pop("cross_coupling"), ref.pop("cross_coupling"), rtol=1e-9, atol=1e-14)
            assert stored == ref
            np.testing.assert_allclose(surfs[2 * s + i].bid_depth, surf.bid_depth, rtol=1e-9, atol=1e-12)
        b1, a1, c1 = multi_asset_depths(q, 2.0, one)
        np.testing.assert_allclose(bid[s], b1, rtol=1e-9)
        np.testing.assert_allclose(cross[s], c1, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bid_g[s], multi_asset_grid_depths(one, np.array([0.0, 0.5]), 3)[0], rtol=1e-12)


@pytest.mark.parametrize(
    "change, exc, message",
    [
        ({"sigma": np.array([2.0, -1.5])}, InvalidParameters, r"^sigma must be > 0 everywhere; sigma\[\(1,\)\] = -1.5"),
        ({"gamma": np.nan}, InvalidParameters, r"^gamma must be finite, got nan"),
        ({"A": 0.0}, InvalidParameters, r"^A must be > 0, got 0.0"),
        (
            {"k": np.array([1.5, 1.5, 1.5])},
            InvalidParameters,
            r"^k must have shape \(2,\) per parameter set for the 2 assets",
        ),
        ({"mu": np.array([0.1, np.inf])}, InvalidParameters, r"^mu must be finite everywhere; mu\[\(1,\)\] = inf"),
        ({"rho": np.eye(3)}, InvalidParameters, r"^rho must have shape \(2, 2\)"),
        ({"rho": np.array([[1.0, 0.2], [0.3, 1.0]])}, MatrixError, "correlation is not symmetric"),
        ({"sigma": 2.0}, InvalidParameters, r"^sigma must be 1-D over assets"),
        ({"xi": "0.1"}, TypeError, "xi must be a real number"),
    ],
)
def test_bad_parameters_are_named(change, exc, message):
    with pytest.raises(exc, match=message):
        market(**change)
