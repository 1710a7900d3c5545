"""The kernels, the process and the simulated paths of the Hawkes family.

A D-dimensional Hawkes process has intensities ``lambda_i(t) = mu_i + sum_j sum_{t_n^j < t} phi_ij(t - t_n^j)``
(Hawkes 1971): an event in dimension ``j`` raises the intensity of ``i`` by the kernel ``phi_ij``.
Every kernel here is written with its L1 norm ``||phi_ij|| = adjacency[i, j]`` (tick's convention),
so ``adjacency`` is the branching matrix: ``adjacency[i, j]`` is the mean number of events in ``i``
that one event in ``j`` triggers directly.  The process is stationary iff the spectral radius of the
branching matrix is < 1, and then its mean intensity is ``(I - adjacency)^{-1} mu``.

* :class:`ExponentialKernel`: ``phi_ij(t) = alpha_ij beta_ij exp(-beta_ij t)``;
* :class:`SumExponentialKernel`: ``phi_ij(t) = sum_k alpha_ijk beta_k exp(-beta_k t)``;
* :class:`PowerLawKernel`: ``phi_ij(t) = alpha_ij (p - 1) c^(p-1) (t + c)^(-p)`` with ``p > 1``, ``c > 0``,
  and its approximation by a sum of exponentials (:meth:`PowerLawKernel.to_sum_exponential`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..._typing import ArrayLike, Float64Array, Int64Array
from ...errors import InvalidParameters, check_array, check_int, check_positive
from .core import KernelCode

__all__ = [
    "ExponentialKernel",
    "SumExponentialKernel",
    "PowerLawKernel",
    "HawkesProcess",
    "HawkesPaths",
    "HAWKES_EVENT_DTYPE",
    "ExplosiveProcess",
    "check_events",
    "stationary_budget",
    "FitLayout",
    "DECAY_STRUCTURES",
]

# One event as the engine reads it: int64 nanoseconds, then the dimension and the path it belongs to.
HAWKES_EVENT_DTYPE = np.dtype([("ts_ns", "<i8"), ("dim", "<i4"), ("path", "<i4")], align=True)


class ExplosiveProcess(InvalidParameters):
    """The branching matrix has spectral radius >= 1: the process explodes (it has no stationary law)."""


def _real_array(name: str, value, shape_hint: str) -> np.ndarray:
    arr = check_array(name, value, dtype=np.float64, cast=True)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must be real numbers ({shape_hint})")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise InvalidParameters(f"{name} must be finite; {name}[{bad}] = {arr[bad]!r}")
    arr = np.array(arr, dtype=np.float64)  # a private copy: the frozen kernel never aliases user data
    arr.setflags(write=False)
    return arr


def _nonnegative(name: str, arr: np.ndarray) -> np.ndarray:
    if np.any(arr < 0.0):
        bad = tuple(int(i) for i in np.argwhere(arr < 0.0)[0])
        raise InvalidParameters(f"{name} must be >= 0; {name}[{bad}] = {arr[bad]!r}")
    return arr


def _positive(name: str, arr: np.ndarray) -> np.ndarray:
    if np.any(arr <= 0.0):
        bad = tuple(int(i) for i in np.argwhere(arr <= 0.0)[0])
        raise InvalidParameters(f"{name} must be > 0; {name}[{bad}] = {arr[bad]!r}")
    return arr


def _square(name: str, arr: np.ndarray, ndim: int) -> int:
    if arr.ndim != ndim or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        want = "(D, D)" if ndim == 2 else "(D, D, K)"
        raise InvalidParameters(f"{name} must have shape {want}, got shape {arr.shape}")
    return arr.shape[0]


def _broadcast(name: str, arr: np.ndarray, shape: tuple[int, ...], allowed: str) -> np.ndarray:
    try:
        out = np.array(np.broadcast_to(arr, shape))
    except ValueError:
        raise InvalidParameters(f"{name} must have shape {allowed}, got shape {arr.shape}") from None
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class ExponentialKernel:
    """``phi_ij(t) = adjacency_ij decays_ij exp(-decays_ij t)`` (tick's ``HawkesKernelExp`` matrix).

    Parameters
    ----------
    adjacency : (D, D) array
        L1 norms ``alpha_ij >= 0`` (dimensionless: events in ``i`` triggered per event in ``j``).
    decays : float or (D, D) array
        ``beta_ij > 0`` in events per unit time (the kernel's mean lag is ``1 / beta``).
    """

    adjacency: np.ndarray
    decays: np.ndarray

    def __post_init__(self):
        adj = _nonnegative("adjacency", _real_array("adjacency", self.adjacency, "(D, D)"))
        dim = _square("adjacency", adj, 2)
        dec = _positive("decays", _real_array("decays", self.decays, "scalar or (D, D)"))
        object.__setattr__(self, "adjacency", adj)
        object.__setattr__(self, "decays", _broadcast("decays", dec, (dim, dim), f"() or ({dim}, {dim})"))

    @property
    def dim(self) -> int:
        return self.adjacency.shape[0]

    def components(self) -> tuple[KernelCode, Float64Array, Float64Array, Float64Array]:
        """(code, alpha, shape1, shape2), each (D, D, K): the core's form of the kernel."""
        return (
            KernelCode.EXPONENTIAL,
            self.adjacency[:, :, None],
            self.decays[:, :, None],
            np.zeros((self.dim,) * 2 + (1,)),
        )

    def values(self, t: ArrayLike) -> Float64Array:
        """``phi_ij(t)`` at times ``t >= 0`` (any shape): array of shape ``t.shape + (D, D)``."""
        return _values(self, t)

    def integral(self, t: ArrayLike) -> Float64Array:
        """``int_0^t phi_ij``: shape ``t.shape + (D, D)``."""
        return _integral(self, t)


@dataclass(frozen=True, eq=False)
class SumExponentialKernel:
    """``phi_ij(t) = sum_k adjacency_ijk decays_k exp(-decays_k t)`` (tick's ``HawkesSumExpKern``).

    Parameters
    ----------
    adjacency : (D, D, K) array
        ``alpha_ijk >= 0``; ``||phi_ij|| = sum_k alpha_ijk``.
    decays : (K,) or (D, D, K) array
        ``beta > 0`` per component, shared by every pair (K,) or per pair.
    """

    adjacency: np.ndarray
    decays: np.ndarray

    def __post_init__(self):
        adj = _nonnegative("adjacency", _real_array("adjacency", self.adjacency, "(D, D, K)"))
        _square("adjacency", adj, 3)
        dec = _positive("decays", _real_array("decays", self.decays, "(K,) or (D, D, K)"))
        shape = adj.shape
        object.__setattr__(self, "adjacency", adj)
        object.__setattr__(self, "decays", _broadcast("decays", dec, shape, f"({shape[2]},) or {shape}"))

    @property
    def dim(self) -> int:
        return self.adjacency.shape[0]

    def components(self) -> tuple[KernelCode, Float64Array, Float64Array, Float64Array]:
        return KernelCode.EXPONENTIAL, self.adjacency, self.decays, np.zeros(self.adjacency.shape)

    def values(self, t: ArrayLike) -> Float64Array:
        return _values(self, t)

    def integral(self, t: ArrayLike) -> Float64Array:
        return _integral(self, t)


@dataclass(frozen=True, eq=False)
class PowerLawKernel:
    """``phi_ij(t) = adjacency_ij (p - 1) c^(p-1) (t + c)^(-p)``: L1 norm ``adjacency_ij``, tail ``t^-p``.

    Parameters
    ----------
    adjacency : (D, D) array
        ``alpha_ij >= 0``.
    exponent : float or (D, D) array
        ``p > 1`` (a finite L1 norm needs it).
    cutoff : float or (D, D) array
        ``c > 0``, in time units: the kernel is flat for ``t << c``.
    """

    adjacency: np.ndarray
    exponent: np.ndarray = field(default_factory=lambda: np.asarray(1.5))
    cutoff: np.ndarray = field(default_factory=lambda: np.asarray(1.0))

    def __post_init__(self):
        adj = _nonnegative("adjacency", _real_array("adjacency", self.adjacency, "(D, D)"))
        dim = _square("adjacency", adj, 2)
        p = _real_array("exponent", self.exponent, "scalar or (D, D)")
        if np.any(p <= 1.0):
            raise InvalidParameters(f"exponent must be > 1 (a finite L1 norm), got {p!r}")
        c = _positive("cutoff", _real_array("cutoff", self.cutoff, "scalar or (D, D)"))
        object.__setattr__(self, "adjacency", adj)
        object.__setattr__(self, "exponent", _broadcast("exponent", p, (dim, dim), f"() or ({dim}, {dim})"))
        object.__setattr__(self, "cutoff", _broadcast("cutoff", c, (dim, dim), f"() or ({dim}, {dim})"))

    @property
    def dim(self) -> int:
        return self.adjacency.shape[0]

    def components(self) -> tuple[KernelCode, Float64Array, Float64Array, Float64Array]:
        return (KernelCode.POWER_LAW, self.adjacency[:, :, None], self.exponent[:, :, None], self.cutoff[:, :, None])

    def values(self, t: ArrayLike) -> Float64Array:
        return _values(self, t)

    def integral(self, t: ArrayLike) -> Float64Array:
        return _integral(self, t)

    def to_sum_exponential(self, n_terms: int = 32, horizon: float = 1e3) -> tuple[SumExponentialKernel, float]:
        """A sum of ``n_terms`` exponentials close to the kernel on ``[0, horizon]``, and its error.

        ``(t + c)^-p = (1 / Gamma(p)) int x^(p-1) e^{-x (t + c)} dx``; with ``x = e^s`` the integrand
        is smooth and decays double-exponentially, so the trapezoidal rule on a uniform grid of ``s``
        converges geometrically (Trefethen & Weideman 2014).  The grid spans
        ``x in [1e-6^(1/p) / (horizon + c), 40 / c]``: below it the integrand's mass is about ``1e-6`` of
        its total at ``t = horizon``, above it ``e^{-40}``; each node is one exponential ``w_k e^{-x_k t}``.

        Returns
        -------
        (SumExponentialKernel, float)
            The kernel (decays (D, D, K)) and the stated error: the largest relative error
            ``|phi~ - phi| / phi`` over 2000 log-spaced times in ``[0, horizon]`` and every pair.
        """
        n_terms = check_int("n_terms", n_terms, minimum=2, maximum=256)
        horizon = check_positive("horizon", horizon)
        from scipy.special import gammaln

        p, c = self.exponent, self.cutoff
        s_lo = np.log(1e-6 ** (1.0 / p) / (horizon + c))
        s_hi = np.log(40.0 / c)
        h = (s_hi - s_lo) / (n_terms - 1)
        s = s_lo[..., None] + h[..., None] * np.arange(n_terms)
        x = np.exp(s)
        # phi = alpha (p-1) c^(p-1) / Gamma(p) * sum_k h x_k^p e^{-x_k c} e^{-x_k t}; weight_k in L1 units
        log_w = np.log(h)[..., None] + p[..., None] * s - x * c[..., None] - gammaln(p)[..., None]
        log_w += np.log(p - 1.0)[..., None] + (p - 1.0)[..., None] * np.log(c)[..., None]
        w = np.exp(log_w)  # the kernel of a unit-norm power law is sum_k w_k e^{-x_k t}
        adjacency = self.adjacency[..., None] * w / x  # alpha_k beta_k e^{-beta_k t}: alpha_k = amplitude / beta_k
        approx = SumExponentialKernel(adjacency, x)
        t = np.concatenate([[0.0], np.geomspace(1e-6 * float(c.min()), horizon, 1999)])
        exact = self.values(t)
        got = approx.values(t)
        pos = exact > 0
        err = float(np.max(np.abs(got[pos] - exact[pos]) / exact[pos])) if pos.any() else 0.0
        return approx, err


def _values(kernel, t) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)[..., None, None]
    code, alpha, s1, s2 = kernel.components()
    if code == KernelCode.EXPONENTIAL:
        return np.sum(alpha * s1 * np.exp(-s1 * t[..., None]), axis=-1)
    a, p, c = alpha[..., 0], s1[..., 0], s2[..., 0]
    return a * (p - 1.0) * c ** (p - 1.0) * (t + c) ** (-p)


def _integral(kernel, t) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)[..., None, None]
    code, alpha, s1, s2 = kernel.components()
    if code == KernelCode.EXPONENTIAL:
        return np.sum(alpha * -np.expm1(-s1 * t[..., None]), axis=-1)
    a, p, c = alpha[..., 0], s1[..., 0], s2[..., 0]
    return a * (1.0 - (c / (t + c)) ** (p - 1.0))


