"""The CPU hot path: record dtypes, tick/lot conversion, the Numba-compiled L3 order book, the SPSC
shared-memory ring, seqlock quote tables, surface lookup, the ITCH 5.0 feed, a synthetic L3 market, the
market-making event loop and a simulated trading day through all of them.

This package imports numpy and numba only; it never imports jax or cupy and never starts a GPU context.
The compiled modules are imported on first use of one of their names (``quantforge.engine.run_loop``),
so that importing the package, or a light module such as ``engine.affinity``, stays cheap.
"""

from importlib import import_module

from .types import BUY, EVENT, FILL, MARKET_STATE, ORDER, POSITION, QUOTE, SELL, Instrument

_LAZY = {
    "book": (
        "BookState",
        "new_book_state",
        "book_apply_event",
        "book_apply_events",
        "book_depth",
        "book_queue_ahead",
        "NO_PRICE",
        "REASONS",
        "REJECT_NAMES",
    ),
    "orderbook": ("OrderBook", "OrderRejected"),
    "ring": ("SpscRing", "RingTimeout"),
    "seqlock": ("SeqlockTable", "SeqlockTimeout", "pack_surface", "unpack_surface", "surface_size"),
    "surface": ("SurfaceTable", "make_surface_table", "surface_lookup", "CLAMP_TIME", "CLAMP_INVENTORY"),
    "feed": ("FeedDecoder", "decode_itch", "encode_itch"),
    "synthetic": ("synthetic_events",),
    "loop": (
        "LOOP_CONFIG",
        "LoopState",
        "STATE_FIELDS",
        "make_config",
        "new_loop_state",
        "run_loop",
        "run_loop_ring",
        "latency_percentiles",
        "cycles_per_ns",
        "QUEUE_RISK_AVERSE",
        "QUEUE_NONE",
        "ACT_NEW",
        "ACT_REPLACE",
        "ACT_CANCEL",
    ),
    "day": ("run_trading_day", "run_trading_day_on"),
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = ["BUY", "SELL", "MARKET_STATE", "ORDER", "FILL", "POSITION", "QUOTE", "EVENT", "Instrument", *_WHERE]


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
