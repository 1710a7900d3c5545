"""Batched Monte Carlo for scalar SDEs: GBM with Merton or Kou jumps, and general Itô processes.

The jump-diffusion models are ``dX/X- = (mu - lam kappa) dt + sigma dW + (e^Y - 1) dN`` with N a
Poisson process of intensity ``lam`` and log-jumps Y normal (Merton 1976, eq. 2) or asymmetric
double exponential (Kou 2002, eq. 1), ``kappa = E[e^Y - 1]`` so that ``E[X_T] = X_0 e^{mu T}``;
the general Itô process is ``dX = a(t, X) dt + b(t, X) dW``.

Notes
-----
Schemes, for step ``dt`` with Brownian increment ``dW`` (Kloeden & Platen 1992, eq. 10.2.2 and
10.3.1): Euler–Maruyama ``X + a dt + b dW`` (strong order 1/2, weak order 1); Milstein adds
``1/2 b b_x (dW^2 - dt)`` (strong order 1; ``correction=False`` drops the term, giving Euler);
``exact`` is the log-Euler step ``X exp((mu - lam kappa - sigma^2/2) dt + sigma dW + J)``, the exact
solution of the jump-diffusion models.  For GBM, ``a = (mu - lam kappa) X`` and ``b = sigma X``; the
jumps of a step multiply the diffusion step by ``exp(J)``, ``J`` the sum of the step's log-jumps.

Random numbers come from one Philox4x32-10 stream family (``kernels.rng``), addressed per path:

* stream ``s``    : normal draw ``j`` of the path is ``dW_j / sqrt(dt)`` of step ``j``;
* stream ``s + 1``: the number of jumps ``n_j`` in step ``j`` is the Poisson(``lam dt``) inversion of
  ``u_j = (w + 1/2) 2^-32``, ``w`` word ``j mod 4`` of Philox block ``j // 4``: one Philox call serves
  four steps, and a step with ``u_j <= e^{-lam dt}`` (most of them) has no jump and no further work;
* stream ``s + 2``: Merton: normal draw ``j`` is ``Z_j``, and ``J_j = n_j nu + delta sqrt(n_j) Z_j``
  (the sum of ``n_j`` normal log-jumps, exactly); Kou: uniform draw ``k`` is the ``k``-th jump of the
  path (counted from the start), mapped to ``+Exp(eta_up)`` with probability ``p_up`` and
  ``-Exp(eta_down)`` otherwise by inversion of that one uniform.

So a simulation with jumps uses streams ``s``, ``s + 1`` and ``s + 2``.  Every backend (numpy
reference, numba, jax, the numba.cuda kernel of the cupy backend) draws exactly these numbers in the
same order and produces the same paths to the last few ulps, whatever the thread count or chunking.
The cupy backend also simulates in float32 (``dtype=numpy.float32``): the same Philox words, float32
state and arithmetic, and a deviation from float64 that the tests bound path by path (:mod:`sde_cuda`).

Batched outputs never hold an ``n_paths x n_steps`` array unless full paths are requested: the
kernels stream the terminal value, running maximum and minimum (over ``t_0 .. t_M``), the average
over ``t_1 .. t_M`` and the number of jumps of each path.

References
----------
Merton, R. C. (1976). Option pricing when underlying stock returns are discontinuous. J. Financ. Econ. 3.
Kou, S. G. (2002). A jump-diffusion model for option pricing. Management Science 48(8).
Kloeden, P. E. & Platen, E. (1992). Numerical Solution of Stochastic Differential Equations. Springer.
Glasserman, P. (2003). Monte Carlo Methods in Financial Engineering, section 3.5 (jump simulation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import (InvalidParameters, NumericalInstability, check_array, check_choice, check_finite, check_in_range,
                      check_int, check_nonnegative, check_positive)
from .backend import resolve_backend
from .rng import Philox, _block_words_xp, _philox_xp, _to_host, _u01_xp

__all__ = ["GBM", "Merton", "Kou", "ItoProcess", "SimulationResult", "MonteCarloPrice", "simulate", "european_price",
           "solve_step", "solve_path", "SCHEMES"]

SCHEMES: tuple[str, ...] = ("euler", "milstein", "exact")
_CHUNK = 64  # steps of random numbers the reference draws at once (memory n_paths x _CHUNK)
_MAX_LAM_DT = 10.0  # jump counts use Poisson inversion, exact and identical on every backend, below this
_MAX_JUMPS = 1000  # the inversion's cap on the jumps of one step (reached with probability < 1e-300)
_TWO_M32 = 2.0**-32


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GBM:
    """Geometric Brownian motion ``dX = mu X dt + sigma X dW``; mu per year, sigma per sqrt-year."""

    mu: float
    sigma: float

    def __post_init__(self):
        check_finite("mu", self.mu)
        check_nonnegative("sigma", self.sigma)

    @property
    def lam(self) -> float:
        return 0.0

    @property
    def kappa(self) -> float:
        """``E[e^Y - 1]``, the mean relative jump size (0 without jumps)."""
        return 0.0


@dataclass(frozen=True)
class Merton(GBM):
    """Merton (1976) jump diffusion: GBM plus Poisson(lam) jumps with log-size N(jump_mean, jump_vol^2).

    ``lam`` is in jumps per year; ``mu`` is the total drift (``E[X_T] = X_0 e^{mu T}``).
    """

    lam: float = 0.0
    jump_mean: float = 0.0
    jump_vol: float = 0.0

    def __post_init__(self):
        super().__post_init__()
        check_nonnegative("lam", self.lam)
        check_finite("jump_mean", self.jump_mean)
        check_nonnegative("jump_vol", self.jump_vol)

    @property
    def kappa(self) -> float:
        return math.expm1(self.jump_mean + 0.5 * self.jump_vol**2)


@dataclass(frozen=True)
class Kou(GBM):
    """Kou (2002) double-exponential jump diffusion.

    Log-jumps are ``+Exp(eta_up)`` with probability ``p_up`` and ``-Exp(eta_down)`` otherwise;
    ``eta_up > 1`` keeps ``E[e^Y]`` finite.  ``lam`` in jumps per year; ``mu`` the total drift.
    """

    lam: float = 0.0
    p_up: float = 0.5
    eta_up: float = 10.0
    eta_down: float = 10.0

    def __post_init__(self):
        super().__post_init__()
        check_nonnegative("lam", self.lam)
        check_in_range("p_up", self.p_up, 0.0, 1.0)
        check_in_range("eta_up", self.eta_up, 1.0, math.inf, low_open=True, high_open=True)
        check_positive("eta_down", self.eta_down)

    @property
    def kappa(self) -> float:
        p, e1, e2 = self.p_up, self.eta_up, self.eta_down
        return p * e1 / (e1 - 1.0) + (1.0 - p) * e2 / (e2 + 1.0) - 1.0


@dataclass(frozen=True)
class ItoProcess:
    """A general scalar Itô process ``dX = drift(t, X) dt + diffusion(t, X) dW``.

    The callables take time in years and the state array and return arrays of the state's shape
    (numpy or jax.numpy operations; for the numba backend, ``numba.njit`` functions of scalars, whose
    Python source the numpy and jax backends also run when it is plain arithmetic).
    ``diffusion_dx`` (the derivative of ``diffusion`` in x) is needed by the Milstein scheme.
    """

    drift: Callable
    diffusion: Callable
    diffusion_dx: Callable | None = None

    def __post_init__(self):
        for name in ("drift", "diffusion"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable f(t, x), got {type(getattr(self, name)).__name__}")
        if self.diffusion_dx is not None and not callable(self.diffusion_dx):
            raise TypeError(f"diffusion_dx must be callable or None, got {type(self.diffusion_dx).__name__}")


def _model_code(model) -> int:
    if isinstance(model, Kou):
        return 2
    if isinstance(model, Merton):
        return 1
    if isinstance(model, GBM):
        return 0
    raise TypeError(f"model must be GBM, Merton, Kou or ItoProcess, got {type(model).__name__}")


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulationResult:
    """Per-path outputs of :func:`simulate`, each of shape (n_paths,) (``paths``: (n_paths, n_steps + 1)).

    ``average`` is over the M monitoring dates t_1..t_M; ``maximum``/``minimum`` include t_0.  numpy
    arrays, or device arrays from the cupy backend with ``to_host=False``.
    """

    terminal: np.ndarray
    maximum: np.ndarray
    minimum: np.ndarray
    average: np.ndarray
    jump_count: np.ndarray
    paths: np.ndarray | None
    dt: float


@dataclass(frozen=True)
class MonteCarloPrice:
    """A Monte Carlo estimate: ``price`` with its standard error ``stderr`` over ``n_paths`` paths."""

    price: float
    stderr: float
    n_paths: int

    def summary(self) -> str:
        return f"{self.price:.6f} ± {self.stderr:.6f} (1 s.e., {self.n_paths} paths)"


# ---------------------------------------------------------------------------------------------
# Reference: one step written against an array namespace ``xp`` (numpy, or jax.numpy under x64).
# ---------------------------------------------------------------------------------------------
def _gbm_step_xp(xp, code, scheme, correction, prm, x, dw, jsum):
    mu_c, sig, dt, exact_drift = prm[0], prm[1], prm[7], prm[9]
    if scheme == 2:
        return x * xp.exp(exact_drift + sig * dw + jsum)
    xn = x + mu_c * x * dt + sig * x * dw
    if scheme == 1 and correction:
        xn = xn + 0.5 * sig * sig * x * (dw * dw - dt)
    return xn * xp.exp(jsum) if code != 0 else xn


def _ito_step_xp(model, milstein, t, dt, x, dw):
    b = model.diffusion(t, x)
    xn = x + model.drift(t, x) * dt + b * dw
    if milstein:
        xn = xn + 0.5 * b * model.diffusion_dx(t, x) * (dw * dw - dt)
    return xn


def _count_uniforms_xp(xp, n_paths, n_steps, path0, step0, stream, k0, k1):
    """The jump-count uniforms ``(w + 1/2) 2^-32`` of steps ``[step0, step0 + n_steps)``, shape (n_paths, n_steps)."""
    b0 = step0 // 4
    n_blocks = (step0 + n_steps + 3) // 4 - b0
    words = xp.stack(_block_words_xp(xp, n_paths, n_blocks, path0, b0, 0, stream, k0, k1), axis=-1)
    words = words.reshape(n_paths, 4 * n_blocks)[:, step0 - 4 * b0 : step0 - 4 * b0 + n_steps]
    return (words.astype(xp.float64) + 0.5) * _TWO_M32


def _poisson_inversion(u, lam_dt, p0):
    """Poisson(lam_dt) counts by inversion of ``u`` (numpy): the loop of the scalar core, vectorised."""
    k = np.zeros(u.shape, dtype=np.int64)
    p = np.full(u.shape, p0)
    cdf = p.copy()
    active = u > cdf
    step = 0
    while active.any() and step < _MAX_JUMPS:
        step += 1
        k += active
        p = np.where(active, p * (lam_dt / step), p)
        cdf = np.where(active, cdf + p, cdf)
        active &= (u > cdf) & (p != 0.0)
    return k


def _kou_jumps_xp(xp, counts, cum, n_paths, path0, stream, k0, k1, p_up, eta_up, eta_down):
    """Sum of each path's log-jumps in one step: jump k of a path is its uniform draw cum + k."""
    u64 = xp.uint64
    jsum = xp.zeros(counts.shape, dtype=xp.float64)
    path = xp.arange(n_paths, dtype=u64) + u64(path0)
    for kk in range(int(counts.max()) if counts.size else 0):
        d = (cum + kk).astype(u64)
        w0, w1, w2, w3 = _philox_xp(xp, d // u64(2), xp.zeros_like(d), path, xp.zeros_like(d) + u64(stream),
                                    u64(k0), u64(k1), 10)
        u = xp.where(d % u64(2) == u64(0), _u01_xp(xp, w0, w1), _u01_xp(xp, w2, w3))
        up = u < p_up
        y = xp.where(up, -xp.log(xp.where(up, u, 1.0) / p_up) / eta_up,
                     xp.log(xp.where(up, 1.0, u - p_up) / (1.0 - p_up)) / eta_down)
        jsum = jsum + xp.where(counts > kk, y, 0.0)
    return jsum


