"""The scalar core of the Hawkes family: codes, the draw layout and the per-path / per-target loops.

Everything here is plain Python over scalars and small arrays, written once and compiled twice:
:mod:`.numba` compiles it for the CPU with :func:`quantforge.kernels.jit.jit`, :mod:`.cuda` for the GPU
with :func:`quantforge.kernels.jit.compile_for_cuda` (``philox10`` and ``u01`` rebound to the device
versions), so both backends execute the same statements.

Kernels reach the core in *component form*: the baseline ``mu`` (D,), and for the exponential family
the amplitudes ``alpha`` (D, D, K) and decays ``beta`` (D, D, K) of
``phi_ij(t) = sum_k alpha_ijk beta_ijk exp(-beta_ijk t)``; for the power law ``alpha`` (D, D, 1), the
exponent ``p`` and the cutoff ``c`` (D, D, 1) of ``phi_ij(t) = alpha (p - 1) c^(p-1) (t + c)^(-p)``.
Both have L1 norm ``sum_k alpha_ijk``: ``alpha`` is tick's ``adjacency``.  Intensities are
left-continuous, ``lambda_i(t) = mu_i + sum_{t_n < t} phi_{i d_n}(t - t_n)``.

Core functions call each other through CPU builds made at the bottom of this module (as
:mod:`quantforge.kernels.rng.core` does), which the GPU build rebinds to device builds.
"""

from __future__ import annotations

import enum
import math

import numpy as np

from ..jit import jit
from ..rng.core import philox10, u01

__all__ = [
    "KernelCode",
    "Status",
    "Draw",
    "FitStatus",
    "TWO_M32",
    "kernel_value_scalar",
    "kernel_value",
    "dz_path",
    "ogata_path",
    "intensity_target",
    "intensity_merged",
    "advance_sums_scalar",
    "advance_sums",
    "loglik_target",
    "loglik_merged",
    "n_params_target",
    "global_index_scalar",
    "global_index",
    "assemble_target",
    "unpack",
]


class KernelCode(enum.IntEnum):
    """Which kernel formula the arrays describe."""

    EXPONENTIAL = 0  # also sums of exponentials (K > 1)
    POWER_LAW = 1


class Status(enum.IntEnum):
    """Outcome of one simulated path."""

    OK = 0  # the path reached the horizon
    CAPACITY = 1  # the output row filled before the horizon; the caller reruns the path with more room


class FitStatus(enum.IntEnum):
    """Outcome of one batched fit (the numba Newton optimiser)."""

    CONVERGED = 0
    MAX_ITER = 1  # the iteration budget ran out before the projected gradient was small
    LINE_SEARCH = 2  # no step decreased the objective while the projected gradient was not small
    NON_FINITE = 3  # the starting point or every step gave a non-finite likelihood


class Draw(enum.IntEnum):
    """The Philox layout of the simulations (a path depends only on (seed, stream, path)).

    Time uniform ``r`` of event ``n`` (Dassios–Zhao) or of candidate ``n`` (Ogata) of path ``p`` is
    ``u01`` of the words ``(w0, w1)`` (``r`` even) or ``(w2, w3)`` (``r`` odd) of the Philox block with
    counter ``(n, r // 2, p, stream)``: Dassios–Zhao uses ``r = POISSON`` for the baseline candidate and
    ``r = FIRST_GROUP + g`` for the candidate of decay group ``g``, so one block serves an event with one
    decay; Ogata uses ``r = OGATA_GAP`` for the exponential gap and ``r = OGATA_ACCEPT`` for the
    acceptance test, whose threshold also picks the dimension.  Dassios–Zhao picks the dimension of
    event ``n`` with the 32-bit uniform ``(w + 1/2) 2^-32`` of word ``n % 4`` of the block
    ``(n // 4, CHOICE, p, stream)``: one block serves four events (the choice needs no 52 bits).
    """

    POISSON = 0
    FIRST_GROUP = 1
    OGATA_GAP = 0
    OGATA_ACCEPT = 1
    CHOICE = 2**31  # the second counter word of the dimension choices: beyond any event's time blocks


