"""models/cartea_jaimungal.py: the matrix-exponential solution of CJP ch. 10 against scipy.linalg.expm
of the book's matrix, the phi = alpha = 0 limit, the terminal condition, the finite-difference path for
kappa+ != kappa-, monotonicity in the penalties, and parameter validation."""

import math

import numpy as np
import pytest
import scipy.linalg as sl
from scipy.integrate import solve_ivp

from quantforge.errors import InvalidParameters
from quantforge.models.cartea_jaimungal import CJParams, cj_exact_depths, quote_surfaces

BASE = dict(kappa_plus=15.0, kappa_minus=15.0, lambda_plus=2.0, lambda_minus=1.5, phi=0.01, alpha=0.05)


def cj(**kw):
    """The base parameters with changes."""
    return CJParams(**(BASE | kw))


def test_matches_book_matrix_exponential():
    # CJP (2015) §10.2: omega(t) = exp(A (T - t)) z, A_qq = -phi kappa q^2, A_{q,q-1} = lambda+/e,
    # A_{q,q+1} = lambda-/e, z_q = exp(-alpha kappa q^2); h = ln(omega)/kappa.
    taus = np.array([0.0, 0.3, 1.0, 4.0])
    bid, ask = cj_exact_depths(cj(), taus, -8, 8, backend="numpy")
    q = np.arange(-8, 9)
    kappa, lp, lm = 15.0, 2.0, 1.5
    a = np.diag(-0.01 * kappa * q**2.0) + lp / math.e * np.eye(q.size, k=-1) + lm / math.e * np.eye(q.size, k=1)
    z = np.exp(-0.05 * kappa * q**2.0)
    for j, tau in enumerate(taus):
        h = np.log(sl.expm(a * tau) @ z) / kappa
        np.testing.assert_allclose(ask[j, 1:], 1 / kappa + h[1:] - h[:-1], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(bid[j, :-1], 1 / kappa + h[:-1] - h[1:], rtol=1e-10, atol=1e-12)
    assert np.isinf(bid[:, -1]).all() and np.isinf(ask[:, 0]).all()


def test_terminal_condition():
    # At tau = 0, h = -alpha q^2: delta+ = 1/kappa + alpha (1 - 2q), delta- = 1/kappa + alpha (1 + 2q).
    bid, ask = cj_exact_depths(cj(), np.array([0.0]), -8, 8)
    q = np.arange(-8, 9)
    np.testing.assert_allclose(ask[0, 1:], 1 / 15 + 0.05 * (1 - 2 * q[1:]), rtol=1e-12)
    np.testing.assert_allclose(bid[0, :-1], 1 / 15 + 0.05 * (1 + 2 * q[:-1]), rtol=1e-12)


@pytest.mark.parametrize("kappas", [(15.0, 15.0), (10.0, 20.0)])
def test_no_penalty_gives_one_over_kappa_far_from_the_bounds(kappas):
    # Without penalties h does not depend on q on an unbounded grid; the bounds at +-30 reach the
    # centre only through ~30 fills, whose probability within tau = 1 is ~(lambda/e)^30/30! ~ 1e-32.
    kp, km = kappas
    params = CJParams(kappa_plus=kp, kappa_minus=km, lambda_plus=2.0, lambda_minus=2.0, phi=0.0, alpha=0.0)
    bid, ask = cj_exact_depths(params, np.linspace(0, 1, 5), -30, 30)
    np.testing.assert_allclose(bid[:, 20:41], 1 / km, rtol=1e-9)
    np.testing.assert_allclose(ask[:, 20:41], 1 / kp, rtol=1e-9)


def test_finite_difference_path_agrees_with_exact_for_nearly_equal_kappas():
    taus = np.linspace(0, 2, 9)
    bid, ask = cj_exact_depths(cj(), taus, -8, 8, backend="numpy")
    bid2, ask2 = cj_exact_depths(cj(kappa_minus=15.0 * (1 + 1e-9)), taus, -8, 8)
    np.testing.assert_allclose(bid2[:, :-1], bid[:, :-1], atol=1e-8)
    np.testing.assert_allclose(ask2[:, 1:], ask[:, 1:], atol=1e-8)


def test_asymmetric_kappas_match_the_books_ode_integrated_by_dop853():
    # kappa+ != kappa-: no linearisation; CJP eq. (10.11)-(10.12) in time to horizon,
    # dh/dtau = mu q - phi q^2 + 1{q > q_min} lambda+/(e kappa+) exp(-kappa+ (h(q) - h(q-1)))
    #                            + 1{q < q_max} lambda-/(e kappa-) exp(-kappa- (h(q) - h(q+1))),  h(0) = -alpha q^2,
    # written out here and integrated by scipy; depths (10.13).
    kp, km, lp, lm, phi, alpha, mu = 10.0, 20.0, 2.0, 1.5, 0.02, 0.05, 0.1
    q = np.arange(-8, 9, dtype=float)
    taus = np.array([0.0, 0.3, 1.0, 3.0])

    def rhs(_, h):
        out = mu * q - phi * q**2
        out[1:] += lp / (math.e * kp) * np.exp(-kp * (h[1:] - h[:-1]))
        out[:-1] += lm / (math.e * km) * np.exp(-km * (h[:-1] - h[1:]))
        return out

    sol = solve_ivp(
        rhs, (0.0, 3.0), -alpha * q**2, t_eval=taus, method="DOP853", rtol=1e-13, atol=1e-13, first_step=1e-6
    )
    assert sol.success
    h = sol.y.T
    params = CJParams(kappa_plus=kp, kappa_minus=km, lambda_plus=lp, lambda_minus=lm, phi=phi, alpha=alpha, mu=mu)
    bid, ask = cj_exact_depths(params, taus, -8, 8, steps_per_unit=4000)
    np.testing.assert_allclose(ask[:, 1:], 1 / kp + h[:, 1:] - h[:, :-1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(bid[:, :-1], 1 / km + h[:, :-1] - h[:, 1:], rtol=0, atol=1e-9)
    assert np.ptp(ask[-1, 1:]) > 0.3  # the penalties and the drift shape the quotes


def test_inventory_skew_grows_with_the_running_penalty():
    # Long inventory: ask closer than bid, and more so as phi grows (the book's fig. 10.2 behaviour).
    skews = []
    for phi in (0.0, 0.01, 0.05):
        bid, ask = cj_exact_depths(cj(phi=phi, alpha=0.0), np.array([2.0]), -8, 8)
        assert ask[0, 8 + 3] < bid[0, 8 + 3] or phi == 0.0
        skews.append(bid[0, 8 + 3] - ask[0, 8 + 3])
    assert skews[0] < skews[1] < skews[2]


def test_batched_surfaces_equal_one_surface_per_set():
    # Sets with a common kappa (one matrix-exponential call) and with kappa+ != kappa- (one batched
    # grid integration) in the same batch; each surface must be the one-set surface of its parameters.
    taus = np.linspace(0, 2, 9)
    sets = dict(
        kappa_plus=np.array([15.0, 10.0, 15.0, 12.0]),
        kappa_minus=np.array([15.0, 20.0, 15.0, 9.0]),
        lambda_plus=2.0,
        lambda_minus=np.array([1.5, 1.5, 2.5, 1.0]),
        phi=np.array([0.01, 0.02, 0.0, 0.01]),
        alpha=0.05,
        mu=np.array([0.0, 0.1, -0.1, 0.0]),
    )
    surfs = quote_surfaces(CJParams(**sets), taus, -8, 8)
    assert len(surfs) == 4 and all(s.model == "cartea-jaimungal" for s in surfs)
    for i, surf in enumerate(surfs):
        one = {k: float(np.broadcast_to(v, (4,))[i]) for k, v in sets.items()}
        (ref,) = quote_surfaces(CJParams(**one), taus, -8, 8)
        assert surf.params == ref.params
        np.testing.assert_allclose(surf.bid_depth, ref.bid_depth, rtol=0, atol=1e-10)
        np.testing.assert_allclose(surf.ask_depth, ref.ask_depth, rtol=0, atol=1e-10)
    bid, ask = cj_exact_depths(CJParams(**sets), taus, -8, 8)
    assert bid.shape == (4, 9, 17)
    with pytest.raises(InvalidParameters, match="common length"):
        CJParams(**(sets | {"alpha": np.array([0.1, 0.2])}))


def test_surface_has_the_engine_layout():
    (s,) = quote_surfaces(cj(), np.linspace(0, 1, 11), -8, 8)
    assert s.model == "cartea-jaimungal" and s.bid_depth.shape == (11, 17) and s.q_min == -8
    assert s.params == cj().as_dict() | {"q_min": -8, "q_max": 8}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"kappa_plus": 0.0}, r"^kappa_plus must be > 0, got 0.0"),
        ({"lambda_minus": -1.0}, r"^lambda_minus must be > 0, got -1.0"),
        ({"phi": np.nan}, r"^phi must be finite, got nan"),
        ({"alpha": -0.1}, r"^alpha must be >= 0, got -0.1"),
        ({"mu": np.inf}, r"^mu must be finite, got inf"),
        ({"phi": np.array([0.01, -0.01])}, r"^phi must be >= 0 everywhere; phi\[\(1,\)\] = -0.01"),
    ],
)
def test_bad_parameters_raise(change, message):
    with pytest.raises(InvalidParameters, match=message):
        cj(**change)


def test_bad_grids_raise():
    with pytest.raises(InvalidParameters, match="q_min must be < q_max, got q_min=8, q_max=8"):
        cj_exact_depths(cj(), np.array([0.0, 1.0]), 8, 8)
    with pytest.raises(TypeError, match="params must be a CJParams"):
        quote_surfaces(BASE, np.array([0.0, 1.0]), -8, 8)
