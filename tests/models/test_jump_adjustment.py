"""models/jump_adjustment.py: the jump HJB of the CARA market maker written out from the model and
integrated by scipy (the expectation over jumps by quadrature), reduction to GLFT without jumps, the
diffusion limit of small jumps, signs and monotonicity of each adjustment on both bases (GLFT and
Cartea–Jaimungal), batches, and validation."""

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from quantforge.errors import InvalidParameters
from quantforge.models.cartea_jaimungal import CJParams, cj_exact_depths
from quantforge.models.glft import GLFTParams, glft_exact_depths
from quantforge.models.jump_adjustment import (
    JumpParams,
    cj_jump_adjusted_depths,
    effective_jump_rate,
    jump_adjusted_depths,
    jump_risk_premium,
    kou_moments,
    quote_surfaces,
)

AS = dict(gamma=0.1, sigma=2.0, A=140.0, k=1.5)
BASE = GLFTParams(**AS)
JUMPS = dict(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=4.0)
TAUS = np.array([0.0, 0.5, 1.0])


def depths(taus, q_max, base=BASE, regime_multipliers=(1.0,), **jumps):
    """GLFT-base depths with the JUMPS parameters changed by ``jumps``."""
    return jump_adjusted_depths(
        base, taus, q_max, jumps=JumpParams(**(JUMPS | jumps)), regime_multipliers=regime_multipliers
    )


def test_depths_solve_the_jump_hjb_integrated_by_dop853():
    # The CARA market maker u = -exp(-gamma (x + q S + theta(tau, q))) with dS = mu dt + sigma dW + J dN
    # (Kou jumps at the clustered, regime-scaled rate lam = jump_rate m / (1 - n)) and fills at
    # A exp(-k delta): dividing the HJB by -gamma u gives, in time to horizon, theta(0, q) = 0,
    #   dtheta/dtau = mu q - gamma sigma^2 q^2 / 2 - (lam / gamma) (E[exp(-gamma q J)] - 1)
    #                 + 1{q < Q} sup_d (A/gamma) e^{-k d} (1 - e^{-gamma (d + theta(q+1) - theta(q))})
    #                 + 1{q > -Q} sup_d (A/gamma) e^{-k d} (1 - e^{-gamma (d + theta(q-1) - theta(q))}),
    # whose maximiser is d* = theta(q) - theta(q +- 1) + ln(1 + gamma/k) / gamma (first-order condition)
    # and whose supremum is A/(k + gamma) (1 + gamma/k)^(-k/gamma) e^{k (theta(q +- 1) - theta(q))}.
    # E[exp(-gamma q J)] is integrated here against the Kou density, not taken from a closed form.
    gamma, sigma, a, k, mu, q_max = 0.1, 2.0, 140.0, 1.5, 0.3, 10
    jumps = JumpParams(jump_rate=2.0, p_up=0.7, eta_up=4.0, eta_down=3.0, branching_ratio=0.25)
    base = GLFTParams(gamma=gamma, sigma=sigma, A=a, k=k, mu=mu)
    taus = np.array([0.0, 0.25, 1.0, 2.0])
    mults = (1.0, 2.5)
    bid, ask = jump_adjusted_depths(base, taus, q_max, jumps=jumps, regime_multipliers=mults)
    q = np.arange(-q_max, q_max + 1, dtype=float)

    def mgf(x):  # E[exp(-x J)], J = +Exp(eta_up) w.p. p_up, -Exp(eta_down) otherwise
        up = quad(lambda y: 4.0 * math.exp(-4.0 * y - x * y), 0, np.inf, epsabs=1e-14, epsrel=1e-13)[0]
        down = quad(lambda y: 3.0 * math.exp(-3.0 * y + x * y), 0, np.inf, epsabs=1e-14, epsrel=1e-13)[0]
        return 0.7 * up + 0.3 * down

    m_q = np.array([mgf(gamma * x) for x in q])
    scale = a / (k + gamma) * (1 + gamma / k) ** (-k / gamma)
    c = math.log1p(gamma / k) / gamma
    for r, m in enumerate(mults):
        lam = 2.0 * m / (1 - 0.25)
        premium = -(lam / gamma) * (m_q - 1.0)
        np.testing.assert_allclose(
            jump_risk_premium(q, base, jumps, regime_multiplier=m), -premium, rtol=1e-11, atol=1e-13
        )

        def rhs(_, theta):
            out = mu * q - 0.5 * gamma * sigma**2 * q**2 + premium
            out[:-1] += scale * np.exp(k * (theta[1:] - theta[:-1]))
            out[1:] += scale * np.exp(k * (theta[:-1] - theta[1:]))
            return out

        sol = solve_ivp(rhs, (0.0, taus[-1]), np.zeros(q.size), t_eval=taus, method="DOP853", rtol=1e-13, atol=1e-13)
        assert sol.success
        theta = sol.y.T
        # the ODE is solved to ~1e-12; the exact solution's quotes agree to 1e-8 price units
        np.testing.assert_allclose(bid[r][:, :-1], theta[:, :-1] - theta[:, 1:] + c, rtol=0, atol=1e-8)
        np.testing.assert_allclose(ask[r][:, 1:], theta[:, 1:] - theta[:, :-1] + c, rtol=0, atol=1e-8)
    assert np.ptp(bid[1][-1, :-1] - bid[0][-1, :-1]) > 0.01  # the regimes' quotes differ