TWO_M32 = 2.0**-32


def kernel_value_scalar(code, alpha, shape1, shape2, i, j, dt):
    """``phi_ij(dt)`` for ``dt >= 0``: shape1/shape2 are (beta, unused) or (p, c) per component."""
    v = 0.0
    if code == KernelCode.EXPONENTIAL:
        for k in range(alpha.shape[2]):
            b = shape1[i, j, k]
            v += alpha[i, j, k] * b * math.exp(-b * dt)
    else:
        p = shape1[i, j, 0]
        c = shape2[i, j, 0]
        v = alpha[i, j, 0] * (p - 1.0) * math.pow(c, p - 1.0) * math.pow(dt + c, -p)
    return v


def dz_path(p, horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, state, times, marks):
    """One exact path of an exponential-family Hawkes process (Dassios & Zhao 2013); (count, status).

    The process is a superposition of a Poisson process of rate ``mu_total = sum_i mu_i`` and, for
    each distinct decay ``decays[g]``, a component whose intensity ``A_g e^{-b_g s}`` decays
    deterministically until the next event; ``state[g D + i]`` is the part of ``A_g`` that belongs to
    dimension ``i``.  The next event is the first arrival among these independent components (the
    Poisson one by inversion, each decaying one by Dassios & Zhao's closed form: no arrival with
    probability ``exp(-A_g / b_g)``, else at ``-ln(1 + b_g ln U / A_g) / b_g``), its dimension drawn in
    proportion to the winning component's parts.  An event in ``j`` adds ``jump[i, j, k]`` (=
    ``alpha beta``) to the part of ``i`` in the group ``gidx[i, j, k]`` of its decay.  Work per event:
    O(G D + D K), no thinning, no rejected draws.
    """
    n_dim = mu.shape[0]
    n_groups = decays.shape[0]
    n_comp = gidx.shape[2]
    cap = times.shape[0]
    for q in range(n_groups * n_dim):
        state[q] = 0.0
    pp = np.uint64(p)
    s = np.uint64(stream)
    t = 0.0
    n = 0
    choice_block = -1
    c0 = c1 = c2 = c3 = np.uint64(0)
    while True:
        w0, w1, w2, w3 = philox10(np.uint64(n), np.uint64(0), pp, s, k0, k1)
        block = 0
        best = math.inf
        src = -1
        d_src = 0.0
        if mu_total > 0.0:
            best = -math.log(u01(w0, w1)) / mu_total
        for g in range(n_groups):
            total = 0.0
            for i in range(n_dim):
                total += state[g * n_dim + i]
            if total > 0.0:
                r = Draw.FIRST_GROUP + g
                if r // 2 != block:
                    block = r // 2
                    w0, w1, w2, w3 = philox10(np.uint64(n), np.uint64(block), pp, s, k0, k1)
                u = u01(w0, w1) if r % 2 == 0 else u01(w2, w3)
                d = 1.0 + decays[g] * math.log(u) / total
                if d > 0.0:
                    cand = -math.log(d) / decays[g]
                    if cand < best:
                        best = cand
                        src = g
                        d_src = d  # = exp(-b best): the winner's decay factor, without an exponential
        if best == math.inf or t + best > horizon:
            return n, Status.OK
        if n == cap:
            return n, Status.CAPACITY
        t += best
        for g in range(n_groups):
            f = d_src if g == src else math.exp(-decays[g] * best)
            for i in range(n_dim):
                state[g * n_dim + i] *= f
        dim = 0
        if n_dim > 1:
            if n // 4 != choice_block:
                choice_block = n // 4
                c0, c1, c2, c3 = philox10(np.uint64(choice_block), np.uint64(Draw.CHOICE), pp, s, k0, k1)
            h = n % 4
            u = (np.float64(c0 if h == 0 else (c1 if h == 1 else (c2 if h == 2 else c3))) + 0.5) * TWO_M32
            total = 0.0
            for i in range(n_dim):
                total += mu[i] if src < 0 else state[src * n_dim + i]
            threshold = u * total
            acc = 0.0
            dim = n_dim - 1
            for i in range(n_dim):
                acc += mu[i] if src < 0 else state[src * n_dim + i]
                if threshold < acc:
                    dim = i
                    break
        times[n] = t
        marks[n] = dim
        for i in range(n_dim):
            for k in range(n_comp):
                state[gidx[i, dim, k] * n_dim + i] += jump[i, dim, k]
        n += 1


