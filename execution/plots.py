"""Figures of transaction-cost analysis: the schedule against what was executed, and the cost parts.

matplotlib is imported inside :func:`plot_tca` with the file-only Agg backend, so importing
:mod:`quantforge.execution` never imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InvalidParameters, check_int

if TYPE_CHECKING:
    from .tca import TCAReport

__all__ = ["plot_tca"]


def plot_tca(report: TCAReport, path: str | Path, *, order: int = 0) -> Path:
    """Write a PNG of order ``order`` of ``report``: left, the cumulative target of its schedule and the
    shares executed (each fill marked, passive and aggressive apart); right, implementation shortfall
    and its parts in bps of the decision value, for the order and for all orders.  Returns the path.

    Raises
    ------
    InvalidParameters
        For an order index outside the report.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .tca import COMPONENTS

    order = check_int("order", order, minimum=0)
    if order >= len(report.records):
        raise InvalidParameters(f"order must be < {len(report.records)} (orders in the report), got {order}")
    rec = report.records[order]
    fig, (ax_s, ax_c) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    if rec.schedule_times_s is not None and rec.schedule_cum is not None:
        ax_s.plot(rec.schedule_times_s, rec.schedule_cum, "s--", color="0.4", ms=3, label="target at slice ends")
    if rec.schedule_times_s is not None and rec.executed_cum is not None:
        ax_s.plot(rec.schedule_times_s, rec.executed_cum, "o-", color="C0", ms=3, label="executed at slice ends")
    if rec.fill_time_s is not None and rec.fill_qty.size:
        cum = np.cumsum(rec.fill_qty)
        for mask, label, colour in ((rec.fill_maker, "passive fill", "C2"), (~rec.fill_maker, "aggressive fill", "C3")):
            ax_s.scatter(np.asarray(rec.fill_time_s)[mask], cum[mask], s=8, color=colour, label=label, zorder=3)
    ax_s.axhline(rec.quantity, color="k", lw=0.8, ls=":", label="parent")
    ax_s.set_xlabel("seconds after the start")
    ax_s.set_ylabel("shares")
    ax_s.set_title(f"{rec.name}: {'buy' if rec.side > 0 else 'sell'} {rec.quantity:g}, filled {rec.filled:g}")
    ax_s.legend(fontsize=8, loc="lower right")
    labels = ["shortfall", *COMPONENTS]
    x = np.arange(len(labels))
    rows = [(report.table[order], rec.name)]
    if len(report.records) > 1:
        rows.append((report.table[-1], "all orders"))
    width = 0.8 / len(rows)
    for j, (row, name) in enumerate(rows):
        ax_c.bar(x + (j - (len(rows) - 1) / 2) * width, [row[f"{c}_bps"] for c in labels], width, label=name)
    ax_c.axhline(0.0, color="k", lw=0.8)
    ax_c.set_xticks(x, labels)
    ax_c.set_ylabel("bps of the decision value (positive: cost)")
    ax_c.set_title("implementation shortfall (Perold 1988)")
    ax_c.legend(fontsize=8)
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
