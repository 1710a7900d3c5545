"""risk/volatility.py against ``arch``: the filter with arch's parameters reproduces arch's conditional
volatility and forecast; the rolling filter uses no future data."""

import numpy as np
import pytest

arch = pytest.importorskip("arch")

from quantforge.errors import RiskError  # noqa: E402
from quantforge.risk import fit_garch, garch_filter, rolling_garch_volatility  # noqa: E402


def _returns(n=1500, seed=3):
    """A GARCH(1,1) path with t(6) innovations (omega, alpha, beta = 2e-6, 0.08, 0.9)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_t(6, n) / np.sqrt(1.5)
    r, var = np.empty(n), 2e-6 / 0.02
    for t in range(n):
        r[t] = 2e-4 + np.sqrt(var) * z[t]
        var = 2e-6 + 0.08 * (r[t] - 2e-4) ** 2 + 0.9 * var
    return r


def test_fit_and_filter_agree_with_arch():
    r = _returns()
    res = arch.arch_model(r * 100, mean="Constant", vol="GARCH", p=1, q=1).fit(disp="off")
    fit = fit_garch(r)
    assert fit.alpha == pytest.approx(res.params["alpha[1]"], rel=1e-12)
    assert fit.omega == pytest.approx(res.params["omega"] / 1e4, rel=1e-12)
    np.testing.assert_allclose(fit.volatility, res.conditional_volatility / 100, rtol=1e-12)
    assert fit.forecast == pytest.approx(np.sqrt(res.forecast(horizon=1).variance.values[-1, 0]) / 100, rel=1e-10)
    # our recursion with arch's parameters, started from arch's first variance, is arch's filter
    vol, _ = garch_filter(r, fit.mu, fit.omega, fit.alpha, fit.beta, initial_variance=fit.volatility[0] ** 2)
    np.testing.assert_allclose(vol, fit.volatility, rtol=1e-10)
    assert 0.8 < fit.persistence < 1.0 and "GARCH(1,1)" in fit.summary()


def test_rolling_volatility_has_no_look_ahead():
    r = _returns(900)
    sigma, forecast = rolling_garch_volatility(r, first=500, refit_every=200)
    changed = r.copy()
    changed[700:] *= 3.0
    sigma2, forecast2 = rolling_garch_volatility(changed, first=500, refit_every=200)
    np.testing.assert_array_equal(sigma[:701], sigma2[:701])  # sigma_t uses data before t only
    np.testing.assert_array_equal(forecast[:700], forecast2[:700])
    np.testing.assert_allclose(forecast[500:-1], sigma[501:], rtol=1e-14)
    with pytest.raises(RiskError, match="returns needs at least 100 observations"):
        fit_garch(r[:50])
