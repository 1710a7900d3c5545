"""The reference covariance kernels, written once against an array namespace ``xp`` (array API standard).

Every function takes the namespace first and uses only the standard's operations (``matmul``,
``linalg.eigh``, ``linalg.diagonal``, broadcasting), so the same code runs on numpy, cupy, jax.numpy
and ``array_api_strict``.  Arguments are validated, batched to a leading axis and converted by
:mod:`.api`; shapes are ``(B, T, n)`` for returns (batch, observations, assets) and ``(B, n, n)``
for matrices.  The equations are numbered as in the papers cited by :mod:`quantforge.kernels.covariance`.
"""

from __future__ import annotations

import math
from typing import Any

from .core import Target

__all__ = [
    "sample_covariance_xp",
    "correlation_xp",
    "ewma_weights",
    "ewma_vectors_xp",
    "ewma_xp",
    "ledoit_wolf_xp",
    "higham_xp",
    "newton_xp",
    "unit_diagonal_xp",
    "psd_part_xp",
    "psd_from_eig",
]


def _eye(xp: Any, n: int, like) -> Any:
    return xp.eye(n, dtype=like.dtype)


def sample_covariance_xp(xp: Any, x, ddof: int):
    """``(x - m)' (x - m) / (T - ddof)`` of each batch member, shape (B, n, n)."""
    xc = x - xp.mean(x, axis=-2, keepdims=True)
    return xp.matmul(xp.matrix_transpose(xc), xc) / (x.shape[-2] - ddof)


def correlation_xp(xp: Any, cov):
    """``D^-1/2 cov D^-1/2`` with an exactly unit diagonal (D the diagonal of ``cov``)."""
    sd = xp.sqrt(xp.linalg.diagonal(cov))
    corr = cov / (sd[..., :, None] * sd[..., None, :])
    eye = _eye(xp, cov.shape[-1], cov)
    return corr * (1.0 - eye) + eye


def ewma_weights(n_obs: int, alpha: float, adjust: bool, demean: bool, bias: bool) -> tuple[list, list, list]:
    """The scalars ``a_t, c_t, f_t`` of :func:`.core.ewma_coefficients` (they depend on the weights only)."""
    decay, new_wt = 1.0 - alpha, (1.0 if adjust else alpha)
    a, c, f = [0.0], [0.0 if demean else 1.0], [1.0 if bias else math.nan]
    old_wt = sum_wt2 = 1.0
    for _ in range(1, n_obs):
        old_wt *= decay
        sum_wt2 *= decay * decay
        share, keep = new_wt / (old_wt + new_wt), old_wt / (old_wt + new_wt)
        a.append(keep)
        c.append(keep * share if demean else share)
        sum_wt2 += new_wt * new_wt
        old_wt += new_wt
        if not adjust:
            sum_wt2, old_wt = sum_wt2 / (old_wt * old_wt), 1.0
        den = old_wt * old_wt - sum_wt2
        f.append(1.0 if bias else (old_wt * old_wt / den if den > 0.0 else math.nan))
    return a, c, f


def ewma_vectors_xp(xp: Any, x, a: list, demean: bool):
    """The rank-one vectors ``v_t`` (B, T, n): ``x_t`` itself, or with ``demean`` ``u_t = x_t - m_{t-1}``,
    ``m_t = m_{t-1} + (1 - a_t) u_t`` from ``m_{-1} = 0`` (West's update; ``1 - a_t`` is the new weight's share)."""
    if not demean:
        return x
    mean = xp.zeros_like(x[:, 0, :])
    rows = []
    for t in range(x.shape[1]):
        u = x[:, t, :] - mean
        rows.append(u)
        mean = mean + (1.0 - a[t]) * u
    return xp.stack(rows, axis=1)


def ewma_xp(xp: Any, x, alpha: float, adjust: bool, demean: bool, bias: bool, path: bool):
    """Exponentially weighted covariance after the last observation (B, n, n), or after each (B, T, n, n)."""
    a, c, f = ewma_weights(x.shape[1], alpha, adjust, demean, bias)
    v = ewma_vectors_xp(xp, x, a, demean)
    n = x.shape[2]
    s = xp.zeros((x.shape[0], n, n), dtype=x.dtype)
    out = []
    for t in range(x.shape[1]):
        vt = v[:, t, :]
        s = a[t] * s + c[t] * (vt[:, :, None] * vt[:, None, :])
        if path:
            out.append(f[t] * s)
    return xp.stack(out, axis=1) if path else f[-1] * s