def _simulate_reference(model, code, scheme, correction, prm, n_steps, n_paths, seed, stream, path0, dw_in, store):
    """numpy reference: a step loop vectorised over paths, random numbers drawn _CHUNK steps at a time."""
    gen, gen_sizes = Philox(seed, stream), Philox(seed, stream + 2)
    k0, k1 = gen.key
    x = np.full(n_paths, prm[6])
    mx, mn, acc = x.copy(), x.copy(), np.zeros(n_paths)
    cum = np.zeros(n_paths, dtype=np.int64)
    paths = np.empty((n_paths, n_steps + 1)) if store else None
    if store:
        paths[:, 0] = x
    for j0 in range(0, n_steps, _CHUNK):
        m = min(_CHUNK, n_steps - j0)
        if dw_in is None:
            dw = gen.normals(n_paths, m, path_offset=path0, draw_offset=j0, backend="numpy") * prm[8]
        else:
            dw = dw_in[:, j0 : j0 + m]
        if code in (1, 2):
            u = _count_uniforms_xp(np, n_paths, m, np.uint64(path0), j0, np.uint64(stream + 1), k0, k1)
            counts = _poisson_inversion(u, prm[2], prm[10])
        if code == 1:
            z = gen_sizes.normals(n_paths, m, path_offset=path0, draw_offset=j0, backend="numpy")
        for jj in range(m):
            j = j0 + jj
            if code == 0 or code == 3:
                jsum = 0.0
            elif code == 1:
                nj = counts[:, jj]
                jsum = np.where(nj > 0, nj * prm[3] + prm[4] * np.sqrt(nj) * z[:, jj], 0.0)
            else:
                nj = counts[:, jj]
                jsum = _kou_jumps_xp(np, nj, cum, n_paths, path0, stream + 2, k0, k1, prm[3], prm[4], prm[5])
            if code in (1, 2):
                cum = cum + counts[:, jj]
            if code == 3:
                x = _ito_step_xp(model, scheme == 1 and correction, j * prm[7], prm[7], x, dw[:, jj])
            else:
                x = _gbm_step_xp(np, code, scheme, correction, prm, x, dw[:, jj], jsum)
            mx = np.maximum(mx, x)
            mn = np.minimum(mn, x)
            acc = acc + x
            if store:
                paths[:, j + 1] = x
    return x, mx, mn, acc / n_steps, cum, paths


