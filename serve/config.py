"""The publisher's configuration: a TOML file (read with ``tomllib``) naming the instruments, each
with its quoting model, parameters and grid, and how to publish them.

.. code-block:: toml

    [serve]
    name = "desk"                  # publisher name: shared-memory tables are qf-desk-<id>
    refresh_s = 60.0               # recompute and republish every refresh_s seconds (also on SIGHUP)
    backend = "auto"               # where the models compute (numpy, numba, jax, cupy, auto)
    host = "127.0.0.1"             # HTTP bind address (loopback unless said otherwise)
    port = 8077                    # 0: a free port, printed at start
    token_env = "QF_SERVE_TOKEN"   # optional: HTTP needs "Authorization: Bearer <that variable's value>"
    out_dir = "surfaces"           # optional: each version also written there as files
    formats = ["arrow", "parquet"] # file formats in out_dir (default ["arrow"])

    [grid]                         # every instrument's grid unless it overrides a key
    horizon = 1.0                  # time to horizon runs over linspace(0, horizon, n_t), model time units
    n_t = 61
    q_min = -20                    # inventory q_min..q_max, lots
    q_max = 20

    [[instrument]]
    id = "AAPL"
    model = "glft"                 # avellaneda-stoikov (as), glft, cartea-jaimungal (cj)
    params = { gamma = 0.05, sigma = 2.0, A = 140.0, k = 1.5 }
    grid = { q_min = -10, q_max = 10 }

Every problem is a :class:`ConfigError` whose message names the file, the instrument and the key:
unknown keys (typos), missing ones, values of the wrong type or outside their domain (the model's
own parameter validation), duplicate ids, grids a model cannot take.  Instruments of one model on one
grid form a batch: one ``quote_surfaces`` call computes all of them.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidParameters
from ..kernels.backend import BACKENDS
from ..models.parameters import ModelParams

__all__ = ["ConfigError", "ServeConfig", "Instrument", "Grid", "ModelSpec", "MODELS", "load_config", "parse_config"]

_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_FORMATS = ("arrow", "parquet")


class ConfigError(InvalidParameters):
    """The publisher's configuration is refused; the message names the file, the place and the fix."""


@dataclass(frozen=True)
class Grid:
    """An instrument's grid: ``n_t`` times to horizon over ``[0, horizon]`` and inventories ``q_min..q_max``."""

    horizon: float
    n_t: int
    q_min: int
    q_max: int

    @property
    def taus(self) -> np.ndarray:
        """The time grid, ``linspace(0, horizon, n_t)``."""
        return np.linspace(0.0, self.horizon, self.n_t)


@dataclass(frozen=True)
class ModelSpec:
    """A quoting model the publisher can run: its parameter class and how to call its batched surfaces."""

    name: str
    params_class: type[ModelParams]
    surfaces: Callable[[ModelParams, Grid, str | None], list]
    check_grid: Callable[[Grid], str | None]


def _as_model() -> ModelSpec:
    from ..models.avellaneda_stoikov import ASParams, quote_surfaces

    return ModelSpec(
        "avellaneda-stoikov",
        ASParams,
        lambda p, g, b: quote_surfaces(p, g.taus, g.q_min, g.q_max, backend=b),
        lambda g: None,
    )


def _glft_model() -> ModelSpec:
    from ..models.glft import GLFTParams, quote_surfaces

    def check(g: Grid) -> str | None:
        return (
            None
            if g.q_min == -g.q_max
            else f"glft needs a symmetric inventory grid (q_min = -q_max), got {g.q_min}..{g.q_max}"
        )

    return ModelSpec("glft", GLFTParams, lambda p, g, b: quote_surfaces(p, g.taus, g.q_max, backend=b), check)


def _cj_model() -> ModelSpec:
    from ..models.cartea_jaimungal import CJParams, quote_surfaces

    return ModelSpec(
        "cartea-jaimungal",
        CJParams,
        lambda p, g, b: quote_surfaces(p, g.taus, g.q_min, g.q_max, backend=b),
        lambda g: None,
    )


# model name (and alias) -> its spec, built on first use so that reading a config imports only its models
MODELS: dict[str, Callable[[], ModelSpec]] = {
    "avellaneda-stoikov": _as_model,
    "as": _as_model,
    "glft": _glft_model,
    "cartea-jaimungal": _cj_model,
    "cj": _cj_model,
}


