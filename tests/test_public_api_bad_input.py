"""Bad input at every public entry point ends in a named error or a valid result (issue 10).

Every callable a user can import (each package's ``__all__``, as ``test_public_api_hints`` walks them:
functions, classes, and the classes' public methods and properties) must be fed bad input by a test
here.  A test says what it covers with ``@covers(...)``; three checks at the end of the file keep
the registry honest: every public callable of the packages that existed before issue 10 is covered
(the allow-list of uncovered ones, ``UNCOVERED_OLD``, is empty and must stay so), every registered
name is a public callable (no typo covers nothing), and every covering test that ran really called
what it covers (a profiler watches the callables' code while the test runs), so the walk cannot
pass vacuously.  The packages written alongside issue 10 (``NEW_PACKAGES``) are covered by their
own tests and are listed, not silently skipped.

"Named error" means a :class:`~quantforge.errors.QuantForgeError` (``InvalidParameters`` for a
value, ``NumericalInstability`` for a meaningless result) or a plain ``TypeError`` for a type
mistake; never an exception from inside numpy or numba, a ``ZeroDivisionError``,
``AttributeError``, ``OverflowError`` or ``MemoryError``.  "Valid result" is checked per callable:
finite numbers, bid below ask, whole lots.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import math
import pkgutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import quantforge
import quantforge.engine as E
import quantforge.errors as ERR
import quantforge.kernels as K
import quantforge.models as M
import quantforge.models.estimation as X
from quantforge import demo
from quantforge.cli import main as cli_main
from quantforge.engine.types import BUY, EVENT, SELL
from quantforge.kernels import rough as KR
from quantforge.kernels.sde import MonteCarloPrice

# --------------------------------------------------------------------------------------------------
# The registry, and the profiler that checks a covering test reaches what it covers
# --------------------------------------------------------------------------------------------------
# Packages written alongside issue 10 by other engineers: their callables are covered by their own
# tests (tests/kernels/hawkes, tests/kernels/covariance, ...), not here.
NEW_PACKAGES = (
    "quantforge.kernels.hawkes",
    "quantforge.kernels.covariance",
    "quantforge.kernels.var",
    "quantforge.kernels.execution",
    "quantforge.risk",
    "quantforge.execution",
    "quantforge.serve",
    "quantforge.models.hawkes",
)
# Callables of the older packages allowed to have no bad-input test: none, and it must stay empty.
UNCOVERED_OLD: frozenset[str] = frozenset()

COVERED: dict[str, set[str]] = {}  # public name -> the tests that feed it bad input
_TEST_NAMES: dict[str, list[str]] = {}  # test -> the public names it covers
_RAN: set[str] = set()
_REACHED: dict[str, set] = {}  # test -> code objects of its public callables seen running


def covers(*names: str) -> Callable:
    """Register the decorated test as feeding bad input to the named public callables (relative to
    ``quantforge.``)."""
    full = [f"quantforge.{n}" for n in names]

    def deco(fn):
        for n in full:
            COVERED.setdefault(n, set()).add(fn.__name__)
        _TEST_NAMES.setdefault(fn.__name__, []).extend(full)
        return fn

    return deco


def _public() -> dict[str, object]:
    """Qualified name -> object of every public callable, walked as test_public_api_hints does."""
    packages = sorted(
        info.name
        for info in pkgutil.walk_packages(quantforge.__path__, prefix="quantforge.")
        if info.ispkg and not info.name.startswith("quantforge.bench")
    )
    out = {}
    for package in [*packages, "quantforge", "quantforge.demo", "quantforge.errors"]:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                key = f"{obj.__module__}.{obj.__qualname__}"
                out[key] = obj
                if obj.__module__.startswith("quantforge"):
                    for attr, member in vars(obj).items():
                        if not attr.startswith("_") and (
                            inspect.isfunction(member) or isinstance(member, (classmethod, staticmethod, property))
                        ):
                            out[f"{key}.{attr}"] = member
            elif callable(obj) and not inspect.ismodule(obj):
                out[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return out


def _code(obj):
    """The code object that runs when ``obj`` is called (None where it has none of its own)."""
    if isinstance(obj, property):
        obj = obj.fget
    elif isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    elif inspect.isclass(obj):
        own = [obj.__dict__.get(m) for m in ("__post_init__", "__init__", "__new__")]
        obj = next((f for f in own if inspect.isfunction(f)), None)
    obj = inspect.unwrap(obj) if obj is not None else None
    return getattr(obj, "__code__", None)


@pytest.fixture(autouse=True)
def _watch(request):
    """While a covering test runs, record which of its public callables' code objects are entered."""
    test = request.node.originalname
    if test not in _TEST_NAMES:
        yield
        return
    public = _public_cache()
    watched = {c for n in _TEST_NAMES[test] if (c := _code(public.get(n))) is not None}
    seen: set = set()
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in watched:
            seen.add(frame.f_code)
            if seen >= watched:  # everything reached: stop paying for the profiler
                sys.setprofile(previous)

    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)
        _REACHED.setdefault(test, set()).update(seen)
        _RAN.add(test)


_PUBLIC: dict[str, object] = {}


def _public_cache() -> dict[str, object]:
    if not _PUBLIC:
        _PUBLIC.update(_public())
    return _PUBLIC


# --------------------------------------------------------------------------------------------------
# Bad values and the outcome every call must have
# --------------------------------------------------------------------------------------------------
BAD = [
    ("nan", math.nan),
    ("+inf", math.inf),
    ("-inf", -math.inf),
    ("zero", 0),
    ("0.0", 0.0),
    ("-1", -1),
    ("-1.5", -1.5),
    ("1e300", 1e300),
    ("-1e300", -1e300),
    ("1.5", 1.5),
    ("'1'", "1"),
    ("None", None),
    ("bytes", b"x"),
    ("True", True),
    ("[1.0, 2.0]", [1.0, 2.0]),
    ("2-D", np.ones((2, 2))),
    ("empty", np.array([])),
    ("2**64", 2**64),
    ("2**63", 2**63),
    ("object", object()),
    ("float32", np.float32(1.0)),
    ("int8 array", np.ones(3, np.int8)),
    ("NaN array", np.array([np.nan, 1.0])),
    ("str array", np.array(["a", "b"])),
]


def _nan_free(x, depth: int = 0) -> bool:
    if depth > 4:
        return True
    if isinstance(x, float):
        return not math.isnan(x)
    if isinstance(x, np.ndarray):
        return x.dtype.kind != "f" or not np.isnan(x).any()
    if isinstance(x, (tuple, list)):
        return all(_nan_free(v, depth + 1) for v in x)
    if isinstance(x, dict):
        return all(_nan_free(v, depth + 1) for v in x.values())
    return True


def _no_nan(result) -> None:
    assert _nan_free(result), f"a result holds NaN: {result!r}"[:300]


def _anything(result) -> None:
    """Results whose NaN is documented (a side not quoted, a percentile of nothing)."""


def _quotes(result) -> None:
    bid, ask = (np.asarray(a, dtype=np.float64) for a in result)
    both = np.isfinite(bid) & np.isfinite(ask)
    assert np.all(bid[both] < ask[both]), f"crossed quotes {bid} / {ask}"


def _depths(result) -> None:
    bid, ask = (np.asarray(a, dtype=np.float64) for a in result[:2])
    assert not (np.isnan(bid).any() or np.isnan(ask).any())
    both = np.isfinite(bid) & np.isfinite(ask)
    assert np.all(bid[both] + ask[both] > 0), "own quotes cross"


def _surfaces(result) -> None:
    for s in result:
        assert s.bid_size_lots.dtype == np.int64 and np.all(s.bid_size_lots >= 0)  # whole lots
        assert not np.isnan(s.bid_depth).any() and not np.isnan(s.ask_depth).any()


def _book_not_crossed(book) -> None:
    assert book.best_bid == -1 or book.best_ask == -1 or book.best_bid < book.best_ask


def attempt(call: Callable, kwargs: dict, check: Callable, where: str):
    """Call; a named error or a result that passes ``check`` is fine, anything else fails the test."""
    try:
        result = call(**kwargs)
    except ERR.QuantForgeError:
        return
    except TypeError as exc:
        assert type(exc) is TypeError, f"{where}: {type(exc).__module__}.{type(exc).__name__}: {exc}"
        return
    except Exception as exc:  # noqa: BLE001 - the point: no other exception may escape
        pytest.fail(f"{where} raised {type(exc).__module__}.{type(exc).__name__}: {exc}")
    check(result)


@dataclass
class Case:
    """One public callable: ``make()`` returns it (fresh state each time), ``base`` a valid call's
    keyword arguments, ``check`` the invariant of a result, ``params`` those to spoil (default all)."""

    make: Callable
    base: dict
    check: Callable = _no_nan
    params: tuple = field(default=())

    def names(self) -> tuple:
        return self.params or tuple(self.base)


def fuzz(case: Case, data, key: str) -> None:
    param = data.draw(st.sampled_from(case.names()), label="param")
    label, value = data.draw(st.sampled_from(BAD), label="value")
    kwargs = dict(case.base)
    kwargs[param] = value
    attempt(case.make(), kwargs, case.check, f"{key}({param}={label})")


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


# --------------------------------------------------------------------------------------------------
# Valid baselines
# --------------------------------------------------------------------------------------------------
_TMP = Path(tempfile.mkdtemp(prefix="qf-bad-input-"))  # files the surfaces' save and load use


def _events(n: int = 60):
    return E.synthetic_events(n, seed=3)


def _book():
    b = E.OrderBook(capacity=64, window=256)
    b.add(1, BUY, 100, 5)
    b.add(2, SELL, 102, 5)
    return b


def _book_op(op: str) -> Callable:
    """A book operation that returns the book it changed, so that the check sees the book."""

    def run(**kwargs):
        b = _book()
        getattr(b, op)(**kwargs)
        return b

    return run


def _table():
    d = np.full((2, 7), 0.5)
    return E.make_surface_table(d, d, np.array([0.0, 1.0]), -3)