def ogata_path(p, horizon, code, mu, alpha, shape1, shape2, k0, k1, stream, lam, times, marks):
    """One path by Ogata's (1981) thinning, for kernels that do not increase; (count, status).

    Between events the total intensity does not increase, so its value just after the current time
    bounds it until the next event: a candidate ``t + Exp(bound)`` is accepted with probability
    ``lambda(candidate) / bound``, the acceptance threshold ``U bound`` also choosing the dimension
    (the first ``i`` with ``threshold < lambda_1 + ... + lambda_i``).  Intensities are exact sums over
    the history (O(n) per candidate, so O(n^2) per path); ``lam`` is (D,) scratch.
    """
    n_dim = mu.shape[0]
    cap = times.shape[0]
    pp = np.uint64(p)
    s = np.uint64(stream)
    bound = 0.0
    for i in range(n_dim):
        bound += mu[i]
    t = 0.0
    n = 0
    c = 0
    while bound > 0.0:
        w0, w1, w2, w3 = philox10(np.uint64(c), np.uint64(0), pp, s, k0, k1)
        c += 1
        t_cand = t - math.log(u01(w0, w1)) / bound
        if t_cand > horizon:
            break
        total = 0.0
        for i in range(n_dim):
            v = mu[i]
            for m in range(n):
                v += kernel_value(code, alpha, shape1, shape2, i, marks[m], t_cand - times[m])
            lam[i] = v
            total += v
        threshold = u01(w2, w3) * bound
        dim = -1
        acc = 0.0
        for i in range(n_dim):
            acc += lam[i]
            if threshold < acc:
                dim = i
                break
        bound = total
        t = t_cand
        if dim >= 0:
            if n == cap:
                return n, Status.CAPACITY
            times[n] = t
            marks[n] = dim
            n += 1
            for i in range(n_dim):
                bound += kernel_value(code, alpha, shape1, shape2, i, dim, 0.0)
    return n, Status.OK


def intensity_target(i, queries, times, offsets, mu, alpha, beta, lam_out, comp_out):
    """``lambda_i`` and the compensator ``Lambda_i`` at sorted ``queries`` by the exponential recursion.

    ``times[offsets[j]:offsets[j + 1]]`` are the sorted events of dimension ``j``.  With
    ``S_jk(q) = sum_{t_n^j < q} exp(-beta_ijk (q - t_n^j))``: ``lambda_i(q) = mu_i + sum alpha beta S`` and
    ``Lambda_i(q) = mu_i q + sum_jk alpha_ijk (N_j(q) - S_jk(q))``, ``N_j(q)`` the events of ``j`` before
    ``q``.  O((M + N) D K) for M queries.
    """
    n_dim = offsets.shape[0] - 1
    n_comp = alpha.shape[2]
    s_state = np.zeros(n_dim * n_comp)
    ptr = np.zeros(n_dim, dtype=np.int64)
    for j in range(n_dim):
        ptr[j] = offsets[j]
    t_prev = 0.0
    for m in range(queries.shape[0]):
        q = queries[m]
        lam = mu[i]
        comp = mu[i] * q
        for j in range(n_dim):
            for k in range(n_comp):
                b = beta[i, j, k]
                s_state[j * n_comp + k] *= math.exp(-b * (q - t_prev))
            while ptr[j] < offsets[j + 1] and times[ptr[j]] < q:
                for k in range(n_comp):
                    s_state[j * n_comp + k] += math.exp(-beta[i, j, k] * (q - times[ptr[j]]))
                ptr[j] += 1
            count = ptr[j] - offsets[j]
            for k in range(n_comp):
                sv = s_state[j * n_comp + k]
                lam += alpha[i, j, k] * beta[i, j, k] * sv
                comp += alpha[i, j, k] * (count - sv)
        lam_out[m] = lam
        comp_out[m] = comp
        t_prev = q