@dataclass(frozen=True)
class Instrument:
    """One published surface: its id, model, validated (unbatched) parameters and grid."""

    id: str
    model: ModelSpec
    params: ModelParams
    grid: Grid


@dataclass(frozen=True)
class ServeConfig:
    """A validated configuration (see the module docstring for the keys and their defaults)."""

    path: Path | None
    name: str
    refresh_s: float
    backend: str | None
    host: str
    port: int
    token_env: str | None
    out_dir: Path | None
    formats: tuple[str, ...]
    instruments: tuple[Instrument, ...]

    def batches(self) -> list[tuple[ModelSpec, Grid, list[Instrument]]]:
        """Instruments grouped by (model, grid), in file order: one batched computation each."""
        groups: dict[tuple[str, Grid], list[Instrument]] = {}
        for ins in self.instruments:
            groups.setdefault((ins.model.name, ins.grid), []).append(ins)
        return [(members[0].model, grid, members) for (_, grid), members in groups.items()]

    def token(self) -> str | None:
        """The bearer token from the environment variable ``token_env`` (None: no token required)."""
        import os

        if self.token_env is None:
            return None
        value = os.environ.get(self.token_env, "")
        if not value:
            raise ConfigError(f"{self._where()}: serve.token_env names {self.token_env!r}, which is not set or empty")
        return value

    def _where(self) -> str:
        return str(self.path) if self.path else "config"


def _take(table: dict, key: str, kind: type | tuple[type, ...], where: str, default: Any = ..., check=None):
    if key not in table:
        if default is ...:
            raise ConfigError(f"{where}: {key} is required")
        return default
    value = table[key]
    bad_bool = isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
    if bad_bool or not isinstance(value, kind):
        names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ConfigError(f"{where}: {key} must be {names}, got {type(value).__name__} {value!r}")
    if check is not None and (problem := check(value)):
        raise ConfigError(f"{where}: {key} {problem}, got {value!r}")
    return value