def _cfg():
    return E.make_config(
        tick_size=0.5, horizon_end_ns=10**12, max_position_lots=5, max_order_lots=2, band_ticks=100, loss_limit=1e9
    )


def _as():
    return M.ASParams(gamma=0.1, sigma=2.0, k=1.5, A=140.0, T=1.0)


def _glft():
    return M.GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5)


def _cj(kappa_minus: float = 15.0):
    return M.CJParams(kappa_plus=15.0, kappa_minus=kappa_minus, lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05)


def _multi():
    return M.MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)


def _jumps():
    return M.JumpParams(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=4.0)


def _surface():
    return M.as_quote_surfaces(_as(), np.array([0.0, 0.5, 1.0]), -3, 3)[0]


def _saving_in_tmp(path):
    """QuoteSurface.save with relative paths resolved in the test's folder, not the repository."""
    with contextlib.chdir(_TMP):
        return _surface().save(path)


def _multi_surface():
    return M.multi_asset_quote_surfaces(_multi(), np.linspace(0.0, 2.0, 5), 3)[0]


def _states():
    s = np.zeros(2, E.MARKET_STATE)
    s["bid_ticks"], s["ask_ticks"] = [9999, 4999], [10001, 5001]
    return s


def _returns(n: int = 300, seed: int = 0):
    return np.random.default_rng(seed).normal(0.0, 0.01, n)


def _with_jumps(n: int = 600):
    x = _returns(n, 4)
    x[::60] += np.where(np.arange(x[::60].size) % 2, 0.08, -0.09)
    return x


# --------------------------------------------------------------------------------------------------
# Property tests: one valid call per callable, each argument in turn spoiled with a bad value
# --------------------------------------------------------------------------------------------------
ENGINE = {
    "engine.types.Instrument": Case(lambda: E.Instrument, dict(symbol="ES", tick_size=0.25, lot_size=1.0)),
    "engine.types.Instrument.price_to_ticks": Case(lambda: E.Instrument("ES", 0.25).price_to_ticks, dict(price=100.25)),
    "engine.types.Instrument.ticks_to_price": Case(lambda: E.Instrument("ES", 0.25).ticks_to_price, dict(ticks=401)),
    "engine.types.Instrument.size_to_lots": Case(lambda: E.Instrument("ES", 0.25, 10.0).size_to_lots, dict(size=30.0)),
    "engine.types.Instrument.lots_to_size": Case(lambda: E.Instrument("ES", 0.25).lots_to_size, dict(lots=3)),
    "engine.types.Instrument.tick_lots_to_value": Case(
        lambda: E.Instrument("ES", 0.25).tick_lots_to_value, dict(tick_lots=12)
    ),
    "engine.types.Instrument.value_to_tick_lots": Case(
        lambda: E.Instrument("ES", 0.25).value_to_tick_lots, dict(value=12.5)
    ),
    "engine.book.new_book_state": Case(lambda: E.new_book_state, dict(capacity=64, window=256)),
    "engine.book.book_apply_event": Case(
        lambda: E.book_apply_event, dict(bk=E.new_book_state(64, 256), ev=_events(1)[0])
    ),
    "engine.book.book_apply_events": Case(
        lambda: E.book_apply_events,
        dict(bk=E.new_book_state(64, 256), events=_events(), start=0, status=np.zeros(60, np.int64)),
    ),
    "engine.book.book_depth": Case(
        lambda: E.book_depth, dict(bk=_book().state, side=1, px=np.zeros(4, np.int64), qty=np.zeros(4, np.int64))
    ),
    "engine.book.book_queue_ahead": Case(lambda: E.book_queue_ahead, dict(bk=_book().state, oid=1)),
    "engine.orderbook.OrderBook": Case(lambda: E.OrderBook, dict(capacity=64, window=256)),
    "engine.orderbook.OrderBook.add": Case(
        lambda: _book_op("add"), dict(order_id=3, side=1, price_ticks=99, size_lots=2, ts_ns=0), _book_not_crossed
    ),
    "engine.orderbook.OrderBook.market": Case(
        lambda: _book_op("market"), dict(order_id=3, side=1, size_lots=2, ts_ns=0), _book_not_crossed
    ),
    "engine.orderbook.OrderBook.cancel": Case(lambda: _book_op("cancel"), dict(order_id=1), _book_not_crossed),
    "engine.orderbook.OrderBook.reduce": Case(
        lambda: _book_op("reduce"), dict(order_id=1, size_lots=2), _book_not_crossed
    ),
    "engine.orderbook.OrderBook.execute": Case(
        lambda: _book_op("execute"), dict(order_id=1, size_lots=2, price_ticks=0, ts_ns=0), _book_not_crossed
    ),
    "engine.orderbook.OrderBook.modify": Case(
        lambda: _book_op("modify"), dict(order_id=1, price_ticks=99, size_lots=3, ts_ns=0), _book_not_crossed
    ),
    "engine.orderbook.OrderBook.replace": Case(
        lambda: _book_op("replace"),
        dict(order_id=1, new_order_id=7, price_ticks=99, size_lots=3, ts_ns=0),
        _book_not_crossed,
    ),
    "engine.orderbook.OrderBook.apply": Case(lambda: E.OrderBook(64, 256).apply, dict(events=_events())),
    "engine.orderbook.OrderBook.queue_ahead": Case(lambda: _book().queue_ahead, dict(order_id=1)),
    "engine.orderbook.OrderBook.level_qty": Case(lambda: _book().level_qty, dict(side=1, price_ticks=100)),
    "engine.orderbook.OrderBook.depth": Case(lambda: _book().depth, dict(side=1, n_levels=3)),
    "engine.orderbook.OrderBook.level_orders": Case(lambda: _book().level_orders, dict(side=1, price_ticks=100)),
    "engine.surface.make_surface_table": Case(
        lambda: E.make_surface_table,
        dict(
            bid_depth=np.full((2, 7), 0.5),
            ask_depth=np.full((2, 7), 0.5),
            time_to_horizon_s=np.array([0.0, 1.0]),
            q_min=-3,
            bid_size_lots=np.ones((2, 7), np.int64),
        ),
    ),
    "engine.surface.surface_lookup": Case(
        lambda: E.surface_lookup, dict(tab=_table(), t=0.5, q=0, linear=True), _anything
    ),  # a NaN time is clamped and flagged, as in compiled code
    "engine.seqlock.pack_surface": Case(
        lambda: E.pack_surface,
        dict(
            bid_depth=np.full((2, 7), 0.5),
            ask_depth=np.full((2, 7), 0.5),
            time_to_horizon_s=np.array([0.0, 1.0]),
            q_min=-3,
        ),
    ),
    "engine.seqlock.unpack_surface": Case(
        lambda: E.unpack_surface,
        dict(values=E.pack_surface(np.full((2, 7), 0.5), np.full((2, 7), 0.5), np.array([0.0, 1.0]), -3), n_t=2, n_q=7),
    ),
    "engine.seqlock.surface_size": Case(lambda: E.surface_size, dict(n_t=2, n_q=7)),
    "engine.feed.decode_itch": Case(
        lambda: E.decode_itch,
        dict(
            buf=E.encode_itch(_events()),
            start=0,
            out=np.zeros(64, EVENT),
            n_out=0,
            price_divisor=100,
            counters=np.zeros(7, np.int64),
        ),
    ),
    "engine.feed.encode_itch": Case(lambda: E.encode_itch, dict(events=_events(), price_divisor=100, symbol="QF")),
    "engine.feed.FeedDecoder": Case(lambda: E.FeedDecoder, dict(price_divisor=100, max_events=64)),
    "engine.feed.FeedDecoder.decode": Case(
        lambda: E.FeedDecoder().decode, dict(chunk=E.encode_itch(_events()).tobytes())
    ),
    "engine.synthetic.synthetic_events": Case(
        lambda: E.synthetic_events,
        dict(n=100, seed=1, mid_ticks=10_000, start_ns=0, mean_gap_ns=1000, max_live=64, move_prob=0.01),
    ),
    "engine.loop.make_config": Case(
        lambda: E.make_config,
        dict(
            tick_size=0.5, horizon_end_ns=10**12, max_position_lots=5, max_order_lots=2, band_ticks=100, loss_limit=1e9
        ),
    ),
    "engine.loop.new_loop_state": Case(lambda: E.new_loop_state, dict(cfg=_cfg(), max_actions=64, max_fills=64)),
    "engine.loop.run_loop": Case(
        lambda: E.run_loop,
        dict(
            bk=E.new_book_state(256, 1 << 14),
            events=_events(200),
            surf=_table(),
            cfg_arr=_cfg(),
            st=E.new_loop_state(_cfg(), 1024, 1024),
        ),
    ),
    "engine.loop.latency_percentiles": Case(
        lambda: E.latency_percentiles, dict(hist=np.ones(16, np.int64), cycles_ns=3.0), _anything
    ),  # NaN percentiles of an empty histogram are documented
    "engine.loop.cycles_per_ns": Case(lambda: E.cycles_per_ns, dict(duration_s=0.001)),
}