# ---------------------------------------------------------------------------------------------
# Backends and the public API
# ---------------------------------------------------------------------------------------------
def _simulate_numba(*args):
    from . import sde_numba

    return sde_numba.simulate(*args)


def _simulate_jax(*args):
    from . import sde_jax

    return sde_jax.simulate(*args)


def _simulate_cupy(code, scheme, correction, prm, n_steps, n_paths, seed, stream, path0, store, dtype, to_host):
    from . import sde_cuda

    k0, k1 = Philox(seed, stream).key
    return sde_cuda.simulate(code, scheme, correction, prm, n_steps, n_paths, k0, k1, stream, path0, store, dtype,
                             to_host)


_CPU_IMPL = {"numpy": _simulate_reference, "numba": _simulate_numba, "jax": _simulate_jax}


def _choose_backend(backend, model, increments, dtype) -> str:
    """The backend to run on: the GPU kernel draws its own normals and knows GBM, Merton and Kou only,
    so ``auto`` (or the environment's default) runs other work on the CPU instead of refusing it."""
    name = resolve_backend(backend)
    ito = isinstance(model, ItoProcess)
    if name == "cupy" and backend in (None, "auto") and dtype == np.float64 and (ito or increments is not None):
        compiled = not ito or all(f is None or hasattr(f, "py_func")
                                  for f in (model.drift, model.diffusion, model.diffusion_dx))
        name = "numba" if compiled else "numpy"
    if name == "cupy" and ito:
        raise InvalidParameters("backend 'cupy' simulates GBM, Merton and Kou; use 'numpy', 'numba' or 'jax' for "
                                "an ItoProcess")
    if name == "cupy" and increments is not None:
        raise InvalidParameters("increments are not supported on backend 'cupy' (the kernel draws its own normals)")
    if dtype == np.float32 and name != "cupy":
        raise InvalidParameters(f"dtype float32 is a precision of the GPU kernel only (backend 'cupy'); backend "
                                f"{name!r} simulates in float64")
    return name