def ledoit_wolf_xp(xp: Any, x, target: int):
    """(shrunk covariance (B, n, n), shrinkage (B,)) with the sample covariance of divisor T.

    Identity target (Ledoit & Wolf 2004, Lemma 3.2-3.4 and Theorem 3.1, in scikit-learn's
    arrangement): ``m = tr(S)/n``, ``d^2 = ||S - m I||^2 / n``,
    ``b^2 = min(d^2, sum_t ||x_t x_t' - S||^2 / (n T^2))``, ``Sigma = (b^2/d^2) m I + (1 - b^2/d^2) S``.
    Constant-correlation target (Ledoit & Wolf 2003, eqs. 2-4 and Appendix B): ``F_ij = rbar
    sqrt(s_ii s_jj)``, ``F_ii = s_ii``, ``delta = clip((pi - rho) / (gamma T), 0, 1)`` with
    ``pi = sum pi_ij``, ``rho = sum pi_ii + rbar sum_{i != j} sqrt(s_jj / s_ii) theta_ii,ij`` and
    ``gamma = ||F - S||^2``.
    """
    n_obs, n = x.shape[1], x.shape[2]
    xc = x - xp.mean(x, axis=1, keepdims=True)
    s = xp.matmul(xp.matrix_transpose(xc), xc) / n_obs
    var = xp.linalg.diagonal(s)
    eye = _eye(xp, n, s)
    if target == Target.IDENTITY:
        mu = xp.sum(var, axis=-1) / n
        row2 = xp.sum(xc * xc, axis=-1)  # sum_i x_ti^2, so that sum_t row2^2 = sum of X2' X2
        beta_ = xp.sum(row2 * row2, axis=-1)
        delta_ = xp.sum(s * s, axis=(-2, -1))
        beta = (beta_ / n_obs - delta_) / (n * n_obs)
        delta = (delta_ - 2.0 * mu * xp.sum(var, axis=-1) + n * mu * mu) / n
        beta = xp.minimum(beta, delta)
        ok = beta > 0.0 if n > 1 else xp.zeros_like(beta) > 0.0  # one asset: nothing to shrink (scikit-learn's rule)
        shrink = xp.where(ok, beta / xp.where(ok, delta, 1.0), 0.0)
        prior = mu[:, None, None] * eye
    else:
        sd = xp.sqrt(var)
        outer = sd[:, :, None] * sd[:, None, :]
        rbar = (xp.sum(s / outer, axis=(-2, -1)) - n) / max(n * (n - 1), 1)
        prior = rbar[:, None, None] * outer * (1.0 - eye) + s * eye
        y = xc * xc
        phi_mat = xp.matmul(xp.matrix_transpose(y), y) / n_obs - s * s
        phi = xp.sum(phi_mat, axis=(-2, -1))
        theta = xp.matmul(xp.matrix_transpose(xc * xc * xc), xc) / n_obs - var[:, :, None] * s
        theta = theta * (1.0 - eye)
        ratio = sd[:, None, :] / sd[:, :, None]  # sqrt(s_jj / s_ii) at (i, j)
        rho = xp.sum(xp.linalg.diagonal(phi_mat), axis=-1) + rbar * xp.sum(ratio * theta, axis=(-2, -1))
        gamma = xp.sum((s - prior) ** 2, axis=(-2, -1))
        ok = gamma > 0.0
        kappa = xp.where(ok, (phi - rho) / xp.where(ok, gamma, 1.0), 0.0)
        shrink = xp.clip(kappa / n_obs, 0.0, 1.0)
    cov = shrink[:, None, None] * prior + (1.0 - shrink[:, None, None]) * s
    return cov, shrink


def psd_part_xp(xp: Any, a):
    """``(a)_+``: the projection of symmetric matrices onto the PSD cone (eigenvalues clipped at 0)."""
    lam, p = xp.linalg.eigh(a)
    return xp.matmul(p * xp.maximum(lam, 0.0)[..., None, :], xp.matrix_transpose(p))