KERNELS = {
    "kernels.backend.get_backend": Case(lambda: K.get_backend, dict(backend="numpy"), _anything),
    "kernels.backend.resolve_backend": Case(lambda: K.resolve_backend, dict(backend="numpy")),
    "kernels.rng.api.philox4x32": Case(
        lambda: K.philox4x32,
        dict(counter=np.zeros(4, np.uint32), key=np.zeros(2, np.uint32), rounds=10, backend="numpy"),
    ),
    "kernels.rng.api.Philox": Case(lambda: K.Philox, dict(seed=1, stream=0)),
    "kernels.rng.api.Philox.uniforms": Case(
        lambda: K.Philox(1).uniforms, dict(n_paths=3, n_draws=4, path_offset=0, draw_offset=0, backend="numpy")
    ),
    "kernels.rng.api.Philox.normals": Case(
        lambda: K.Philox(1).normals, dict(n_paths=3, n_draws=4, path_offset=0, draw_offset=0, backend="numpy")
    ),
    "kernels.rng.api.Philox.exponentials": Case(
        lambda: K.Philox(1).exponentials, dict(n_paths=3, n_draws=4, path_offset=0, draw_offset=0, backend="numpy")
    ),
    "kernels.rng.api.Philox.poisson": Case(
        lambda: K.Philox(1).poisson, dict(lam=2.0, n_paths=3, n_draws=4, path_offset=0, draw_offset=0, backend="numpy")
    ),
    "kernels.options.api.bs_price": Case(
        lambda: K.bs_price,
        dict(spot=100.0, strike=100.0, expiry=1.0, rate=0.01, vol=0.2, dividend=0.0, call=True, backend="numpy"),
    ),
    "kernels.options.api.bs_greeks": Case(
        lambda: K.bs_greeks,
        dict(spot=100.0, strike=100.0, expiry=1.0, rate=0.01, vol=0.2, dividend=0.0, call=True, backend="numpy"),
    ),
    "kernels.options.api.implied_vol": Case(
        lambda: K.implied_vol,
        dict(
            price=8.43,
            spot=100.0,
            strike=100.0,
            expiry=1.0,
            rate=0.01,
            dividend=0.0,
            call=True,
            tol=1e-10,
            max_iter=100,
            backend="numpy",
        ),
    ),
    "kernels.sde.models.GBM": Case(lambda: K.GBM, dict(mu=0.05, sigma=0.2)),
    "kernels.sde.models.Merton": Case(
        lambda: K.Merton, dict(mu=0.05, sigma=0.2, lam=1.0, jump_mean=-0.1, jump_vol=0.15)
    ),
    "kernels.sde.models.Kou": Case(
        lambda: K.Kou, dict(mu=0.05, sigma=0.2, lam=1.0, p_up=0.4, eta_up=10.0, eta_down=5.0)
    ),
    "kernels.sde.models.ItoProcess": Case(
        lambda: K.ItoProcess, dict(drift=lambda t, x: 0.0 * x, diffusion=lambda t, x: 0.2 + 0.0 * x), _anything
    ),
    "kernels.sde.api.simulate": Case(
        lambda: K.simulate,
        dict(model=K.GBM(0.05, 0.2), x0=100.0, horizon=1.0, n_steps=8, n_paths=16, seed=1, backend="numpy"),
    ),
    "kernels.sde.api.european_price": Case(
        lambda: K.european_price,
        dict(
            model=K.GBM(0.05, 0.2),
            spot=100.0,
            strike=100.0,
            horizon=1.0,
            rate=0.05,
            n_steps=1,
            n_paths=100,
            call=True,
            seed=1,
            backend="numpy",
        ),
    ),
    "kernels.sde.api.solve_step": Case(
        lambda: K.solve_step, dict(model=K.GBM(0.0, 0.2), x=100.0, t=0.0, dt=0.01, dw=0.1)
    ),
    "kernels.sde.api.solve_path": Case(
        lambda: K.solve_path, dict(model=K.GBM(0.0, 0.2), x0=100.0, horizon=1.0, n_steps=8, seed=1, backend="numpy")
    ),
    "kernels.rough.api.fgn": Case(
        lambda: K.fgn, dict(hurst=0.3, n_steps=16, n_paths=4, horizon=1.0, seed=1, backend="numpy")
    ),
    "kernels.rough.api.fbm": Case(
        lambda: K.fbm, dict(hurst=0.3, n_steps=16, n_paths=4, horizon=1.0, seed=1, backend="numpy")
    ),
    "kernels.rough.api.rough_bergomi": Case(
        lambda: K.rough_bergomi,
        dict(
            hurst=0.1,
            eta=1.9,
            rho=-0.9,
            xi0=0.05,
            spot=100.0,
            horizon=0.5,
            n_steps=16,
            n_paths=32,
            seed=1,
            backend="numpy",
        ),
    ),
    "kernels.rough.api.RoughVolatilitySolver": Case(
        lambda: K.RoughVolatilitySolver, dict(hurst=0.1, max_history=None, eta=1.9, rho=-0.9, xi0=0.05)
    ),
    "kernels.rough.api.RoughVolatilitySolver.simulate": Case(
        lambda: K.RoughVolatilitySolver(0.1).simulate,
        dict(spot=100.0, horizon=0.5, n_steps=16, n_paths=32, seed=1, backend="numpy"),
    ),
    "kernels.rough.api.RoughVolatilitySolver.smile": Case(
        lambda: K.RoughVolatilitySolver(0.1).smile,
        dict(strikes=[95.0, 100.0, 105.0], spot=100.0, horizon=0.5, n_steps=16, n_paths=2000, seed=1, backend="numpy"),
    ),
    "kernels.rough.api.RoughVolatilitySolver.fbm": Case(
        lambda: K.RoughVolatilitySolver(0.1).fbm, dict(n_steps=16, n_paths=4, horizon=1.0, seed=1, backend="numpy")
    ),
    "kernels.rough.core.fgn_autocovariance": Case(lambda: KR.fgn_autocovariance, dict(hurst=0.3, n=8)),
    "kernels.rough.core.volterra_covariance": Case(
        lambda: KR.volterra_covariance, dict(hurst=0.3, times=np.linspace(0.1, 1.0, 5))
    ),
    "kernels.rough.api.implied_vol_smile": Case(
        lambda: KR.implied_vol_smile,
        dict(
            terminal=100 * np.exp(0.2 * np.random.default_rng(0).normal(size=4000) - 0.02),
            strikes=[95.0, 100.0, 105.0],
            spot=100.0,
            horizon=1.0,
            rate=0.0,
        ),
    ),
    "kernels.hjb.api.solve_linear_hjb": Case(
        lambda: K.solve_linear_hjb,
        dict(
            diag=[[1.0, 0.0, 1.0]],
            lower=[[0.0, 2.0, 2.0]],
            upper=[[2.0, 2.0, 0.0]],
            log_v_terminal=np.zeros((1, 3)),
            taus=np.array([0.0, 1.0]),
            backend="numpy",
        ),
    ),
    "kernels.hjb.api.log_v_gaps": Case(lambda: K.log_v_gaps, dict(log_v=np.zeros((1, 2, 3)))),
    "kernels.hjb.api.ExponentialSide": Case(lambda: K.ExponentialSide, dict(scale=30.0, decay=1.5)),
    "kernels.hjb.api.solve_hjb_grid": Case(
        lambda: K.solve_hjb_grid,
        dict(
            taus=np.array([0.0, 0.5]),
            lower_bounds=(-2,),
            upper_bounds=(2,),
            bid_sides=(K.ExponentialSide(30.0, 1.5),),
            ask_sides=(K.ExponentialSide(30.0, 1.5),),
            drift=np.zeros(1),
            penalty=np.array([[0.4]]),
            terminal_penalty=np.zeros((1, 1)),
        ),
    ),
    "kernels.hjb.api.solve_quadratic_riccati": Case(
        lambda: K.solve_quadratic_riccati,
        dict(taus=np.array([0.0, 1.0]), curvature=[50.0], penalty=[[0.4]], drift=[0.0], terminal_penalty=[[0.0]]),
    ),
    "kernels.market_making.api.simulate_market_making": Case(
        lambda: K.simulate_market_making,
        dict(
            bid_depth=np.full((5, 11), 0.7),
            ask_depth=np.full((5, 11), 0.7),
            q_min=-5,
            s0=100.0,
            sigma=2.0,
            A=140.0,
            k=1.5,
            dt=0.005,
            n_paths=8,
            seed=1,
            backend="numpy",
        ),
        _anything,
    ),  # mean_spread is NaN for a path that never quoted
}