def _no_unknown(table: dict, allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        raise ConfigError(f"{where}: unknown key {extra[0]!r} (allowed: {', '.join(allowed)})")


def _grid(table: dict, base: dict, where: str) -> Grid:
    _no_unknown(table, ("horizon", "n_t", "q_min", "q_max"), where)
    merged = {**base, **table}
    horizon = float(
        _take(
            merged,
            "horizon",
            (int, float),
            where,
            check=lambda v: None if math.isfinite(v) and v > 0 else "must be finite and > 0",
        )
    )
    n_t = _take(merged, "n_t", int, where, check=lambda v: None if 1 <= v <= 100_000 else "must lie in 1..100000")
    q_min = _take(merged, "q_min", int, where, check=lambda v: None if abs(v) <= 1_000_000 else "must lie in -1e6..1e6")
    q_max = _take(merged, "q_max", int, where, check=lambda v: None if abs(v) <= 1_000_000 else "must lie in -1e6..1e6")
    if q_min > q_max:
        raise ConfigError(f"{where}: q_min must be <= q_max, got {q_min} > {q_max}")
    if n_t * (q_max - q_min + 1) > 4_000_000:
        raise ConfigError(
            f"{where}: n_t x (q_max - q_min + 1) = {n_t * (q_max - q_min + 1)} grid points; at most 4000000"
        )
    return Grid(horizon, n_t, q_min, q_max)


def _instrument(table: dict, base_grid: dict, where: str) -> Instrument:
    _no_unknown(table, ("id", "model", "params", "grid"), where)
    ident = _take(
        table, "id", str, where, check=lambda v: None if _ID.fullmatch(v) else "must be 1-64 letters, digits or _.-"
    )
    where = f"{where} (id {ident!r})"
    model_name = _take(
        table, "model", str, where, check=lambda v: None if v in MODELS else f"must be one of {', '.join(MODELS)}"
    )
    model = MODELS[model_name]()
    params = _take(table, "params", dict, where, default={})
    fields = tuple(f.name for f in dataclasses.fields(model.params_class))
    _no_unknown(params, fields, f"{where}: params")
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: params.{key} must be a number, got {type(value).__name__} {value!r}")
    required = [
        f.name
        for f in dataclasses.fields(model.params_class)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    missing = [k for k in required if k not in params]
    if missing:
        raise ConfigError(f"{where}: params needs {', '.join(missing)} (model {model.name}: {', '.join(fields)})")
    try:
        p = model.params_class(**params)
    except (InvalidParameters, TypeError) as exc:
        raise ConfigError(f"{where}: params: {exc}") from None
    grid = _grid(_take(table, "grid", dict, where, default={}), base_grid, f"{where}: grid")
    if problem := model.check_grid(grid):
        raise ConfigError(f"{where}: {problem}")
    horizon_limit = getattr(p, "T", None)
    if horizon_limit is not None and grid.horizon > horizon_limit:
        raise ConfigError(f"{where}: grid.horizon {grid.horizon!r} exceeds the model's horizon T = {horizon_limit!r}")
    return Instrument(ident, model, p, grid)


def parse_config(data: dict[str, Any], path: str | Path | None = None) -> ServeConfig:
    """Validate a configuration already read from TOML (``tomllib.loads``); see :func:`load_config`."""
    where = str(path) if path else "config"
    _no_unknown(data, ("serve", "grid", "instrument"), where)
    serve = _take(data, "serve", dict, where, default={})
    ws = f"{where}: [serve]"
    _no_unknown(serve, ("name", "refresh_s", "backend", "host", "port", "token_env", "out_dir", "formats"), ws)
    name = _take(
        serve,
        "name",
        str,
        ws,
        "quantforge",
        lambda v: (
            None if _NAME.fullmatch(v) else "must be 1-64 letters, digits or _ (no - or .: it prefixes the block names)"
        ),
    )
    refresh_s = float(
        _take(
            serve,
            "refresh_s",
            (int, float),
            ws,
            60.0,
            lambda v: None if math.isfinite(v) and 0.01 <= v <= 86400 else "must lie in 0.01..86400 seconds",
        )
    )
    backend = _take(
        serve,
        "backend",
        str,
        ws,
        "auto",
        lambda v: None if v in ("auto", *BACKENDS) else f"must be one of auto, {', '.join(BACKENDS)}",
    )
    host = _take(serve, "host", str, ws, "127.0.0.1")
    port = _take(serve, "port", int, ws, 8077, lambda v: None if 0 <= v <= 65535 else "must lie in 0..65535")
    token_env = _take(serve, "token_env", str, ws, None)
    out_dir = _take(serve, "out_dir", str, ws, None)
    formats = _take(serve, "formats", list, ws, ["arrow"])
    for f in formats:
        if f not in _FORMATS:
            raise ConfigError(f"{ws}: formats must list {' or '.join(_FORMATS)}, got {f!r}")
    base = Path(path).parent if path else Path.cwd()
    grid = _take(data, "grid", dict, where, default={})
    instruments = _take(data, "instrument", list, where, default=[])
    if not instruments:
        raise ConfigError(f"{where}: no [[instrument]] to publish")
    parsed = []
    seen: set[str] = set()
    for i, table in enumerate(instruments):
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: instrument {i + 1} must be a table ([[instrument]])")
        ins = _instrument(table, grid, f"{where}: instrument {i + 1}")
        if ins.id in seen:
            raise ConfigError(f"{where}: instrument {i + 1}: id {ins.id!r} is used twice")
        seen.add(ins.id)
        parsed.append(ins)
    return ServeConfig(
        Path(path) if path else None,
        name,
        refresh_s,
        None if backend == "auto" else backend,
        host,
        port,
        token_env,
        (base / out_dir) if out_dir else None,
        tuple(dict.fromkeys(formats)),
        tuple(parsed),
    )


def load_config(path: str | Path) -> ServeConfig:
    """Read and validate the publisher's TOML configuration.

    Parameters
    ----------
    path : str or Path
        The TOML file (keys in the module docstring).  ``out_dir`` is relative to its folder.

    Returns
    -------
    ServeConfig

    Raises
    ------
    ConfigError
        If the file cannot be read, is not TOML, or breaks a rule; the message names the place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "serve.toml"
    >>> _ = p.write_text('[[instrument]]\\nid = "X"\\nmodel = "as"\\nparams = {gamma = 0.1, sigma = 2.0, k = 1.5}\\n'
    ...                  '[grid]\\nhorizon = 1.0\\nn_t = 11\\nq_min = -5\\nq_max = 5\\n')
    >>> cfg = load_config(p)
    >>> cfg.instruments[0].model.name, cfg.instruments[0].grid.n_t, cfg.host
    ('avellaneda-stoikov', 11, '127.0.0.1')
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_config(data, path)
