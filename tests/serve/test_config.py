"""serve/config.py: a good file parses with its defaults and batches; every kind of mistake is a
ConfigError whose message names the place and the value."""

from __future__ import annotations

import pytest

from quantforge.serve.config import ConfigError, load_config

GOOD = """
[serve]
name = "desk_1"
refresh_s = 5

[grid]
horizon = 1.0
n_t = 11
q_min = -5
q_max = 5

[[instrument]]
id = "A"
model = "as"
params = { gamma = 0.1, sigma = 2.0, k = 1.5 }

[[instrument]]
id = "B.2"
model = "avellaneda-stoikov"
params = { gamma = 0.2, sigma = 2.0, k = 1.5 }

[[instrument]]
id = "C"
model = "glft"
params = { gamma = 0.05, sigma = 2.0, A = 140.0, k = 1.5 }

[[instrument]]
id = "D"
model = "cj"
params = { kappa_plus = 15.0, kappa_minus = 15.0, lambda_plus = 2.0, lambda_minus = 2.0, phi = 0.01, alpha = 0.05 }
grid = { q_min = -3, q_max = 4, n_t = 5 }
"""


def _write(tmp_path, text):
    p = tmp_path / "serve.toml"
    p.write_text(text)
    return p


def test_good_config_defaults_and_batches(tmp_path, monkeypatch):
    cfg = load_config(_write(tmp_path, GOOD))
    assert (cfg.name, cfg.refresh_s, cfg.host, cfg.port, cfg.backend, cfg.out_dir, cfg.formats) == (
        "desk_1",
        5.0,
        "127.0.0.1",
        8077,
        None,
        None,
        ("arrow",),
    )
    batches = cfg.batches()
    assert [(spec.name, [i.id for i in members]) for spec, _, members in batches] == [
        ("avellaneda-stoikov", ["A", "B.2"]),
        ("glft", ["C"]),
        ("cartea-jaimungal", ["D"]),
    ]
    d = cfg.instruments[3]
    assert (d.grid.n_t, d.grid.q_min, d.grid.q_max, d.grid.horizon) == (5, -3, 4, 1.0)
    assert d.grid.taus.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert cfg.token() is None
    with_token = load_config(
        _write(tmp_path, GOOD.replace("refresh_s = 5", 'refresh_s = 5\ntoken_env = "QF_TEST_TOKEN"'))
    )
    monkeypatch.delenv("QF_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="token_env names 'QF_TEST_TOKEN', which is not set"):
        with_token.token()
    monkeypatch.setenv("QF_TEST_TOKEN", "s3cret")
    assert with_token.token() == "s3cret"


@pytest.mark.parametrize(
    "change, match",
    [
        (('name = "desk_1"', 'name = "desk-1"'), r"\[serve\]: name must be 1-64 letters, digits or _ .*'desk-1'"),
        (("refresh_s = 5", "refresh_s = 0"), r"refresh_s must lie in 0.01..86400 seconds, got 0"),
        (("refresh_s = 5", 'refresh_s = "5"'), r"refresh_s must be int/float, got str '5'"),
        (("refresh_s = 5", "refresh_s = 5\nbackend = 'gpu'"), r"backend must be one of auto, numpy"),
        (("refresh_s = 5", "refresh_s = 5\nport = 70000"), r"port must lie in 0..65535, got 70000"),
        (("refresh_s = 5", "refresh_s = 5\nformats = ['csv']"), r"formats must list arrow or parquet, got 'csv'"),
        (("refresh_s = 5", "refresh_s = 5\nrefresh = 1"), r"\[serve\]: unknown key 'refresh'"),
        (('model = "glft"', 'model = "heston"'), r"instrument 3 \(id 'C'\): model must be one of"),
        (("gamma = 0.1,", "gamma = -0.1,"), r"instrument 1 \(id 'A'\): params: gamma must be > 0, got -0.1"),
        (("gamma = 0.1,", "gamma = true,"), r"instrument 1 \(id 'A'\): params.gamma must be a number, got bool"),
        (("gamma = 0.1,", "gama = 0.1,"), r"instrument 1 \(id 'A'\): params: unknown key 'gama'"),
        (("gamma = 0.05, sigma = 2.0, A", "gamma = 0.05, A"), r"instrument 3 \(id 'C'\): params needs sigma"),
        (('id = "B.2"', 'id = "A"'), r"instrument 2: id 'A' is used twice"),
        (('id = "B.2"', 'id = "B/2"'), r"instrument 2: id must be 1-64 letters, digits or _.-, got 'B/2'"),
        (("q_min = -5", "q_min = -4"), r"instrument 3 \(id 'C'\): glft needs a symmetric inventory grid"),
        (("q_min = -3, q_max = 4", "q_min = 4, q_max = -3"), r"instrument 4 \(id 'D'\): grid: q_min must be <= q_max"),
        (
            ("horizon = 1.0", "horizon = 2.0"),
            r"instrument 1 \(id 'A'\): grid.horizon 2.0 exceeds the model's horizon T = 1.0",
        ),
        (("n_t = 11", "n_t = 0"), r"grid: n_t must lie in 1..100000, got 0"),
        (("n_t = 11", ""), r"grid: n_t is required"),
        (("[grid]", "[grids]"), r"unknown key 'grids'"),
    ],
)
def test_mistakes_are_named(tmp_path, change, match):
    with pytest.raises(ConfigError, match=match):
        load_config(_write(tmp_path, GOOD.replace(*change)))


def test_unreadable_and_not_toml(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the configuration"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "[serve\nname = 1"))
    with pytest.raises(ConfigError, match=r"no \[\[instrument\]\] to publish"):
        load_config(_write(tmp_path, "[serve]\nname = 'x'\n"))
