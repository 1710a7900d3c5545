"""The demo experiment with each model's surfaces: the quotes simulated are the model's, bounds hold."""

import json

import numpy as np
import pytest

from quantforge.cli import main
from quantforge.demo import MODELS, Q_BOUND, _surface_tables, section4_experiment
from quantforge.errors import InvalidParameters
from quantforge.models import avellaneda_stoikov as AS
from quantforge.models.glft import GLFTParams, glft_asymptotic_depths


def test_cli_offers_every_demo_model(tmp_path):
    for model in MODELS:
        assert main(["demo", "--model", model, "--paths", "20", "--gammas", "0.5", "--events", "5000",
                     "--out", str(tmp_path / model)]) == 0
        report = json.loads((tmp_path / model / "report.json").read_text())
        assert report["model"] == model and len(report["experiments"]) == 2
        assert report["engine"]["model"] == model and report["engine"]["events"] == 5000


@pytest.mark.parametrize("model", ["glft", "cj"])
def test_bounded_models_keep_inventory_within_the_bound(model):
    m = dict(AS.PAPER_SECTION4)
    bid, ask, q_min, _ = _surface_tables(model, 0.01, m, 200)
    assert q_min == -Q_BOUND and bid.shape == (200, 2 * Q_BOUND + 1)
    assert np.isposinf(bid[:, -1]).all() and np.isposinf(ask[:, 0]).all()
    # a market tight enough to push the symmetric strategy into the bounds often
    runs = section4_experiment(0.01, paths=200, seed=3, model=model, market=m | {"A": 400.0, "k": 3.0})
    for res in runs.values():
        assert np.abs(res.final_q).max() <= Q_BOUND


def test_glft_demo_quotes_tend_to_the_closed_form_far_from_the_horizon():
    # T - t = 1 with A = 140, k = 1.5 is long enough for the exact quotes near q = 0 to sit near the
    # asymptotic ones (Guéant et al. 2013): a check of the wiring, to 2% of the depth
    m = dict(AS.PAPER_SECTION4)
    bid, ask, q_min, _ = _surface_tables("glft", 0.1, m, 200)
    q = np.arange(-2, 3)
    b_inf, a_inf = glft_asymptotic_depths(q, GLFTParams(gamma=0.1, sigma=m["sigma"], A=m["A"], k=m["k"]))
    np.testing.assert_allclose(bid[0, q - q_min], b_inf, rtol=0.02)
    np.testing.assert_allclose(ask[0, q - q_min], a_inf, rtol=0.02)


def test_cj_demo_without_risk_aversion_quotes_one_over_kappa():
    # phi = gamma sigma^2 / 2 -> 0 and alpha = 0: delta = 1 / kappa (Cartea et al. 2015, ch. 10) where the
    # inventory bounds are out of reach: |q| <= 10 with T - t <= 0.2, i.e. 40 lots from a bound for an
    # inventory random walk of standard deviation sqrt(2 A (T - t)) ~ 7.5 lots
    bid, ask, q_min, _ = _surface_tables("cj", 1e-12, dict(AS.PAPER_SECTION4), 200)
    rows, cols = slice(160, None), slice(-10 - q_min, 11 - q_min)  # step j has T - t = (200 - j) dt
    np.testing.assert_allclose(bid[rows, cols], 1 / 1.5, rtol=1e-8)
    np.testing.assert_allclose(ask[rows, cols], 1 / 1.5, rtol=1e-8)


def test_unknown_model_is_a_named_error():
    with pytest.raises(InvalidParameters, match="model must be one of as, glft, cj"):
        section4_experiment(0.1, paths=10, seed=1, model="heston")


@pytest.mark.parametrize("gamma", [0.1, 1.0])
def test_symmetric_strategy_matches_its_closed_form(gamma):
    """The symmetric strategy quotes a constant depth delta on both sides, so (independently of the
    simulator) each side fills Bernoulli(p) per step, p = A e^{-k delta} dt, and with
    profit = sum_j (b_j + a_j) delta + sum_j q_{j+1} (s_{j+1} - s_j):
    E[profit] = 2 N p delta, Var[profit] = 2 N p (1-p) delta^2 + p (1-p) N (N+1) sigma^2 dt,
    Var[q_T] = 2 N p (1-p).  Compared within 4 standard errors estimated from the sample."""
    m = dict(AS.PAPER_SECTION4)
    paths = 4000
    sym = section4_experiment(gamma, paths=paths, seed=11, backend="numba")["symmetric"]
    n = int(round(m["T"] / m["dt"]))
    delta = 0.5 * sym.summary()["spread"]
    p = m["A"] * np.exp(-m["k"] * delta) * m["dt"]
    mean = 2 * n * p * delta
    var = 2 * n * p * (1 - p) * delta**2 + p * (1 - p) * n * (n + 1) * m["sigma"] ** 2 * m["dt"]
    x = sym.profit
    assert abs(x.mean() - mean) < 4 * x.std(ddof=1) / np.sqrt(paths)
    dev2 = (x - x.mean()) ** 2
    assert abs(dev2.mean() - var) < 4 * dev2.std(ddof=1) / np.sqrt(paths)
    q = sym.final_q.astype(float)
    q2 = (q - q.mean()) ** 2
    assert abs(q2.mean() - 2 * n * p * (1 - p)) < 4 * q2.std(ddof=1) / np.sqrt(paths)


def test_run_demo_validates_gamma_and_seed(tmp_path):
    from quantforge.demo import run_demo

    with pytest.raises(InvalidParameters, match="gamma must be > 0, got -1.0"):
        run_demo(gammas=[0.1, -1.0], events=0, out=tmp_path)
    with pytest.raises(InvalidParameters, match="seed must be >= 0"):
        run_demo(seed=-1, events=0, out=tmp_path)
