"""Monte Carlo pricing and batches of quote surfaces split into tasks over a Dask cluster, with
results bit for bit equal to the local run whatever the number of workers and the chunking.

Two facts make that hold.  Every random number is addressed by ``(seed, stream, path, step)``
(Philox4x32-10, ``kernels.rng``), so a task that simulates the path range ``[start, stop)``
(``simulate(..., path_offset=start)``) produces exactly those paths' values wherever it runs; each
task is keyed by its path range.  And the reduction is exact: a task returns the sums of its payoffs
and of their squares as Shewchuk's non-overlapping partials (an exact representation, a few dozen
floats at most), and the client rounds the union of all partials once (``math.fsum``), which gives
the correctly rounded sum of every path's payoff, a number that does not depend on how the paths
were grouped.  A batch of surfaces is split by parameter set, each task computing a contiguous run of
sets with the model's batched ``quote_surfaces``; the models compute each set on its own, so the
surfaces equal those of one local batched call.

A worker that dies mid-run loses its tasks; the scheduler runs them again elsewhere (Dask's
``distributed.scheduler.allowed-failures``, 3 by default), and since a task's result is a function of
its key, the answer is unchanged.  Tasks should last >= 50 ms each: the scheduler spends about a
millisecond per task.

Dask (``quantforge[dist]``) is imported only when a ``client`` is given.

References
----------
Shewchuk, J. R. (1997), "Adaptive precision floating-point arithmetic and fast robust geometric
predicates", Discrete Comput. Geom. 18 (the partials), and Python's ``math.fsum``.
Salmon, J. K. et al. (2011), "Parallel random numbers: as easy as 1, 2, 3", SC'11 (Philox).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._typing import ArrayLike, BackendName
from .errors import HardwareError, InvalidParameters, check_finite, check_int, check_positive
from .kernels.backend import resolve_backend
from .kernels.jit import jit
from .kernels.sde import MonteCarloPrice, simulate
from .models.parameters import ModelParams

__all__ = ["european_price", "quote_surfaces", "path_chunks", "exact_partials", "exact_sum"]

_MAX_PARTIALS = 128  # non-overlapping float64 partials span at most 2098 bits: about 40 of them


@jit(error_model="numpy")
def _grow_partials(x, partials, n):
    """Add every value of ``x`` exactly to the ``n`` partials (Shewchuk's grow-expansion, the loop of
    ``math.fsum``); returns the new count."""
    for k in range(x.shape[0]):
        v = x[k]
        i = 0
        for m in range(n):
            y = partials[m]
            if abs(v) < abs(y):
                v, y = y, v
            hi = v + y
            lo = y - (hi - v)
            if lo != 0.0:
                partials[i] = lo
                i += 1
            v = hi
        partials[i] = v
        n = i + 1
    return n


def exact_partials(values: ArrayLike) -> list[float]:
    """Non-overlapping floats whose exact sum is the exact sum of ``values`` (finite float64).

    Examples
    --------
    >>> exact_partials([1e16, 1.0, -1e16, 0.5])
    [1.5]
    """
    x = np.ascontiguousarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(x)):
        raise InvalidParameters("exact_partials needs finite values")
    partials = np.zeros(_MAX_PARTIALS)
    n = _grow_partials(x, partials, 0)
    return partials[:n].tolist()


def exact_sum(values: ArrayLike) -> float:
    """The correctly rounded sum of ``values``: the same float whatever their order or grouping.

    Examples
    --------
    >>> exact_sum([0.1] * 10), sum([0.1] * 10)
    (1.0, 0.9999999999999999)
    """
    return math.fsum(exact_partials(values))


def path_chunks(n_paths: int, chunk_paths: int) -> list[tuple[int, int]]:
    """The path ranges ``[start, stop)`` of ``chunk_paths`` paths each (the last may be shorter)."""
    n_paths = check_int("n_paths", n_paths, minimum=1)
    chunk_paths = check_int("chunk_paths", chunk_paths, minimum=1)
    return [(s, min(s + chunk_paths, n_paths)) for s in range(0, n_paths, chunk_paths)]


def _payoff_partials(
    model: Any,
    spot: float,
    strike: float,
    horizon: float,
    n_steps: int,
    start: int,
    stop: int,
    call: bool,
    scheme: str,
    seed: int,
    stream: int,
    backend: str,
) -> tuple[list[float], list[float]]:
    """One task: paths ``[start, stop)``; the exact partials of their payoffs and of the squares."""
    res = simulate(
        model,
        spot,
        horizon,
        n_steps,
        stop - start,
        scheme=scheme,
        seed=seed,
        stream=stream,
        path_offset=start,
        backend=backend,
    )
    pay = np.maximum(res.terminal - strike, 0.0) if call else np.maximum(strike - res.terminal, 0.0)
    return exact_partials(pay), exact_partials(pay * pay)


def _token(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _run(client: Any, fn: Callable[..., Any], calls: list[tuple[str, tuple]]) -> list[Any]:
    """``fn(*args)`` for every ``(key, args)``, on the cluster when there is a client, in order."""
    if client is None:
        return [fn(*args) for _, args in calls]
    try:
        import distributed  # noqa: F401  (the client's package: its absence is the extra missing)
    except ImportError as exc:
        raise HardwareError(f"dask.distributed is needed with a client ({exc}); install quantforge[dist]") from None
    futures = [client.submit(fn, *args, key=key, pure=True) for key, args in calls]
    return client.gather(futures)


def european_price(
    model: Any,
    spot: float,
    strike: float,
    horizon: float,
    rate: float,
    n_steps: int,
    n_paths: int,
    *,
    call: bool = True,
    scheme: str = "exact",
    seed: int = 0,
    stream: int = 0,
    backend: BackendName = None,
    client: Any = None,
    chunk_paths: int | None = None,
) -> MonteCarloPrice:
    """Monte Carlo price of a European call or put, split into path ranges over a Dask cluster.

    The estimate is ``e^{-rT} S / n`` with ``S`` the correctly rounded sum of the ``n_paths`` payoffs,
    and its standard error from the correctly rounded sum of their squares: the same bits for one
    process and for any cluster, worker count and ``chunk_paths``.

    Parameters
    ----------
    model, spot, strike, horizon, rate, n_steps, n_paths, call, scheme, seed, stream
        As :func:`quantforge.kernels.sde.european_price` (``mu`` the risk-neutral drift, rates per year).
    backend : str, optional
        Resolved here (``auto``: the fastest on this machine) and used by every task; the workers
        must have it.  Paths agree bit for bit on one backend and to the last ulps across backends.
    client : distributed.Client, optional
        Where the tasks run; ``None`` runs them here, one after the other.
    chunk_paths : int, optional
        Paths per task (default: all in one task).  Size tasks to >= 50 ms each.

    Returns
    -------
    MonteCarloPrice
        ``price``, ``stderr`` (NaN for one path) and ``n_paths``.

    Raises
    ------
    InvalidParameters, NumericalInstability
        As :func:`~quantforge.kernels.sde.simulate`, raised on the client.
    HardwareError
        If a client is given but dask.distributed cannot be imported.

    Examples
    --------
    >>> from quantforge.kernels.sde import GBM
    >>> one = european_price(GBM(mu=0.05, sigma=0.2), 100.0, 100.0, 1.0, 0.05, 1, 40_000, seed=3, backend="numpy")
    >>> four = european_price(GBM(mu=0.05, sigma=0.2), 100.0, 100.0, 1.0, 0.05, 1, 40_000, seed=3, backend="numpy",
    ...                       chunk_paths=10_000)
    >>> one == four, abs(one.price - 10.4506) < 3 * one.stderr
    (True, True)
    """
    strike = check_positive("strike", strike)
    rate = check_finite("rate", rate)
    horizon = check_positive("horizon", horizon)
    n_paths = check_int("n_paths", n_paths, minimum=1)
    backend = resolve_backend(backend)
    chunks = path_chunks(n_paths, n_paths if chunk_paths is None else chunk_paths)
    token = _token("european", model, spot, strike, horizon, n_steps, bool(call), scheme, seed, stream, backend)
    calls = [
        (
            f"qf-price-{token}-paths-{start}-{stop}",
            (model, spot, strike, horizon, n_steps, start, stop, bool(call), scheme, seed, stream, backend),
        )
        for start, stop in chunks
    ]
    parts = _run(client, _payoff_partials, calls)
    total = math.fsum(p for s, _ in parts for p in s)
    total_sq = math.fsum(p for _, s in parts for p in s)
    disc = math.exp(-rate * horizon)
    mean = total / n_paths
    if n_paths < 2:
        stderr = float("nan")
    else:
        var = max((total_sq - total * mean) / (n_paths - 1), 0.0)
        stderr = disc * math.sqrt(var / n_paths)
    return MonteCarloPrice(disc * mean, stderr, n_paths)


def _sets(params: ModelParams, start: int, stop: int) -> ModelParams:
    """Parameter sets ``start..stop-1`` of a batch, as a batch."""
    return dataclasses.replace(params, **{k: v[start:stop] for k, v in params.columns().items()})


def _surfaces_task(fn: Callable[..., list], params: ModelParams, args: tuple, kwargs: dict) -> list:
    return fn(params, *args, **kwargs)


def quote_surfaces(
    fn: Callable[..., list],
    params: ModelParams,
    *args: Any,
    client: Any = None,
    sets_per_task: int | None = None,
    **kwargs: Any,
) -> list:
    """A model's batched ``quote_surfaces`` split by parameter set over a Dask cluster.

    Parameters
    ----------
    fn : callable
        A model's ``quote_surfaces(params, ...)`` (``quantforge.models.glft_quote_surfaces``, ...).
    params : ModelParams
        The batch; each task takes ``sets_per_task`` consecutive sets of it.
    *args, **kwargs
        The rest of ``fn``'s arguments (grid, bounds, ``backend=``), the same for every task.
    client : distributed.Client, optional
        Where the tasks run; ``None`` runs them here.
    sets_per_task : int, optional
        Parameter sets per task (default: all in one task).

    Returns
    -------
    list of QuoteSurface (n_sets,)
        In the batch's order; equal to ``fn(params, *args, **kwargs)``.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.models import ASParams, as_quote_surfaces
    >>> p = ASParams(gamma=[0.05, 0.1, 0.2], sigma=2.0, k=1.5)
    >>> split = quote_surfaces(as_quote_surfaces, p, np.linspace(0, 1, 5), -2, 2, sets_per_task=2)
    >>> whole = as_quote_surfaces(p, np.linspace(0, 1, 5), -2, 2)
    >>> all(np.array_equal(a.bid_depth, b.bid_depth) for a, b in zip(split, whole))
    True
    """
    if not isinstance(params, ModelParams):
        raise TypeError(f"params must be a model's parameter dataclass (ModelParams), got {type(params).__name__}")
    n = params.n_sets
    if not params.batched:
        return _run(
            client,
            _surfaces_task,
            [(f"qf-surfaces-{_token(fn, params, args, kwargs)}-sets-0-1", (fn, params, args, kwargs))],
        )[0]
    token = _token(fn.__module__, fn.__qualname__, params.as_dict(), args, sorted(kwargs.items()))
    calls = [
        (f"qf-surfaces-{token}-sets-{a}-{b}", (fn, _sets(params, a, b), args, kwargs))
        for a, b in path_chunks(n, n if sets_per_task is None else sets_per_task)
    ]
    return [s for batch in _run(client, _surfaces_task, calls) for s in batch]
