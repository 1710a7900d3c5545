"""serve/http.py through a real ``quantforge serve`` process on a free loopback port, over HTTP
(urllib and http.client): surfaces and quotes against the library's numbers (the models' surfaces,
engine.surface.surface_lookup), Arrow by Accept, ETag / If-None-Match, Prometheus metrics, JSON 4xx
errors, a bounded load test (reported, not asserted), a bounded fuzz of paths, parameters and
headers that finds no 5xx, and the life cycle: token, SIGHUP reload (refused and applied), SIGTERM
with nothing left in shared memory."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("pyarrow")

from quantforge.engine.shm import SHM_DIR  # noqa: E402
from quantforge.engine.surface import make_surface_table, surface_lookup  # noqa: E402
from quantforge.models import ASParams, GLFTParams, as_quote_surfaces, glft_quote_surfaces  # noqa: E402
from quantforge.serve.arrow import ARROW_FILE, ARROW_STREAM, read_ipc_bytes  # noqa: E402
from quantforge.serve.http import negotiate  # noqa: E402

CONFIG = """
[serve]
name = "{name}"
refresh_s = {refresh}
port = 0
{extra}

[grid]
horizon = 1.0
n_t = 25
q_min = -50
q_max = 50

[[instrument]]
id = "AS"
model = "as"
params = {{ gamma = 0.1, sigma = 2.0, k = 1.5 }}

