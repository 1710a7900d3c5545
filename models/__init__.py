"""Trading models: one model, one module; closed forms here, heavy batched work in ``kernels``."""

from .cartea_jaimungal import cj_exact_depths, cj_quote_surface, cj_surfaces
from .glft import (
    glft_asymptotic_depths,
    glft_exact_depths,
    glft_half_spread_skew,
    glft_intensity_constants,
    glft_quote_surface,
    glft_surfaces,
)
from .glt_multi import (
    MultiAssetQuotes,
    calculate_multi_asset_quotes,
    minimum_variance_hedge,
    multi_asset_cross_shift,
    multi_asset_depths,
    multi_asset_grid_depths,
    multi_asset_surface_quotes,
    multi_asset_surfaces,
    nearest_correlation,
    portfolio_risk,
    validate_correlation,
)
from .jump_adjustment import (
    cj_jump_adjusted_depths,
    effective_jump_rate,
    jump_adjusted_depths,
    jump_adjusted_surface,
    jump_risk_premium,
    kou_moments,
)
from .arbitrage_scanner import PairSignal, scan_pairs
from .cointegration import CointegrationResult, engle_granger, half_life
from .fill_intensity import IntensityFit, calibrate_from_fills, calibrate_from_trade_depths
from .jump_clustering import ClusteringTest, hawkes_log_likelihood, jump_clustering_test
from .jump_detection import BNSJumpTest, LeeMyklandResult, bns_jump_test, lee_mykland_jumps
from .kou_mle import KouFit, fit_kou
from .realized_volatility import bipower_variation, realized_variance, realized_volatility, returns_from_prices
from .regime_hmm import RegimeFit, fit_two_state_hmm
from .surface import QuoteSurface, load_surface

__all__ = [
    "QuoteSurface",
    "load_surface",
    "glft_intensity_constants",
    "glft_asymptotic_depths",
    "glft_half_spread_skew",
    "glft_exact_depths",
    "glft_surfaces",
    "glft_quote_surface",
    "cj_exact_depths",
    "cj_surfaces",
    "cj_quote_surface",
    "validate_correlation",
    "nearest_correlation",
    "portfolio_risk",
    "minimum_variance_hedge",
    "MultiAssetQuotes",
    "multi_asset_depths",
    "multi_asset_grid_depths",
    "calculate_multi_asset_quotes",
    "multi_asset_surfaces",
    "multi_asset_cross_shift",
    "multi_asset_surface_quotes",
    "kou_moments",
    "effective_jump_rate",
    "jump_risk_premium",
    "jump_adjusted_depths",
    "jump_adjusted_surface",
    "cj_jump_adjusted_depths",
    "returns_from_prices",
    "realized_variance",
    "bipower_variation",
    "realized_volatility",
    "BNSJumpTest",
    "bns_jump_test",
    "LeeMyklandResult",
    "lee_mykland_jumps",
    "KouFit",
    "fit_kou",
    "IntensityFit",
    "calibrate_from_fills",
    "calibrate_from_trade_depths",
    "RegimeFit",
    "fit_two_state_hmm",
    "ClusteringTest",
    "hawkes_log_likelihood",
    "jump_clustering_test",
    "CointegrationResult",
    "engle_granger",
    "half_life",
    "PairSignal",
    "scan_pairs",
]