_KERNELS = (ExponentialKernel, SumExponentialKernel, PowerLawKernel)


@dataclass(frozen=True, eq=False)
class HawkesProcess:
    """A D-dimensional Hawkes process: baseline intensities and a kernel.

    Parameters
    ----------
    baseline : (D,) array
        ``mu_i >= 0``, events per unit time.
    kernel : ExponentialKernel, SumExponentialKernel or PowerLawKernel
        Of dimension D.

    Examples
    --------
    >>> from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess
    >>> proc = HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0))
    >>> float(proc.stationary_intensity()[0])
    2.0
    """

    baseline: np.ndarray
    kernel: ExponentialKernel | SumExponentialKernel | PowerLawKernel

    def __post_init__(self):
        if not isinstance(self.kernel, _KERNELS):
            raise TypeError(
                f"kernel must be an ExponentialKernel, SumExponentialKernel or PowerLawKernel, "
                f"got {type(self.kernel).__name__}"
            )
        mu = _nonnegative("baseline", _real_array("baseline", self.baseline, "(D,)"))
        if mu.ndim != 1 or mu.shape[0] != self.kernel.dim:
            raise InvalidParameters(
                f"baseline must have shape ({self.kernel.dim},) to match the kernel, got shape {mu.shape}"
            )
        object.__setattr__(self, "baseline", mu)

    @property
    def dim(self) -> int:
        return self.baseline.shape[0]

    @property
    def branching_matrix(self) -> np.ndarray:
        """``||phi_ij||``, (D, D)."""
        a = self.kernel.adjacency
        return a.sum(axis=-1) if a.ndim == 3 else a

    @property
    def spectral_radius(self) -> float:
        return float(np.max(np.abs(np.linalg.eigvals(self.branching_matrix))))

    @property
    def is_stationary(self) -> bool:
        return self.spectral_radius < 1.0

    def check_stationary(self) -> None:
        """Raise :class:`ExplosiveProcess` unless the spectral radius of the branching matrix is < 1."""
        rho = self.spectral_radius
        if not rho < 1.0:
            raise ExplosiveProcess(
                f"the branching matrix (kernel adjacency) has spectral radius {rho:.6g} >= 1: the process explodes "
                "(no stationary law); reduce adjacency, or pass nonstationary=True to simulate a finite horizon"
            )

    def stationary_intensity(self) -> np.ndarray:
        """``(I - ||phi||)^{-1} mu``, events per unit time, (D,); raises :class:`ExplosiveProcess` if none."""
        self.check_stationary()
        return np.linalg.solve(np.eye(self.dim) - self.branching_matrix, self.baseline)