def _first_non_finite(arr) -> int:
    """Index (along the first axis) of the first non-finite entry of a host or device array, or -1."""
    if not isinstance(arr, np.ndarray):
        if type(arr).__module__.startswith("cupy"):
            import cupy

            if bool(cupy.isfinite(arr).all()):
                return -1
        arr = _to_host(arr)
    ok = np.isfinite(arr).reshape(arr.shape[0], -1).all(axis=1)
    return -1 if ok.all() else int(np.argmin(ok))


def simulate(model, x0: float, horizon: float, n_steps: int, n_paths: int, *, scheme: str = "euler",
             correction: bool = True, seed: int = 0, stream: int = 0, path_offset: int = 0,
             return_paths: bool = False, increments: np.ndarray | None = None, dtype=np.float64,
             backend: str | None = None, to_host: bool = True) -> SimulationResult:
    """Simulate ``n_paths`` paths of ``n_steps`` equal steps and return per-path summaries.

    Parameters
    ----------
    model : GBM, Merton, Kou or ItoProcess
        The SDE; rates per year, volatilities per square-root year.
    x0 : float
        Initial value (a price for the jump-diffusion models, > 0 there).
    horizon : float
        Length of the simulation in years, > 0; the step is ``dt = horizon / n_steps``.
    n_steps, n_paths : int
        Number of time steps (>= 1) and of paths (>= 1).
    scheme : {"euler", "milstein", "exact"}
        Euler–Maruyama, Milstein, or the exact log-Euler step (GBM, Merton, Kou only).
    correction : bool, default True
        Milstein's second-order term ``1/2 b b_x (dW^2 - dt)``; False makes Milstein an Euler step.
    seed, stream : int
        The Philox stream family (streams ``stream .. stream + 2`` with jumps; see the module notes).
    path_offset : int
        Index of the first path: paths ``[path_offset, path_offset + n_paths)`` are simulated, so
        a large simulation can be split into chunks with identical results.
    return_paths : bool, default False
        Also return the full paths, shape (n_paths, n_steps + 1) including ``x0``.
    increments : float64 array (n_paths, n_steps), optional
        Brownian increments ``dW`` to use instead of the Philox normals (common random numbers);
        not supported on the cupy backend.
    dtype : {numpy.float64, numpy.float32}
        Precision of the state and arithmetic.  float32 exists on the cupy backend only: the same
        Philox words as float64, rounded uniforms and float32 Box–Muller (see :mod:`sde_cuda`);
        the test suite bounds its deviation from float64 path by path.
    backend : str, optional
        ``numpy`` (reference), ``numba``, ``jax``, ``cupy`` or ``auto``.  ``auto`` runs an
        ItoProcess or injected increments on the CPU (numba for ``numba.njit`` callables, numpy
        otherwise) when it would pick the GPU, whose kernel does not take them.
    to_host : bool, default True
        On the cupy backend, False leaves the outputs on the device (CuPy arrays).

    Returns
    -------
    SimulationResult
        terminal, maximum, minimum, average, jump_count (each (n_paths,)), paths or None, dt.

    Raises
    ------
    InvalidParameters
        For bad arguments: non-finite or non-positive horizon, x0 <= 0 for the price models,
        ``lam dt >= 10`` (use more steps), ``exact`` or Milstein without ``diffusion_dx`` for an
        ItoProcess, a wrong ``increments`` shape, an unknown scheme, float32 off the GPU.
    NumericalInstability
        If any returned value is non-finite (overflow, or a callable returning NaN).

    Examples
    --------
    >>> from quantforge.kernels.sde import GBM, simulate
    >>> res = simulate(GBM(mu=0.05, sigma=0.2), 100.0, 1.0, 252, 1000, scheme="exact", seed=1, backend="numpy")
    >>> res.terminal.shape
    (1000,)
    """
    scheme = check_choice("scheme", scheme, SCHEMES)
    scheme_code = SCHEMES.index(scheme)
    if not isinstance(correction, (bool, np.bool_)):
        raise TypeError(f"correction must be a bool, got {type(correction).__name__}")
    horizon = check_positive("horizon", horizon)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    n_paths = check_int("n_paths", n_paths, minimum=1)
    seed = check_int("seed", seed, minimum=0, maximum=2**64 - 1)
    path_offset = check_int("path_offset", path_offset, minimum=0)
    if path_offset + n_paths > 2**32:
        raise InvalidParameters(f"path_offset + n_paths must be <= 2**32, got {path_offset + n_paths}")
    dt = horizon / n_steps
    if isinstance(model, ItoProcess):
        code = 3
        x0 = check_finite("x0", x0)
        if scheme == "exact":
            raise InvalidParameters("scheme 'exact' exists for GBM, Merton and Kou only; use 'euler' or 'milstein'")
        if scheme == "milstein" and correction and model.diffusion_dx is None:
            raise InvalidParameters("scheme 'milstein' needs diffusion_dx (d diffusion / dx) on the ItoProcess")
        prm = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, x0, dt, math.sqrt(dt), 0.0, 1.0])
    else:
        code = _model_code(model)
        x0 = check_positive("x0", x0)
        lam_dt = model.lam * dt
        if lam_dt >= _MAX_LAM_DT:
            raise InvalidParameters(
                f"lam * dt must be < {_MAX_LAM_DT:g} (jumps per step), got {lam_dt!r}; use more steps")
        if code == 1:
            a, b, c = model.jump_mean, model.jump_vol, 0.0
        elif code == 2:
            a, b, c = model.p_up, model.eta_up, model.eta_down
        else:
            a = b = c = 0.0
        mu_c = model.mu - model.lam * model.kappa
        prm = np.array([mu_c, model.sigma, lam_dt, a, b, c, x0, dt, math.sqrt(dt),
                        (mu_c - 0.5 * model.sigma * model.sigma) * dt, math.exp(-lam_dt)])
    max_stream = 2**32 - 1 - (2 if code in (1, 2) else 0)
    stream = check_int("stream", stream, minimum=0, maximum=max_stream)
    if increments is not None:
        increments = check_array("increments", increments, dtype=np.float64, ndim=2)
        if increments.shape != (n_paths, n_steps):
            raise InvalidParameters(f"increments must have shape (n_paths, n_steps) = {(n_paths, n_steps)}, "
                                    f"got {increments.shape}")
        increments = np.ascontiguousarray(increments)
        if not np.all(np.isfinite(increments)):
            raise InvalidParameters("increments must be finite everywhere")
    try:
        dtype = np.dtype(dtype).type
    except TypeError:
        raise TypeError(f"dtype must be numpy.float64 or numpy.float32, got {dtype!r}") from None
    if dtype not in (np.float64, np.float32):
        raise InvalidParameters(f"dtype must be numpy.float64 or numpy.float32, got {np.dtype(dtype).name}")
    name = _choose_backend(backend, model, increments, dtype)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if name == "cupy":
            out = _simulate_cupy(code, scheme_code, bool(correction), prm, n_steps, n_paths, seed, stream, path_offset,
                                 bool(return_paths), dtype, bool(to_host))
        else:
            out = _CPU_IMPL[name](model, code, scheme_code, bool(correction), prm, n_steps, n_paths, seed, stream,
                                  path_offset, increments, bool(return_paths))
    terminal, maximum, minimum, average, jumps, paths = out
    for label, arr in (("terminal value", terminal), ("running maximum", maximum), ("running minimum", minimum),
                       ("average", average), ("stored path value", paths)):
        i = -1 if arr is None else _first_non_finite(arr)
        if i >= 0:
            row = np.atleast_1d(_to_host(arr)[i])
            value = float(row[~np.isfinite(row)][0])
            raise NumericalInstability(
                f"the {label} of path {path_offset + i} is {value!r}; reduce dt or check the model")
    if isinstance(jumps, np.ndarray):
        jumps = jumps.astype(np.int64, copy=False)
    return SimulationResult(terminal, maximum, minimum, average, jumps, paths, dt)


