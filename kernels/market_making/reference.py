"""The reference market-making simulator: all paths advanced together, one step at a time.

Written against an array namespace ``xp`` in array-API style, so it runs unchanged on numpy, cupy,
jax.numpy (the jax fast path traces :func:`initial_state`, :func:`step_uniforms`, :func:`quotes`
and :func:`step` inside ``jax.lax.fori_loop``) and ``array_api_strict``.  The uniforms are the
Philox draws of :func:`quantforge.kernels.rng.reference.pairs_xp`, laid out as in :mod:`.core`.
"""

from __future__ import annotations

from typing import Any

from ..rng.core import DrawKind
from ..rng.reference import pairs_xp
from .core import DRAWS_PER_STEP, StepDraw

__all__ = ["initial_state", "step_uniforms", "quotes", "step", "simulate"]


def initial_state(n_paths: int, q0: int, s0: float, *, xp: Any) -> tuple[Any, ...]:
    """``(s, q, cash, bid fills, ask fills, spread sum, two-sided steps)`` at time 0, each (n_paths,)."""
    f64, i64 = xp.float64, xp.int64
    return (
        xp.full((n_paths,), s0, dtype=f64),
        xp.full((n_paths,), q0, dtype=i64),
        xp.zeros((n_paths,), dtype=f64),
        xp.zeros((n_paths,), dtype=i64),
        xp.zeros((n_paths,), dtype=i64),
        xp.zeros((n_paths,), dtype=f64),
        xp.zeros((n_paths,), dtype=i64),
    )


def step_uniforms(n_paths: int, block0: Any, path0: Any, stream: Any, k0: Any, k1: Any, *, xp: Any) -> Any:
    """The (n_paths, 4) uniforms of the step whose first Philox block is ``block0`` (= 2j)."""
    return pairs_xp(xp, DrawKind.UNIFORM, n_paths, DRAWS_PER_STEP, path0, block0, 0, stream, k0, k1)


def quotes(bid_row: Any, ask_row: Any, q: Any, q_min: Any, *, xp: Any) -> tuple[Any, Any]:
    """The bid and ask depths each path posts with inventory ``q`` from one row of the tables."""
    col = q - q_min
    return xp.take(bid_row, col), xp.take(ask_row, col)


def step(
    state: tuple[Any, ...], bid_d: Any, ask_d: Any, u: Any, s_step: float, A: float, k: float, dt: float, *, xp: Any
) -> tuple[Any, ...]:
    """Advance every path by one step from the quotes ``bid_d, ask_d`` and the step's uniforms ``u``."""
    s, q, cash, nb, na, sp, ns = state
    two_sided = xp.isfinite(bid_d) & xp.isfinite(ask_d)
    sp = sp + xp.where(two_sided, bid_d + ask_d, 0.0)
    ns = ns + xp.astype(two_sided, ns.dtype)
    pb = A * xp.exp(-k * bid_d) * dt
    pa = A * xp.exp(-k * ask_d) * dt
    hit_b = u[:, StepDraw.BID] < pb
    hit_a = u[:, StepDraw.ASK] < pa
    bid_px = s - bid_d
    ask_px = s + ask_d
    cash = cash - xp.where(hit_b, bid_px, 0.0) + xp.where(hit_a, ask_px, 0.0)
    q = q + xp.astype(hit_b, q.dtype) - xp.astype(hit_a, q.dtype)
    nb = nb + xp.astype(hit_b, nb.dtype)
    na = na + xp.astype(hit_a, na.dtype)
    s = xp.where(u[:, StepDraw.MID] < 0.5, s + s_step, s - s_step)
    return s, q, cash, nb, na, sp, ns


def simulate(
    bid: Any,
    ask: Any,
    q_min: int,
    q0: int,
    s0: float,
    s_step: float,
    A: float,
    k: float,
    dt: float,
    n_paths: int,
    path0: int,
    k0: int,
    k1: int,
    stream: int,
    *,
    xp: Any,
    record: list | None = None,
) -> tuple[Any, ...]:
    """The terminal state of :func:`initial_state` after every step of the tables ``bid, ask`` (n_steps, n_q).

    ``record``, if given, receives path 0's row ``(t, mid, bid, ask, q)`` at each step and the terminal
    row ``(T, mid, nan, nan, q)``.
    """
    n_steps = bid.shape[0]
    state = initial_state(n_paths, q0, s0, xp=xp)
    for j in range(n_steps):
        u = step_uniforms(n_paths, 2 * j, path0, stream, k0, k1, xp=xp)
        bd, ad = quotes(bid[j, :], ask[j, :], state[1], q_min, xp=xp)
        if record is not None:
            s0_, q0_ = float(state[0][0]), float(state[1][0])
            record.append((j * dt, s0_, s0_ - float(bd[0]), s0_ + float(ad[0]), q0_))
        state = step(state, bd, ad, u, s_step, A, k, dt, xp=xp)
    if record is not None:
        record.append((n_steps * dt, float(state[0][0]), float("nan"), float("nan"), float(state[1][0])))
    return state