def check_events(
    times: ArrayLike, marks: ArrayLike | None, horizon: float, dim: int
) -> tuple[Float64Array, Int64Array, float]:
    """Validated (times float64 (N,), marks int64 (N,), horizon) of one event sequence.

    ``times`` sorted (non-decreasing), finite, in ``[0, horizon]``; ``marks`` integers in ``[0, dim)``
    (``None`` for a univariate process).  Raises ``InvalidParameters`` naming the argument.
    """
    horizon = check_positive("horizon", horizon)
    t = check_array("times", times, dtype=np.float64, cast=True)
    if t.ndim != 1:
        raise InvalidParameters(f"times must be 1-dimensional, got shape {t.shape}")
    if not np.all(np.isfinite(t)):
        bad = int(np.argmax(~np.isfinite(t)))
        raise InvalidParameters(f"times must be finite; times[{bad}] = {t[bad]!r}")
    if t.size and np.any(np.diff(t) < 0):
        bad = int(np.argmax(np.diff(t) < 0))
        raise InvalidParameters(f"times must be sorted; times[{bad}] = {t[bad]!r} > times[{bad + 1}] = {t[bad + 1]!r}")
    if t.size and (t[0] < 0.0 or t[-1] > horizon):
        raise InvalidParameters(f"times must lie in [0, horizon = {horizon!r}], got events from {t[0]!r} to {t[-1]!r}")
    if marks is None:
        if dim != 1:
            raise InvalidParameters(f"marks are needed for a {dim}-dimensional process")
        m = np.zeros(t.shape, dtype=np.int64)
    else:
        m = np.asarray(marks)
        if m.dtype.kind not in "iu":
            raise TypeError(f"marks must be integers (the dimension of each event), got dtype {m.dtype}")
        if m.shape != t.shape:
            raise InvalidParameters(f"marks must have the shape of times {t.shape}, got shape {m.shape}")
        if m.size and (m.min() < 0 or m.max() >= dim):
            raise InvalidParameters(f"marks must lie in [0, {dim}), got values from {m.min()} to {m.max()}")
        m = m.astype(np.int64)
    return np.ascontiguousarray(t), m, horizon


