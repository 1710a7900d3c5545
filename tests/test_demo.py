"""The demo experiment with each model's surfaces: the quotes simulated are the model's, bounds hold."""

import json

import numpy as np
import pytest

from quantforge.cli import main
from quantforge.demo import (
    ENGINE_MAX_POSITION,
    MODEL_NAMES,
    MODELS,
    Q_BOUND,
    _day_path,
    _engine_run,
    _surface_tables,
    _ticks_behind_touch,
    demo_figure,
    engine_day,
    run_demo,
    section4_experiment,
)
from quantforge.errors import InvalidParameters
from quantforge.kernels.backend import resolve_backend
from quantforge.models import avellaneda_stoikov as AS
from quantforge.models.glft import GLFTParams, glft_asymptotic_depths


def test_cli_offers_every_demo_model(tmp_path):
    for model in MODELS:
        assert (
            main(
                [
                    "demo",
                    "--model",
                    model,
                    "--paths",
                    "20",
                    "--gammas",
                    "0.5",
                    "--events",
                    "5000",
                    "--out",
                    str(tmp_path / model),
                ]
            )
            == 0
        )
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
    with pytest.raises(InvalidParameters, match="gamma must be > 0, got -1.0"):
        run_demo(gammas=[0.1, -1.0], events=0, out=tmp_path)
    with pytest.raises(InvalidParameters, match="seed must be >= 0"):
        run_demo(seed=-1, events=0, out=tmp_path)


