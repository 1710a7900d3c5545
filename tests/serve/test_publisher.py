"""serve/publisher.py in process: surfaces computed in batches equal the models' own calls bit for
bit; each refresh publishes a new version to shared memory and files; a bad configuration or a failed
computation is refused and the last good surfaces stay; a reload with a new grid replaces the tables."""

from __future__ import annotations

import os

import numpy as np
import pytest

from quantforge.errors import NumericalInstability
from quantforge.models import ASParams, CJParams, GLFTParams, as_quote_surfaces, cj_quote_surfaces, glft_quote_surfaces
from quantforge.serve import arrow as A
from quantforge.serve import publisher as P
from quantforge.serve.config import load_config
from quantforge.serve.tables import SurfaceReader

CONFIG = """
[serve]
name = "{name}"
refresh_s = 60
out_dir = "out"
formats = ["arrow", "parquet"]

[grid]
horizon = 1.0
n_t = 9
q_min = -4
q_max = 4

[[instrument]]
id = "A1"
model = "as"
params = {{ gamma = 0.1, sigma = 2.0, k = 1.5 }}

[[instrument]]
id = "G1"
model = "glft"
params = {{ gamma = 0.05, sigma = 2.0, A = 140.0, k = 1.5 }}

[[instrument]]
id = "A2"
model = "as"
params = {{ gamma = 0.3, sigma = 1.0, k = 2.0 }}

[[instrument]]
id = "C1"
model = "cj"
params = {{ kappa_plus = 15.0, kappa_minus = 20.0, lambda_plus = 2.0, lambda_minus = 2.0, phi = 0.01, alpha = 0.05 }}
"""


def _same(a, b):
    assert a.model == b.model and a.params == b.params
    np.testing.assert_array_equal(a.bid_depth, b.bid_depth)
    np.testing.assert_array_equal(a.ask_depth, b.ask_depth)


@pytest.fixture
def config_path(tmp_path):
    p = tmp_path / "serve.toml"
    p.write_text(CONFIG.format(name=f"p{os.getpid()}"))
    return p


def test_batched_surfaces_equal_the_models_calls(config_path):
    got = P.compute_surfaces(load_config(config_path))
    taus = np.linspace(0.0, 1.0, 9)
    a1, a2 = (
        as_quote_surfaces(ASParams(gamma=0.1, sigma=2.0, k=1.5), taus, -4, 4)[0],
        as_quote_surfaces(ASParams(gamma=0.3, sigma=1.0, k=2.0), taus, -4, 4)[0],
    )
    g1 = glft_quote_surfaces(GLFTParams(gamma=0.05, sigma=2.0, A=140.0, k=1.5), taus, 4)[0]
    c1 = cj_quote_surfaces(
        CJParams(kappa_plus=15.0, kappa_minus=20.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05),
        taus,
        -4,
        4,
    )[0]
    assert list(got) == ["A1", "G1", "A2", "C1"]
    for sid, want in (("A1", a1), ("A2", a2), ("G1", g1), ("C1", c1)):
        _same(got[sid], want)


def test_refresh_reload_and_refusals(config_path, monkeypatch):
    messages = []
    pub = P.Publisher(load_config(config_path), log=messages.append)
    try:
        assert {p.version for p in pub.publications.values()} == {1}
        reader = SurfaceReader(pub.name, "A1")
        assert pub.refresh() and reader.version == 2 and pub.publications["A1"].version == 2
        out = config_path.parent / "out"
        from_file = A.read_ipc(out / "A1.arrow")
        _same(from_file, pub.publications["A1"].surface)
        _same(A.read_parquet(out / "G1.parquet"), pub.publications["G1"].surface)
        assert A.publication_metadata(A.surface_to_arrow(from_file, pub.publications["A1"].extra))["version"] == 2

        good = config_path.read_text()
        config_path.write_text(good.replace("gamma = 0.1,", "gamma = -0.1,"))
        before = dict(pub.publications)
        assert not pub.reload()
        assert pub.publications == before and reader.version == 2 and pub.health()["status"] == "stale"
        assert "configuration refused" in messages[-1] and "gamma must be > 0, got -0.1" in messages[-1]
        assert pub.counters["reloads_refused"] == 1

        def broken(config):
            raise NumericalInstability("bid_depth holds NaN")

        monkeypatch.setattr(P, "compute_surfaces", broken)
        assert (
            not pub.refresh() and pub.publications == before and "refresh failed: bid_depth holds NaN" in messages[-1]
        )
        monkeypatch.undo()

        config_path.write_text(
            good.replace("q_min = -4\nq_max = 4", "q_min = -6\nq_max = 6").replace(
                '[[instrument]]\nid = "C1"', '[[instrument]]\nid = "C2"'
            )
        )
        assert pub.reload() and pub.health()["status"] == "ok"
        assert sorted(pub.publications) == ["A1", "A2", "C2", "G1"] and not (out / "C1.arrow").exists()
        assert reader.quote(0.5, 0).version == 3 and reader.snapshot()[1].bid_depth.shape == (9, 13)
        lines = "\n".join(pub.metric_lines())
        assert 'quantforge_surface_version{surface="A1"} 3' in lines and "quantforge_refresh_failures_total 1" in lines
        assert 'quantforge_config_reloads_total{result="applied"} 1' in lines
        reader.close()
    finally:
        pub.close()
    assert pub.refresh() is False  # closed: nothing is published any more
