"""The public functions of the Hawkes family: validation, backend choice and dispatch (see the package docstring)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..._typing import ArrayLike, Float64Array
from ...errors import InvalidParameters, NumericalInstability, check_array, check_choice, check_int, check_positive
from ..backend import fast_path, fast_paths, get_backend, register_fast_path
from ..rng import Philox
from . import reference
from .core import FitStatus, KernelCode, Status, assemble_target, n_params_target
from .models import (
    DECAY_STRUCTURES,
    HAWKES_EVENT_DTYPE,
    ExplosiveProcess,
    ExponentialKernel,
    FitLayout,
    HawkesPaths,
    HawkesProcess,
    PowerLawKernel,
    SumExponentialKernel,
    check_events,
    stationary_budget,
)

__all__ = [
    "ExponentialKernel",
    "SumExponentialKernel",
    "PowerLawKernel",
    "HawkesProcess",
    "HawkesPaths",
    "HAWKES_EVENT_DTYPE",
    "ExplosiveProcess",
    "FitLayout",
    "DECAY_STRUCTURES",
    "METHODS",
    "simulate",
    "intensity",
    "compensator",
    "residuals",
    "log_likelihood",
    "log_likelihood_derivatives",
    "group_events",
    "EventSet",
    "event_set",
    "batched_fit_available",
    "fit_newton_batch",
    "FitStatus",
]

METHODS = ("auto", "exact", "thinning")

_MODULES = {"numba": "numba", "cupy": "cuda"}
_KERNELS = {
    "hawkes.simulate_exact": ("numba", "cupy"),  # Dassios–Zhao, exponential family
    "hawkes.simulate_thinning": ("numba",),  # Ogata, every kernel
    "hawkes.intensity": ("numba",),  # the exponential recursion
    "hawkes.log_likelihood": ("numba",),  # Ozaki's recursion with derivatives
    "hawkes.fit_batch": ("numba",),  # projected Newton, one series per thread
}
_TARGETS = {
    "hawkes.simulate_exact": "simulate_dz",
    "hawkes.simulate_thinning": "simulate_ogata",
    "hawkes.intensity": "intensity",
    "hawkes.log_likelihood": "log_likelihood",
    "hawkes.fit_batch": "fit_batch",
}
for _kernel, _backends in _KERNELS.items():
    for _backend in _backends:
        register_fast_path(_kernel, _backend, f"{__package__}.{_MODULES[_backend]}:{_TARGETS[_kernel]}")

_MAX_CAPACITY = 2**28  # events per path the padded output may reserve


def _check_process(process) -> HawkesProcess:
    if not isinstance(process, HawkesProcess):
        raise TypeError(f"process must be a HawkesProcess, got {type(process).__name__}")
    return process


class EventSet(NamedTuple):
    """Validated events in the two orders the recursions read: by time, and grouped by dimension."""

    times: np.ndarray  # (N,) sorted
    marks: np.ndarray  # (N,) int64
    by_dim: np.ndarray  # (N,) dimension j is by_dim[offsets[j]:offsets[j + 1]], each in time order
    offsets: np.ndarray  # (D + 1,) int64


def event_set(times: np.ndarray, marks: np.ndarray, dim: int) -> EventSet:
    """The :class:`EventSet` of validated, time-sorted events (``marks`` int64 in ``[0, dim)``)."""
    by_dim, offsets = group_events(times, marks, dim)
    return EventSet(
        np.ascontiguousarray(times, dtype=np.float64), np.ascontiguousarray(marks, dtype=np.int64), by_dim, offsets
    )


def group_events(times: np.ndarray, marks: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(times grouped by dimension, offsets (D + 1,)): dimension ``j`` is ``times[offsets[j]:offsets[j + 1]]``.

    The sort is stable, so each dimension keeps its time order.
    """
    order = np.argsort(marks, kind="stable")
    offsets = np.zeros(dim + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount(marks, minlength=dim))
    return np.ascontiguousarray(times[order]), offsets


def _groups(process: HawkesProcess):
    """The Dassios–Zhao layout: distinct decays (G,), the group of each component and its jump ``alpha beta``."""
    _, alpha, beta, _ = process.kernel.components()
    decays, gidx = np.unique(beta, return_inverse=True)
    return (
        np.ascontiguousarray(decays),
        np.ascontiguousarray(gidx.reshape(beta.shape), dtype=np.int64),
        np.ascontiguousarray(alpha * beta),
    )