def unit_diagonal_xp(xp: Any, x):
    """``D^-1/2 x D^-1/2``: a PSD matrix rescaled to an exact unit diagonal, symmetrised (the last step of both
    nearest-correlation methods, so that the result is a correlation matrix to rounding)."""
    d = xp.sqrt(xp.maximum(xp.linalg.diagonal(x), 1e-300))
    y = x / (d[..., :, None] * d[..., None, :])
    y = 0.5 * (y + xp.matrix_transpose(y))
    eye = _eye(xp, x.shape[-1], x)
    return y * (1.0 - eye) + eye


def higham_xp(xp: Any, a, w, tol: float, max_iter: int):
    """Alternating projections with Dykstra's correction (Higham 2002, Algorithm 3.3), W = diag(w).

    ``R_k = Y_{k-1} - dS_{k-1}``, ``X_k = P_S(R_k)``, ``dS_k = X_k - R_k``, ``Y_k = P_U(X_k)``, where
    ``P_S(R) = W^-1/2 (W^1/2 R W^1/2)_+ W^-1/2`` (Theorem 3.2) and ``P_U`` sets the diagonal to 1 (its
    W-norm projection for diagonal W, Theorem 3.1).  Stops when ``max(||Y_k - Y_{k-1}||, ||X_k - Y_k||)
    <= tol ||Y_k||`` for every batch member.  Returns ``(Y, iterations, converged)``.
    """
    n = a.shape[-1]
    eye = _eye(xp, n, a)
    sw = xp.sqrt(w)
    outer = sw[:, :, None] * sw[:, None, :]
    y = a
    ds = xp.zeros_like(a)
    for k in range(1, max_iter + 1):
        r = y - ds
        x = psd_part_xp(xp, r * outer) / outer
        ds = x - r
        y_new = x * (1.0 - eye) + eye
        norm = xp.sqrt(xp.sum(y_new * y_new, axis=(-2, -1)))
        change = xp.maximum(
            xp.sqrt(xp.sum((y_new - y) ** 2, axis=(-2, -1))), xp.sqrt(xp.sum((x - y_new) ** 2, axis=(-2, -1)))
        )
        y = y_new
        if bool(xp.all(change <= tol * norm)):
            return y, k, True
    return y, max_iter, False


def _newton_system(xp: Any, lam, p):
    """The pieces of the generalised Jacobian at ``G + diag(y) = P diag(lam) P'`` (Qi & Sun 2006, eq. 5.2):
    the columns ``p1`` of the positive eigenvalues, ``p2`` of the others, and ``omega12_ij =
    lam1_i / (lam1_i - lam2_j)``; eigh sorts ascending, so the positive ones come last."""
    s = int(xp.sum(xp.astype(lam <= 0.0, xp.int64)))
    p1, p2 = p[:, s:], p[:, :s]
    lam1, lam2 = lam[s:], lam[:s]
    omega12 = lam1[:, None] / (lam1[:, None] - lam2[None, :])
    return p1, p2, omega12


def _jacobian_vector(xp: Any, p1, p2, omega12, h):
    """``V h = diag(P (Omega o (P' diag(h) P)) P')`` in O(n^2 min(r, n - r)) (Qi & Sun 2006, section 5):
    through the positive block when it is the smaller, else as ``h`` minus the complement."""
    r, s = p1.shape[1], p2.shape[1]
    if r == 0:
        return xp.zeros_like(h)
    if r <= s:
        h1 = p1 * h[:, None]
        m11 = xp.matmul(xp.matrix_transpose(h1), p1)
        m12 = xp.matmul(xp.matrix_transpose(h1), p2)
        return xp.sum(xp.matmul(p1, m11) * p1, axis=1) + 2.0 * xp.sum(xp.matmul(p1, omega12 * m12) * p2, axis=1)
    h2 = p2 * h[:, None]
    m22 = xp.matmul(xp.matrix_transpose(h2), p2)
    m12 = xp.matmul(xp.matrix_transpose(p1), h2)
    return h - xp.sum(xp.matmul(p2, m22) * p2, axis=1) - 2.0 * xp.sum(xp.matmul(p1, (1.0 - omega12) * m12) * p2, axis=1)


