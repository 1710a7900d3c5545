"""The matrix Riccati ODE of the quadratic approximation to multi-asset market making (BEGV 2021).

Replacing each Hamiltonian ``H_i(p) = c_i exp(-k_i p)`` by its second-order expansion at ``p = 0``
(Bergault, Evangelista, Guéant & Vieira 2021, §3) makes ``theta(tau, q) = -q' A(tau) q - q' B(tau) - C(tau)``
an exact solution of the approximate HJB equation, with, in time to horizon ``tau``,

    dA/dtau = Gamma / 2 - 4 A D A,          A(0) = P,                                               (1)
    dB/dtau = -mu - 4 A D B,                B(0) = 0,

``D = diag(c_i k_i^2)`` (the curvature of ``H^b_i + H^a_i``), ``Gamma`` the running penalty matrix,
``mu`` the drift and ``P`` the terminal penalty (BEGV eqs. (3.4)–(3.5) in this notation).  The pair
is one Riccati equation for the bordered matrix ``[[A, B/2], [B'/2, .]]`` and is solved exactly by
Radon's lemma: ``A = Y X^{-1}`` with ``d/dtau [X; Y] = [[0, 4D], [Gamma/2, 0]] [X; Y]``, i.e. one matrix
exponential per grid spacing, restarted from ``[I; A]`` at each grid point so that the growing and
decaying modes never mix in floating point.

References
----------
P. Bergault, D. Evangelista, O. Guéant, D. Vieira (2021), "Closed-form approximations in
multi-asset market making", Appl. Math. Finance 28(2):101–142.
W. T. Reid (1972), "Riccati Differential Equations", Academic Press (Radon's lemma).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sl

from ..errors import InvalidParameters, MatrixError, NumericalInstability, check_all_finite, check_array

__all__ = ["solve_quadratic_riccati"]


def solve_quadratic_riccati(taus, *, curvature, penalty, drift, terminal_penalty) -> tuple[np.ndarray, np.ndarray]:
    """Solve (1) on a grid of times to horizon.

    Parameters
    ----------
    taus : float array (n_t,)
        Non-negative, strictly increasing times to horizon.
    curvature : float array (d,)
        ``D_ii = c_i k_i^2`` (> 0), with ``c_i`` the scale and ``k_i`` the decay of asset ``i``'s
        Hamiltonians (both sides alike).
    penalty : float array (d, d)
        ``Gamma``: symmetric positive semi-definite running penalty (``gamma Sigma``).
    drift : float array (d,)
        ``mu``.
    terminal_penalty : float array (d, d)
        ``P``: symmetric.

    Returns
    -------
    A : float64 array (n_t, d, d)
    B : float64 array (n_t, d)

    Raises
    ------
    InvalidParameters, MatrixError
        Bad shapes, non-positive curvature, non-symmetric or non-PSD ``penalty``.
    NumericalInstability
        If a restart matrix ``X`` is singular or the result is not finite.
    """
    dvec = check_all_finite("curvature", check_array("curvature", curvature, dtype=np.float64, cast=True))
    if dvec.ndim != 1 or dvec.size < 1 or np.any(dvec <= 0):
        raise InvalidParameters(f"curvature must be a 1-D array of positive numbers, got {dvec!r}")
    d = dvec.size
    gam = check_all_finite("penalty", check_array("penalty", penalty, dtype=np.float64, cast=True))
    mu = check_all_finite("drift", check_array("drift", drift, dtype=np.float64, cast=True))
    p0 = check_all_finite("terminal_penalty", check_array("terminal_penalty", terminal_penalty, dtype=np.float64, cast=True))
    if gam.shape != (d, d) or p0.shape != (d, d) or mu.shape != (d,):
        raise InvalidParameters(f"penalty and terminal_penalty must be ({d}, {d}) and drift ({d},)")
    if not np.allclose(gam, gam.T) or not np.allclose(p0, p0.T):
        raise MatrixError("penalty and terminal_penalty must be symmetric")
    if np.linalg.eigvalsh(gam).min() < -1e-12 * max(1.0, np.abs(gam).max()):
        raise MatrixError(f"penalty must be positive semi-definite, eigenvalues {np.linalg.eigvalsh(gam)}")
    t = check_all_finite("taus", check_array("taus", taus, dtype=np.float64, cast=True))
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise InvalidParameters("taus must be a non-empty, non-negative, strictly increasing 1-D array")

    m = d + 1
    d_bar = np.zeros((m, m))
    d_bar[:d, :d] = np.diag(dvec)
    g_bar = np.zeros((m, m))
    g_bar[:d, :d] = gam
    g_bar[:d, d] = -mu
    g_bar[d, :d] = -mu
    ham = np.block([[np.zeros((m, m)), 4.0 * d_bar], [0.5 * g_bar, np.zeros((m, m))]])
    a_bar = np.zeros((m, m))
    a_bar[:d, :d] = p0
    out_a = np.empty((t.size, d, d))
    out_b = np.empty((t.size, d))
    prev, prop, prop_len = 0.0, None, -1.0
    eye = np.eye(m)
    for j, tau in enumerate(t):
        step = tau - prev
        prev = tau
        if step > 0:
            if prop is None or abs(step - prop_len) > 1e-12 * step:
                prop = sl.expm(step * ham)
                prop_len = step
            xy = prop @ np.vstack([eye, a_bar])
            try:
                a_bar = np.linalg.solve(xy[:m].T, xy[m:].T).T
            except np.linalg.LinAlgError:
                raise NumericalInstability(f"Riccati restart matrix singular at tau = {tau!r}") from None
            a_bar = 0.5 * (a_bar + a_bar.T)
        out_a[j] = a_bar[:d, :d]
        out_b[j] = 2.0 * a_bar[:d, d]
    if not (np.isfinite(out_a).all() and np.isfinite(out_b).all()):
        raise NumericalInstability("the Riccati solution is not finite")
    return out_a, out_b
