"""The quantforge benchmark suite: quantforge and its peers on the same input, in one run.

Run it as ``quantforge bench [SUITE ...] [--quick] [--out DIR]``; each suite writes
``DIR/<suite>.json`` and a Markdown table.  The machine (CPU, GPU, versions) is recorded with every
result.
"""

# suite name -> module implementing ``run(quick: bool) -> list[dict]``
SUITES: dict[str, str] = {
    "rng": "quantforge.bench.suite_rng",
    "sde": "quantforge.bench.suite_sde",
    "hjb": "quantforge.bench.suite_hjb",
    "engine": "quantforge.bench.suite_engine",
    "execution": "quantforge.bench.suite_execution",
    "risk": "quantforge.bench.suite_risk",
    "serve": "quantforge.bench.suite_serve",
    "dist": "quantforge.bench.suite_dist",
    "hawkes": "quantforge.bench.suite_hawkes",
}

# suite name -> its line in ``quantforge bench --help``; every suite in SUITES has one (a test checks)
SUITE_DESCRIPTIONS: dict[str, str] = {
    "rng": "normals per second: Philox4x32-10 per backend vs numpy PCG64, numpy Philox, JAX threefry",
    "sde": "Monte Carlo GBM and Merton paths (a European call) vs numpy, JAX, diffrax; fBM vs fbm",
    "hjb": "exact GLFT quote surfaces for many parameter sets vs scipy expm; the multi-asset grid HJB",
    "risk": "MC VaR/ES full revaluation vs numpy; Ledoit-Wolf vs sklearn; nearest correlation; EWMA vs pandas",
    "engine": "CPU hot path: L3 book vs hftbacktest, sortedcontainers; tick-to-quote; SPSC ring; seqlock",
    "execution": "Almgren-Chriss frontier and shortfall Monte Carlo vs numpy; executor events/s in the engine loop",
    "serve": "quotes read in place from shared memory under a 1 kHz writer; snapshots; HTTP quotes and surfaces",
    "dist": "Monte Carlo prices and surface batches over a Dask LocalCluster vs local; cost per task",
    "hawkes": "multivariate Hawkes: exact simulation, joint likelihood fits, batched fits, coverage vs tick",
}

__all__ = ["SUITES", "SUITE_DESCRIPTIONS"]
