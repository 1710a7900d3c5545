"""Intraday volume profiles: the share of a session's volume traded in each of its equal time bins.

A profile is a float64 array of ``n_bins`` non-negative fractions summing to one over the session;
VWAP schedules (:func:`quantforge.execution.vwap_schedule`) integrate it over their slices.  Profiles
are fitted from the caller's volume data (:func:`fit_volume_profile`) or taken from the documented
U-shaped default (:func:`u_shaped_profile`): equity volume is heaviest at the open and the close
(Admati & Pfleiderer 1988 for the pattern; Bialkowski, Darolles & Le Fol 2008 for its use in VWAP).

References
----------
Admati, A. & Pfleiderer, P. (1988). A theory of intraday patterns: volume and price variability.
Rev. Financ. Stud. 1(1):3–40.
Bialkowski, J., Darolles, S. & Le Fol, G. (2008). Improving VWAP strategies: a dynamic volume approach.
J. Bank. Financ. 32(9):1709–1722.
"""

from __future__ import annotations

import math

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import InvalidParameters, check_all_finite, check_array, check_int, check_nonnegative, check_positive

__all__ = ["u_shaped_profile", "fit_volume_profile", "check_profile", "PROFILE_ATOL"]

PROFILE_ATOL = 1e-9
"""How far from one the fractions of a profile may sum (rounding of the caller's arithmetic)."""


def u_shaped_profile(
    n_bins: int = 13, *, open_weight: float = 2.0, close_weight: float = 3.0, decay: float = 0.1
) -> Float64Array:
    """The default U-shaped profile: intensity ``f(x) = 1 + a e^{-x/w} + b e^{-(1-x)/w}`` over the session.

    Parameters
    ----------
    n_bins : int
        Equal bins of the session (13: half hours of a 6.5-hour equity session).
    open_weight, close_weight : float
        ``a`` and ``b``: the excess intensity at the open and at the close, relative to midday (>= 0).
    decay : float
        ``w``: the fraction of the session over which the excess decays by ``e`` (> 0).

    Returns
    -------
    float64 array (n_bins,)
        ``p_i = F(x_{i+1}) - F(x_i)`` over ``F(1) - F(0)``, with the exact integral
        ``F(x) = x - a w e^{-x/w} + b w e^{-(1-x)/w}``; sums to one.

    Examples
    --------
    >>> p = u_shaped_profile(13)
    >>> round(float(p.sum()), 12), bool(p[0] > p[6] < p[-1])
    (1.0, True)
    """
    n_bins = check_int("n_bins", n_bins, minimum=1)
    a = check_nonnegative("open_weight", open_weight)
    b = check_nonnegative("close_weight", close_weight)
    w = check_positive("decay", decay)
    x = np.linspace(0.0, 1.0, n_bins + 1)

    def integral(u):
        return u - a * w * np.exp(-u / w) + b * w * np.exp(-(1.0 - u) / w)

    mass = np.diff(integral(x))
    return mass / mass.sum()


def fit_volume_profile(volumes: ArrayLike) -> Float64Array:
    """Fit a profile to volume data: the mean over days of each day's share of volume per bin.

    Parameters
    ----------
    volumes : float array (n_days, n_bins) or (n_bins,)
        Volume traded in each equal intraday bin of each day (any unit), >= 0, every day with
        some volume.

    Returns
    -------
    float64 array (n_bins,)
        The profile; every day weighs the same, whatever its total volume.

    Raises
    ------
    InvalidParameters
        For NaN, negative values or a day without volume (naming the entry).

    Examples
    --------
    >>> fit_volume_profile([[30, 10, 60], [10, 10, 80]]).tolist()
    [0.2, 0.1, 0.7]
    """
    v = check_all_finite("volumes", check_array("volumes", volumes, dtype=np.float64, cast=True))
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2 or v.shape[1] < 1 or v.shape[0] < 1:
        raise InvalidParameters(f"volumes must have shape (n_days, n_bins) or (n_bins,), got {np.shape(volumes)}")
    if np.any(v < 0):
        idx = tuple(int(i) for i in np.argwhere(v < 0)[0])
        raise InvalidParameters(f"volumes must be >= 0 everywhere; volumes[{idx}] = {float(v[idx])!r}")
    totals = v.sum(axis=1)
    if np.any(totals <= 0):
        day = int(np.argmax(totals <= 0))
        raise InvalidParameters(f"every day of volumes needs some volume; day {day} has none")
    return (v / totals[:, None]).mean(axis=0)


def check_profile(profile: ArrayLike, name: str = "profile") -> Float64Array:
    """``profile`` as a float64 array after checking it: 1-D, finite, >= 0, summing to one (within
    :data:`PROFILE_ATOL`); ``InvalidParameters`` names ``name`` and what is wrong."""
    p = check_all_finite(name, check_array(name, profile, dtype=np.float64, cast=True))
    if p.ndim != 1 or p.size < 1:
        raise InvalidParameters(f"{name} must be a non-empty 1-D array of bin fractions, got shape {p.shape}")
    if np.any(p < 0):
        i = int(np.argmax(p < 0))
        raise InvalidParameters(f"{name} must be >= 0 everywhere; {name}[{i}] = {float(p[i])!r}")
    total = math.fsum(p.tolist())
    if abs(total - 1.0) > PROFILE_ATOL:
        raise InvalidParameters(
            f"{name} must sum to 1 (fractions of the session's volume), got sum {total!r}; "
            "normalise it or build it with fit_volume_profile"
        )
    return p