def european_price(model, spot: float, strike: float, horizon: float, rate: float, n_steps: int, n_paths: int, *,
                   call: bool = True, scheme: str = "exact", seed: int = 0, stream: int = 0,
                   backend: str | None = None) -> MonteCarloPrice:
    """Monte Carlo price of a European call or put: ``e^{-rT} mean(payoff(X_T))`` and its standard error.

    The model's ``mu`` must be the risk-neutral drift ``rate - dividend yield``; ``rate`` (per year)
    only discounts.  The payoff is reduced from the streamed terminal values (no path array).
    Other parameters are those of :func:`simulate`.

    Examples
    --------
    >>> from quantforge.kernels.sde import Merton, european_price
    >>> m = Merton(mu=0.05, sigma=0.2, lam=1.0, jump_mean=-0.1, jump_vol=0.15)
    >>> est = european_price(m, 100.0, 100.0, 1.0, 0.05, 1, 200_000, seed=1, backend="numpy")
    >>> abs(est.price - 12.7613) < 3 * est.stderr
    True
    """
    strike = check_positive("strike", strike)
    rate = check_finite("rate", rate)
    res = simulate(model, spot, horizon, n_steps, n_paths, scheme=scheme, seed=seed, stream=stream, backend=backend)
    payoff = np.maximum(res.terminal - strike, 0.0) if call else np.maximum(strike - res.terminal, 0.0)
    disc = math.exp(-rate * horizon)
    return MonteCarloPrice(disc * float(payoff.mean()), disc * float(payoff.std(ddof=1)) / math.sqrt(n_paths), n_paths)