MODELS = {
    "models.surface.QuoteSurface": Case(
        lambda: M.QuoteSurface,
        dict(
            model="m",
            params={},
            time_to_horizon_s=np.array([0.0, 1.0]),
            inventory_lots=np.arange(-1, 2),
            bid_depth=np.full((2, 3), 0.5),
            ask_depth=np.full((2, 3), 0.5),
            bid_size_lots=np.ones((2, 3), np.int64),
        ),
    ),
    "models.surface.QuoteSurface.quotes": Case(
        lambda: _surface().quotes, dict(time_to_horizon_s=0.5, inventory_lots=1, mid=100.0, regime=0), _quotes
    ),
    "models.surface.QuoteSurface.save": Case(lambda: _saving_in_tmp, dict(path="fuzz.npz"), _anything),
    "models.surface.build_surfaces": Case(
        lambda: M.build_surfaces,
        dict(
            model="flat",
            params=[{"a": 1}],
            time_to_horizon_s=np.array([0.0, 1.0]),
            inventory_lots=np.arange(-1, 2),
            bid_depth=np.full((1, 2, 3), 0.5),
            ask_depth=np.full((1, 2, 3), 0.5),
        ),
        _surfaces,
    ),
    "models.surface.load_surface": Case(lambda: M.load_surface, dict(path=str(_surface().save(_TMP / "saved.npz")))),
    "models.avellaneda_stoikov.ASParams": Case(lambda: M.ASParams, dict(gamma=0.1, sigma=2.0, k=1.5, A=140.0, T=1.0)),
    "models.avellaneda_stoikov.quote_surfaces": Case(
        lambda: M.as_quote_surfaces,
        dict(params=_as(), taus=np.array([0.0, 0.5, 1.0]), q_min=-2, q_max=2, backend="numpy"),
        _surfaces,
    ),
    "models.avellaneda_stoikov.reservation_price": Case(
        lambda: M.reservation_price, dict(s=100.0, q=1.0, t=0.5, params=_as())
    ),
    "models.avellaneda_stoikov.optimal_spread": Case(lambda: M.optimal_spread, dict(t=0.5, params=_as())),
    "models.avellaneda_stoikov.optimal_quotes": Case(
        lambda: M.optimal_quotes, dict(s=100.0, q=1.0, t=0.5, params=_as()), _quotes
    ),
    "models.avellaneda_stoikov.optimal_depths": Case(
        lambda: M.optimal_depths, dict(q=1.0, t=0.5, params=_as()), _depths
    ),
    "models.avellaneda_stoikov.arrival_intensity": Case(lambda: M.arrival_intensity, dict(delta=0.5, params=_as())),
    "models.glft.GLFTParams": Case(
        lambda: M.GLFTParams, dict(gamma=0.1, sigma=2.0, A=140.0, k=1.5, mu=0.0, delta=1.0, adverse_selection=0.0)
    ),
    "models.glft.quote_surfaces": Case(
        lambda: M.glft_quote_surfaces,
        dict(params=_glft(), taus=np.array([0.0, 1.0]), q_max=3, backend="numpy"),
        _surfaces,
    ),
    "models.glft.glft_intensity_constants": Case(lambda: M.glft_intensity_constants, dict(params=_glft())),
    "models.glft.glft_asymptotic_depths": Case(
        lambda: M.glft_asymptotic_depths, dict(inventory=[0.0, 1.0], params=_glft()), _depths
    ),
    "models.glft.glft_half_spread_skew": Case(lambda: M.glft_half_spread_skew, dict(params=_glft())),
    "models.glft.glft_exact_depths": Case(
        lambda: M.glft_exact_depths, dict(params=_glft(), taus=np.array([0.0, 1.0]), q_max=3, backend="numpy"), _depths
    ),
    "models.cartea_jaimungal.CJParams": Case(
        lambda: M.CJParams,
        dict(kappa_plus=15.0, kappa_minus=15.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05, mu=0.0),
    ),
    "models.cartea_jaimungal.quote_surfaces": Case(
        lambda: M.cj_quote_surfaces,
        dict(params=_cj(), taus=np.array([0.0, 1.0]), q_min=-3, q_max=3, backend="numpy"),
        _surfaces,
    ),
    "models.cartea_jaimungal.cj_exact_depths": Case(
        lambda: M.cj_exact_depths,
        dict(params=_cj(20.0), taus=np.array([0.0, 0.2]), q_min=-3, q_max=3, backend="numpy"),
        _depths,
    ),
    "models.glt_multi.MultiAssetParams": Case(
        lambda: M.MultiAssetParams, dict(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    ),
    "models.glt_multi.quote_surfaces": Case(
        lambda: M.multi_asset_quote_surfaces,
        dict(params=_multi(), taus=np.linspace(0.0, 2.0, 5), q_max=3, backend="numpy"),
        _surfaces,
    ),
    "models.glt_multi.validate_correlation": Case(
        lambda: M.validate_correlation, dict(correlation=[[1.0, 0.6], [0.6, 1.0]], repair=False)
    ),
    "models.glt_multi.portfolio_risk": Case(
        lambda: M.portfolio_risk, dict(inventories=[1.0, 2.0], covariance=[[1.0, 0.2], [0.2, 1.0]])
    ),
    "models.glt_multi.minimum_variance_hedge": Case(
        lambda: M.minimum_variance_hedge,
        dict(inventories=[1.0, 2.0], covariance=[[1.0, 0.2], [0.2, 1.0]], hedge_assets=[1]),
    ),
    "models.glt_multi.multi_asset_depths": Case(
        lambda: M.multi_asset_depths, dict(inventories=[[0.0, 0.0], [3.0, 0.0]], time_to_horizon=5.0, params=_multi())
    ),
    "models.glt_multi.multi_asset_grid_depths": Case(
        lambda: M.multi_asset_grid_depths,
        dict(params=_multi(), taus=np.array([0.0, 0.2]), q_max=2, backend="numpy"),
        _anything,
    ),  # +inf marks no quote
    "models.glt_multi.calculate_multi_asset_quotes": Case(
        lambda: M.calculate_multi_asset_quotes,
        dict(
            market_states=_states(),
            inventories=[1.0, -1.0],
            params=_multi(),
            tick_sizes=[0.01, 0.02],
            time_to_horizon=5.0,
            q_max=2,
        ),
        lambda r: _quotes((r.bid_price, r.ask_price)),
    ),
    "models.glt_multi.multi_asset_cross_shift": Case(
        lambda: M.multi_asset_cross_shift, dict(surface=_multi_surface(), time_to_horizon_s=2.0, inventories=[2.0, 0.0])
    ),
    "models.glt_multi.multi_asset_surface_quotes": Case(
        lambda: M.multi_asset_surface_quotes,
        dict(surface=_multi_surface(), time_to_horizon_s=2.0, inventories=[1.0, -1.0], mid=100.0),
        _quotes,
    ),
    "models.jump_adjustment.JumpParams": Case(
        lambda: M.JumpParams, dict(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=4.0, branching_ratio=0.0)
    ),
    "models.jump_adjustment.quote_surfaces": Case(
        lambda: M.jump_quote_surfaces,
        dict(
            params=_glft(),
            taus=np.array([0.0, 1.0]),
            q_max=3,
            jumps=_jumps(),
            regime_multipliers=(1.0,),
            backend="numpy",
        ),
        _surfaces,
    ),
    "models.jump_adjustment.kou_moments": Case(lambda: M.kou_moments, dict(jumps=_jumps())),
    "models.jump_adjustment.effective_jump_rate": Case(
        lambda: M.effective_jump_rate, dict(jumps=_jumps(), regime_multiplier=1.0)
    ),
    "models.jump_adjustment.jump_risk_premium": Case(
        lambda: M.jump_risk_premium, dict(inventory=[0.0, 1.0], params=_glft(), jumps=_jumps(), regime_multiplier=1.0)
    ),
    "models.jump_adjustment.jump_adjusted_depths": Case(
        lambda: M.jump_adjusted_depths,
        dict(
            params=_glft(),
            taus=np.array([0.0, 1.0]),
            q_max=3,
            jumps=_jumps(),
            regime_multipliers=(1.0,),
            backend="numpy",
        ),
        _anything,
    ),
    "models.jump_adjustment.cj_jump_adjusted_depths": Case(
        lambda: M.cj_jump_adjusted_depths,
        dict(
            params=_cj(),
            taus=np.array([0.0, 1.0]),
            q_min=-3,
            q_max=3,
            jumps=_jumps(),
            regime_multipliers=(1.0,),
            backend="numpy",
        ),
        _anything,
    ),
}

ESTIMATION = {
    "models.estimation.quadratic_variation.returns_from_prices": Case(
        lambda: X.returns_from_prices, dict(prices=100 * np.exp(np.cumsum(_returns())), log=True)
    ),
    "models.estimation.quadratic_variation.realized_variance": Case(
        lambda: X.realized_variance, dict(returns=_returns())
    ),
    "models.estimation.quadratic_variation.bipower_variation": Case(
        lambda: X.bipower_variation, dict(returns=_returns())
    ),
    "models.estimation.quadratic_variation.realized_volatility": Case(
        lambda: X.realized_volatility, dict(returns=_returns(), dt=1.0 / 300, robust=False)
    ),
    "models.estimation.jump_detection.bns_jump_test": Case(
        lambda: X.bns_jump_test, dict(returns=_returns(), alpha=0.05)
    ),
    "models.estimation.jump_detection.lee_mykland_jumps": Case(
        lambda: X.lee_mykland_jumps, dict(returns=_returns(), window=20, alpha=0.05)
    ),
    "models.estimation.kou_mle.fit_kou": Case(
        lambda: X.fit_kou, dict(increments=_with_jumps(), dt=1.0 / 600, max_iter=300)
    ),
    "models.estimation.regime_hmm.fit_two_state_hmm": Case(
        lambda: X.fit_two_state_hmm,
        dict(returns=np.concatenate([_returns(150, 1), 3 * _returns(150, 2)]), max_iter=50, tol=1e-6),
    ),
    "models.estimation.jump_clustering.hawkes_log_likelihood": Case(
        lambda: X.hawkes_log_likelihood,
        dict(times=np.sort(np.random.default_rng(2).uniform(0, 100, 100)), horizon=100.0, mu=1.0, alpha=0.5, beta=2.0),
    ),
    "models.estimation.jump_clustering.jump_clustering_test": Case(
        lambda: X.jump_clustering_test,
        dict(times=np.sort(np.random.default_rng(2).uniform(0, 100, 60)), horizon=100.0, level=0.05, n_bootstrap=0),
    ),
    "models.estimation.cointegration.engle_granger": Case(
        lambda: X.engle_granger,
        dict(
            y=np.cumsum(_returns(200, 5)) + 0.01 * _returns(200, 6),
            x=np.cumsum(_returns(200, 5)),
            level=0.05,
            trend="c",
        ),
    ),
    "models.estimation.cointegration.half_life": Case(
        lambda: X.half_life, dict(spread=0.9 ** np.arange(200) + 0.01 * _returns(200, 7))
    ),
    "models.estimation.arbitrage_scanner.scan_pairs": Case(
        lambda: X.scan_pairs,
        dict(
            prices=np.column_stack(
                [
                    np.cumsum(_returns(120, 8)),
                    np.cumsum(_returns(120, 8)) + 0.01 * _returns(120, 9),
                    np.cumsum(_returns(120, 10)),
                ]
            ),
            level=0.05,
            entry_z=2.0,
        ),
    ),
    "models.estimation.fill_intensity.calibrate_from_fills": Case(
        lambda: X.calibrate_from_fills,
        dict(depths=[0.1, 0.5, 1.0, 2.0], fill_counts=[130, 70, 30, 5], exposure=[1.0, 1.0, 1.0, 1.0], max_iter=100),
    ),
    "models.estimation.fill_intensity.calibrate_from_trade_depths": Case(
        lambda: X.calibrate_from_trade_depths,
        dict(trade_depths=np.random.default_rng(0).exponential(0.7, 500), duration=10.0, n_grid=20),
    ),
}

ERRORS_HELPERS = {
    f"errors.{name}": Case(lambda name=name: getattr(ERR, name), base, _anything, params=("value",))
    for name, base in {
        "check_finite": dict(name="x", value=1.0),
        "check_positive": dict(name="x", value=1.0),
        "check_nonnegative": dict(name="x", value=1.0),
        "check_int": dict(name="x", value=3),
        "check_in_range": dict(name="x", value=0.5, low=0.0, high=1.0),
        "check_choice": dict(name="x", value="a", choices=("a", "b")),
        "check_array": dict(name="x", value=np.zeros(3), dtype=np.float64, cast=True),
        "check_all_finite": dict(name="x", value=np.zeros(3)),
        "check_integer_array": dict(name="x", value=np.arange(3)),
        "check_memory": dict(name="x", value=1, n_bytes=8.0, what="a test"),
    }.items()
}
ERRORS_HELPERS["errors.check_all_finite"] = Case(
    lambda: lambda value: ERR.check_all_finite("x", value), dict(value=np.zeros(3)), _anything
)
ERRORS_HELPERS["errors.check_memory"] = Case(
    lambda: lambda n_bytes: ERR.check_memory("x", 1, n_bytes, "a test"), dict(n_bytes=8.0), _anything
)


def _property_test(name: str, table: dict):
    """The property test over one table: the callable drawn by parametrisation, the argument and the
    bad value by hypothesis."""

    def test(key, data):
        fuzz(table[key], data, key)

    test.__name__ = test.__qualname__ = name
    return covers(*table)(pytest.mark.parametrize("key", sorted(table))(FUZZ(given(data=st.data())(test))))


test_engine_refuses_bad_values = _property_test("test_engine_refuses_bad_values", ENGINE)
test_kernels_refuse_bad_values = _property_test("test_kernels_refuse_bad_values", KERNELS)
test_models_refuse_bad_values = _property_test("test_models_refuse_bad_values", MODELS)
test_estimators_refuse_bad_values = _property_test("test_estimators_refuse_bad_values", ESTIMATION)
test_error_helpers_refuse_bad_values = _property_test("test_error_helpers_refuse_bad_values", ERRORS_HELPERS)


# --------------------------------------------------------------------------------------------------
# The cases, one by one, each refused under the parameter's name
# --------------------------------------------------------------------------------------------------
@covers("engine.orderbook.OrderBook.add", "engine.orderbook.OrderBook.modify", "engine.orderbook.OrderBook.cancel")
def test_the_book_refuses_fractional_and_oversized_prices_sizes_and_ids():
    book = _book()
    with pytest.raises(TypeError, match="price_ticks must be an integer"):
        book.add(3, BUY, 100.5, 1)  # was truncated to 100 by int()
    with pytest.raises(TypeError, match="size_lots must be an integer"):
        book.modify(1, 100, 2.7)
    with pytest.raises(TypeError, match="order_id must be an integer"):
        book.cancel(1.0)
    with pytest.raises(InvalidParametersError, match="order_id must be <= 9223372036854775807"):
        book.add(2**63, BUY, 100, 1)  # was an OverflowError
    assert book.orders() == {1: (1, 100, 5), 2: (-1, 102, 5)}  # nothing changed


InvalidParametersError = ERR.InvalidParameters


@covers("engine.feed.encode_itch")
def test_encode_itch_refuses_values_its_unsigned_fields_cannot_carry():
    ev = _events(5)
    ev["price_ticks"][2] = -3  # was written as its two's complement and decoded as another price
    with pytest.raises(InvalidParametersError, match=r"events\[2\]\.price_ticks = -3"):
        E.encode_itch(ev)
    ev = _events(5)
    ev["size_lots"][0] = 2**32
    with pytest.raises(InvalidParametersError, match=r"events\[0\]\.size_lots"):
        E.encode_itch(ev)


@covers("engine.feed.decode_itch", "engine.feed.FeedDecoder.decode")
def test_decode_itch_checks_offsets_and_buffers_before_compiled_code():
    buf = E.encode_itch(_events(20))
    out, counters = np.zeros(8, EVENT), np.zeros(7, np.int64)
    with pytest.raises(InvalidParametersError, match="start must be >= 0"):
        E.decode_itch(buf, -5, out, 0, 100, counters)
    with pytest.raises(InvalidParametersError, match="start must be <="):
        E.decode_itch(buf, buf.size + 1, out, 0, 100, counters)
    with pytest.raises(InvalidParametersError, match="n_out must be <= 8"):
        E.decode_itch(buf, 0, out, 9, 100, counters)  # wrote past out's end
    with pytest.raises(InvalidParametersError, match="counters must hold len"):
        E.decode_itch(buf, 0, out, 0, 100, np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="buf must be a 1-D uint8 array"):
        E.decode_itch(buf.tobytes(), 0, out, 0, 100, counters)  # was a numba TypingError
    with pytest.raises(InvalidParametersError, match="price_divisor must be >= 1"):
        E.decode_itch(buf, 0, out, 0, 0, counters)
    with pytest.raises(TypeError, match="chunk must be bytes or a 1-D uint8 array"):
        E.FeedDecoder().decode(buf.astype(np.int64))  # values above 255 were truncated to bytes
    pos, n = E.decode_itch(buf, 0, out, 0, 100, counters)
    assert n == 8 and 0 < pos <= buf.size


@covers(
    "engine.book.book_apply_events",
    "engine.book.book_depth",
    "engine.book.book_apply_event",
    "engine.book.book_queue_ahead",
    "engine.book.BookState",
)
def test_compiled_book_entry_points_check_their_buffers():
    ev = _events(10)
    st = E.new_book_state(64, 256)
    with pytest.raises(InvalidParametersError, match="status must hold one entry per event"):
        E.book_apply_events(st, ev, 0, np.zeros(3, np.int64))
    with pytest.raises(InvalidParametersError, match="start must be <= 10"):
        E.book_apply_events(st, ev, 11, np.zeros(10, np.int64))
    with pytest.raises(InvalidParametersError, match="side must be BUY"):
        E.book_depth(st, 0, np.zeros(2, np.int64), np.zeros(2, np.int64))
    with pytest.raises(TypeError, match="ev must be one engine.types.EVENT record"):
        E.book_apply_event(st, ev)
    with pytest.raises(TypeError, match="oid must be an integer"):
        E.book_queue_ahead(st, 1.5)
    damaged = E.BookState(st.hdr, np.ascontiguousarray(st.lv[:, :10]), st.ords, st.mp, st.fills)
    with pytest.raises(InvalidParametersError, match="bk.lv has shape"):
        E.book_apply_events(damaged, ev, 0, np.zeros(10, np.int64))


@covers(
    "engine.loop.run_loop_ring",
    "engine.ring.SpscRing.create",
    "engine.ring.SpscRing.send",
    "engine.ring.SpscRing.recv",
    "engine.ring.SpscRing.recv_into",
    "engine.ring.SpscRing.close",
    "engine.ring.SpscRing.mark_writer_done",
    "engine.ring.SpscRing.attach",
    "engine.ring.SpscRing",
    "engine.ring.SpscRing.name",
    "engine.ring.SpscRing.writer_done",
    "engine.loop.LoopState",
    "engine.surface.SurfaceTable",
)
def test_the_ring_and_its_loop_refuse_bad_buffers():
    with pytest.raises(InvalidParametersError, match="capacity must be a power of two"):
        E.SpscRing.create(EVENT, 6)
    with pytest.raises(TypeError, match="dtype must be a numpy dtype"):
        E.SpscRing.create("not a dtype", 8)
    with pytest.raises(InvalidParametersError, match="capacity=.* needs about"):
        E.SpscRing.create(EVENT, 2**60)
    with pytest.raises(InvalidParametersError, match="no shared block named"):
        E.SpscRing.attach("qf-no-such-ring", EVENT)
    ring = E.SpscRing.create(EVENT, 8)
    try:
        assert ring.name and not ring.writer_done
        with pytest.raises(TypeError, match="records must be a 1-D array of dtype"):
            ring.send([1, 2, 3])
        with pytest.raises(InvalidParametersError, match="timeout_s must be >= 0"):
            ring.send(_events(2), timeout_s=-1.0)
        with pytest.raises(TypeError, match="out must be a non-empty 1-D array"):
            ring.recv_into(np.zeros(0, EVENT))
        with pytest.raises(InvalidParametersError, match="max_records must be >= 1"):
            ring.recv(0)
        ring.send(_events(3))
        assert ring.recv(8, timeout_s=1.0).shape == (3,)
        cfg = _cfg()
        st = E.new_loop_state(cfg, 64, 64)
        with pytest.raises(InvalidParametersError, match="are not one ring of EVENT records"):
            E.run_loop_ring(E.new_book_state(64, 256), ring.hdr, np.zeros(4, EVENT), _table(), cfg, st, 4, 1)
        with pytest.raises(TypeError, match="st must be a LoopState"):
            E.run_loop_ring(E.new_book_state(64, 256), ring.hdr, ring.data, _table(), cfg, (1, 2, 3, 4), 4, 1)
        with pytest.raises(TypeError, match="surf must be a SurfaceTable"):
            E.run_loop_ring(E.new_book_state(64, 256), ring.hdr, ring.data, {"t": 1}, cfg, st, 4, 1)
        bad_table = E.SurfaceTable(*_table()[:-1], np.array([0, 5, 7, 1], np.int64))
        with pytest.raises(InvalidParametersError, match="surf.bid_depth has shape"):
            E.run_loop_ring(E.new_book_state(64, 256), ring.hdr, ring.data, bad_table, cfg, st, 4, 1)
        with pytest.raises(InvalidParametersError, match="max_events must be >= 0"):
            E.run_loop_ring(E.new_book_state(64, 256), ring.hdr, ring.data, _table(), cfg, st, -1, 1)
        short = E.LoopState(np.zeros(3, np.int64), st.actions, st.fills, st.hist)
        with pytest.raises(InvalidParametersError, match="st.s must have"):
            E.run_loop_ring(E.new_book_state(64, 256), ring.hdr, ring.data, _table(), cfg, short, 4, 1)
        assert E.run_loop_ring(E.new_book_state(64, 256), ring.hdr, ring.data, _table(), cfg, st, 4, 1) == 0
        ring.mark_writer_done()
        assert ring.writer_done
    finally:
        ring.close()


@covers(
    "engine.seqlock.SeqlockTable.create",
    "engine.seqlock.SeqlockTable.create_surface",
    "engine.seqlock.SeqlockTable.publish",
    "engine.seqlock.SeqlockTable.read",
    "engine.seqlock.SeqlockTable.quote",
    "engine.seqlock.SeqlockTable.attach",
    "engine.seqlock.SeqlockTable.close",
    "engine.seqlock.SeqlockTable",
    "engine.seqlock.SeqlockTable.name",
    "engine.seqlock.SeqlockTable.published",
    "engine.seqlock.SeqlockTable.age_s",
    "engine.seqlock.SeqlockTable.retire",
    "engine.seqlock.SeqlockTable.retired",
    "engine.seqlock.SeqlockTable.slot_sequences",
    "engine.seqlock.SeqlockTable.surface_shape",
    "engine.seqlock.SeqlockTable.writer_pid",
)
def test_seqlock_tables_refuse_bad_values():
    with pytest.raises(InvalidParametersError, match="n_values must be >= 1"):
        E.SeqlockTable.create(0)
    with pytest.raises(InvalidParametersError, match="n_values=.* needs about"):
        E.SeqlockTable.create(2**62)
    with pytest.raises(TypeError, match="n_t must be an integer"):
        E.SeqlockTable.create_surface(2.5, 3)
    with pytest.raises(TypeError, match="name must be a str"):
        E.SeqlockTable.attach(17)
    table = E.SeqlockTable.create_surface(2, 7)
    try:
        assert table.name and table.surface_shape == (2, 7) and table.writer_pid > 0 and not table.retired
        assert table.read(timeout_s=0.1)[0] == 0 and len(table.slot_sequences()) == 2
        with pytest.raises(InvalidParametersError, match="values must have length"):
            table.publish(np.zeros(3), version=1)
        with pytest.raises(TypeError, match="values must hold real numbers"):
            table.publish(["a"] * E.surface_size(2, 7), version=1)
        with pytest.raises(InvalidParametersError, match="version must be <="):
            table.publish(E.pack_surface(np.ones((2, 7)), np.ones((2, 7)), [0.0, 1.0], -3), version=2**64)
        table.publish(E.pack_surface(np.ones((2, 7)), np.ones((2, 7)), [0.0, 1.0], -3), version=1)
        assert table.published(timeout_s=0.1)[0] == 1 and table.age_s() >= 0
        with pytest.raises(TypeError, match="inventory_lots must be an integer"):
            table.quote(0.5, 1.5)
        with pytest.raises(InvalidParametersError, match="time_to_horizon_s must be finite"):
            table.quote(float("nan"), 0)
        table.retire()
        assert table.retired
    finally:
        table.close()


@covers("kernels.sde.api.european_price")
def test_european_price_refuses_a_put_spelled_as_a_string_and_a_single_path():
    with pytest.raises(TypeError, match="call must be a bool"):
        K.european_price(K.GBM(0.05, 0.2), 100.0, 100.0, 1.0, 0.05, 1, 100, call="put", backend="numpy")
    with pytest.raises(InvalidParametersError, match="n_paths must be >= 2"):  # its standard error was NaN
        K.european_price(K.GBM(0.05, 0.2), 100.0, 100.0, 1.0, 0.05, 1, 1, backend="numpy")
    with pytest.raises(InvalidParametersError, match="rate must keep the discount factor"):
        K.european_price(K.GBM(0.05, 0.2), 100.0, 100.0, 1.0, -1e300, 1, 10, backend="numpy")
    put = K.european_price(K.GBM(0.05, 0.2), 100.0, 100.0, 1.0, 0.05, 1, 20_000, call=False, seed=2, backend="numpy")
    call = K.european_price(K.GBM(0.05, 0.2), 100.0, 100.0, 1.0, 0.05, 1, 20_000, call=True, seed=2, backend="numpy")
    assert put.price < call.price and math.isfinite(put.stderr) and put.stderr > 0


@covers("models.glft.glft_half_spread_skew", "models.glft.glft_asymptotic_depths")
def test_glft_closed_form_refuses_what_the_exact_solver_refuses():
    params = M.GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5, adverse_selection=1000.0)
    with pytest.raises(ERR.NumericalInstability, match="adverse_selection=1000.0"):
        M.glft_half_spread_skew(params)  # returned inf depths
    with pytest.raises(ERR.NumericalInstability, match="adverse_selection"):
        M.glft_asymptotic_depths([0.0], params)
    with pytest.raises(ERR.NumericalInstability):
        M.glft_exact_depths(params, np.array([0.0, 1.0]), 3)