def test_no_jumps_is_glft():
    bid, ask = depths(TAUS, 10, jump_rate=0.0)
    b0, a0 = glft_exact_depths(BASE, TAUS, 10)
    np.testing.assert_allclose(bid[0], b0, rtol=1e-12)
    np.testing.assert_allclose(ask[0], a0, rtol=1e-12)


def test_small_frequent_jumps_converge_to_the_moment_matched_diffusion():
    # lambda -> infinity with E[J^2] lambda fixed: the jump part becomes a diffusion with
    # sigma^2 + lambda E[J^2] and drift mu + lambda E[J] (second-order expansion of (1)).
    errs = []
    for scale in (1.0, 4.0, 16.0):
        eta_u, eta_d, lam = 8.0 * scale, 10.0 * scale, 3.0 * scale**2
        m1, m2 = kou_moments(JumpParams(jump_rate=lam, p_up=0.6, eta_up=eta_u, eta_down=eta_d))
        bid, _ = depths(TAUS, 8, jump_rate=lam, p_up=0.6, eta_up=eta_u, eta_down=eta_d)
        b0, _ = glft_exact_depths(GLFTParams(**(AS | {"sigma": np.sqrt(4.0 + lam * m2)}), mu=lam * m1), TAUS, 8)
        errs.append(np.abs(bid[0][:, :-1] - b0[:, :-1]).max())
    # the first neglected term, lambda E[J^3] gamma^2 q^3, scales like 1/scale: first-order convergence
    assert errs[0] / errs[1] > 3.0 and errs[1] / errs[2] > 3.0, errs


def test_jump_risk_premium_widens_quotes_with_rate_clustering_and_regime():
    def spread(**kw):
        b, a = depths(np.array([1.0]), 10, **kw)
        return b[:, 0, 10] + a[:, 0, 10]

    assert spread(jump_rate=0.0) < spread(jump_rate=1.0) < spread(jump_rate=4.0)
    assert spread(branching_ratio=0.0) < spread(branching_ratio=0.5)
    two = spread(regime_multipliers=(1.0, 3.0))
    assert two.shape == (2,) and two[0] < two[1]
    np.testing.assert_allclose(spread(branching_ratio=0.5), spread(regime_multipliers=(2.0,)), rtol=1e-12)


def test_upward_jumps_skew_quotes_towards_buying():
    b, a = depths(np.array([1.0]), 10, p_up=0.8)
    assert b[0, 0, 10] < a[0, 0, 10]  # E[J] > 0: bid closer, ask further at q = 0
    b, a = depths(np.array([1.0]), 10, p_up=0.5, eta_down=2.0)
    assert b[0, 0, 10] > a[0, 0, 10]  # heavier downward jumps: lean to selling


def test_premium_dominates_first_order_term_and_moments():
    q = np.arange(-5, 6, dtype=float)
    jumps = JumpParams(jump_rate=2.0, p_up=0.3, eta_up=5.0, eta_down=7.0)
    m1, m2 = kou_moments(jumps)
    assert m1 == pytest.approx(0.3 / 5 - 0.7 / 7) and m2 == pytest.approx(2 * 0.3 / 25 + 2 * 0.7 / 49)
    prem = jump_risk_premium(q, GLFTParams(**(AS | {"gamma": 0.2})), jumps)
    assert np.all(prem >= -2.0 * m1 * q - 1e-15)
    clustered = JumpParams(**(JUMPS | {"branching_ratio": 0.75}))
    assert effective_jump_rate(clustered, regime_multiplier=0.5) == pytest.approx(4.0)


