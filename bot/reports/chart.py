"""Charts as PNG pictures: stacked horizontal bars per department. Pure (given translated
strings), drawn with matplotlib's Agg canvas on a `Figure` of its own — no pyplot, no global
state, so several can be drawn at once in worker threads. DejaVu Sans (shipped with
matplotlib) has the Cyrillic and Kazakh letters.

matplotlib (and numpy with it) is imported when the first chart is drawn, not with this
module: the bot's process must not carry it (~60 MiB, seconds of start) for its taps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT = "DejaVu Sans"
NAME_MAX = 40  # longer department names are cut with «…»
GREEN, AMBER, RED = "#2e7d32", "#f9a825", "#c62828"


@dataclass(frozen=True, slots=True)
class Series:
    """One segment of every bar: its legend label, colour and a value per department."""

    label: str
    color: str
    values: Sequence[int]


def _short(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def stacked_figure(title: str, names: Sequence[str], series: Sequence[Series]) -> Figure:
    """The figure: one horizontal bar per department (the first on top), segments stacked in
    the order of `series`, each segment's count written on it when it fits."""
    for one in series:
        if len(one.values) != len(names):
            raise ValueError(f"{one.label!r} has {len(one.values)} values for {len(names)} names")
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # heavy, lazy
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    height = 1.6 + 0.45 * max(len(names), 1)
    figure = Figure(figsize=(9, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(names)))
    left = [0] * len(names)
    for one in series:
        axes.barh(positions, one.values, left=left, color=one.color, label=one.label)
        for position, start, value in zip(positions, left, one.values, strict=True):
            if value:  # the count in the middle of its segment (plain text: no layout work)
                axes.text(
                    start + value / 2,
                    position,
                    str(value),
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=8,
                    fontfamily=FONT,
                    in_layout=False,
                )
        left = [a + b for a, b in zip(left, one.values, strict=True)]
    axes.set_yticks(positions, [_short(name) for name in names], fontfamily=FONT, fontsize=9)
    axes.invert_yaxis()
    axes.set_title(title, fontfamily=FONT, fontsize=11)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for label in axes.get_xticklabels():
        label.set_fontfamily(FONT)
    axes.spines[["top", "right"]].set_visible(False)
    figure.legend(
        loc="outside lower center",
        ncols=len(series),
        frameon=False,
        prop={"family": FONT, "size": 9},
    )
    return figure


def png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def stacked_png(title: str, names: Sequence[str], series: Sequence[Series]) -> bytes:
    return png(stacked_figure(title, names, series))
