"""The public functions of the sde family: validation, backend choice and dispatch (see the package docstring)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import DTypeLike

from ..._typing import ArrayLike
from ...errors import (
    InvalidParameters,
    NumericalInstability,
    check_array,
    check_choice,
    check_finite,
    check_int,
    check_memory,
    check_positive,
)
from ..backend import Backend, fast_path, fast_paths, get_backend, register_fast_path
from .core import CHUNK, MAX_LAM_DT, SCHEMES, ModelCode
from .models import GBM, ItoProcess, Kou, Merton, MonteCarloPrice, SimulationResult, model_code, parameter_vector
from .reference import gbm_step_xp, ito_step_xp

SDEModel = GBM | ItoProcess  # Merton and Kou are GBMs with jumps

__all__ = [
    "GBM",
    "Merton",
    "Kou",
    "ItoProcess",
    "SimulationResult",
    "MonteCarloPrice",
    "simulate",
    "european_price",
    "solve_step",
    "solve_path",
    "SCHEMES",
]

# What each kind of request can run on.  The numpy reference takes every float64 request.
_KERNELS = {
    "sde.simulate": ("numpy", "numba", "jax", "cupy"),  # GBM, Merton, Kou with Philox normals, float64
    "sde.simulate_float32": ("cupy",),  # the same in float32: a precision of the GPU kernel only
    "sde.simulate_increments": ("numpy", "numba", "jax"),  # injected Brownian increments
    "sde.simulate_ito": ("numpy", "numba", "jax"),  # an ItoProcess with numba.njit callables of scalars
    "sde.simulate_ito_arrays": ("numpy", "jax"),  # an ItoProcess with array callables
}
_MODULES = {"numpy": "reference", "numba": "numba", "jax": "jax", "cupy": "cuda"}
for _kernel, _backends in _KERNELS.items():
    for _backend in _backends:
        register_fast_path(_kernel, _backend, f"{__package__}.{_MODULES[_backend]}:simulate")

# Why a request has no implementation on a backend, for the error message.
_UNSUPPORTED = {
    "sde.simulate_float32": "dtype float32 is a precision of the GPU kernel only (backend 'cupy')",
    "sde.simulate_increments": "increments are not supported on backend {backend!r} (the kernel draws its own normals)",
    "sde.simulate_ito": "backend {backend!r} simulates GBM, Merton and Kou, not an ItoProcess",
    "sde.simulate_ito_arrays": "backend {backend!r} simulates GBM, Merton and Kou, not an ItoProcess",
}


def _request(model, increments, dtype) -> str:
    """The kernel name of a simulation request (see ``_KERNELS``)."""
    if dtype == np.float32:
        return "sde.simulate_float32"
    if isinstance(model, ItoProcess):
        compiled = all(f is None or hasattr(f, "py_func") for f in (model.drift, model.diffusion, model.diffusion_dx))
        return "sde.simulate_ito" if compiled else "sde.simulate_ito_arrays"
    return "sde.simulate" if increments is None else "sde.simulate_increments"


def _implementation(kernel: str, backend):
    """(Backend, implementation) for a request; ``auto`` takes the fastest backend that runs it."""
    be = get_backend(backend, kernel=kernel)
    impl = fast_path(kernel, be)
    if impl is None:
        if kernel == "sde.simulate_ito_arrays" and be.name in fast_paths("sde.simulate_ito"):
            raise TypeError(
                f"backend {be.name!r} needs drift, diffusion and diffusion_dx to be numba.njit functions "
                "of scalars (t, x); use backend='numpy' or 'jax' for array callables"
            )
        why = _UNSUPPORTED.get(kernel, "{kernel} does not run on backend {backend!r}").format(
            kernel=kernel, backend=be.name
        )
        raise InvalidParameters(f"{why}; backends that run it: {', '.join(fast_paths(kernel))}")
    return be, impl


def _first_non_finite(arr, be: Backend) -> int:
    """Index (along the first axis) of the first non-finite entry of a host or device array, or -1."""
    if not isinstance(arr, np.ndarray):
        xp = be.xp
        if bool(xp.all(xp.isfinite(arr))):
            return -1
        arr = be.to_host(arr)
    ok = np.isfinite(arr).reshape(arr.shape[0], -1).all(axis=1)
    return -1 if ok.all() else int(np.argmin(ok))


def simulate(
    model: SDEModel,
    x0: float,
    horizon: float,
    n_steps: int,
    n_paths: int,
    *,
    scheme: str = "euler",
    correction: bool = True,
    seed: int = 0,
    stream: int = 0,
    path_offset: int = 0,
    return_paths: bool = False,
    increments: np.ndarray | None = None,
    dtype: DTypeLike = np.float64,
    backend: str | None = None,
    to_host: bool = True,
) -> SimulationResult:
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
    # step j draws Philox counter j of its path: 2**32 steps exhaust a path's stream
    n_steps = check_int("n_steps", n_steps, minimum=1, maximum=2**32 - 1)
    n_paths = check_int("n_paths", n_paths, minimum=1)
    for name, flag in (("return_paths", return_paths), ("to_host", to_host)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")
    # per path: five summaries, a chunk of normals, uniforms and jump sizes, and the stored path if asked
    per_path = 8 * (6 + 3 * CHUNK + ((n_steps + 1) if return_paths else 0))
    check_memory(
        "n_paths",
        n_paths,
        n_paths * per_path,
        f"{n_paths} paths" + (f" of {n_steps + 1} stored values" if return_paths else ""),
    )
    seed = check_int("seed", seed, minimum=0, maximum=2**64 - 1)
    path_offset = check_int("path_offset", path_offset, minimum=0)
    if path_offset + n_paths > 2**32:
        raise InvalidParameters(f"path_offset + n_paths must be <= 2**32, got {path_offset + n_paths}")
    dt = horizon / n_steps
    code = model_code(model)
    if code == ModelCode.ITO:
        x0 = check_finite("x0", x0)
        if scheme == "exact":
            raise InvalidParameters("scheme 'exact' exists for GBM, Merton and Kou only; use 'euler' or 'milstein'")
        if scheme == "milstein" and correction and model.diffusion_dx is None:
            raise InvalidParameters("scheme 'milstein' needs diffusion_dx (d diffusion / dx) on the ItoProcess")
    else:
        x0 = check_positive("x0", x0)
        lam_dt = model.lam * dt
        if lam_dt >= MAX_LAM_DT:
            raise InvalidParameters(
                f"lam * dt must be < {MAX_LAM_DT:g} (jumps per step), got {lam_dt!r}; use more steps"
            )
    prm = parameter_vector(model, x0, dt)
    max_stream = 2**32 - 1 - (2 if code in (ModelCode.MERTON, ModelCode.KOU) else 0)
    stream = check_int("stream", stream, minimum=0, maximum=max_stream)
    if increments is not None:
        increments = check_array("increments", increments, dtype=np.float64, ndim=2)
        if increments.shape != (n_paths, n_steps):
            raise InvalidParameters(
                f"increments must have shape (n_paths, n_steps) = {(n_paths, n_steps)}, got {increments.shape}"
            )
        increments = np.ascontiguousarray(increments)
        if not np.all(np.isfinite(increments)):
            raise InvalidParameters("increments must be finite everywhere")
    try:
        dtype = np.dtype(dtype).type
    except TypeError:
        raise TypeError(f"dtype must be numpy.float64 or numpy.float32, got {dtype!r}") from None
    if dtype not in (np.float64, np.float32):
        raise InvalidParameters(f"dtype must be numpy.float64 or numpy.float32, got {np.dtype(dtype).name}")
    be, impl = _implementation(_request(model, increments, dtype), backend)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = impl(
            model,
            code,
            scheme_code,
            bool(correction),
            prm,
            n_steps,
            n_paths,
            seed,
            stream,
            path_offset,
            increments,
            bool(return_paths),
            dtype=dtype,
            to_host=bool(to_host),
        )
    terminal, maximum, minimum, average, jumps, paths = out
    for label, arr in (
        ("terminal value", terminal),
        ("running maximum", maximum),
        ("running minimum", minimum),
        ("average", average),
        ("stored path value", paths),
    ):
        i = -1 if arr is None else _first_non_finite(arr, be)
        if i >= 0:
            row = np.atleast_1d(be.to_host(arr)[i])
            value = float(row[~np.isfinite(row)][0])
            raise NumericalInstability(
                f"the {label} of path {path_offset + i} is {value!r}; reduce dt or check the model"
            )
    if isinstance(jumps, np.ndarray):
        jumps = jumps.astype(np.int64, copy=False)
    return SimulationResult(terminal, maximum, minimum, average, jumps, paths, dt)


def european_price(
    model: SDEModel,
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
    backend: str | None = None,
) -> MonteCarloPrice:
    """Monte Carlo price of a European call or put: ``e^{-rT} mean(payoff(X_T))`` and its standard error.

    The terminal values ``X_T`` come from :func:`simulate` (same paths for the same seed and stream,
    on every backend); the payoff is reduced from the streamed terminal values, no path array is held.
    The model's ``mu`` must be the risk-neutral drift ``rate - dividend yield``: ``rate`` only discounts.

    Parameters
    ----------
    model : GBM, Merton, Kou or ItoProcess
        The SDE of the underlying; rates per year, volatilities per square-root year.
    spot : float
        Price of the underlying today (currency), > 0 (any finite value for an ItoProcess).
    strike : float
        Strike (currency), > 0.
    horizon : float
        Time to expiry (years), > 0.
    rate : float
        Continuously compounded discount rate (per year), finite.
    n_steps : int
        Time steps per path, >= 1 (1 suffices with ``scheme="exact"``, whose step is exact in law).
    n_paths : int
        Simulated paths, >= 2 (the standard error needs two).
    call : bool, default True
        A call ``max(X_T - strike, 0)``, else a put ``max(strike - X_T, 0)``.
    scheme : {"exact", "euler", "milstein"}, default "exact"
        The step of :func:`simulate`; ``exact`` exists for GBM, Merton and Kou.
    seed, stream : int
        The Philox stream family (see :func:`simulate`).
    backend : str, optional
        ``numpy``, ``numba``, ``jax``, ``cupy`` or ``auto`` (default: ``QUANTFORGE_BACKEND`` or auto).

    Returns
    -------
    MonteCarloPrice
        ``price`` (currency), ``stderr`` (one standard error of the price, currency) and ``n_paths``.

    Raises
    ------
    InvalidParameters
        ``spot``, ``strike``, ``horizon`` or ``rate`` out of their domains, ``n_steps`` or ``n_paths``
        below 1, an unknown scheme, and the other conditions of :func:`simulate`.
    TypeError
        ``model`` is not one of the SDE models.
    NumericalInstability
        A simulated value is not finite.

    Examples
    --------
    A Merton jump-diffusion call against the closed form (Merton 1976), within three standard errors:

    >>> from quantforge.kernels.sde import Merton, european_price
    >>> m = Merton(mu=0.05, sigma=0.2, lam=1.0, jump_mean=-0.1, jump_vol=0.15)
    >>> est = european_price(m, 100.0, 100.0, 1.0, 0.05, 1, 200_000, seed=1, backend="numpy")
    >>> abs(est.price - 12.7613) < 3 * est.stderr
    True
    >>> european_price(m, spot=-1.0, strike=100.0, horizon=1.0, rate=0.05, n_steps=1, n_paths=10)
    Traceback (most recent call last):
    ...
    quantforge.errors.InvalidParameters: spot must be > 0, got -1.0
    """
    spot = check_finite("spot", spot) if model_code(model) == ModelCode.ITO else check_positive("spot", spot)
    strike = check_positive("strike", strike)
    rate = check_finite("rate", rate)
    horizon = check_positive("horizon", horizon)
    # a truthy string such as "put" must not price a call
    if not isinstance(call, (bool, np.bool_)):
        raise TypeError(f"call must be a bool (True: call, False: put), got {type(call).__name__} {call!r}")
    n_paths = check_int("n_paths", n_paths, minimum=2)
    if -rate * horizon > 700.0:  # e^700 is near the float64 limit: the discount factor would overflow
        raise InvalidParameters(
            f"rate must keep the discount factor exp(-rate * horizon) finite, got rate={rate!r} "
            f"with horizon={horizon!r}"
        )
    res = simulate(model, spot, horizon, n_steps, n_paths, scheme=scheme, seed=seed, stream=stream, backend=backend)
    payoff = np.maximum(res.terminal - strike, 0.0) if call else np.maximum(strike - res.terminal, 0.0)
    disc = math.exp(-rate * horizon)
    with np.errstate(over="ignore", invalid="ignore"):
        price, stderr = disc * float(payoff.mean()), disc * float(payoff.std(ddof=1)) / math.sqrt(n_paths)
    if not (math.isfinite(price) and math.isfinite(stderr)):
        raise NumericalInstability(
            f"the Monte Carlo price or its standard error overflowed (price {price!r}, stderr "
            f"{stderr!r}): spot={spot!r} and strike={strike!r} are too large for float64"
        )
    return MonteCarloPrice(price, stderr, n_paths)


def solve_step(
    model: SDEModel,
    x: ArrayLike,
    t: float,
    dt: float,
    dw: ArrayLike,
    *,
    scheme: str = "euler",
    correction: bool = True,
    jump: ArrayLike = 0.0,
) -> np.ndarray:
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
    if not isinstance(correction, (bool, np.bool_)):
        raise TypeError(f"correction must be a bool, got {type(correction).__name__}")
    dt = check_positive("dt", dt)
    t = check_finite("t", t)
    x = check_array("x", x, dtype=np.float64, cast=True)
    dw = check_array("dw", dw, dtype=np.float64, cast=True)
    jump = check_array("jump", jump, dtype=np.float64, cast=True)
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
        return _finite_step(np.asarray(ito_step_xp(model, milstein, t, dt, x, dw), dtype=np.float64))
    code = model_code(model)
    if code == ModelCode.GBM and np.any(jump != 0.0):
        raise InvalidParameters("jump must be 0 for GBM (it has no jumps)")
    prm = parameter_vector(model, 0.0, dt)  # the step reads the drift, sigma and dt fields, not x0
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite_step(gbm_step_xp(np, code, SCHEMES.index(scheme), bool(correction), prm, x, dw, jump))


def _finite_step(x: np.ndarray) -> np.ndarray:
    """``x`` if every entry is finite: a step that overflows is refused, not returned."""
    flat = np.asarray(x).ravel()
    if not np.all(np.isfinite(flat)):
        raise NumericalInstability(
            f"the step produced {flat[~np.isfinite(flat)][0]!r}: x, dw or dt is too large for the model"
        )
    return x


def solve_path(
    model: SDEModel,
    x0: float,
    horizon: float,
    n_steps: int,
    *,
    scheme: str = "euler",
    correction: bool = True,
    seed: int = 0,
    stream: int = 0,
    path: int = 0,
    increments: ArrayLike | None = None,
    backend: str | None = None,
) -> np.ndarray:
    """One path (shape ``(n_steps + 1,)``, ``x0`` first): path number ``path`` of :func:`simulate`.

    The same numbers as row ``path - path_offset`` of ``simulate(..., return_paths=True).paths`` for
    any batch that contains it; ``increments`` (shape ``(n_steps,)``) replaces the Philox draws.
    """
    dw = None if increments is None else check_array("increments", increments, dtype=np.float64, ndim=1)[None, :]
    res = simulate(
        model,
        x0,
        horizon,
        n_steps,
        1,
        scheme=scheme,
        correction=correction,
        seed=seed,
        stream=stream,
        path_offset=path,
        return_paths=True,
        increments=dw,
        backend=backend,
    )
    return np.asarray(res.paths)[0]
