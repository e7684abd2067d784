"""Charts of a statistics series for printed bulletins (matplotlib, Agg, no display).

Top panel: animals per period as bars stacked by species (stacked step areas past 60
periods, e.g. a season by day) (species with no animals in the
range are left out of the legend), TLU on a right-hand axis, and the same period of the
previous season as a dashed line when asked. Bottom panel: animals moving south (descent)
and north (return), and those of unknown direction. Colours are the Okabe-Ito palette, which
stays distinguishable for colour-blind readers and in greyscale print. SVG keeps text as
text (editable, searchable in a bulletin).
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from corridors.stats.aggregate import Summary
from corridors.stats.periods import SeasonStart, shift_previous_season
from corridors.stats.tlu import MOVEMENTS, SPECIES

FORMATS = ("png", "svg")
SPECIES_COLOURS = {"cattle": "#0072B2", "sheep": "#E69F00", "goats": "#009E73", "camels": "#D55E00",
                   "donkeys": "#CC79A7", "horses": "#56B4E9", "other": "#999999"}
MOVEMENT_COLOURS = {"descent": "#D55E00", "return": "#0072B2", "unknown": "#BBBBBB"}
MOVEMENT_LABELS = {"descent": "descent (southward)", "return": "return (northward)", "unknown": "direction unknown"}
DENSE_PERIODS = 60  # above this many periods, bars become step areas (readable and fast)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_label(start: dt.date, interval: str, season: SeasonStart | None = None) -> str:
    """Short axis label: 2025-12-01, W49 2025, Dec 2025, 2025-26."""
    if interval == "week":
        iso = start.isocalendar()
        return f"W{iso.week:02d} {iso.year}"
    if interval == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    if interval == "season":
        return (season or SeasonStart()).season_name(start)
    return start.isoformat()


def _thousands(x: float, _pos: object = None) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")  # narrow no-break space: readable in fr and en


def render_series_chart(
    summary: Summary,
    *,
    title: str,
    fmt: str = "png",
    previous: Summary | None = None,
    season: SeasonStart | None = None,
    width_px: int = 1600,
    height_px: int = 1000,
    dpi: int = 160,
) -> bytes:
    """PNG or SVG bytes of the series chart, `width_px` x `height_px` (PNG) at `dpi`."""
    if fmt not in FORMATS:
        raise ValueError(f"chart format {fmt!r}: expected one of {', '.join(FORMATS)}")
    season = season or SeasonStart()
    starts = [p.period_start for p in summary.series]
    x = np.arange(len(starts))
    labels = [period_label(s, summary.interval, season) for s in starts]
    animals = np.array([[p.figures.animals[s] for s in SPECIES] for p in summary.series], dtype=float).reshape(len(starts), len(SPECIES))
    tlu = np.array([p.figures.tlu for p in summary.series], dtype=float)
    movement = np.array([[p.figures.movement[m] for m in MOVEMENTS] for p in summary.series], dtype=float).reshape(len(starts), len(MOVEMENTS))

    with rc_context({"svg.fonttype": "none", "font.size": 11, "axes.titlesize": 13,
                     "axes.spines.top": False, "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax, ax_mv = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        fig.suptitle(title, fontsize=15, fontweight="bold")
        subtitle = (f"{summary.first.isoformat()} to {summary.last.isoformat()}, by {summary.interval}; "
                    f"total {_thousands(summary.totals.animals['total'])} head, {_thousands(summary.totals.tlu)} TLU, "
                    f"{_thousands(summary.totals.observations)} herds counted")
        ax.set_title(subtitle, fontsize=10, loc="left")

        bottom = np.zeros(len(starts))
        shown = [j for j, s in enumerate(SPECIES) if animals[:, j].sum() > 0]
        dense = len(starts) > DENSE_PERIODS  # one polygon per species instead of thousands of bars
        for j in shown:
            colour, top = SPECIES_COLOURS[SPECIES[j]], bottom + animals[:, j]
            if dense:
                ax.fill_between(x, bottom, top, step="mid", color=colour, label=SPECIES[j], linewidth=0)
            else:
                ax.bar(x, animals[:, j], bottom=bottom, color=colour, label=SPECIES[j], width=0.8)
            bottom = top
        if previous is not None:
            prev = {p.period_start: p.figures.animals["total"] for p in previous.series}
            prev_y = [prev.get(shift_previous_season(s, summary.interval), np.nan) for s in starts]
            ax.plot(x, prev_y, color="black", linestyle="--", marker="o", markersize=3,
                    label="all animals, previous season")
        ax.set_ylabel("animals (head)")
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax_tlu = ax.twinx()
        ax_tlu.plot(x, tlu, color="#333333", linewidth=1.0 if dense else 2.0, alpha=0.8 if dense else 1.0, label="TLU")
        ax_tlu.set_ylabel("tropical livestock units (TLU, 250 kg)")
        ax_tlu.set_ylim(bottom=0)
        ax_tlu.yaxis.set_major_formatter(FuncFormatter(_thousands))
        handles, names = ax.get_legend_handles_labels()
        h2, n2 = ax_tlu.get_legend_handles_labels()
        if handles or h2:
            fig.legend(handles + h2, names + n2, loc="outside right upper", fontsize=9, frameon=False)
        if not shown:
            ax.text(0.5, 0.5, "no animals counted in this period", transform=ax.transAxes,
                    ha="center", va="center", color="#666666")

        width = 0.8 / len(MOVEMENTS)
        for j, m in enumerate(MOVEMENTS):
            if dense:
                ax_mv.step(x, movement[:, j], where="mid", color=MOVEMENT_COLOURS[m], label=MOVEMENT_LABELS[m], linewidth=1.2)
            else:
                ax_mv.bar(x + (j - 1) * width, movement[:, j], width=width, color=MOVEMENT_COLOURS[m], label=MOVEMENT_LABELS[m])
        ax_mv.set_ylabel("animals (head)")
        ax_mv.set_title("Direction of movement", fontsize=11, loc="left")
        ax_mv.yaxis.set_major_formatter(FuncFormatter(_thousands))
        fig.legend(*ax_mv.get_legend_handles_labels(), loc="outside right lower", fontsize=9, frameon=False)
        ax_mv.set_xlabel(f"period ({summary.interval} starting)")

        step = max(1, int(np.ceil(len(starts) / 14)))  # at most ~14 readable labels
        ax_mv.set_xticks(x[::step], labels[::step], rotation=45 if len(starts) > 6 else 0, ha="right" if len(starts) > 6 else "center")
        for a in (ax, ax_mv):
            a.set_ylim(bottom=0, top=max(1.0, a.get_ylim()[1] * 1.08))
            a.grid(axis="y", color="#dddddd", linewidth=0.6)
            a.set_axisbelow(True)

        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Title": title, "Date": None} if fmt == "svg" else None)
    return buf.getvalue()
