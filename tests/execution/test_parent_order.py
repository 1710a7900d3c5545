"""execution/parent_order.py and the ``execute`` subcommand of cli.py over it: an order end to end with its TCA
printed and its files written, every algorithm by name, and bad flags as one line on stderr with
exit status 2."""

from __future__ import annotations

import json
import math

import pytest

from quantforge.cli import main
from quantforge.execution import build_executor, run_parent_order
from quantforge.execution.parent_order import ALGOS, market_for


def test_execute_prints_the_tca_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "execute",
            "--algo",
            "ac",
            "--side",
            "sell",
            "--quantity",
            "300",
            "--horizon",
            "900",
            "--urgency",
            "2",
            "--events",
            "30000",
            "--seed",
            "4",
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert text.startswith("ac sell 300 lots over 900 s: filled ")
    assert "IS bps" in text and "vs VWAP" in text and "\nALL" in text
    report = json.loads((out / "tca.json").read_text())
    assert report["order"] == {"algo": "ac", "side": "sell", "quantity_lots": 300, "horizon_s": 900.0, "n_slices": 8}
    row = report["tca"]
    parts = math.fsum(row[c] for c in ("delay", "timing", "impact", "opportunity", "fees"))
    assert abs(parts - row["shortfall"]) <= 1e-12 * row["quantity"] * row["decision_price"]
    assert (
        report["result"]["filled_lots"] + report["result"]["working_lots"] + report["result"]["remaining_lots"] == 300
    )
    assert report["counters"]["accounting_breaks"] == 0
    lines = (out / "children.csv").read_text().splitlines()
    assert (
        lines[0].startswith("oid,ts_sent,ts_arrived") and len(lines) == sum(report["result"]["children"].values()) + 1
    )
    assert (out / "tca.png").stat().st_size > 20_000


@pytest.mark.parametrize("algo", ALGOS)
def test_every_algorithm_runs_by_name(algo):
    res = run_parent_order(algo, "buy", 200, 600.0, urgency=1.5, rate=0.1, n_events=20_000, seed=2)
    assert res.executor.algo == algo and res.filled_lots + res.working_lots + res.remaining_lots == 200
    assert res.state["accounting_breaks"] == 0


def test_the_day_fits_the_order():
    ex = build_executor("twap", "buy", 10, 3_600.0)
    m = market_for(ex, 50_000, 1)
    start_share = m.warmup_events / m.n_events
    assert m.session_s * (1 - start_share) > ex.horizon_s + ex.tactics.finish_grace_s
    assert ex.n_slices == 30 and build_executor("twap", "buy", 10, 60.0).n_slices == 5


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["--algo", "iceberg"], "argument --algo: invalid choice: 'iceberg'"),
        (["--side", "short"], "argument --side: invalid choice: 'short'"),
        (["--quantity", "-5"], "argument --quantity: expected a positive integer, got -5"),
        (["--quantity", "ten"], "argument --quantity: expected a positive integer, got 'ten'"),
        (["--horizon", "0"], "argument --horizon: expected a finite number > 0, got 0"),
        (["--horizon", "nan"], "argument --horizon: expected a finite number > 0, got nan"),
        (["--urgency", "-1"], "argument --urgency: expected a finite number >= 0, got -1"),
        (["--rate", "1.5"], "argument --rate: a participation rate lies strictly between 0 and 1, got 1.5"),
        (["--events", "100"], "argument --events: at least 5000 events are needed"),
        (["--seed", "-3"], "argument --seed: seed must satisfy 0 <= seed < 2**64"),
    ],
)
def test_bad_flags_give_one_line_and_status_2(argv, needle, capsys):
    base = {"--algo": "twap", "--side": "buy", "--quantity": "10", "--horizon": "60"}
    for flag, value in zip(argv[::2], argv[1::2]):
        base[flag] = value
    args = ["execute", *[x for kv in base.items() for x in kv]]
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_a_missing_flag_is_named(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["execute", "--algo", "twap", "--side", "buy", "--quantity", "10"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "the following arguments are required: --horizon" in err
