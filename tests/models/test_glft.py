"""models/glft.py: exact quotes against the paper's matrix exponential (scipy), the closed form in the
large-horizon / continuum limit, structural properties (hypothesis) and parameter validation."""

import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings
from hypothesis import strategies as st

from quantforge.errors import InvalidParameters
from quantforge.models.glft import (
    GLFTParams,
    glft_asymptotic_depths,
    glft_exact_depths,
    glft_half_spread_skew,
    glft_intensity_constants,
    quote_surfaces,
)
from quantforge.models.surface import QuoteSurface

# Avellaneda–Stoikov (2008) section-4 market (shared/REFERENCES.md): sigma=2, A=140, k=1.5, T=1.
AS = dict(sigma=2.0, A=140.0, k=1.5)


def glft(gamma=0.1, **kw):
    """GLFT parameters on the section-4 market, with changes."""
    return GLFTParams(**(AS | {"gamma": gamma} | kw))


def test_exact_matches_paper_matrix_exponential():
    # GLFT (2013): v(t) = exp(-M (T - t)) 1, M = alpha q^2 on the diagonal, -eta off it,
    # alpha = k gamma sigma^2 / 2, eta = A (1 + gamma/k)^-(1 + k/gamma); quotes (1/k) ln(v_q/v_q+-1) + ln(1+gamma/k)/gamma.
    gamma, sigma, a, k, n_max = 0.1, 2.0, 140.0, 1.5, 6
    taus = np.array([0.0, 0.1, 0.5, 1.0])
    bid, ask = glft_exact_depths(GLFTParams(gamma=gamma, sigma=sigma, A=a, k=k), taus, n_max, backend="numpy")
    q = np.arange(-n_max, n_max + 1)
    alpha = k * gamma * sigma**2 / 2
    eta = a * (1 + gamma / k) ** (-(1 + k / gamma))
    m = np.diag(alpha * q**2.0) - eta * (np.eye(q.size, k=1) + np.eye(q.size, k=-1))
    c = np.log(1 + gamma / k) / gamma
    for j, tau in enumerate(taus):
        v = sl.expm(-m * tau) @ np.ones(q.size)
        np.testing.assert_allclose(bid[j, :-1], np.log(v[:-1] / v[1:]) / k + c, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ask[j, 1:], np.log(v[1:] / v[:-1]) / k + c, rtol=1e-10, atol=1e-12)


def test_bounds_are_not_quoted_and_everything_else_is_finite():
    bid, ask = glft_exact_depths(glft(), np.linspace(0, 1, 5), 4)
    assert np.all(np.isinf(bid[..., -1])) and np.all(np.isinf(ask[..., 0]))
    assert np.all(np.isfinite(bid[..., :-1])) and np.all(np.isfinite(ask[..., 1:]))


def test_as_market_example_is_finite_and_symmetric_at_zero_inventory():
    (surf,) = quote_surfaces(glft(), np.linspace(0.0, 1.0, 201), 20)
    assert isinstance(surf, QuoteSurface) and surf.bid_depth.shape == (201, 41)
    mid = 20
    np.testing.assert_allclose(surf.bid_depth[:, mid], surf.ask_depth[:, mid], rtol=1e-13)
    np.testing.assert_allclose(surf.bid_depth[:, ::-1][:, 1:], surf.ask_depth[:, 1:], rtol=1e-12, atol=1e-12)
    assert surf.bid_depth[-1, mid] > 0


