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
}

__all__ = ["SUITES"]
