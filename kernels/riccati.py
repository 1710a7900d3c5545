"""The matrix Riccati ODE of the quadratic approximation to multi-asset market making (BEGV 2021).

Replacing each Hamiltonian ``H_i(p) = c_i exp(-k_i p)`` by its second-order expansion at ``p = 0``
(Bergault, Evangelista, Guéant & Vieira 2021, §3) makes ``theta(tau, q) = -q' A(tau) q - q' B(tau) - C(tau)``
an exact solution of the approximate HJB equation, with, in time to horizon ``tau``,

    dA/dtau = Gamma / 2 - 4 A D A,          A(0) = P,                                               (1)
    dB/dtau = -mu - 4 A D B,                B(0) = 0,

``D = diag(c_i k_i^2)`` (the curvature of ``H^b_i + H^a_i``), ``Gamma`` the running penalty matrix,
``mu`` the drift and ``P`` the terminal penalty (BEGV eqs. (3.4)–(3.5) in this notation).  The pair
is one Riccati equation for the bordered matrix ``[[A, B/2], [B'/2, .]]`` and is solved exactly by
Radon's lemma: ``A = Y X^{-1}`` with ``d/dtau [X; Y] = [[0, 4D], [Gamma/2, 0]] [X; Y]``, i.e. matrix
exponentials of the Hamiltonian matrix, restarted from ``[I; A]`` after every sub-step of length at
most ``1 / rho`` (``rho >= sqrt(||4 D|| ||Gamma / 2||)`` bounds its spectral radius), so that ``X`` stays
well conditioned: over one long step the growing modes ``e^{rho tau}`` swamp the others and
``Y X^{-1}`` is lost in rounding (with ``tau rho ~ 400`` it comes out as ``1e150``).  A batch of parameter sets (leading axis ``n_sets`` on
the parameters that vary) is solved with stacked exponentials and solves.

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
from .hjb_grid import _batched, _common_batch

__all__ = ["solve_quadratic_riccati"]


def solve_quadratic_riccati(taus, *, curvature, penalty, drift, terminal_penalty) -> tuple[np.ndarray, np.ndarray]:
    """Solve (1) on a grid of times to horizon, for one parameter set or a batch.

    Parameters
    ----------
    taus : float array (n_t,)
        Non-negative, strictly increasing times to horizon.
    curvature : float array (d,) or (n_sets, d)
        ``D_ii = c_i k_i^2`` (> 0), with ``c_i`` the scale and ``k_i`` the decay of asset ``i``'s
        Hamiltonians (both sides alike).
    penalty : float array (d, d) or (n_sets, d, d)
        ``Gamma``: symmetric positive semi-definite running penalty (``gamma Sigma``).
    drift : float array (d,) or (n_sets, d)
        ``mu``.
    terminal_penalty : float array (d, d) or (n_sets, d, d)
        ``P``: symmetric.

    Returns
    -------
    A : float64 array ``([n_sets,] n_t, d, d)``
    B : float64 array ``([n_sets,] n_t, d)``
        With the leading ``n_sets`` axis when any parameter has one (the others are shared).

    Raises
    ------
    InvalidParameters, MatrixError
        Bad shapes or batch lengths, non-positive curvature, non-symmetric or non-PSD ``penalty``.
    NumericalInstability
        If a restart matrix ``X`` is singular or the result is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = solve_quadratic_riccati(np.array([0.0, 1.0]), curvature=[[50.0], [80.0]], penalty=[[0.4]],
    ...                                drift=[0.0], terminal_penalty=[[0.0]])
    >>> a.shape, b.shape
    ((2, 2, 1, 1), (2, 2, 1))
    """
    dvec = check_all_finite("curvature", check_array("curvature", curvature, dtype=np.float64, cast=True))
    if dvec.ndim not in (1, 2) or dvec.shape[-1] < 1 or np.any(dvec <= 0):
        raise InvalidParameters(f"curvature must be a (d,) or (n_sets, d) array of positive numbers, got {dvec!r}")
    d = dvec.shape[-1]
    dvec, n_d = _batched("curvature", dvec, (d,))
    gam, n_gam = _batched("penalty", penalty, (d, d))
    mu, n_mu = _batched("drift", drift, (d,))
    p0, n_p = _batched("terminal_penalty", terminal_penalty, (d, d))
    n_sets = _common_batch([n_d, n_gam, n_mu, n_p])
    b = n_sets or 1
    dvec, mu = (np.broadcast_to(a, (b, d)) for a in (dvec, mu))
    gam, p0 = (np.broadcast_to(a, (b, d, d)) for a in (gam, p0))
    if not np.allclose(gam, np.swapaxes(gam, -1, -2)) or not np.allclose(p0, np.swapaxes(p0, -1, -2)):
        raise MatrixError("penalty and terminal_penalty must be symmetric")
    eig = np.linalg.eigvalsh(gam).min(axis=-1)
    if np.any(eig < -1e-12 * np.maximum(1.0, np.abs(gam).max(axis=(-2, -1)))):
        raise MatrixError(f"penalty must be positive semi-definite, smallest eigenvalues {eig}")
    t = check_all_finite("taus", check_array("taus", taus, dtype=np.float64, cast=True))
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise InvalidParameters("taus must be a non-empty, non-negative, strictly increasing 1-D array")

    m = d + 1
    d_bar = np.zeros((b, m, m))
    d_bar[:, np.arange(d), np.arange(d)] = dvec
    g_bar = np.zeros((b, m, m))
    g_bar[:, :d, :d] = gam
    g_bar[:, :d, d] = -mu
    g_bar[:, d, :d] = -mu
    ham = np.zeros((b, 2 * m, 2 * m))
    ham[:, :m, m:] = 4.0 * d_bar
    ham[:, m:, :m] = 0.5 * g_bar
    a_bar = np.zeros((b, m, m))
    a_bar[:, :d, :d] = p0
    out_a = np.empty((b, t.size, d, d))
    out_b = np.empty((b, t.size, d))
    rho = float(np.sqrt(np.linalg.norm(4.0 * d_bar, 2, axis=(-2, -1)) * np.linalg.norm(0.5 * g_bar, 2, axis=(-2, -1))).max())
    prev, prop, prop_len = 0.0, None, -1.0
    eye = np.broadcast_to(np.eye(m), (b, m, m))
    for j, tau in enumerate(t):
        step = tau - prev
        prev = tau
        if step > 0:
            n_sub = max(1, int(np.ceil(step * rho)))
            sub = step / n_sub
            if prop is None or abs(sub - prop_len) > 1e-12 * sub:
                prop = sl.expm(sub * ham)
                prop_len = sub
            for _ in range(n_sub):
                xy = prop @ np.concatenate([eye, a_bar], axis=1)
                try:
                    a_bar = np.swapaxes(np.linalg.solve(np.swapaxes(xy[:, :m], -1, -2), np.swapaxes(xy[:, m:], -1, -2)), -1, -2)
                except np.linalg.LinAlgError:
                    raise NumericalInstability(f"Riccati restart matrix singular before tau = {tau!r}") from None
                a_bar = 0.5 * (a_bar + np.swapaxes(a_bar, -1, -2))
        out_a[:, j] = a_bar[:, :d, :d]
        out_b[:, j] = 2.0 * a_bar[:, :d, d]
    if not (np.isfinite(out_a).all() and np.isfinite(out_b).all()):
        raise NumericalInstability("the Riccati solution is not finite")
    return (out_a, out_b) if n_sets is not None else (out_a[0], out_b[0])
