"""Portfolio P&L scenarios and their tail: VaR and ES batched over portfolios.

A book is an :class:`Instruments` universe (linear positions and Black–Scholes options, each on one
risk factor) and positions ``(n_port, n_instr)``.  Scenarios of factor log-returns are revalued in
full, streamed in chunks (memory grows with chunk x instruments, never scenarios x instruments) and
reduced to each portfolio's P&L vector, whose tail gives VaR and ES at several confidence levels:

* historical simulation (today's book under each past day's returns; Hull, ch. 13);
* filtered historical simulation (returns rescaled by GARCH volatilities; Barone-Adesi et al. 1999);
* Monte Carlo with full revaluation (correlated normal shocks ``mean + L z`` from the Cholesky
  factor of a covariance and Philox normals; options repriced by the package's Black–Scholes);
* parametric: delta-normal (``z_alpha sqrt(w' Sigma w)``) and Cornish–Fisher (Zangari 1996).

Quantiles come from selection (introselect / Hoare's FIND), not a sort: VaR is the order statistic
``ceil(N alpha)``, ES Acerbi & Tasche's (2002) estimator; Monte Carlo standard errors come from the
binomial band of ranks around VaR and from ES's influence function.  Component VaR/ES (Euler
allocations, Tasche 1999; Hallerbach 2003) and marginal VaR are returned on request.

Layout of the family: :mod:`.core` (instrument-table layout, scalar revaluation and selection,
plain Python), :mod:`.models` (:class:`Instruments`, :class:`RiskEstimate`), :mod:`.reference`
(array-API revaluation and scenario loop, numpy selection) and the fast paths :mod:`.numba`
(revaluation parallel over scenarios, selection parallel over portfolios), :mod:`.jax` and
:mod:`.cuda` (the reference under ``jit`` / on CuPy with their ``erfc``), registered in :mod:`.api`.

References
----------
Acerbi, C. & Tasche, D. (2002). On the coherence of expected shortfall. J. Banking Finance 26(7).
Barone-Adesi, G., Giannopoulos, K. & Vosper, L. (1999). VaR without correlations for portfolios of
derivative securities. J. Futures Markets 19(5).
Hallerbach, W. (2003). Decomposing portfolio value-at-risk: a general analysis. J. Risk 5(2).
Hull, J. C. Risk Management and Financial Institutions, ch. 13-14.
Tasche, D. (1999). Risk contributions and performance measurement. TU München working paper.
Zangari, P. (1996). A VaR methodology for portfolios that include options. RiskMetrics Monitor Q1.
"""

from .api import (
    Instruments,
    RiskEstimate,
    empirical_var,
    filtered_historical_var,
    historical_var,
    monte_carlo_var,
    parametric_var,
    portfolio_pnl,
)

__all__ = [
    "Instruments",
    "RiskEstimate",
    "portfolio_pnl",
    "empirical_var",
    "historical_var",
    "filtered_historical_var",
    "parametric_var",
    "monte_carlo_var",
]