@covers(
    "models.avellaneda_stoikov.optimal_quotes",
    "models.avellaneda_stoikov.optimal_spread",
    "models.avellaneda_stoikov.reservation_price",
    "models.avellaneda_stoikov.arrival_intensity",
)
def test_avellaneda_stoikov_refuses_meaningless_quotes():
    extreme = M.ASParams(gamma=1e300, sigma=1e-200, k=1.5)
    with pytest.raises(ERR.NumericalInstability, match="bid and ask coincide .*gamma=1e\\+300"):
        M.optimal_quotes(100.0, 0.0, 1.0, extreme)  # bid == ask in float64: a zero spread
    with pytest.raises(ERR.NumericalInstability, match="coincide"):
        M.optimal_quotes(1e20, 0.0, 0.5, _as())
    with pytest.raises(InvalidParametersError, match="s \\(the mid price\\) must be > 0"):
        M.optimal_quotes(-5.0, 0.0, 0.5, _as())
    with pytest.raises(TypeError, match="params must be an ASParams"):
        M.reservation_price(100.0, 1.0, 0.5, None)  # was an AttributeError
    with pytest.raises(TypeError, match="s must hold real numbers"):
        M.reservation_price("100", 1.0, 0.5, _as())
    with pytest.raises(ERR.NumericalInstability, match="arrival intensity overflowed"):
        M.arrival_intensity(-1e300, _as())


