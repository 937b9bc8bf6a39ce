"""Bar charts drawn on the server as SVG: no script, no inline style, no CDN.

One chart per currency, each on a scale of its own: amounts in different currencies are
never drawn against each other. Each chart's axis runs from 0 to a round figure at or
above its largest amount, with its ticks labelled in that currency, so that a reader
sees at once that 1.75 M CHF and 16.2 M EUR are on different scales.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from itertools import groupby

MILLION = Decimal(1_000_000)
# The steps an axis may take, times a power of ten: 0, 5, 10, 15 ... or 0, 0.25, 0.5 ...
STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
# About this many steps from 0 to the end of an axis.
TICKS = 5


@dataclass(frozen=True)
class Layout:
    """The sizes of a chart, in SVG units."""

    bar_height: int = 22
    bar_gap: int = 8
    label_width: int = 90
    bar_area: int = 360
    # Room right of the bars for the amount of the longest one.
    value_room: int = 130
    # Room under the bars for the axis, its tick labels and its title.
    axis_height: int = 0


# The PDF reports: a table beside each chart gives its figures.
REPORT = Layout()
# The analysis page: bars and labels readable at the page's own size, with the axis.
PAGE = Layout(
    bar_height=30, bar_gap=12, label_width=110, bar_area=520, value_room=100, axis_height=56
)


@dataclass(frozen=True)
class Bar:
    label: str
    title: str
    amount: Decimal
    responses: int
    y: int
    width: int
    # The amount as the axis reads it (``1.75 M``, ``2,200``).
    value: str = ""


@dataclass(frozen=True)
class Tick:
    """A mark of the axis: where it stands from the start of the bars, and its figure."""

    x: int
    label: str


@dataclass(frozen=True)
class Chart:
    """One chart per currency: amounts in different currencies are never on one scale."""

    currency: str
    bars: list[Bar]
    # The height of the bars alone; the axis, when drawn, is under them.
    height: int
    label_width: int = REPORT.label_width
    bar_area: int = REPORT.bar_area
    bar_height: int = REPORT.bar_height
    value_room: int = REPORT.value_room
    axis_height: int = REPORT.axis_height
    scale_end: Decimal = Decimal(1)
    scale_end_label: str = "1"
    ticks: tuple[Tick, ...] = ()

    @property
    def width(self) -> int:
        """Return the width of the whole drawing."""
        return self.label_width + self.bar_area + self.value_room

    @property
    def full_height(self) -> int:
        """Return the height of the whole drawing: the bars and the axis under them."""
        return self.height + self.axis_height


def scale_step(largest: Decimal) -> Decimal:
    """Return a round step for an axis from 0 to at least ``largest`` in about TICKS steps."""
    if largest <= 0:
        return Decimal(1)
    rough = largest / TICKS
    power = Decimal(10) ** (rough.adjusted())
    return next(step * power for step in STEPS if step * power >= rough)


def amount_label(amount: Decimal, in_millions: bool) -> str:
    """Return ``amount`` as an axis reads it: ``2,500``, or ``1.75 M`` on a scale of millions."""
    if not amount:
        return "0"
    figure = f"{amount / MILLION if in_millions else amount:,.2f}".rstrip("0").rstrip(".")
    return f"{figure} M" if in_millions else figure


def funding_charts(rows, layout: Layout = REPORT) -> list[Chart]:
    """Return a bar chart per currency of FundingRow ``rows``, each on a scale of its own."""
    charts = []
    by_currency = sorted(rows, key=lambda row: row.currency)
    for currency, group in groupby(by_currency, key=lambda row: row.currency):
        group = list(group)
        largest = max(row.amount for row in group)
        step = scale_step(largest)
        steps = max(1, int((largest / step).to_integral_value(rounding=ROUND_CEILING)))
        end = step * steps
        in_millions = end >= MILLION
        pitch = layout.bar_height + layout.bar_gap
        bars = [
            Bar(
                label=row.code,
                title=row.name,
                amount=row.amount,
                responses=row.responses,
                y=index * pitch,
                # A non-zero amount always shows at least a sliver.
                width=max(1 if row.amount else 0, int(layout.bar_area * row.amount / end)),
                value=amount_label(row.amount, in_millions),
            )
            for index, row in enumerate(group)
        ]
        ticks = tuple(
            Tick(int(layout.bar_area * index / steps), amount_label(step * index, in_millions))
            for index in range(steps + 1)
        )
        charts.append(
            Chart(
                currency,
                bars,
                height=len(bars) * pitch,
                label_width=layout.label_width,
                bar_area=layout.bar_area,
                bar_height=layout.bar_height,
                value_room=layout.value_room,
                axis_height=layout.axis_height,
                scale_end=end,
                scale_end_label=amount_label(end, in_millions),
                ticks=ticks,
            )
        )
    return charts