@dataclass(frozen=True, eq=False)
class HawkesPaths:
    """Simulated paths, stored flat: path ``p`` is ``times[offsets[p]:offsets[p + 1]]`` (and ``marks``).

    Attributes
    ----------
    times : float64 (n_events,)
        Event times in ``(0, horizon]``, sorted within each path.
    marks : int64 (n_events,)
        The dimension of each event.
    offsets : int64 (n_paths + 1,)
        Where each path starts in ``times``.
    horizon : float
    dim : int
    path_offset : int
        The index of the first path (paths are numbered ``path_offset + p``).
    """

    times: np.ndarray
    marks: np.ndarray
    offsets: np.ndarray
    horizon: float
    dim: int
    path_offset: int = 0

    def __post_init__(self):
        for a in (self.times, self.marks, self.offsets):
            a.setflags(write=False)  # paths are results: immutable

    @property
    def n_paths(self) -> int:
        return self.offsets.shape[0] - 1

    @property
    def counts(self) -> np.ndarray:
        """Events per path and dimension, (n_paths, D)."""
        path = np.repeat(np.arange(self.n_paths), np.diff(self.offsets))
        out = np.zeros((self.n_paths, self.dim), dtype=np.int64)
        np.add.at(out, (path, self.marks), 1)
        return out

    def path(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        """(times, marks) of path ``p`` (0-based within this batch)."""
        p = check_int("p", p, minimum=0, maximum=self.n_paths - 1)
        lo, hi = self.offsets[p], self.offsets[p + 1]
        return self.times[lo:hi], self.marks[lo:hi]

    def to_records(self, start_ns: int = 0, seconds_per_unit: float = 1.0) -> np.ndarray:
        """All events as a :data:`HAWKES_EVENT_DTYPE` array (ordered by path, then time) for the engine.

        ``ts_ns = start_ns + round(t * seconds_per_unit * 1e9)``: the simulation's time unit is
        ``seconds_per_unit`` seconds.  Rounding to the nanosecond keeps each path's order (ties allowed).
        """
        start_ns = check_int("start_ns", start_ns)
        scale = check_positive("seconds_per_unit", seconds_per_unit) * 1e9
        if self.times.size and self.times[-1:].max() * scale + start_ns >= 2**63:
            raise InvalidParameters("the last event does not fit int64 nanoseconds; lower start_ns or seconds_per_unit")
        out = np.empty(self.times.shape[0], dtype=HAWKES_EVENT_DTYPE)
        out["ts_ns"] = start_ns + np.rint(self.times * scale).astype(np.int64)
        out["dim"] = self.marks
        out["path"] = self.path_offset + np.repeat(np.arange(self.n_paths), np.diff(self.offsets))
        return out

    def as_lists(self, p: int = 0) -> list[np.ndarray]:
        """Path ``p`` as one array of times per dimension (tick's ``timestamps`` format)."""
        t, m = self.path(p)
        return [t[m == i] for i in range(self.dim)]


def stationary_budget(process: HawkesProcess, horizon: float) -> tuple[float, float]:
    """(mean, standard deviation) bounds on the events of a path on ``[0, horizon]`` from empty history.

    The mean intensity rises from ``mu`` to ``Lambda = (I - ||phi||)^{-1} mu``, so ``sum(Lambda) T``
    bounds the mean; counts of a stationary Hawkes process have variance ``T 1'(I - A)^{-1} diag(Lambda)
    (I - A)^{-T} 1`` (Bacry et al. 2012) per unit time.
    """
    lam = process.stationary_intensity()
    inv = np.linalg.inv(np.eye(process.dim) - process.branching_matrix)
    var = float(np.ones(process.dim) @ inv @ np.diag(lam) @ inv.T @ np.ones(process.dim)) * horizon
    return float(lam.sum()) * horizon, math.sqrt(max(var, 0.0))


DECAY_STRUCTURES = ("shared", "target", "pair")


@dataclass(frozen=True, eq=False)
class FitLayout:
    """How a fitted vector ``x = [mu (D), alpha (D, D, K) in C order, free decays (G)]`` maps to a kernel.

    ``tie[i, j, k]`` is the free decay that ``beta_ijk`` equals, or -1 where ``beta_ijk`` is held at
    ``beta_fixed[i, j, k]``.  Build it with :meth:`make`.
    """

    tie: np.ndarray
    beta_fixed: np.ndarray

    @classmethod
    def make(cls, n_dim: int, n_comp: int, structure: str = "shared", decays: ArrayLike | None = None) -> FitLayout:
        """``structure``: one decay per component shared by every pair (``shared``), one per target
        dimension and component (``target``) or one per pair and component (``pair``); ``decays``
        (broadcast to (D, D, K)) holds them all fixed instead."""
        shape = (n_dim, n_dim, n_comp)
        if decays is not None:
            fixed = _positive("decays", _real_array("decays", decays, "scalar, (K,), (D, D) or (D, D, K)"))
            if fixed.ndim == 2:
                fixed = fixed[:, :, None]
            fixed = _broadcast("decays", fixed, shape, f"(), ({n_comp},), ({n_dim}, {n_dim}) or {shape}")
            return cls(np.full(shape, -1, dtype=np.int64), fixed)
        i, j, k = np.indices(shape)
        tie = {"shared": k, "target": i * n_comp + k, "pair": (i * n_dim + j) * n_comp + k}[structure]
        return cls(np.ascontiguousarray(tie, dtype=np.int64), np.zeros(shape))

    @property
    def n_dim(self) -> int:
        return self.tie.shape[0]

    @property
    def n_comp(self) -> int:
        return self.tie.shape[2]

    @property
    def merged(self) -> bool:
        """True when no decay depends on the target dimension (one likelihood pass serves every target)."""
        return bool(np.all(self.tie == self.tie[:1]) and np.all(self.beta_fixed == self.beta_fixed[:1]))

    @property
    def n_decays(self) -> int:
        return int(self.tie.max()) + 1

    @property
    def size(self) -> int:
        return self.n_dim + self.n_dim**2 * self.n_comp + self.n_decays

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mu (D,), alpha (D, D, K), beta (D, D, K)) of a fitted vector."""
        d, k = self.n_dim, self.n_comp
        mu = np.array(x[:d])
        alpha = np.array(x[d : d + d * d * k]).reshape(d, d, k)
        free = np.asarray(x[d + d * d * k :])
        beta = np.where(self.tie >= 0, free[np.maximum(self.tie, 0)] if free.size else 0.0, self.beta_fixed)
        return mu, alpha, beta

    def pack(self, mu: ArrayLike, alpha: ArrayLike, beta: ArrayLike) -> Float64Array:
        """The fitted vector of component arrays (each free decay read at its first tied component)."""
        free = np.zeros(self.n_decays)
        for g in range(self.n_decays):
            free[g] = np.asarray(beta)[self.tie == g][0]
        return np.concatenate([np.ravel(mu), np.ravel(alpha), free])

    def names(self) -> list[str]:
        """A label per entry of the fitted vector: ``mu[i]``, ``alpha[i,j(,k)]``, ``beta...``."""
        d, k = self.n_dim, self.n_comp
        out = [f"mu[{i}]" for i in range(d)]
        out += [
            f"alpha[{i},{j}]" if k == 1 else f"alpha[{i},{j},{c}]" for i in range(d) for j in range(d) for c in range(k)
        ]
        for g in range(self.n_decays):
            where = np.argwhere(self.tie == g)
            i, j, c = (int(v) for v in where[0])
            base = "beta" if len(where) == d * d else (f"beta[{i}]" if len(where) == d else f"beta[{i},{j}]")
            out.append(base if k == 1 else f"{base}[{c}]")
        return out

    def process(self, x: np.ndarray) -> HawkesProcess:
        """The Hawkes process of a fitted vector (exponential kernel for K = 1, else a sum of exponentials)."""
        mu, alpha, beta = self.unpack(x)
        if self.n_comp == 1:
            return HawkesProcess(mu, ExponentialKernel(alpha[:, :, 0], beta[:, :, 0]))
        return HawkesProcess(mu, SumExponentialKernel(alpha, beta))