@covers("models.surface.QuoteSurface.quotes")
def test_quote_surface_quotes_refuse_nan_and_off_grid_points():
    surf = _surface()
    with pytest.raises(InvalidParametersError, match="time_to_horizon_s must be finite"):
        surf.quotes(float("nan"), 0, 100.0)  # was snapped to the nearest grid time
    with pytest.raises(InvalidParametersError, match="time_to_horizon_s must lie on the surface's grid"):
        surf.quotes(7.0, 0, 100.0)
    with pytest.raises(InvalidParametersError, match="inventory_lots must lie in \\[-3, 3\\]"):
        surf.quotes(0.5, 40, 100.0)  # was clipped to 3
    with pytest.raises(TypeError, match="inventory_lots must be an integer"):
        surf.quotes(0.5, 1.5, 100.0)
    with pytest.raises(ERR.NumericalInstability, match="a bid must be > 0"):
        surf.quotes(0.5, 0, 0.1)
    # the engine's clamping, asked for: the last grid time and the upper inventory bound
    assert surf.quotes(7.0, 40, 100.0, clamp=True) == surf.quotes(1.0, 3, 100.0)


@covers("engine.types.Instrument.price_to_ticks", "engine.types.Instrument.size_to_lots", "engine.types.Instrument")
def test_tick_conversion_refuses_strings_and_negative_prices():
    inst = E.Instrument("ES", 0.25)
    with pytest.raises(TypeError, match="price must be a real number"):
        inst.price_to_ticks("100.25")  # was parsed
    with pytest.raises(InvalidParametersError, match="price must be >= 0"):
        inst.price_to_ticks(-1.0)
    with pytest.raises(TypeError, match="size must be a real number"):
        inst.size_to_lots(True)
    with pytest.raises(InvalidParametersError, match="tick_size must be > 0"):
        E.Instrument("ES", 0.0)  # was a ZeroDivisionError downstream


@covers("engine.day.run_trading_day", "engine.day.run_trading_day_on")
def test_trading_day_refuses_crossing_depths_and_bad_flags():
    through = np.full((2, 7), 0.5)
    through[1, 3] = -0.6  # with the ask depth 0.5 the own bid sits above the own ask
    with pytest.raises(InvalidParametersError, match="bid_depth \\+ ask_depth must be > 0"):
        E.run_trading_day(through, np.full((2, 7), 0.5), [0.0, 1.0], -3, tick_size=2.0, n_events=2000)
    with pytest.raises(TypeError, match="keep_fills must be a bool"):
        E.run_trading_day(
            np.full((2, 7), 0.5), np.full((2, 7), 0.5), [0.0, 1.0], -3, tick_size=2.0, n_events=2000, keep_fills="yes"
        )
    with pytest.raises(InvalidParametersError, match="session_s must lie in"):
        E.run_trading_day(
            np.full((2, 7), 0.5), np.full((2, 7), 0.5), [0.0, 1.0], -3, tick_size=2.0, n_events=2000, session_s=1e12
        )
    with pytest.raises(InvalidParametersError, match="n_events=.* needs about"):
        E.run_trading_day(np.full((2, 7), 0.5), np.full((2, 7), 0.5), [0.0, 1.0], -3, tick_size=2.0, n_events=10**15)
    with pytest.raises(InvalidParametersError, match="surface must have bid_depth"):
        E.run_trading_day_on(None, tick_size=2.0)
    with pytest.raises(InvalidParametersError, match="bid_size_lots must hold whole numbers"):
        E.run_trading_day(
            np.full((2, 7), 0.5),
            np.full((2, 7), 0.5),
            [0.0, 1.0],
            -3,
            tick_size=2.0,
            n_events=2000,
            bid_size_lots=np.full((2, 7), 1.5),
        )  # were truncated to 1