@pytest.mark.parametrize("kw", [{}, {"mu": 0.3}, {"xi": 0.0}, {"delta": 2.0}, {"adverse_selection": 0.2}])
def test_exact_converges_to_closed_form_in_mid_range(kw):
    # The error of the closed form (3) at |q| <= 5 shrinks as the horizon grows, then settles (the
    # exact depths become stationary) at the error of the quadratic Hamiltonian approximation,
    # which is below 6% of one inventory step of the quotes (omega Delta) here.
    taus = np.array([0.01, 0.05, 0.2, 5.0, 20.0])
    bid, ask = glft_exact_depths(glft(**kw), taus, 30, backend="numba")
    q = np.arange(-30, 31) * kw.get("delta", 1.0)
    ab, aa = glft_asymptotic_depths(q, glft(**kw))
    mid = slice(25, 36)
    err = np.abs(bid[:, mid] - ab[mid]).max(axis=1)
    assert np.all(np.diff(err[:4]) < 0)
    np.testing.assert_allclose(bid[3, mid], bid[4, mid], rtol=1e-9)
    step = glft_half_spread_skew(glft(**{n: v for n, v in kw.items() if n != "mu"}))[1] * kw.get("delta", 1.0)
    assert err[-1] < 0.06 * step
    np.testing.assert_allclose(ask[-1, mid], aa[mid], atol=0.06 * step)


def test_closed_form_error_vanishes_in_the_continuum_limit():
    # omega -> 0 (A large) makes the inventory grid fine relative to the quote scale; the relative
    # error of (3) against the stationary exact depths must fall with omega.
    rel = []
    for a in (140.0, 1400.0, 14000.0):
        _, omega = glft_half_spread_skew(glft(A=a))
        bid, _ = glft_exact_depths(glft(A=a), np.array([40.0]), 40)
        ab, _ = glft_asymptotic_depths(np.arange(-40, 41), glft(A=a))
        rel.append(np.abs(bid[-1, 38:43] - ab[38:43]).max() / omega)
    assert rel[0] > rel[1] > rel[2]


def test_asymptotic_depths_batch_over_every_parameter_equals_per_set_calls():
    # A batch may come from any parameter, here mu alone or mu and k together (scalars broadcast).
    q = np.array([-3.0, 0.0, 2.0])
    for kw in (
        {"mu": np.array([0.1, 0.3])},
        {"mu": np.array([0.1, 0.3, -0.2]), "k": np.array([1.5, 1.0, 2.0])},
        {"adverse_selection": np.array([0.0, 0.2])},
        {"xi": np.array([0.0, 0.1]), "delta": np.array([1.0, 2.0])},
    ):
        bid, ask = glft_asymptotic_depths(q, glft(**kw))
        n_sets = len(next(iter(kw.values())))
        assert bid.shape == (n_sets, q.size)
        for i in range(n_sets):
            one = {k: float(v[i]) for k, v in kw.items()}
            b1, a1 = glft_asymptotic_depths(q, glft(**one))
            np.testing.assert_allclose(bid[i], b1, rtol=1e-14)
            np.testing.assert_allclose(ask[i], a1, rtol=1e-14)
    with pytest.raises(InvalidParameters, match="common length"):
        glft(gamma=np.array([0.1, 0.2]), mu=np.array([0.1, 0.2, 0.3]))


@pytest.mark.parametrize("gamma", [0.01, 0.1, 1.0])
def test_closed_form_is_the_published_asymptotic_formula(gamma):
    # GLFT (2013), §4 (xi = gamma, Delta = 1, no drift): with
    # s = sqrt(sigma^2 gamma / (2 k A) (1 + gamma/k)^(1 + k/gamma)),
    # delta_b(q) ~ ln(1 + gamma/k) / gamma + (2q + 1) s / 2 and delta_a(q) ~ ln(1 + gamma/k) / gamma - (2q - 1) s / 2.
    sigma, a, k = 2.0, 140.0, 1.5
    q = np.array([-3.0, -1.0, 0.0, 2.0, 5.0])
    s = np.sqrt(sigma**2 * gamma / (2 * k * a) * (1 + gamma / k) ** (1 + k / gamma))
    c = np.log(1 + gamma / k) / gamma
    bid, ask = glft_asymptotic_depths(q, glft(gamma))
    np.testing.assert_allclose(bid, c + (2 * q + 1) * s / 2, rtol=1e-13)
    np.testing.assert_allclose(ask, c - (2 * q - 1) * s / 2, rtol=1e-13)
    half, omega = glft_half_spread_skew(glft(gamma))
    assert half == pytest.approx(c + s / 2, rel=1e-13) and omega == pytest.approx(s, rel=1e-13)