def _jacobian_diagonal(xp: Any, p1, p2, omega12):
    """``diag(V)``, the preconditioner: ``V_ii = sum_kl Omega_kl P_ik^2 P_il^2``."""
    q1, q2 = p1 * p1, p2 * p2
    s1 = xp.sum(q1, axis=1)
    return s1 * s1 + 2.0 * xp.sum(xp.matmul(q1, omega12) * q2, axis=1)


def _pcg(xp: Any, matvec, rhs, precond, rtol: float, max_iter: int):
    """Preconditioned conjugate gradients for ``V d = rhs`` (V symmetric PSD), to ``||r|| <= rtol ||rhs||``."""
    d = xp.zeros_like(rhs)
    r = rhs
    z = r / precond
    p = z
    rz = float(xp.sum(r * z))
    stop = rtol * float(xp.sqrt(xp.sum(rhs * rhs)))
    for _ in range(max_iter):
        vp = matvec(p)
        pvp = float(xp.sum(p * vp))
        if pvp <= 0.0:
            break
        step = rz / pvp
        d = d + step * p
        r = r - step * vp
        if float(xp.sqrt(xp.sum(r * r))) <= stop:
            break
        z = r / precond
        rz_new = float(xp.sum(r * z))
        p = z + (rz_new / rz) * p
        rz = rz_new
    return d


def newton_xp(xp: Any, g, b, tol: float, max_iter: int):
    """The quadratically convergent Newton method of Qi & Sun (2006, Algorithm 5.1) on one matrix.

    Maximises the dual ``theta(y) = b'y - ||(G + diag y)_+||^2 / 2`` (eq. 3.4; we minimise its negative):
    the gradient is ``F(y) = diag((G + diag y)_+) - b`` (eq. 3.5), the Newton step solves
    ``V d = -F(y)`` with ``V`` in the generalised Jacobian (eq. 5.2) by preconditioned CG to the forcing
    tolerance ``min(0.1, ||F||) ||F||``, and an Armijo line search keeps the dual decreasing (or, where
    rounding hides its decrease, the gradient halving).  Stops when ``||F(y)||_2 <= tol``.  Returns ``((G + diag y)_+, iterations, converged)``.
    """
    n = g.shape[-1]
    y = b - xp.linalg.diagonal(g)
    eye = _eye(xp, n, g)

    def evaluate(y_):
        lam_, p_ = xp.linalg.eigh(g + y_[None, :] * eye)
        lp = xp.maximum(lam_, 0.0)
        f_ = 0.5 * float(xp.sum(lp * lp)) - float(xp.sum(b * y_))
        grad_ = xp.sum(p_ * p_ * lp[None, :], axis=1) - b
        return lam_, p_, f_, grad_

    lam, p, f, grad = evaluate(y)
    for k in range(max_iter + 1):
        norm = float(xp.sqrt(xp.sum(grad * grad)))
        if norm <= tol:
            return psd_from_eig(xp, lam, p), k, True
        if k == max_iter:
            break
        p1, p2, omega12 = _newton_system(xp, lam, p)
        precond = xp.maximum(_jacobian_diagonal(xp, p1, p2, omega12), 1e-8)
        d = _pcg(xp, lambda h: _jacobian_vector(xp, p1, p2, omega12, h), -grad, precond, min(0.1, norm), 200)
        slope = float(xp.sum(grad * d))
        step = 1.0
        for _ in range(30):
            lam_t, p_t, f_t, grad_t = evaluate(y + step * d)
            # Armijo on the dual; near the solution its decrease (~||F||^2) is below the rounding of f,
            # and a step that shrinks the gradient is taken instead
            if f_t <= f + 1e-4 * step * slope or float(xp.sum(grad_t * grad_t)) < 0.25 * norm * norm:
                break
            step *= 0.5
        else:
            break  # no step improves either: the iterate is at the floor of rounding
        y = y + step * d
        lam, p, f, grad = lam_t, p_t, f_t, grad_t
    return psd_from_eig(xp, lam, p), k, False


def psd_from_eig(xp: Any, lam, p):
    """``P diag(max(lam, 0)) P'``."""
    return xp.matmul(p * xp.maximum(lam, 0.0)[None, :], xp.matrix_transpose(p))