@covers("models.surface.QuoteSurface", "engine.surface.make_surface_table")
def test_surface_tables_refuse_fractional_sizes():
    t, q, d = np.array([0.0, 1.0]), np.arange(-1, 2), np.full((2, 3), 0.5)
    with pytest.raises(InvalidParametersError, match=r"bid_size_lots must hold whole numbers.*\[\(0, 1\)\] = 1.5"):
        M.QuoteSurface("m", {}, t, q, d, d, bid_size_lots=np.array([[1, 1.5, 1], [1, 1, 1]]))
    with pytest.raises(InvalidParametersError, match="ask_size_lots must hold whole numbers"):
        E.make_surface_table(d, d, t, -1, None, np.full((2, 3), 2.25))
    assert M.QuoteSurface("m", {}, t, q, d, d, bid_size_lots=np.full((2, 3), 2.0)).bid_size_lots.dtype == np.int64


@covers(
    "kernels.rough.core.volterra_covariance",
    "kernels.rough.api.RoughVolatilitySolver",
    "kernels.rough.core.fgn_autocovariance",
)
def test_hurst_index_outside_zero_one_is_refused_by_name():
    for bad in (0.0, -0.2, 1.0):
        with pytest.raises(InvalidParametersError, match="hurst must lie in \\(0.0, 1.0\\)"):
            KR.volterra_covariance(bad, np.array([0.5, 1.0]))  # H <= 0 divided by zero
        with pytest.raises(InvalidParametersError, match="hurst must lie in"):
            K.RoughVolatilitySolver(hurst=bad)
    with pytest.raises(InvalidParametersError, match="times must be a non-empty 1-D array of times > 0"):
        KR.volterra_covariance(0.3, np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="n must be an integer"):
        KR.fgn_autocovariance(0.3, 4.5)


@covers("kernels.rough.api.RoughVolatilitySolver.smile")
def test_smile_refuses_what_cannot_fit_before_it_starts(monkeypatch):
    monkeypatch.setattr(ERR, "available_memory_bytes", lambda: 1 << 20)  # a 1 MiB machine
    with pytest.raises(InvalidParametersError, match="n_paths=1000000 needs about .* the terminal prices"):
        K.RoughVolatilitySolver(0.1).smile([100.0], 100.0, 0.5, 78, 1_000_000, backend="numpy")


@covers("models.cartea_jaimungal.cj_exact_depths")
def test_cartea_jaimungal_with_unequal_kappas_and_huge_rates_returns_finite_depths():
    """The grid HJB was integrated by RK4 at a step of 1/lambda: ten minutes and more at lambda = 1e6.
    It now hands stiff equations to an implicit scheme, so this returns in seconds, with quotes that
    never cross and skew with the inventory (a long book bids deeper and offers closer)."""
    params = M.CJParams(kappa_plus=15.0, kappa_minus=20.0, lambda_plus=1e6, lambda_minus=1e6, phi=0.01, alpha=0.05)
    bid, ask = M.cj_exact_depths(params, np.array([0.0, 0.5, 1.0]), -8, 8, backend="numpy")
    inner = (slice(None), slice(1, -1))
    assert np.all(np.isfinite(bid[inner])) and np.all(np.isfinite(ask[inner]))
    assert np.all(bid[:, :-1] + ask[:, 1:] > 0)
    assert np.all(np.diff(bid[-1, :-1]) > 0) and np.all(np.diff(ask[-1, 1:]) < 0)
    with pytest.raises(InvalidParametersError, match="steps_per_unit=1000000000.0 .* asks for 1e\\+09 RK4 steps"):
        M.cj_exact_depths(params, np.array([0.0, 1.0]), -8, 8, steps_per_unit=1e9)


def _hawkes_process():
    from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess

    return HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0))


MODELS["models.jump_adjustment.JumpParams.from_hawkes"] = Case(
    lambda: M.JumpParams.from_hawkes, dict(fit=_hawkes_process(), p_up=0.5, eta_up=4.0, eta_down=4.0)
)
test_models_refuse_bad_values = _property_test("test_models_refuse_bad_values", MODELS)


# --------------------------------------------------------------------------------------------------
# Accessors and results: nothing to spoil but the state they read; read on edge states
# --------------------------------------------------------------------------------------------------
@covers(
    "engine.orderbook.OrderBook.best_bid",
    "engine.orderbook.OrderBook.best_ask",
    "engine.orderbook.OrderBook.drain_fills",
    "engine.orderbook.OrderBook.orders",
    "engine.feed.FeedDecoder.finish",
    "engine.feed.FeedDecoder.counters",
    "kernels.backend.available_backends",
    "kernels.rng.api.Philox.key",
    "kernels.sde.models.GBM.kappa",
    "kernels.sde.models.GBM.lam",
    "kernels.sde.models.Merton.kappa",
    "kernels.sde.models.Kou.kappa",
    "models.surface.QuoteSurface.to_dict",
    "models.surface.QuoteSurface.q_min",
    "models.surface.QuoteSurface.q_max",
    "models.surface.QuoteSurface.n_regimes",
    "models.glt_multi.MultiAssetParams.n_assets",
    "models.parameters.ModelParams",
    "models.parameters.ModelParams.as_dict",
    "models.parameters.ModelParams.batched",
    "models.parameters.ModelParams.columns",
    "models.parameters.ModelParams.n_sets",
    "models.parameters.ModelParams.sets",
    "errors.available_memory_bytes",
)
def test_accessors_on_empty_and_edge_states():
    empty = E.OrderBook(capacity=4, window=8)
    assert (empty.best_bid, empty.best_ask, empty.orders(), empty.drain_fills().shape) == (-1, -1, {}, (0,))
    dec = E.FeedDecoder(max_events=1)
    assert dec.decode(b"\x00").shape == (0,) and dec.finish() == 1 and dec.counters["truncated"] == 1
    assert "numpy" in K.available_backends() and K.Philox(2**64 - 1).key == (2**32 - 1, 2**32 - 1)
    assert K.GBM(0.0, 0.0).kappa == 0.0 and K.GBM(0.0, 0.0).lam == 0.0
    assert math.isfinite(K.Merton(0.0, 0.0, lam=0.0, jump_mean=-5.0, jump_vol=3.0).kappa)
    assert math.isfinite(K.Kou(0.0, 0.0, lam=1.0, p_up=0.0, eta_up=1.0001, eta_down=1.0).kappa)
    with pytest.raises(InvalidParametersError, match="eta_up must lie in \\(1.0, inf\\)"):
        K.Kou(0.0, 0.2, lam=1.0, p_up=0.5, eta_up=1.0, eta_down=5.0)  # E[e^J] would be infinite
    surf = M.QuoteSurface(
        "one point", {}, np.array([0.0]), np.array([0]), np.full((1, 1), np.inf), np.full((1, 1), 1.0)
    )
    assert (surf.q_min, surf.q_max, surf.n_regimes) == (0, 0, 1) and surf.to_dict()["bid_depth"] == [[None]]
    batch = M.ASParams(gamma=[0.1, 1.0], sigma=2.0, k=1.5)
    assert batch.batched and batch.n_sets == 2 and batch.columns()["sigma"].shape == (2,)
    assert batch.sets()[1]["gamma"] == 1.0 and batch.as_dict()["gamma"] == [0.1, 1.0]
    assert M.ModelParams().n_sets == 1 and not M.ModelParams().batched  # the base: no fields, one empty set
    with pytest.raises(InvalidParametersError, match="parameter arrays must have one common length"):
        M.ASParams(gamma=[0.1, 1.0], sigma=[1.0, 2.0, 3.0], k=1.5)
    assert _multi().n_assets == 2 and ERR.available_memory_bytes() > 0


@covers(
    "kernels.sde.models.SimulationResult",
    "kernels.sde.models.MonteCarloPrice",
    "kernels.sde.models.MonteCarloPrice.summary",
    "kernels.market_making.api.MarketMakingPaths",
    "kernels.market_making.api.MarketMakingPaths.summary",
    "kernels.rough.api.RoughBergomiPaths",
    "models.glt_multi.MultiAssetQuotes",
    "models.glt_multi.MultiAssetQuotes.summary",
)
def test_kernel_results_from_edge_inputs_are_finite():
    """Results are built by the library from validated inputs; at the edges (one path, no volatility,
    a flat book) they hold finite numbers and their summaries read."""
    one = K.simulate(K.GBM(0.0, 0.0), 1.0, 1e-9, 1, 1, backend="numpy")
    assert isinstance(one, K.SimulationResult) and np.all(one.terminal == 1.0)
    price = K.european_price(K.GBM(0.0, 0.0), 100.0, 100.0, 1e-9, 0.0, 1, 2, backend="numpy")
    assert isinstance(price, MonteCarloPrice) and price.price == 0.0 and price.stderr == 0.0
    assert "0 +/- 0" in price.summary() or "0" in price.summary()
    flat = K.simulate_market_making(
        np.full((1, 3), np.inf),
        np.full((1, 3), np.inf),
        q_min=-1,
        s0=1.0,
        sigma=0.0,
        A=1.0,
        k=1.0,
        dt=1.0,
        n_paths=1,
        seed=0,
        backend="numpy",
    )
    summary = flat.summary()
    assert isinstance(flat, K.MarketMakingPaths) and math.isnan(summary["spread"]) and summary["profit_std"] == 0.0
    paths = K.rough_bergomi(0.5, 0.0, 0.0, 0.04, 100.0, 1.0, 1, 1, backend="numpy")
    assert isinstance(paths, KR.RoughBergomiPaths) and np.all(np.isfinite(paths.spot))
    quotes = M.calculate_multi_asset_quotes(
        _states(), [0.0, 0.0], _multi(), tick_sizes=[0.01, 0.02], time_to_horizon=1e-9
    )
    assert isinstance(quotes, M.MultiAssetQuotes) and np.all(quotes.bid_price < quotes.ask_price)
    assert "portfolio variance" in quotes.summary()