@pytest.mark.parametrize("model", MODELS)
def test_demo_header_names_its_model_and_log_output_is_plain(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # captured stdout is no terminal: plain lines all the same
    assert (
        main(["demo", "--model", model, "--paths", "20", "--gammas", "0.5", "--events", "0", "--out", str(tmp_path)])
        == 0
    )
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "\x1b" not in out and lines[0] == f"simulating 20 paths x 1 gammas on {resolve_backend('auto')} ({model})"
    header = next(line for line in lines if line.startswith("model: "))
    assert header.startswith(f"model: {MODEL_NAMES[model]}; market: section 4 of Avellaneda–Stoikov (2008);")
    assert (tmp_path / "demo.png").stat().st_size > 10_000


def test_report_records_parameters_grid_seed_versions_and_machine(tmp_path):
    report = run_demo(paths=20, gammas=[0.5, 1.0], seed=9, out=tmp_path, model="cj", events=2000, interactive=False)
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved == json.loads(json.dumps(report))
    assert saved["seed"] == 9 and saved["model"] == "cj" and saved["model_name"] == MODEL_NAMES["cj"]
    params = saved["parameters"]
    assert params["market"] == {"s0": 100.0, "T": 1.0, "dt": 0.005, "sigma": 2.0, "A": 140.0, "k": 1.5, "q0": 0}
    # one parameter set per gamma, in the model's symbols: phi = gamma sigma^2 / 2
    assert [p["phi"] for p in params["model"]] == [1.0, 2.0] and params["model"][0]["kappa_plus"] == 1.5
    assert saved["grid"] == {
        "time_to_horizon": {"n": 200, "first": 0.005, "last": 1.0, "unit": "T"},
        "inventory_lots": {"min": -Q_BOUND, "max": Q_BOUND},
    }
    versions = saved["versions"]
    assert {"quantforge", "python", "numpy", "numba", "jax", "cupy"} <= set(versions)
    assert versions["numpy"] == np.__version__
    assert {"model", "logical_cores", "usable_cores", "machine", "python"} <= set(saved["machine"]["cpu"])
    assert isinstance(saved["machine"]["gpus"], list)
    rounding = saved["engine"]["rounding"]
    assert rounding["tick_size"] == saved["engine"]["tick_size"] and set(rounding["same_quotes_as"]) == {"as", "glft"}


def test_ticks_behind_the_touch_follow_the_engines_price_rule():
    # the engine's rule (engine/types.py, engine/loop.py) in a one-tick market: best bid b, best ask b + 1
    from quantforge.engine.types import ask_ticks, bid_ticks, depth_ticks

    tick, b = 2.0, 500
    depths = np.array([-1.3, 0.0, 0.2, 0.99, 1.0, 1.01, 2.9, 3.0, 3.1, 7.5])
    bids = [min(int(bid_ticks(b + 0.5, depth_ticks(d, tick))), b) for d in depths]
    asks = [max(int(ask_ticks(b + 0.5, depth_ticks(d, tick))), b + 1) for d in depths]
    behind = _ticks_behind_touch(np.append(depths, np.inf), tick)
    np.testing.assert_array_equal(behind[:-1], [b - x for x in bids])
    np.testing.assert_array_equal(behind[:-1], [x - b - 1 for x in asks])
    assert np.isnan(behind[-1])


def test_engine_days_tell_the_models_apart_or_say_they_round_alike():
    days = {m: engine_day(m, 0.1, seed=7, n_events=20_000) for m in MODELS}
    glft, cj, as_ = (days[m]["rounding"] for m in ("glft", "cj", "as"))
    # At gamma = 0.1 the GLFT and CJ depths differ by 0.01-0.03 price units; on a 2.0 tick they post the same
    # prices in nearly every state of the day, and the report says so.
    assert glft["same_quotes_as"]["cj"] == cj["same_quotes_as"]["glft"] > 0.95
    # Avellaneda–Stoikov's time term moves its quotes across ticks: the report and the days tell it apart.
    assert glft["same_quotes_as"]["as"] == as_["same_quotes_as"]["glft"] < 0.6
    assert as_["opening_ticks_behind_touch"]["bid"] != glft["opening_ticks_behind_touch"]["bid"]
    assert (days["as"]["fills"], days["as"]["pnl"]) != (days["glft"]["fills"], days["glft"]["pnl"])


def test_engine_day_path_ends_at_the_reported_pnl():
    report, fills = _engine_run("glft", 0.5, seed=3, n_events=20_000)
    path = _day_path(fills, seed=3, n_events=20_000, points=50)
    assert len(fills) == report["fills"] > 0 and path["time_h"].shape == path["pnl"].shape == (50,)
    assert np.all(np.diff(path["time_h"]) > 0) and 0 < path["time_h"][-1] <= path["session_h"]
    assert path["inventory"][-1] == path["fill_inventory"][-1] == report["final_inventory"]
    assert path["pnl"][-1] == pytest.approx(report["pnl"], abs=1e-9)


def test_figure_shows_the_quote_surface_and_the_engine_day():
    gamma = 0.5
    results = {gamma: section4_experiment(gamma, paths=20, seed=1, model="glft")}
    surface = _surface_tables("glft", gamma, dict(AS.PAPER_SECTION4), 200)[3]
    report, fills = _engine_run("glft", gamma, seed=1, n_events=5000)
    fig = demo_figure(results, [gamma], "glft", surface, _day_path(fills, seed=1, n_events=5000, points=20))
    by_title = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    bid = next(ax for t, ax in by_title.items() if "quote surface" in t and "bid depth" in t)
    ask = next(ax for t, ax in by_title.items() if "quote surface" in t and "ask depth" in t)
    for ax in (bid, ask):
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("time to horizon T − t", "inventory q (lots)")
        assert len(ax.collections) == 1  # the depth mesh
        assert ax.get_ylim()[0] <= -ENGINE_MAX_POSITION and ax.get_ylim()[1] >= ENGINE_MAX_POSITION
    day = next(ax for t, ax in by_title.items() if t.startswith("one simulated day through the engine"))
    assert (day.get_xlabel(), day.get_ylabel()) == ("time since the open (h)", "inventory (lots)")
    assert {c.get_label() for c in day.collections} == {"buy fill", "sell fill"}
    assert "PnL (price units, marked to mid)" in {ax.get_ylabel() for ax in fig.axes}
    assert "depth from the mid (price units)" in {ax.get_ylabel() for ax in fig.axes}  # the colour bars
    # without an engine day, no day panel
    fig = demo_figure(results, [gamma], "glft", surface, None)
    assert not any(ax.get_title().startswith("one simulated day") for ax in fig.axes)