CJ = CJParams(kappa_plus=15.0, kappa_minus=15.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05)


def test_cj_base_prices_jumps_by_their_mean_only():
    # Risk neutral: mean-zero jumps (p = 1/2, eta_up = eta_down) leave the CJ quotes unchanged,
    # however frequent; the GLFT base widens them (the CARA premium).
    taus = np.array([0.5, 1.0])
    b0, a0 = cj_exact_depths(CJ, taus, -8, 8)
    b, a = cj_jump_adjusted_depths(CJ, taus, -8, 8, jumps=JumpParams(**(JUMPS | {"jump_rate": 8.0})))
    np.testing.assert_allclose(b[0], b0, rtol=1e-13)
    np.testing.assert_allclose(a[0], a0, rtol=1e-13)


def test_cj_base_skew_has_the_sign_of_the_mean_jump_and_grows_with_rate_clustering_and_regime():
    def skew(regime_multipliers=(1.0,), **kw):  # ask - bid at q = 0: > 0 leans to buying
        jumps = JumpParams(**(JUMPS | {"p_up": 0.8} | kw))
        b, a = cj_jump_adjusted_depths(CJ, np.array([1.0]), -8, 8, jumps=jumps, regime_multipliers=regime_multipliers)
        return a[:, 0, 8] - b[:, 0, 8]

    assert skew(jump_rate=0.0)[0] == pytest.approx(0.0, abs=1e-12)
    assert 0 < skew(jump_rate=1.0)[0] < skew(jump_rate=4.0)[0]
    assert skew(branching_ratio=0.0)[0] < skew(branching_ratio=0.5)[0]
    two = skew(regime_multipliers=(1.0, 3.0))
    assert two.shape == (2,) and 0 < two[0] < two[1]
    assert skew(p_up=0.2)[0] < 0  # downward jumps on average: lean to selling
    np.testing.assert_allclose(skew(branching_ratio=0.5), skew(regime_multipliers=(2.0,)), rtol=1e-12)


def test_surface_with_regime_axis():
    (s,) = quote_surfaces(BASE, np.linspace(0, 1, 5), 6, jumps=JumpParams(**JUMPS), regime_multipliers=(0.5, 1.0, 4.0))
    assert s.n_regimes == 3 and s.bid_depth.shape == (3, 5, 13)
    bid, _ = depths(np.linspace(0, 1, 5), 6, regime_multipliers=(0.5, 1.0, 4.0))
    np.testing.assert_array_equal(s.bid_depth, bid)
    assert s.params == BASE.as_dict() | JUMPS | {
        "branching_ratio": 0.0,
        "q_max": 6,
        "regime_multipliers": [0.5, 1.0, 4.0],
    }