[[instrument]]
id = "GLFT"
model = "glft"
params = {{ gamma = 0.05, sigma = 2.0, A = 140.0, k = 1.5 }}
"""
TAUS = np.linspace(0.0, 1.0, 25)


def _library():
    return {
        "AS": as_quote_surfaces(ASParams(gamma=0.1, sigma=2.0, k=1.5), TAUS, -50, 50)[0],
        "GLFT": glft_quote_surfaces(GLFTParams(gamma=0.05, sigma=2.0, A=140.0, k=1.5), TAUS, 50)[0],
    }


class Server:
    """A ``quantforge serve`` child process and the URL it announced."""

    def __init__(self, tmp_path: Path, name: str, refresh: float = 60.0, extra: str = "", env: dict | None = None):
        self.config = tmp_path / f"{name}.toml"
        self.config.write_text(CONFIG.format(name=name, refresh=refresh, extra=extra))
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "quantforge", "serve", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        line = self.proc.stdout.readline()  # blocks until the socket listens (or the process ends)
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if m is None:
            self.proc.kill()
            raise AssertionError(f"no address announced: {line!r} {self.proc.stderr.read()}")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict | None = None):
        req = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        return self.proc.returncode, err


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve"), f"h{os.getpid()}")
    yield s
    code, err = s.stop()
    assert code == 0, err
    assert not list(Path(SHM_DIR).glob(f"qf-{s.name}[-.]*")) and "resource_tracker" not in err


def test_surfaces_and_quotes_equal_the_library(server):
    lib = _library()
    status, _, body = server.get("/v1/surfaces")
    listing = json.loads(body)
    assert status == 200 and [s["id"] for s in listing["surfaces"]] == ["AS", "GLFT"]
    assert listing["surfaces"][1]["model"] == "glft" and listing["surfaces"][1]["shape"] == [25, 101]
    for sid, want in lib.items():
        status, headers, body = server.get(f"/v1/surfaces/{sid}")
        doc = json.loads(body)
        assert status == 200 and headers["content-type"] == "application/json" and doc["surface_id"] == sid
        assert doc["bid_depth"] == want.to_dict()["bid_depth"] and doc["params"] == want.params
        for accept in (ARROW_FILE, ARROW_STREAM):
            status, headers, body = server.get(f"/v1/surfaces/{sid}", {"Accept": accept})
            got = read_ipc_bytes(body)
            assert status == 200 and headers["content-type"] == accept
            np.testing.assert_array_equal(got.bid_depth, want.bid_depth)
            np.testing.assert_array_equal(got.ask_depth, want.ask_depth)
        table = make_surface_table(want.bid_depth, want.ask_depth, want.time_to_horizon_s, want.q_min)
        rng = np.random.default_rng(7)
        for t, q in zip(rng.uniform(-0.2, 1.2, 40), rng.integers(-60, 60, 40)):
            for interp in ("nearest", "linear"):
                status, _, body = server.get(f"/v1/quote?surface={sid}&t={float(t)!r}&q={q}&interp={interp}")
                got = json.loads(body)
                bd, ad, bs, as_, flags = surface_lookup(table, float(t), int(q), interp == "linear")
                assert status == 200 and (got["bid_depth"], got["ask_depth"]) == (
                    bd if np.isfinite(bd) else None,
                    ad if np.isfinite(ad) else None,
                )
                assert (got["bid_size_lots"], got["ask_size_lots"], got["clamped_time"], got["clamped_inventory"]) == (
                    bs,
                    as_,
                    bool(flags & 1),
                    bool(flags & 2),
                )


def test_etags_and_negotiation(server):
    for accept in (None, ARROW_FILE):
        h = {"Accept": accept} if accept else {}
        status, headers, body = server.get("/v1/surfaces/AS", h)
        etag = headers["etag"]
        assert status == 200 and headers["vary"] == "Accept" and etag.startswith('"')
        status, headers, body = server.get("/v1/surfaces/AS", {**h, "If-None-Match": f'"other", {etag}'})
        assert status == 304 and body == b"" and headers["etag"] == etag
        assert server.get("/v1/surfaces/AS", {**h, "If-None-Match": '"stale"'})[0] == 200
    assert server.get("/v1/surfaces/AS", {"Accept": ARROW_FILE})[1]["etag"] != server.get("/v1/surfaces/AS")[1]["etag"]
    status, _, body = server.get("/v1/surfaces/AS", {"Accept": "text/html"})
    assert status == 406 and "Accept must allow" in json.loads(body)["error"]
    assert negotiate(f"application/json;q=0.5, {ARROW_FILE}") == "arrow" and negotiate("*/*") == "json"
    assert (
        negotiate(f"{ARROW_STREAM};q=0.9, application/json;q=0.1") == "arrow-stream" and negotiate("image/png") is None
    )


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/v1/quote?surface=AS&t=0.5", 400, "missing query parameter 'q'"),
        ("/v1/quote?surface=AS&t=abc&q=1", 400, "t must be a number"),
        ("/v1/quote?surface=AS&t=nan&q=1", 400, "t must be finite"),
        ("/v1/quote?surface=AS&t=1e999&q=1", 400, "t must be finite"),
        ("/v1/quote?surface=AS&t=0.5&q=1.5", 400, "q must be an integer"),
        ("/v1/quote?surface=AS&t=0.5&q=99999999999999999999", 400, "q must lie within"),
        ("/v1/quote?surface=AS&t=0.5&q=1&interp=cubic", 400, "interp must be nearest or linear"),
        ("/v1/quote?surface=AS&t=0.5&q=1&x=2", 400, "unknown query parameter 'x'"),
        ("/v1/quote?surface=NOPE&t=0.5&q=1", 404, "no surface 'NOPE'"),
        ("/v1/surfaces/NOPE", 404, "no surface 'NOPE'"),
        ("/v2/anything", 404, "Not Found"),
    ],
)
def test_bad_requests_are_4xx_json(server, path, status, message):
    got, headers, body = server.get(path)
    assert got == status and headers["content-type"] == "application/json" and message in json.loads(body)["error"]


def test_health_and_metrics(server):
    status, _, body = server.get("/healthz")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok" and health["surfaces"] == 2
    server.get("/v1/quote?surface=AS&t=0.5&q=1")
    status, headers, body = server.get("/metrics")
    text = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    sample = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$')
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line
    assert re.search(r'quantforge_http_requests_total\{route="/v1/quote",status="200"\} [1-9]', text)
    assert 'quantforge_surface_version{surface="GLFT"} 1' in text


def _timed_requests(port: int, path: str, n: int, headers: dict, budget_s: float) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    end = time.monotonic() + budget_s
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            times.append(time.perf_counter() - t0)
            assert r.status == 200
            if time.monotonic() > end:
                break
    finally:
        conn.close()
    return times


def test_bounded_load_is_reported(server):
    """One keep-alive connection, at most 2000 quotes and 100 Arrow downloads or 10 s each; the rates
    are printed (the benchmark suite measures with many connections), never asserted."""
    for label, path, n, headers in (
        ("quote", "/v1/quote?surface=GLFT&t=0.37&q=-3", 2000, {}),
        ("arrow surface", "/v1/surfaces/GLFT", 100, {"Accept": ARROW_FILE}),
    ):
        times = _timed_requests(server.port, path, n, headers, 10.0)
        q = statistics.quantiles(times, n=100)
        print(
            f"{label}: {len(times) / sum(times):.0f} req/s on one connection, p50 {1e6 * q[49]:.0f} us, "
            f"p99 {1e6 * q[98]:.0f} us over {len(times)} requests"
        )
        assert len(times) >= 10


def test_fuzzed_requests_find_no_5xx(server):
    rng = random.Random(14)
    pieces = [
        "v1",
        "surfaces",
        "quote",
        "AS",
        "GLFT",
        "%00",
        "..",
        "%2F",
        "healthz",
        "metrics",
        "x" * 300,
        "é",
        "{id}",
        "",
    ]
    values = ["0.5", "-1", "1e308", "-1e308", "nan", "inf", "", "0x10", "1_0", "9" * 40, "AS", "%FF", "1.0.0", " 3"]
    keys = ["surface", "t", "q", "interp", "format", ""]
    heads = [
        ("Accept", ARROW_FILE),
        ("Accept", "*/*;q=abc"),
        ("Accept", ";;;,,"),
        ("If-None-Match", "*"),
        ("If-None-Match", '"' * 50),
        ("Authorization", "Bearer x"),
        ("Accept", "application/json;q=-1"),
    ]
    statuses = []
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    deadline = time.monotonic() + 30
    try:
        for _ in range(600):
            path = "/" + "/".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.6:
                path = rng.choice(["/v1/quote", "/v1/surfaces/AS", path])
                path += "?" + "&".join(f"{rng.choice(keys)}={rng.choice(values)}" for _ in range(rng.randint(0, 5)))
            headers = dict(rng.sample(heads, rng.randint(0, 3)))
            conn.request(
                rng.choice(["GET", "GET", "GET", "POST", "HEAD"]),
                path.replace(" ", "%20").replace("é", "%C3%A9"),
                headers=headers,
            )
            r = conn.getresponse()
            r.read()
            statuses.append(r.status)
            assert r.status < 500, (path, headers, r.status)
            if r.getheader("connection") == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            if time.monotonic() > deadline:
                break
    finally:
        conn.close()
    assert len(statuses) >= 100 and any(s == 200 for s in statuses) and any(400 <= s < 500 for s in statuses)


def test_token_reload_and_shutdown(tmp_path):
    name = f"k{os.getpid()}"
    s = Server(tmp_path, name, extra='token_env = "QF_TEST_SERVE_TOKEN"', env={"QF_TEST_SERVE_TOKEN": "s3cret"})
    try:
        status, headers, body = s.get("/v1/surfaces")
        assert (
            status == 401
            and headers["www-authenticate"].startswith("Bearer")
            and "bearer token" in json.loads(body)["error"]
        )
        assert s.get("/v1/surfaces", {"Authorization": "Bearer wrong"})[0] == 401
        assert s.get("/healthz")[0] == 200
        auth = {"Authorization": "Bearer s3cret"}
        assert s.get("/v1/surfaces", auth)[0] == 200
        assert sorted(p.name for p in Path(SHM_DIR).glob(f"qf-{name}[-.]*")) == [
            f"qf-{name}-AS",
            f"qf-{name}-GLFT",
            f"qf-{name}.json",
        ]

        good = s.config.read_text()
        s.config.write_text(good.replace('model = "glft"', 'model = "heston"'))
        s.proc.send_signal(signal.SIGHUP)
        end = time.monotonic() + 30
        while json.loads(s.get("/healthz")[2])["status"] == "ok":
            assert time.monotonic() < end, "the bad config was not noticed"
            time.sleep(0.05)
        health = json.loads(s.get("/healthz")[2])
        assert "configuration refused" in health["last_error"] and "heston" in health["last_error"]
        assert [x["id"] for x in json.loads(s.get("/v1/surfaces", auth)[2])["surfaces"]] == ["AS", "GLFT"]
        assert s.get("/v1/quote?surface=GLFT&t=0.5&q=0", auth)[0] == 200  # the last good tables stay published

        s.config.write_text(good.replace('id = "GLFT"', 'id = "GLFT2"'))
        s.proc.send_signal(signal.SIGHUP)
        while json.loads(s.get("/healthz")[2])["status"] != "ok":
            assert time.monotonic() < end, "the good config was not applied"
            time.sleep(0.05)
        assert [x["id"] for x in json.loads(s.get("/v1/surfaces", auth)[2])["surfaces"]] == ["AS", "GLFT2"]
        assert s.get("/v1/surfaces/GLFT", auth)[0] == 404
    finally:
        code, err = s.stop()
    assert code == 0, err
    assert "configuration refused" in err and "resource_tracker" not in err
    assert not list(Path(SHM_DIR).glob(f"qf-{name}[-.]*"))


def test_a_bad_config_at_start_is_refused(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(CONFIG.format(name="bad", refresh=60, extra="").replace("gamma = 0.1,", "gamma = 0,"))
    run = subprocess.run(
        [sys.executable, "-m", "quantforge", "serve", str(p)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2 and "instrument 1 (id 'AS'): params: gamma must be > 0, got 0" in run.stderr
    check = subprocess.run(
        [sys.executable, "-m", "quantforge", "serve", str(p).replace("bad", "missing")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 2 and "cannot read the configuration" in check.stderr
