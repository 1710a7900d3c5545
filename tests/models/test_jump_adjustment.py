"""models/jump_adjustment.py: reduction to GLFT without jumps, the diffusion limit of small jumps,
signs and monotonicity of each adjustment on both bases (GLFT and Cartea–Jaimungal), and validation."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.cartea_jaimungal import cj_exact_depths
from quantforge.models.glft import glft_exact_depths
from quantforge.models.jump_adjustment import (
    cj_jump_adjusted_depths,
    effective_jump_rate,
    jump_adjusted_depths,
    jump_adjusted_surface,
    jump_risk_premium,
    kou_moments,
)

AS = dict(gamma=0.1, sigma=2.0, A=140.0, k=1.5)
JUMPS = dict(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=4.0)
TAUS = np.array([0.0, 0.5, 1.0])


def test_no_jumps_is_glft():
    bid, ask = jump_adjusted_depths(TAUS, 10, **AS, **(JUMPS | {"jump_rate": 0.0}))
    b0, a0 = glft_exact_depths(TAUS, 10, 0.1, 2.0, 140.0, 1.5)
    np.testing.assert_allclose(bid, b0, rtol=1e-12)
    np.testing.assert_allclose(ask, a0, rtol=1e-12)


def test_small_frequent_jumps_converge_to_the_moment_matched_diffusion():
    # lambda -> infinity with E[J^2] lambda fixed: the jump part becomes a diffusion with
    # sigma^2 + lambda E[J^2] and drift mu + lambda E[J] (second-order expansion of (1)).
    errs = []
    for scale in (1.0, 4.0, 16.0):
        eta_u, eta_d, lam = 8.0 * scale, 10.0 * scale, 3.0 * scale**2
        m1, m2 = kou_moments(0.6, eta_u, eta_d)
        bid, _ = jump_adjusted_depths(TAUS, 8, **AS, jump_rate=lam, p_up=0.6, eta_up=eta_u, eta_down=eta_d)
        b0, _ = glft_exact_depths(TAUS, 8, 0.1, np.sqrt(4.0 + lam * m2), 140.0, 1.5, mu=lam * m1)
        errs.append(np.abs(bid[0][:, :-1] - b0[0][:, :-1]).max())
    # the first neglected term, lambda E[J^3] gamma^2 q^3, scales like 1/scale: first-order convergence
    assert errs[0] / errs[1] > 3.0 and errs[1] / errs[2] > 3.0, errs


def test_jump_risk_premium_widens_quotes_with_rate_clustering_and_regime():
    def spread(**kw):
        b, a = jump_adjusted_depths(np.array([1.0]), 10, **AS, **(JUMPS | kw))
        return b[:, 0, 10] + a[:, 0, 10]

    assert spread(jump_rate=0.0) < spread(jump_rate=1.0) < spread(jump_rate=4.0)
    assert spread(branching_ratio=0.0) < spread(branching_ratio=0.5)
    two = spread(regime_multipliers=(1.0, 3.0))
    assert two.shape == (2,) and two[0] < two[1]
    np.testing.assert_allclose(spread(branching_ratio=0.5), spread(regime_multipliers=(2.0,)), rtol=1e-12)


def test_upward_jumps_skew_quotes_towards_buying():
    b, a = jump_adjusted_depths(np.array([1.0]), 10, **AS, **(JUMPS | {"p_up": 0.8}))
    assert b[0, 0, 10] < a[0, 0, 10]  # E[J] > 0: bid closer, ask further at q = 0
    b, a = jump_adjusted_depths(np.array([1.0]), 10, **AS, **(JUMPS | {"p_up": 0.5, "eta_down": 2.0}))
    assert b[0, 0, 10] > a[0, 0, 10]  # heavier downward jumps: lean to selling


def test_premium_dominates_first_order_term_and_moments():
    q = np.arange(-5, 6, dtype=float)
    m1, m2 = kou_moments(0.3, 5.0, 7.0)
    assert m1 == pytest.approx(0.3 / 5 - 0.7 / 7) and m2 == pytest.approx(2 * 0.3 / 25 + 2 * 0.7 / 49)
    prem = jump_risk_premium(q, gamma=0.2, jump_rate=2.0, p_up=0.3, eta_up=5.0, eta_down=7.0)
    assert np.all(prem >= -2.0 * m1 * q - 1e-15)
    assert effective_jump_rate(2.0, branching_ratio=0.75, regime_multiplier=0.5) == pytest.approx(4.0)


CJ = dict(q_min=-8, q_max=8, kappa_plus=15.0, kappa_minus=15.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05)


def test_cj_base_prices_jumps_by_their_mean_only():
    # Risk neutral: mean-zero jumps (p = 1/2, eta_up = eta_down) leave the CJ quotes unchanged,
    # however frequent; the GLFT base widens them (the CARA premium).
    taus = np.array([0.5, 1.0])
    b0, a0 = cj_exact_depths(taus, **CJ)
    b, a = cj_jump_adjusted_depths(taus, **CJ, **(JUMPS | {"jump_rate": 8.0}))
    np.testing.assert_allclose(b[0], b0, rtol=1e-13)
    np.testing.assert_allclose(a[0], a0, rtol=1e-13)


def test_cj_base_skew_has_the_sign_of_the_mean_jump_and_grows_with_rate_clustering_and_regime():
    def skew(**kw):  # ask - bid at q = 0: > 0 leans to buying
        b, a = cj_jump_adjusted_depths(np.array([1.0]), **CJ, **(JUMPS | {"p_up": 0.8} | kw))
        return a[:, 0, 8] - b[:, 0, 8]

    assert skew(jump_rate=0.0)[0] == pytest.approx(0.0, abs=1e-12)
    assert 0 < skew(jump_rate=1.0)[0] < skew(jump_rate=4.0)[0]
    assert skew(branching_ratio=0.0)[0] < skew(branching_ratio=0.5)[0]
    two = skew(regime_multipliers=(1.0, 3.0))
    assert two.shape == (2,) and 0 < two[0] < two[1]
    assert skew(p_up=0.2)[0] < 0  # downward jumps on average: lean to selling
    np.testing.assert_allclose(skew(branching_ratio=0.5), skew(regime_multipliers=(2.0,)), rtol=1e-12)


def test_surface_with_regime_axis():
    s = jump_adjusted_surface(np.linspace(0, 1, 5), 6, **AS, **JUMPS, regime_multipliers=(0.5, 1.0, 4.0))
    assert s.n_regimes == 3 and s.bid_depth.shape == (3, 5, 13)


@pytest.mark.parametrize(
    "change",
    [{"eta_down": 0.5}, {"p_up": 1.5}, {"branching_ratio": 1.0}, {"jump_rate": -1.0}, {"regime_multipliers": ()}],
)
def test_bad_parameters(change):
    with pytest.raises(InvalidParameters):
        jump_adjusted_depths(TAUS, 10, **AS, **(JUMPS | change))