def solve_step(model, x, t: float, dt: float, dw, *, scheme: str = "euler", correction: bool = True, jump=0.0):
    """One step of ``scheme`` from ``x`` at time ``t`` over ``dt`` with Brownian increment ``dw``.

    The single-path form of the batched kernels (same formulas, see the module notes): ``x`` and
    ``dw`` are floats or arrays of one shape, ``jump`` the sum ``J`` of the step's log-jumps (the
    jump-diffusion models multiply the diffusion step by ``e^J``).  Returns ``X_{t+dt}`` in numpy.

    Examples
    --------
    >>> from quantforge.kernels.sde import GBM, solve_step
    >>> round(float(solve_step(GBM(mu=0.0, sigma=0.2), 100.0, 0.0, 0.01, 0.1)), 10)
    102.0
    """
    scheme = check_choice("scheme", scheme, SCHEMES)
    dt = check_positive("dt", dt)
    t = check_finite("t", t)
    x = np.asarray(x, dtype=np.float64)
    dw = np.asarray(dw, dtype=np.float64)
    jump = np.asarray(jump, dtype=np.float64)
    for name, arr in (("x", x), ("dw", dw), ("jump", jump)):
        if not np.all(np.isfinite(arr)):
            raise InvalidParameters(f"{name} must be finite, got {arr!r}")
    if isinstance(model, ItoProcess):
        if scheme == "exact":
            raise InvalidParameters("scheme 'exact' exists for GBM, Merton and Kou only; use 'euler' or 'milstein'")
        milstein = scheme == "milstein" and correction
        if milstein and model.diffusion_dx is None:
            raise InvalidParameters("scheme 'milstein' needs diffusion_dx (d diffusion / dx) on the ItoProcess")
        if np.any(jump != 0.0):
            raise InvalidParameters("jump must be 0 for an ItoProcess (it has no jumps)")
        return np.asarray(_ito_step_xp(model, milstein, t, dt, x, dw), dtype=np.float64)
    code = _model_code(model)
    mu_c = model.mu - model.lam * model.kappa if code else model.mu
    prm = (mu_c, model.sigma, 0.0, 0.0, 0.0, 0.0, 0.0, dt, math.sqrt(dt), (mu_c - 0.5 * model.sigma**2) * dt)
    if code == 0 and np.any(jump != 0.0):
        raise InvalidParameters("jump must be 0 for GBM (it has no jumps)")
    return _gbm_step_xp(np, code, SCHEMES.index(scheme), bool(correction), prm, x, dw, jump)


def solve_path(model, x0: float, horizon: float, n_steps: int, *, scheme: str = "euler", correction: bool = True,
               seed: int = 0, stream: int = 0, path: int = 0, increments=None,
               backend: str | None = None) -> np.ndarray:
    """One path (shape ``(n_steps + 1,)``, ``x0`` first): path number ``path`` of :func:`simulate`.

    The same numbers as row ``path - path_offset`` of ``simulate(..., return_paths=True).paths`` for
    any batch that contains it; ``increments`` (shape ``(n_steps,)``) replaces the Philox draws.
    """
    dw = None if increments is None else check_array("increments", increments, dtype=np.float64, ndim=1)[None, :]
    res = simulate(model, x0, horizon, n_steps, 1, scheme=scheme, correction=correction, seed=seed, stream=stream,
                   path_offset=path, return_paths=True, increments=dw, backend=backend)
    return np.asarray(res.paths)[0]