def simulate(
    process: HawkesProcess,
    horizon: float,
    n_paths: int = 1,
    *,
    seed: int = 0,
    stream: int = 0,
    path_offset: int = 0,
    method: str = "auto",
    nonstationary: bool = False,
    max_events: int | None = None,
    backend: str | None = None,
) -> HawkesPaths:
    """Simulate ``n_paths`` independent paths of ``process`` on ``[0, horizon]`` from an empty history.

    Parameters
    ----------
    process : HawkesProcess
        Baseline (events per unit time) and kernel.
    horizon : float
        ``T > 0``, in the time unit of the baseline and decays.
    n_paths : int
        Number of paths (>= 1).
    seed, stream : int
        The Philox stream; path ``p`` depends only on ``(seed, stream, path_offset + p)`` (see
        :class:`.core.Draw`), not on the backend, the batch or the thread count.
    path_offset : int
        Number of the first path, so a large simulation can be split into batches with identical paths.
    method : {"auto", "exact", "thinning"}
        ``exact``: Dassios & Zhao (2013), exponential and sum-of-exponential kernels, O(D + K) work
        per event; ``thinning``: Ogata (1981), every kernel, O(n) per candidate; ``auto`` takes
        ``exact`` where it exists.
    nonstationary : bool, default False
        Allow a branching matrix of spectral radius >= 1 (an explosive process on a finite horizon);
        then ``max_events`` is required.
    max_events : int, optional
        The most events a path may have; a path that would exceed it raises ``NumericalInstability``.
        By default room is reserved from the stationary mean and variance of the counts, and paths
        that need more are simulated again with more room (the same numbers: a path is a pure
        function of its number).
    backend : str, optional
        ``numpy`` (reference), ``numba`` (parallel over paths), ``cupy`` (one GPU thread per path,
        exact method only) or ``auto``.

    Returns
    -------
    HawkesPaths

    Raises
    ------
    ExplosiveProcess
        If the spectral radius of the branching matrix is >= 1 and ``nonstationary`` is False.
    InvalidParameters
        For a bad horizon, count, seed, method (``exact`` with a power-law kernel) or backend.
    NumericalInstability
        If a path exceeds ``max_events``.

    Examples
    --------
    >>> from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, simulate
    >>> proc = HawkesProcess([0.5, 0.5], ExponentialKernel([[0.2, 0.1], [0.1, 0.2]], 3.0))
    >>> paths = simulate(proc, 100.0, 4, seed=1, backend="numpy")
    >>> paths.n_paths, bool((paths.counts.sum(axis=1) > 0).all())
    (4, True)
    """
    process = _check_process(process)
    horizon = check_positive("horizon", horizon)
    n_paths = check_int("n_paths", n_paths, minimum=1)
    seed = check_int("seed", seed, minimum=0, maximum=2**64 - 1)
    stream = check_int("stream", stream, minimum=0, maximum=2**32 - 1)
    path_offset = check_int("path_offset", path_offset, minimum=0)
    if path_offset + n_paths > 2**32:
        raise InvalidParameters(f"path_offset + n_paths must be <= 2**32, got {path_offset + n_paths}")
    method = check_choice("method", method, METHODS)
    if not isinstance(nonstationary, (bool, np.bool_)):
        raise TypeError(f"nonstationary must be a bool, got {type(nonstationary).__name__}")
    code = process.kernel.components()[0]
    if method == "auto":
        method = "exact" if code == KernelCode.EXPONENTIAL else "thinning"
    if method == "exact" and code != KernelCode.EXPONENTIAL:
        raise InvalidParameters(
            "method 'exact' needs an exponential or sum-of-exponential kernel; use 'thinning', or "
            "PowerLawKernel.to_sum_exponential() for an exact simulation of its approximation"
        )
    if not nonstationary:
        process.check_stationary()
    if max_events is not None:
        cap = check_int("max_events", max_events, minimum=1, maximum=_MAX_CAPACITY)
    elif not process.is_stationary:
        raise InvalidParameters(
            "max_events is needed with nonstationary=True (an explosive process has no count "
            "budget); pass the most events a path may have"
        )
    else:
        mean, sd = stationary_budget(process, horizon)
        cap = int(min(mean + 8.0 * sd + 64.0, _MAX_CAPACITY))
    kernel = "hawkes.simulate_exact" if method == "exact" else "hawkes.simulate_thinning"
    be = get_backend(backend, kernel=kernel)
    impl = fast_path(kernel, be)
    if impl is None and be.name not in ("numpy", "jax"):
        raise InvalidParameters(
            f"method {method!r} does not run on backend {be.name!r}; backends that run it: numpy, "
            f"{', '.join(fast_paths(kernel))}"
        )
    k0, k1 = Philox(seed, stream).key
    mu = np.ascontiguousarray(process.baseline)

    def run(ids: np.ndarray, room: int):
        if method == "exact":
            decays, gidx, jump = _groups(process)
            args = (ids, horizon, mu, float(mu.sum()), decays, gidx, jump, k0, k1, stream, room)
            if impl is not None:
                return impl(*args)
            with be.x64():
                out = reference.simulate_dz(be.xp, *args)
        else:
            code_, alpha, s1, s2 = process.kernel.components()
            args = (
                ids,
                horizon,
                int(code_),
                mu,
                np.ascontiguousarray(alpha),
                np.ascontiguousarray(s1),
                np.ascontiguousarray(s2),
                k0,
                k1,
                stream,
                room,
            )
            if impl is not None:
                return impl(*args)
            with be.x64():
                out = reference.simulate_ogata(be.xp, *args)
        return tuple(be.to_host(a) for a in out)

    ids = np.arange(path_offset, path_offset + n_paths, dtype=np.uint64)
    times, marks, counts, status = run(ids, cap)
    counts = np.asarray(counts, dtype=np.int64).copy()
    pending = np.flatnonzero(np.asarray(status) == Status.CAPACITY)
    redone: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # paths simulated again with more room
    while pending.size:
        if max_events is not None or cap >= _MAX_CAPACITY:
            p = int(pending[0]) + path_offset
            raise NumericalInstability(
                f"path {p} has more than max_events = {cap} events before the horizon "
                f"{horizon!r}; raise max_events or shorten the horizon"
            )
        cap = min(2 * cap, _MAX_CAPACITY)
        t2, m2, c2, s2_ = run(ids[pending], cap)
        for r, p in enumerate(pending):
            redone[int(p)] = (t2[r], m2[r])
            counts[p] = c2[r]
        pending = pending[np.asarray(s2_) == Status.CAPACITY]
    offsets = np.zeros(n_paths + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    if not redone:  # the padded rows, path by path: a mask in row-major order
        filled = np.arange(times.shape[1]) < counts[:, None]
        return HawkesPaths(times[filled], marks[filled].astype(np.int64), offsets, horizon, process.dim, path_offset)
    rows = [redone.get(p, (times[p], marks[p])) for p in range(n_paths)]
    flat_t = np.concatenate([t[: counts[p]] for p, (t, _) in enumerate(rows)])
    flat_m = np.concatenate([m[: counts[p]] for p, (_, m) in enumerate(rows)]).astype(np.int64)
    return HawkesPaths(flat_t, flat_m, offsets, horizon, process.dim, path_offset)


def _queries(at) -> tuple[np.ndarray, np.ndarray | None]:
    """Validated query times in increasing order, and the order that sorted them (``None``: already sorted)."""
    q = check_array("at", at, dtype=np.float64, cast=True)
    if q.ndim != 1:
        raise InvalidParameters(f"at must be 1-dimensional, got shape {q.shape}")
    if not np.all(np.isfinite(q)) or (q.size and q.min() < 0.0):
        bad = int(np.argmax(~np.isfinite(q) | (q < 0.0)))
        raise InvalidParameters(f"at must be finite and >= 0; at[{bad}] = {q[bad]!r}")
    if q.size < 2 or np.all(q[1:] >= q[:-1]):
        return np.ascontiguousarray(q), None
    order = np.argsort(q, kind="stable")
    return np.ascontiguousarray(q[order]), order


def _evaluate(process, times, marks, at, backend):
    """(lambda, Lambda), each (M, D), at the query times ``at`` (default: the event times)."""
    process = _check_process(process)
    t_end = float(np.max(times)) if np.size(times) else 1.0
    t, m, _ = check_events(times, marks, max(t_end, 1e-300), process.dim)
    q, order = _queries(t if at is None else at)
    code, alpha, s1, s2 = process.kernel.components()
    be = get_backend(backend, kernel="hawkes.intensity")
    impl = fast_path("hawkes.intensity", be) if code == KernelCode.EXPONENTIAL else None
    if impl is not None:
        ev = event_set(t, m, process.dim)
        lam, comp = impl(
            q,
            (ev.by_dim, ev.offsets, ev.times, ev.marks),
            process.baseline,
            np.ascontiguousarray(alpha),
            np.ascontiguousarray(s1),
        )
    else:
        with be.x64():
            xp = be.xp
            lam, comp = reference.intensity(
                xp, xp.asarray(q), xp.asarray(t), xp.asarray(m), code, process.baseline, alpha, s1, s2
            )
            lam, comp = be.to_host(lam), be.to_host(comp)
    if order is None:
        return lam, comp
    out_lam = np.empty_like(lam)
    out_comp = np.empty_like(comp)
    out_lam[order] = lam
    out_comp[order] = comp
    return out_lam, out_comp


def intensity(
    process: HawkesProcess,
    times: ArrayLike,
    marks: ArrayLike | None = None,
    at: ArrayLike | None = None,
    *,
    backend: str | None = None,
) -> Float64Array:
    """The intensities ``lambda_i(t) = mu_i + sum_{t_n < t} phi_{i d_n}(t - t_n)`` at times ``at``, (M, D).

    ``at`` defaults to the event times (the left limits used by the likelihood).  Exponential
    kernels use the O((M + N) D K) recursion on the numba backend; the power law (and the numpy
    backend) the exact direct sum, O(M N D).  ``times`` sorted, finite, >= 0; ``marks`` (int, in
    ``[0, D)``) may be omitted for D = 1.

    Examples
    --------
    >>> from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, intensity
    >>> proc = HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0))
    >>> round(float(intensity(proc, [0.0], at=[1.0], backend="numpy")[0, 0]), 6)  # 1 + 0.5 * 2 e^-2
    1.135335
    """
    return _evaluate(process, times, marks, at, backend)[0]


def compensator(
    process: HawkesProcess,
    times: ArrayLike,
    marks: ArrayLike | None = None,
    at: ArrayLike | None = None,
    *,
    backend: str | None = None,
) -> Float64Array:
    """The compensators ``Lambda_i(t) = int_0^t lambda_i`` at times ``at``, (M, D) (see :func:`intensity`)."""
    return _evaluate(process, times, marks, at, backend)[1]


def residuals(
    process: HawkesProcess,
    times: ArrayLike,
    marks: ArrayLike | None = None,
    *,
    horizon: float,
    backend: str | None = None,
) -> list[Float64Array]:
    """Time-rescaled residuals: per dimension ``i``, ``Lambda_i(t_m^i) - Lambda_i(t_{m-1}^i)`` (from 0).

    Under the model they are independent Exp(1) (the time-rescaling theorem; Brown et al. 2002); a
    list of D arrays, dimension ``i`` holding as many residuals as it has events.
    """
    process = _check_process(process)
    t, m, _ = check_events(times, marks, horizon, process.dim)
    comp = _evaluate(process, t, m, t, backend)[1]
    out = []
    for i in range(process.dim):
        c = comp[m == i, i]
        out.append(np.diff(c, prepend=0.0))
    return out


def log_likelihood(
    process: HawkesProcess,
    times: ArrayLike,
    marks: ArrayLike | None = None,
    *,
    horizon: float,
    backend: str | None = None,
) -> float:
    """``sum_i [sum_{t_m in i} ln lambda_i(t_m) - int_0^T lambda_i]`` on ``[0, horizon]`` (the true value).

    Exponential kernels by Ozaki's O(N D K) recursion on the numba backend; the numpy backend and the
    power law by the direct O(N^2) sums.  ``-inf`` if an event has zero intensity.

    Examples
    --------
    >>> import math
    >>> from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, log_likelihood
    >>> proc = HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0))
    >>> ll = log_likelihood(proc, [1.0], horizon=2.0, backend="numpy")  # ln 1 - 2 - 0.5 (1 - e^-2)
    >>> round(ll - (-2.0 - 0.5 * (1 - math.exp(-2.0))), 12)
    0.0
    """
    process = _check_process(process)
    t, m, horizon = check_events(times, marks, horizon, process.dim)
    code, alpha, s1, s2 = process.kernel.components()
    if code == KernelCode.EXPONENTIAL:
        layout = FitLayout.make(process.dim, alpha.shape[2], decays=s1)
        x = layout.pack(process.baseline, alpha, s1)
        return log_likelihood_derivatives(layout, x, event_set(t, m, process.dim), horizon, order=0, backend=backend)[0]
    be = get_backend(backend, kernel="hawkes.log_likelihood")
    with be.x64():
        xp = be.xp
        return float(
            reference.log_likelihood(xp, xp.asarray(t), xp.asarray(m), horizon, code, process.baseline, alpha, s1, s2)[
                0
            ]
        )


def log_likelihood_derivatives(
    layout: FitLayout, x: Float64Array, events: EventSet, horizon: float, *, order: int = 1, backend: str | None = None
) -> tuple[float, Float64Array, Float64Array]:
    """(value, gradient, Hessian) of the log-likelihood in the fitted vector ``x`` of ``layout``.

    ``events`` is the :func:`event_set` of validated events.  ``order`` 0, 1 or 2 says which
    derivatives to compute (the others are zeros).  Exponential family only; the fitting layer's
    entry point (no validation of ``x`` beyond its length).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.shape != (layout.size,):
        raise InvalidParameters(f"x must have shape ({layout.size},), got shape {x.shape}")
    order = check_int("order", order, minimum=0, maximum=2)
    be = get_backend(backend, kernel="hawkes.log_likelihood")
    impl = fast_path("hawkes.log_likelihood", be)
    if impl is not None:
        return impl(
            x,
            layout.tie,
            layout.beta_fixed,
            (events.by_dim, events.offsets, events.times, events.marks),
            horizon,
            order,
            layout.merged,
        )
    mu, alpha, beta = layout.unpack(x)
    with be.x64():
        xp = be.xp
        value, lgrad, lhess = reference.log_likelihood(
            xp,
            xp.asarray(events.times),
            xp.asarray(events.marks),
            horizon,
            KernelCode.EXPONENTIAL,
            mu,
            alpha,
            beta,
            np.zeros_like(beta),
            order,
        )
    grad = np.zeros(layout.size)
    hess = np.zeros((layout.size, layout.size))
    n_local = n_params_target(layout.n_dim, layout.n_comp)
    for i in range(layout.n_dim):
        assemble_target(
            i,
            layout.n_dim,
            layout.n_comp,
            layout.tie,
            order,
            lgrad[i] if order >= 1 else np.zeros(n_local),
            lhess[i] if order >= 2 else np.zeros((n_local, n_local)),
            grad,
            hess,
        )
    return float(value), grad, hess


def batched_fit_available(backend: str | None = None) -> bool:
    """True when :func:`fit_newton_batch` runs on ``backend`` (it has a numba fast path only)."""
    return fast_path("hawkes.fit_batch", get_backend(backend, kernel="hawkes.fit_batch")) is not None


def fit_newton_batch(
    layout: FitLayout,
    starts: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    logflag: np.ndarray,
    events: list[EventSet],
    horizons: np.ndarray,
    *,
    max_iter: int = 200,
    gtol: float = 1e-9,
    backend: str | None = None,
) -> tuple[np.ndarray, ...]:
    """Projected-Newton fits of many series at once (see :mod:`.numba`); the fitting layer's entry point.

    ``starts`` (S, R, P) in the optimiser's coordinates ``z`` (``x = e^z`` where ``logflag``),
    ``lower``/``upper`` (S, P) bounds on ``z``, ``events`` one :class:`EventSet` per series,
    ``horizons`` (S,).  Returns (z (S, P), status (S,) of :class:`.core.FitStatus`, iterations (S,),
    log-likelihood (S,), Hessian (S, P, P), the Kolmogorov–Smirnov distance of each dimension's
    time-rescaled residuals from Exp(1) (S, D)), the last three in the natural coordinates ``x``.
    """
    be = get_backend(backend, kernel="hawkes.fit_batch")
    impl = fast_path("hawkes.fit_batch", be)
    if impl is None:
        raise InvalidParameters(f"the batched Newton fit runs on backend numba only, not {be.name!r}")
    sizes = np.array([ev.times.size for ev in events], dtype=np.int64)
    base = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    offsets = np.stack([b + ev.offsets for b, ev in zip(base, events)]).astype(np.int64)
    flat = (
        np.concatenate([ev.by_dim for ev in events]),
        np.concatenate([ev.times for ev in events]),
        np.concatenate([ev.marks for ev in events]),
    )
    return impl(
        np.ascontiguousarray(starts, dtype=np.float64),
        np.ascontiguousarray(lower, dtype=np.float64),
        np.ascontiguousarray(upper, dtype=np.float64),
        np.ascontiguousarray(logflag, dtype=np.bool_),
        layout.tie,
        layout.beta_fixed,
        flat,
        offsets,
        np.ascontiguousarray(horizons, dtype=np.float64),
        layout.merged,
        max_iter=max_iter,
        gtol=gtol,
    )
