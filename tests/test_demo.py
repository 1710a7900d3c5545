"""The demo experiment with each model's surfaces: the quotes simulated are the model's, bounds hold."""

import json

import numpy as np
import pytest

from quantforge.cli import main
from quantforge.demo import MODELS, Q_BOUND, _surface_tables, section4_experiment
from quantforge.errors import InvalidParameters
from quantforge.models import avellaneda_stoikov as AS
from quantforge.models.glft import glft_asymptotic_depths


def test_cli_offers_every_demo_model(tmp_path):
    for model in MODELS:
        assert main(["demo", "--model", model, "--paths", "20", "--gammas", "0.5", "--out", str(tmp_path / model)]) == 0
        report = json.loads((tmp_path / model / "report.json").read_text())
        assert report["model"] == model and len(report["experiments"]) == 2


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
    b_inf, a_inf = glft_asymptotic_depths(q, 0.1, m["sigma"], m["A"], m["k"])
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
