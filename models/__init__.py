"""Trading models: one model, one module; closed forms here, heavy batched work in ``kernels``.

Every quoting model follows one convention: a validated, batched parameter dataclass
(:class:`~quantforge.models.parameters.ModelParams`), its closed forms, and one
``quote_surfaces(params, taus, ..., backend=...)`` that returns a list of :class:`QuoteSurface`
built by :func:`build_surfaces`.  The models' ``quote_surfaces`` are exported here under the
model's prefix (``as_quote_surfaces`` is :func:`quantforge.models.avellaneda_stoikov.quote_surfaces`).
Estimators (quadratic variation, jump tests, Kou MLE, regimes, jump clustering, cointegration, pairs,
fill intensities) live in the subpackage :mod:`quantforge.models.estimation`; the multivariate Hawkes
process of order arrivals and jumps (joint maximum likelihood, EM, batched fits, goodness of fit) is
:mod:`quantforge.models.hawkes`.

Names are imported on first use (PEP 562), so importing one model does not import the others
nor the estimators.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> (submodule, attribute in it)
_EXPORTS = {
    "QuoteSurface": ("surface", "QuoteSurface"),
    "build_surfaces": ("surface", "build_surfaces"),
    "load_surface": ("surface", "load_surface"),
    "ModelParams": ("parameters", "ModelParams"),
    # Avellaneda–Stoikov (2008)
    "ASParams": ("avellaneda_stoikov", "ASParams"),
    "as_quote_surfaces": ("avellaneda_stoikov", "quote_surfaces"),
    "reservation_price": ("avellaneda_stoikov", "reservation_price"),
    "optimal_spread": ("avellaneda_stoikov", "optimal_spread"),
    "optimal_quotes": ("avellaneda_stoikov", "optimal_quotes"),
    "optimal_depths": ("avellaneda_stoikov", "optimal_depths"),
    "arrival_intensity": ("avellaneda_stoikov", "arrival_intensity"),
    # Guéant–Lehalle–Fernandez-Tapia (2013), Guéant (2017)
    "GLFTParams": ("glft", "GLFTParams"),
    "glft_quote_surfaces": ("glft", "quote_surfaces"),
    "glft_intensity_constants": ("glft", "glft_intensity_constants"),
    "glft_asymptotic_depths": ("glft", "glft_asymptotic_depths"),
    "glft_half_spread_skew": ("glft", "glft_half_spread_skew"),
    "glft_exact_depths": ("glft", "glft_exact_depths"),
    # Cartea–Jaimungal–Penalva (2015), ch. 10
    "CJParams": ("cartea_jaimungal", "CJParams"),
    "cj_quote_surfaces": ("cartea_jaimungal", "quote_surfaces"),
    "cj_exact_depths": ("cartea_jaimungal", "cj_exact_depths"),
    # multi-asset: Guéant (2017) §6, Bergault–Evangelista–Guéant–Vieira (2021)
    "MultiAssetParams": ("glt_multi", "MultiAssetParams"),
    "multi_asset_quote_surfaces": ("glt_multi", "quote_surfaces"),
    "validate_correlation": ("glt_multi", "validate_correlation"),
    "nearest_correlation": ("glt_multi", "nearest_correlation"),
    "portfolio_risk": ("glt_multi", "portfolio_risk"),
    "minimum_variance_hedge": ("glt_multi", "minimum_variance_hedge"),
    "MultiAssetQuotes": ("glt_multi", "MultiAssetQuotes"),
    "multi_asset_depths": ("glt_multi", "multi_asset_depths"),
    "multi_asset_grid_depths": ("glt_multi", "multi_asset_grid_depths"),
    "calculate_multi_asset_quotes": ("glt_multi", "calculate_multi_asset_quotes"),
    "multi_asset_cross_shift": ("glt_multi", "multi_asset_cross_shift"),
    "multi_asset_surface_quotes": ("glt_multi", "multi_asset_surface_quotes"),
    # jumps in the mid (Kou 2002), clustered (Hawkes) and by regime, on the GLFT and CJ bases
    "JumpParams": ("jump_adjustment", "JumpParams"),
    "jump_quote_surfaces": ("jump_adjustment", "quote_surfaces"),
    "kou_moments": ("jump_adjustment", "kou_moments"),
    "effective_jump_rate": ("jump_adjustment", "effective_jump_rate"),
    "jump_risk_premium": ("jump_adjustment", "jump_risk_premium"),
    "jump_adjusted_depths": ("jump_adjustment", "jump_adjusted_depths"),
    "cj_jump_adjusted_depths": ("jump_adjustment", "cj_jump_adjusted_depths"),
    # multivariate Hawkes processes: maximum likelihood (decays included), EM, batches, goodness of fit
    "fit_hawkes": ("hawkes", "fit_hawkes"),
    "fit_hawkes_em": ("hawkes", "fit_hawkes_em"),
    "fit_hawkes_batch": ("hawkes", "fit_hawkes_batch"),
    "HawkesFit": ("hawkes", "HawkesFit"),
    "HawkesBatchFit": ("hawkes", "HawkesBatchFit"),
}

_SUBPACKAGES = ("estimation",)

__all__ = [*_EXPORTS, *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{target[0]}"), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