@covers(
    "models.estimation.jump_detection.BNSJumpTest",
    "models.estimation.jump_detection.BNSJumpTest.summary",
    "models.estimation.jump_detection.LeeMyklandResult",
    "models.estimation.jump_detection.LeeMyklandResult.summary",
    "models.estimation.kou_mle.KouFit",
    "models.estimation.kou_mle.KouFit.summary",
    "models.estimation.regime_hmm.RegimeFit",
    "models.estimation.regime_hmm.RegimeFit.summary",
    "models.estimation.regime_hmm.RegimeFit.states",
    "models.estimation.regime_hmm.RegimeFit.stationary",
    "models.estimation.jump_clustering.ClusteringTest",
    "models.estimation.jump_clustering.ClusteringTest.summary",
    "models.estimation.cointegration.CointegrationResult",
    "models.estimation.cointegration.CointegrationResult.summary",
    "models.estimation.arbitrage_scanner.PairSignal",
    "models.estimation.arbitrage_scanner.PairSignal.summary",
    "models.estimation.fill_intensity.IntensityFit",
    "models.estimation.fill_intensity.IntensityFit.summary",
)
def test_fitted_results_on_edge_data_read_as_finite_summaries():
    flat = np.zeros(40)
    with pytest.raises(InvalidParametersError, match="returns are identically zero"):
        X.bns_jump_test(flat)
    bns = X.bns_jump_test(_returns(40), alpha=0.5)
    assert isinstance(bns, X.BNSJumpTest) and isinstance(bns.summary(), str)
    lm = X.lee_mykland_jumps(_returns(40), window=4)
    assert isinstance(lm, X.LeeMyklandResult) and "jumps flagged" in lm.summary()
    with pytest.raises(ERR.QuantForgeError, match="increments"):
        X.fit_kou(flat, 1.0)  # no jump can be identified in constant data
    kou = X.fit_kou(_with_jumps(), 1.0 / 600, max_iter=300)
    assert isinstance(kou, X.KouFit) and math.isfinite(kou.log_likelihood) and isinstance(kou.summary(), str)
    hmm = X.fit_two_state_hmm(np.concatenate([_returns(100, 1), 4 * _returns(100, 2)]), max_iter=30, tol=1e-4)
    assert isinstance(hmm, X.RegimeFit) and set(np.unique(hmm.states)) <= {0, 1}
    assert np.isclose(hmm.stationary.sum(), 1.0) and isinstance(hmm.summary(), str)
    times = np.sort(np.random.default_rng(5).uniform(0, 50, 30))
    clustering = X.jump_clustering_test(times, 50.0)
    assert isinstance(clustering, X.ClusteringTest) and 0 <= clustering.p_value <= 1 and clustering.summary()
    x = np.cumsum(_returns(100, 3))
    eg = X.engle_granger(x + 0.01 * _returns(100, 4), x)
    assert isinstance(eg, X.CointegrationResult) and math.isfinite(eg.adf_statistic) and eg.summary()
    prices = np.column_stack([x, x + 0.01 * _returns(100, 4), np.cumsum(_returns(100, 6))])
    for signal in X.scan_pairs(prices, level=0.99):
        assert isinstance(signal, X.PairSignal) and signal.summary()
    fit = X.calibrate_from_trade_depths(np.full(20, 0.5), 1.0, n_grid=2)
    assert isinstance(fit, X.IntensityFit) and fit.summary()


@covers(
    "errors.QuantForgeError",
    "errors.ModelError",
    "errors.InvalidParameters",
    "errors.NumericalInstability",
    "errors.ConvergenceFailure",
    "errors.MatrixError",
    "errors.SDEError",
    "errors.ExecutionError",
    "errors.RiskError",
    "errors.PerformanceError",
    "errors.NumericalError",
    "errors.HardwareError",
    "engine.orderbook.OrderRejected",
    "engine.ring.RingTimeout",
    "engine.seqlock.SeqlockTimeout",
    "kernels.rng.core.DrawKind",
)
def test_exceptions_and_enums_take_any_message_and_refuse_unknown_codes():
    for cls in (
        ERR.QuantForgeError,
        ERR.ModelError,
        ERR.InvalidParameters,
        ERR.NumericalInstability,
        ERR.ConvergenceFailure,
        ERR.MatrixError,
        ERR.SDEError,
        ERR.ExecutionError,
        ERR.RiskError,
        ERR.PerformanceError,
        ERR.NumericalError,
        ERR.HardwareError,
        E.RingTimeout,
        E.SeqlockTimeout,
    ):
        for message in (None, "", object(), b"\xff", "\u00e9" * 10_000):
            err = cls(message)
            assert isinstance(err, ERR.QuantForgeError) and isinstance(str(err), str)
    assert "status 999" in str(E.OrderRejected(999, "add", order_id=1.5)) and E.OrderRejected(1, "cancel").code == 1
    from quantforge.kernels.rng import DrawKind

    with pytest.raises(ValueError, match="is not a valid DrawKind"):
        DrawKind(99)


# --------------------------------------------------------------------------------------------------
# The demo's functions and every CLI flag
# --------------------------------------------------------------------------------------------------
@covers("demo.run_demo", "demo.section4_experiment", "demo.engine_day", "demo.quote_rounding", "demo.demo_figure")
def test_demo_functions_refuse_bad_arguments_by_name(tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(InvalidParametersError, match="out='.*a-file' is a file"):
        demo.run_demo(paths=2, gammas=[0.1], out=tmp_path / "a-file", events=0)
    with pytest.raises(InvalidParametersError, match="gammas must hold at least one"):
        demo.run_demo(paths=2, gammas=[], out=tmp_path, events=0)
    with pytest.raises(TypeError, match="gammas must be a sequence"):
        demo.run_demo(paths=2, gammas=0.1, out=tmp_path, events=0)
    with pytest.raises(InvalidParametersError, match="events=.* needs about"):
        demo.run_demo(paths=2, gammas=[0.1], out=tmp_path, events=10**15)
    with pytest.raises(InvalidParametersError, match="gamma must be > 0"):
        demo.section4_experiment(-0.1, paths=2, seed=0)
    with pytest.raises(InvalidParametersError, match="market is missing"):
        demo.section4_experiment(0.1, paths=2, seed=0, market={"s0": 100.0})
    with pytest.raises(InvalidParametersError, match="model must be one of as, glft, cj"):
        demo.engine_day("heston", 0.1, seed=0, n_events=10)
    with pytest.raises(TypeError, match="n_events must be an integer"):
        demo.engine_day("as", 0.1, seed=0, n_events=1.5)
    with pytest.raises(InvalidParametersError, match="max_position_lots must be <= 50"):
        demo.quote_rounding("glft", 0.1, max_position_lots=10**6)
    with pytest.raises(InvalidParametersError, match="results must map every gamma"):
        demo.demo_figure({}, [0.1], "as")
    with pytest.raises(InvalidParametersError, match="gammas must be a non-empty sequence"):
        demo.demo_figure({}, [], "as")


def _cli(argv, capsys):
    try:
        code = cli_main(argv)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


BAD_FLAGS = [
    ["demo", "--paths", "0"],
    ["demo", "--paths", "-3"],
    ["demo", "--paths", "1.5"],
    ["demo", "--paths", "many"],
    ["demo", "--paths", "10000000000000"],
    ["demo", "--gammas", ""],
    ["demo", "--gammas", "0.1,,1"],
    ["demo", "--gammas", "nan"],
    ["demo", "--gammas", "inf"],
    ["demo", "--gammas", "-1"],
    ["demo", "--gammas", "1e309"],
    ["demo", "--seed", "-1"],
    ["demo", "--seed", str(2**64)],
    ["demo", "--seed", "0x10"],
    ["demo", "--events", "-1"],
    ["demo", "--events", "2.5"],
    ["demo", "--events", "1000000000000000"],
    ["demo", "--backend", "tpu"],
    ["demo", "--backend", ""],
    ["demo", "--model", "heston"],
    ["demo", "--out", "{file}"],
    ["demo", "--out", ""],
    ["demo", "--out", "{file}/below"],
    ["bench", "--out", "{file}"],
    ["bench", "no-such-suite", "--out", "{dir}"],
    ["serve", "cfg.toml", "--port", "70000"],
    ["serve", "cfg.toml", "--port", "http"],
    ["demo", "--no-such-flag"],
]


@covers("demo.run_demo")
@pytest.mark.parametrize("argv", BAD_FLAGS, ids=" ".join)
def test_every_bad_flag_is_one_line_and_status_2(argv, tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    argv = [a.format(file=a_file, dir=tmp_path) for a in argv]
    if argv[0] == "demo" and "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    code, err = _cli(argv, capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("quantforge"), err
    assert not (tmp_path / "out" / "report.json").exists()


# --------------------------------------------------------------------------------------------------
# The walk: last in the file, after every covering test has run
# --------------------------------------------------------------------------------------------------
def test_every_public_callable_has_a_bad_input_test():
    public = _public_cache()
    old = {name for name in public if not name.startswith(NEW_PACKAGES)}
    new = set(public) - old
    # the walk found the API: a broken walk (an empty __all__, a failed import) cannot pass
    assert len(old) > 200 and any(n.endswith("OrderBook.add") for n in old), sorted(old)[:20]
    assert all(not n.startswith(NEW_PACKAGES) for n in COVERED), "new packages are covered by their own tests"
    assert UNCOVERED_OLD == frozenset(), "no callable of the older packages may go without a bad-input test"
    missing = sorted(old - set(COVERED) - UNCOVERED_OLD)
    assert not missing, f"public callables without a bad-input test: {missing}"
    stale = sorted(set(COVERED) - set(public))
    assert not stale, f"registered names that are not public callables: {stale}"
    assert new.isdisjoint(COVERED)


def test_covering_tests_reach_what_they_cover():
    """Registration alone proves nothing: each covered callable with code of its own must have been
    entered by at least one of its covering tests that ran in this session (a test deselected with
    -k leaves its callables unchecked)."""
    public = _public_cache()
    unreached = []
    for name, tests in sorted(COVERED.items()):
        code = _code(public[name])
        ran = tests & _RAN
        if code is None or not ran:
            continue
        if not any(code in _REACHED.get(t, set()) for t in ran):
            unreached.append(f"{name} (covered by {sorted(tests)})")
    assert not unreached, f"covered but never called by its tests: {unreached}"