def intensity_merged(queries, times, marks, mu, alpha, beta, lam_out, comp_out):
    """:func:`intensity_target` for every target in one pass, for decays ``beta_ijk = beta_jk``.

    The sums ``S_jk(q)`` do not depend on the target, so one state serves all: one exponential per
    distinct decay and step over the merged, sorted queries and events; ``lam_out``, ``comp_out``
    (M, D).  An event joins the sums once time moves past it (``t_n < q``).
    """
    n_dim = mu.shape[0]
    n_comp = alpha.shape[2]
    nc = n_dim * n_comp
    b0 = beta[0]
    s_state = np.zeros(nc)
    pending = np.zeros(n_dim)
    counts = np.zeros(n_dim)
    t_prev = 0.0
    n = 0
    for m in range(queries.shape[0]):
        q = queries[m]
        while True:
            # the next step: an event strictly before q, else q itself
            take_event = n < times.shape[0] and times[n] < q
            t = times[n] if take_event else q
            gap = t - t_prev
            if gap > 0.0:
                e = 1.0
                for c in range(nc):
                    b = b0[c // n_comp, c % n_comp]
                    if c == 0 or b != b0[(c - 1) // n_comp, (c - 1) % n_comp]:
                        e = math.exp(-b * gap)
                    s_state[c] = (s_state[c] + pending[c // n_comp]) * e
                for j in range(n_dim):
                    counts[j] += pending[j]
                    pending[j] = 0.0
                t_prev = t
            if not take_event:
                break
            pending[marks[n]] += 1.0
            n += 1
        for i in range(n_dim):
            lam = mu[i]
            comp = mu[i] * q
            for c in range(nc):
                a = alpha[i, c // n_comp, c % n_comp]
                # events pending at q itself are not before q: only those already in counts count
                lam += a * b0[c // n_comp, c % n_comp] * s_state[c]
                comp += a * (counts[c // n_comp] - s_state[c])
            lam_out[m, i] = lam
            comp_out[m, i] = comp


def n_params_target(n_dim, n_comp):
    """Parameters of one target's likelihood: ``mu_i``, then ``alpha_i[j, k]``, then ``beta_i[j, k]``."""
    return 1 + 2 * n_dim * n_comp


def advance_sums_scalar(j, n_comp, beta_i, t, gap, times, offsets, ptr, order, e_state, s_state, q_state, r_state):
    """Carry target ``i``'s sums over source ``j`` from ``t - gap`` to ``t`` and add the events of ``j`` before ``t``.

    ``S <- e S``, ``Q <- e (Q + D S)``, ``R <- e (R + 2 D Q + D^2 S)`` with ``e = e^{-beta D}`` (``D`` the
    gap), then each event of ``j`` in ``[t - gap, t)`` adds ``e^{-beta d}``, ``d e^{-beta d}``, ``d^2 e^{-beta d}``
    (``d = t - t_n``); an event at the start of the gap (a self-exciting target's previous event) reuses
    ``e``.  ``e_state`` holds the factors of the gap, one per component.
    """
    for k in range(n_comp):
        c = j * n_comp + k
        b = beta_i[j, k]
        e = math.exp(-b * gap) if k == 0 or b != beta_i[j, k - 1] else e_state[c - 1]
        e_state[c] = e
        if order >= 2:
            r_state[c] = e * (r_state[c] + 2.0 * gap * q_state[c] + gap * gap * s_state[c])
        if order >= 1:
            q_state[c] = e * (q_state[c] + gap * s_state[c])
        s_state[c] *= e
    while ptr[j] < offsets[j + 1] and times[ptr[j]] < t:
        d = t - times[ptr[j]]
        for k in range(n_comp):
            c = j * n_comp + k
            ed = e_state[c] if d == gap else math.exp(-beta_i[j, k] * d)
            s_state[c] += ed
            if order >= 1:
                q_state[c] += d * ed
            if order >= 2:
                r_state[c] += d * d * ed
        ptr[j] += 1


def loglik_target(i, horizon, times, offsets, mu_i, alpha, beta, order, grad, hess):
    """The log-likelihood of target ``i`` on ``[0, horizon]``, with its gradient and Hessian (Ozaki 1979).

    ``l_i = sum_{t_m in i} ln lambda_i(t_m) - mu_i T - sum_jk alpha_ijk (N_j - S_jk(T))``.  At each event
    of ``i`` the sums over each source ``j``, ``S = sum e^{-beta d}``, ``Q = sum d e^{-beta d}`` and
    ``R = sum d^2 e^{-beta d}`` (``d = t_m - t_n^j``), are carried forward from the previous event of
    ``i`` (:func:`advance_sums`), and once more to ``T`` for the compensator: O(N D K) with N events,
    one exponential per event and component for a self-exciting univariate series.  Then
    ``d lambda / d alpha = beta S``, ``d lambda / d beta = alpha (S - beta Q)``,
    ``d2 lambda / d alpha d beta = S - beta Q``, ``d2 lambda / d beta2 = alpha (beta R - 2 Q)``, and the
    compensator's derivatives are ``N_j - S(T)``, ``alpha Q(T)``, ``Q(T)`` and ``-alpha R(T)``.

    ``order`` 0 computes the value only, 1 adds ``grad`` (P,), 2 adds ``hess`` (P, P); both are
    accumulated into (the caller zeroes them), indexed as in :func:`n_params_target`.  Returns the
    value, ``-inf`` where an event has zero intensity.
    """
    n_dim = offsets.shape[0] - 1
    n_comp = alpha.shape[2]
    nc = n_dim * n_comp
    n_par = 1 + 2 * nc
    beta_i = beta[i]
    e_state = np.zeros(nc)
    s_state = np.zeros(nc)
    q_state = np.zeros(nc)
    r_state = np.zeros(nc)
    dlam = np.zeros(n_par)
    ptr = np.zeros(n_dim, dtype=np.int64)
    for j in range(n_dim):
        ptr[j] = offsets[j]
    value = 0.0
    t_prev = 0.0
    for m in range(offsets[i], offsets[i + 1]):
        t = times[m]
        lam = mu_i
        for j in range(n_dim):
            advance_sums(
                j, n_comp, beta_i, t, t - t_prev, times, offsets, ptr, order, e_state, s_state, q_state, r_state
            )
            for k in range(n_comp):
                lam += alpha[i, j, k] * beta_i[j, k] * s_state[j * n_comp + k]
        t_prev = t
        if lam <= 0.0:
            return -math.inf
        value += math.log(lam)
        if order >= 1:
            dlam[0] = 1.0
            for c in range(nc):
                a = alpha[i, c // n_comp, c % n_comp]
                b = beta_i[c // n_comp, c % n_comp]
                dlam[1 + c] = b * s_state[c]
                dlam[1 + nc + c] = a * (s_state[c] - b * q_state[c])
            inv = 1.0 / lam
            for u in range(n_par):
                grad[u] += dlam[u] * inv
            if order >= 2:
                inv2 = inv * inv
                for u in range(n_par):
                    for v in range(n_par):
                        hess[u, v] -= dlam[u] * dlam[v] * inv2
                for c in range(nc):
                    a = alpha[i, c // n_comp, c % n_comp]
                    b = beta_i[c // n_comp, c % n_comp]
                    cross = (s_state[c] - b * q_state[c]) * inv
                    hess[1 + c, 1 + nc + c] += cross
                    hess[1 + nc + c, 1 + c] += cross
                    hess[1 + nc + c, 1 + nc + c] += a * (b * r_state[c] - 2.0 * q_state[c]) * inv
    # the sums at T (every event counts: one at T itself adds 1 - e^0 = 0 to the compensator)
    t_end = math.nextafter(horizon, math.inf)
    for j in range(n_dim):
        advance_sums(
            j, n_comp, beta_i, t_end, t_end - t_prev, times, offsets, ptr, order, e_state, s_state, q_state, r_state
        )
    value -= mu_i * horizon
    if order >= 1:
        grad[0] -= horizon
    for c in range(nc):
        count = offsets[c // n_comp + 1] - offsets[c // n_comp]
        a = alpha[i, c // n_comp, c % n_comp]
        value -= a * (count - s_state[c])
        if order >= 1:
            grad[1 + c] -= count - s_state[c]
            grad[1 + nc + c] -= a * q_state[c]
        if order >= 2:
            hess[1 + c, 1 + nc + c] -= q_state[c]
            hess[1 + nc + c, 1 + c] -= q_state[c]
            hess[1 + nc + c, 1 + nc + c] += a * r_state[c]
    return value


def loglik_merged(horizon, times, marks, mu, alpha, beta, order, values, grad, hess):
    """Every target's log-likelihood in one pass over the time-sorted events, for decays ``beta_ijk = beta_jk``.

    The sums ``S_jk``, ``Q_jk``, ``R_jk`` of :func:`loglik_target` then do not depend on the target, so
    one state serves all of them: per event one exponential per distinct decay and the derivatives
    of the target hit, O(N K) exponentials in all instead of O(N D K).  Events at one time do not
    excite each other (``t_n < t``): an event joins the sums when time moves on.  ``beta`` is read
    from ``beta[0]``; ``values`` (D,), ``grad`` (D, P) and ``hess`` (D, P, P) are accumulated per
    target in the layout of :func:`n_params_target` (the caller zeroes them).  Returns False where
    an event has zero intensity (its target's value is then ``-inf``).
    """
    n_dim = mu.shape[0]
    n_comp = alpha.shape[2]
    nc = n_dim * n_comp
    n_par = 1 + 2 * nc
    b0 = beta[0]
    s_state = np.zeros(nc)
    q_state = np.zeros(nc)
    r_state = np.zeros(nc)
    pending = np.zeros(n_dim)
    counts = np.zeros(n_dim)
    dlam = np.zeros(n_par)
    t_prev = 0.0
    n_events = times.shape[0]
    for m in range(n_events + 1):
        t = times[m] if m < n_events else horizon
        gap = t - t_prev
        if gap > 0.0:
            e = 1.0
            for c in range(nc):
                b = b0[c // n_comp, c % n_comp]
                if c == 0 or b != b0[(c - 1) // n_comp, (c - 1) % n_comp]:
                    e = math.exp(-b * gap)
                s_state[c] += pending[c // n_comp]
                if order >= 2:
                    r_state[c] = e * (r_state[c] + 2.0 * gap * q_state[c] + gap * gap * s_state[c])
                if order >= 1:
                    q_state[c] = e * (q_state[c] + gap * s_state[c])
                s_state[c] *= e
            for j in range(n_dim):
                pending[j] = 0.0
            t_prev = t
        if m == n_events:
            break
        i = marks[m]
        lam = mu[i]
        for c in range(nc):
            lam += alpha[i, c // n_comp, c % n_comp] * b0[c // n_comp, c % n_comp] * s_state[c]
        pending[i] += 1.0
        counts[i] += 1.0
        if lam <= 0.0:
            values[i] = -math.inf
            return False
        values[i] += math.log(lam)
        if order >= 1:
            dlam[0] = 1.0
            for c in range(nc):
                a = alpha[i, c // n_comp, c % n_comp]
                b = b0[c // n_comp, c % n_comp]
                dlam[1 + c] = b * s_state[c]
                dlam[1 + nc + c] = a * (s_state[c] - b * q_state[c])
            inv = 1.0 / lam
            for u in range(n_par):
                grad[i, u] += dlam[u] * inv
            if order >= 2:
                inv2 = inv * inv
                for u in range(n_par):
                    du = dlam[u] * inv2
                    for v in range(n_par):
                        hess[i, u, v] -= du * dlam[v]
                for c in range(nc):
                    a = alpha[i, c // n_comp, c % n_comp]
                    b = b0[c // n_comp, c % n_comp]
                    cross = (s_state[c] - b * q_state[c]) * inv
                    hess[i, 1 + c, 1 + nc + c] += cross
                    hess[i, 1 + nc + c, 1 + c] += cross
                    hess[i, 1 + nc + c, 1 + nc + c] += a * (b * r_state[c] - 2.0 * q_state[c]) * inv
    for c in range(nc):  # events at the horizon itself join the sums with weight e^0 = 1
        s_state[c] += pending[c // n_comp]
    for i in range(n_dim):
        values[i] -= mu[i] * horizon
        if order >= 1:
            grad[i, 0] -= horizon
        for c in range(nc):
            a = alpha[i, c // n_comp, c % n_comp]
            count = counts[c // n_comp]
            values[i] -= a * (count - s_state[c])
            if order >= 1:
                grad[i, 1 + c] -= count - s_state[c]
                grad[i, 1 + nc + c] -= a * q_state[c]
            if order >= 2:
                hess[i, 1 + c, 1 + nc + c] -= q_state[c]
                hess[i, 1 + nc + c, 1 + c] -= q_state[c]
                hess[i, 1 + nc + c, 1 + nc + c] += a * r_state[c]
    return True


def global_index_scalar(i, u, n_dim, n_comp, tie):
    """Where the local parameter ``u`` of target ``i`` (layout of :func:`n_params_target`) sits in the
    fitted vector ``x = [mu (D), alpha (D D K, C order), free decays (G)]``; -1 for a fixed decay.

    ``tie[i, j, k]`` is the free decay that ``beta_ijk`` equals (so shared decays sum their
    derivatives), or -1 where ``beta_ijk`` is held fixed.
    """
    nc = n_dim * n_comp
    if u == 0:
        return i
    if u <= nc:
        return n_dim + i * nc + (u - 1)
    c = u - 1 - nc
    g = tie[i, c // n_comp, c % n_comp]
    return -1 if g < 0 else n_dim + n_dim * nc + g


def assemble_target(i, n_dim, n_comp, tie, order, local_grad, local_hess, grad, hess):
    """Add target ``i``'s derivatives (local layout) into those of the fitted vector (:func:`global_index`)."""
    n_local = 1 + 2 * n_dim * n_comp
    if order < 1:
        return
    for u in range(n_local):
        gu = global_index(i, u, n_dim, n_comp, tie)
        if gu < 0:
            continue
        grad[gu] += local_grad[u]
        if order >= 2:
            for v in range(n_local):
                gv = global_index(i, v, n_dim, n_comp, tie)
                if gv >= 0:
                    hess[gu, gv] += local_hess[u, v]


def unpack(x, tie, beta_fixed, n_dim, n_comp, alpha, beta):
    """Fill the component arrays ``alpha``, ``beta`` (D, D, K) from the fitted vector ``x``; returns nothing."""
    nc = n_dim * n_comp
    for i in range(n_dim):
        for j in range(n_dim):
            for k in range(n_comp):
                alpha[i, j, k] = x[n_dim + i * nc + j * n_comp + k]
                g = tie[i, j, k]
                beta[i, j, k] = beta_fixed[i, j, k] if g < 0 else x[n_dim + n_dim * nc + g]


# CPU builds of the helpers that other core functions call by global name.
kernel_value = jit(inline=True)(kernel_value_scalar)
global_index = jit(inline=True)(global_index_scalar)
advance_sums = jit(inline=True)(advance_sums_scalar)