def test_batches_equal_one_solve_per_set_on_both_bases():
    # a batch of jumps on one base, and a batch of bases with one jump law
    jumps = JumpParams(jump_rate=[0.5, 2.0, 4.0], p_up=[0.2, 0.5, 0.8], eta_up=4.0, eta_down=[3.0, 4.0, 5.0])
    bid, ask = jump_adjusted_depths(BASE, TAUS, 8, jumps=jumps, regime_multipliers=(1.0, 2.0))
    assert bid.shape == (3, 2, 3, 17)
    for i in range(3):
        b1, a1 = jump_adjusted_depths(BASE, TAUS, 8, jumps=jumps[i], regime_multipliers=(1.0, 2.0))
        np.testing.assert_allclose(bid[i], b1, rtol=1e-11)
        np.testing.assert_allclose(ask[i], a1, rtol=1e-11)
    surfs = quote_surfaces(GLFTParams(**(AS | {"gamma": [0.05, 0.1]})), TAUS, 8, jumps=jumps[1])
    assert [s.params["gamma"] for s in surfs] == [0.05, 0.1] and surfs[0].bid_depth.shape == (3, 17)
    bases = CJParams(
        kappa_plus=15.0, kappa_minus=[15.0, 12.0], lambda_plus=2.0, lambda_minus=2.0, phi=[0.01, 0.02], alpha=0.05
    )
    bid, ask = cj_jump_adjusted_depths(bases, TAUS, -8, 8, jumps=jumps[2], regime_multipliers=(1.0, 3.0))
    assert bid.shape == (2, 2, 3, 17)
    for i in range(2):
        b1, a1 = cj_jump_adjusted_depths(bases[i], TAUS, -8, 8, jumps=jumps[2], regime_multipliers=(1.0, 3.0))
        np.testing.assert_allclose(bid[i], b1, rtol=0, atol=1e-10)
        np.testing.assert_allclose(ask[i], a1, rtol=0, atol=1e-10)
    with pytest.raises(InvalidParameters, match="params and jumps must hold one common number of parameter sets"):
        jump_adjusted_depths(GLFTParams(**(AS | {"gamma": [0.05, 0.1]})), TAUS, 8, jumps=jumps)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"p_up": 1.5}, r"^p_up must lie in \[0.0, 1.0\], got 1.5"),
        ({"branching_ratio": 1.0}, r"^branching_ratio must lie in \[0.0, 1.0\), got 1.0"),
        ({"jump_rate": -1.0}, r"^jump_rate must be >= 0, got -1.0"),
        ({"eta_up": np.array([4.0, np.nan])}, r"^eta_up must be finite everywhere; eta_up\[\(1,\)\] = nan"),
    ],
)
def test_bad_jump_parameters_are_named(change, message):
    with pytest.raises(InvalidParameters, match=message):
        JumpParams(**(JUMPS | change))


def test_bad_depth_arguments_are_named():
    with pytest.raises(InvalidParameters, match=r"gamma \* inventory must lie in \(-eta_up, eta_down\)"):
        depths(TAUS, 10, eta_down=0.5)
    with pytest.raises(InvalidParameters, match="regime_multipliers must be a non-empty 1-D sequence"):
        depths(TAUS, 10, regime_multipliers=())
    with pytest.raises(
        InvalidParameters, match=r"regime_multipliers must be >= 0 everywhere; regime_multipliers\[1\] = -1.0"
    ):
        depths(TAUS, 10, regime_multipliers=(1.0, -1.0))
    with pytest.raises(InvalidParameters, match="^xi = 0.0: the jump risk premium"):
        depths(TAUS, 10, base=GLFTParams(**AS, xi=0.0))
    with pytest.raises(TypeError, match="jumps must be a JumpParams"):
        jump_adjusted_depths(BASE, TAUS, 10, jumps=JUMPS)


def test_jumps_from_a_fitted_hawkes_process():
    """A fit of simulated clustered jump times: the effective rate is the fitted process's stationary intensity,
    (I - n)^-1 mu solved here, and within 4 standard errors of the simulated count rate."""
    from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, simulate
    from quantforge.models.hawkes import fit_hawkes

    truth = HawkesProcess([0.4], ExponentialKernel([[0.5]], 3.0))
    t, _ = simulate(truth, 4000.0, seed=3).path(0)
    fit = fit_hawkes(t, horizon=4000.0)
    jumps = JumpParams.from_hawkes(fit, p_up=0.5, eta_up=4.0, eta_down=4.0)
    mu, n = fit.params[0], fit.params[1]
    assert jumps.jump_rate == pytest.approx(mu) and jumps.branching_ratio == pytest.approx(n)
    rate = effective_jump_rate(jumps)
    assert rate == pytest.approx(float(np.linalg.solve(np.eye(1) - [[n]], [mu])[0]), rel=1e-12)
    # counts of a stationary Hawkes process: variance T mu / (1 - n)^3 (Hawkes 1971)
    se = math.sqrt(0.4 / 0.5**3 / 4000.0)
    assert abs(rate - t.size / 4000.0) < 4 * se
    with pytest.raises(InvalidParameters, match="branching_ratio"):
        JumpParams.from_hawkes(
            HawkesProcess([0.4], ExponentialKernel([[1.2]], 3.0)), p_up=0.5, eta_up=4.0, eta_down=4.0
        )
    with pytest.raises(InvalidParameters, match="one dimension"):
        JumpParams.from_hawkes(
            HawkesProcess([0.4, 0.1], ExponentialKernel(np.eye(2) * 0.1, 3.0)), p_up=0.5, eta_up=4.0, eta_down=4.0
        )