def test_xi_zero_is_the_limit_of_small_xi():
    c0, big0 = glft_intensity_constants(glft(xi=0.0))
    c1, big1 = glft_intensity_constants(glft(xi=1e-7))
    np.testing.assert_allclose(c0, 1 / 1.5)
    np.testing.assert_allclose(big0, np.exp(-1.0))
    np.testing.assert_allclose(c1, c0, rtol=1e-6)
    np.testing.assert_allclose(big1, big0, rtol=1e-6)


def test_batch_equals_single_solves_and_builds_surfaces():
    gammas = np.array([0.05, 0.1, 0.5])
    taus = np.linspace(0, 1, 11)
    bid, ask = glft_exact_depths(glft(gammas), taus, 8)
    for i, g in enumerate(gammas):
        b1, a1 = glft_exact_depths(glft(g), taus, 8, backend="numpy")
        np.testing.assert_allclose(bid[i], b1, rtol=1e-11)
    surfs = quote_surfaces(glft(gammas), taus, 8)
    assert [s.params["gamma"] for s in surfs] == list(gammas)
    assert surfs[1].params == glft(gammas)[1].as_dict() | {"q_max": 8}
    np.testing.assert_array_equal(surfs[2].inventory_lots, np.arange(-8, 9))
    np.testing.assert_array_equal(surfs[2].bid_depth, bid[2])


params = st.fixed_dictionaries(
    {
        "gamma": st.floats(0.01, 2.0),
        "sigma": st.floats(0.2, 5.0),
        "A": st.floats(5.0, 300.0),
        "k": st.floats(0.3, 5.0),
        "tau": st.floats(0.05, 3.0),
    }
)


@settings(max_examples=25, deadline=None)
@given(params)
def test_properties_spread_positive_skew_sign_and_symmetry(p):
    params = GLFTParams(gamma=p["gamma"], sigma=p["sigma"], A=p["A"], k=p["k"])
    bid, ask = glft_exact_depths(params, np.array([p["tau"]]), 6, backend="numpy")
    b, a = bid[0], ask[0]
    assert np.all(b[1:-1] + a[1:-1] > 0)  # spread at interior inventories
    assert np.all(np.diff(b[:-1]) > 0) and np.all(np.diff(a[1:]) < 0)  # long -> bid further, ask closer
    np.testing.assert_allclose(b[::-1][1:], a[1:], rtol=1e-9, atol=1e-10)  # q <-> -q


@pytest.mark.parametrize(
    "kw, exc, message",
    [
        ({"gamma": -0.1}, InvalidParameters, r"^gamma must be > 0, got -0.1"),
        ({"sigma": np.nan}, InvalidParameters, r"^sigma must be finite, got nan"),
        ({"A": 0.0}, InvalidParameters, r"^A must be > 0, got 0.0"),
        ({"xi": -1.0}, InvalidParameters, r"^xi must be >= 0, got -1.0"),
        ({"mu": np.array([0.0, np.inf])}, InvalidParameters, r"^mu must be finite everywhere; mu\[\(1,\)\] = inf"),
        (
            {"gamma": np.array([0.1, 0.2]), "k": np.array([1.0, 2.0, 3.0])},
            InvalidParameters,
            r"common length.*'gamma': 2, 'k': 3",
        ),
        ({"adverse_selection": "0.2"}, TypeError, "adverse_selection must be a real number"),
    ],
)
def test_bad_parameters_raise_named_errors(kw, exc, message):
    with pytest.raises(exc, match=message):
        glft(**kw)


@pytest.mark.parametrize(
    "q_max, exc, message", [(0, InvalidParameters, "q_max must be >= 1"), (2.5, TypeError, "q_max must be an integer")]
)
def test_bad_inventory_bound_is_named(q_max, exc, message):
    with pytest.raises(exc, match=message):
        glft_exact_depths(glft(), np.array([0.0, 1.0]), q_max)
    with pytest.raises(TypeError, match="params must be a GLFTParams"):
        quote_surfaces({"gamma": 0.1}, np.array([0.0, 1.0]), 3)
