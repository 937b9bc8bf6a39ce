"""Bar charts drawn on the server as SVG: no script, no inline style, no CDN."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 90
BAR_AREA = 360


@dataclass(frozen=True)
class Bar:
    label: str
    title: str
    amount: Decimal
    responses: int
    y: int
    width: int


@dataclass(frozen=True)
class Chart:
    """One chart per currency: amounts in different currencies are never on one scale."""

    currency: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA


def funding_charts(rows) -> list[Chart]:
    """Return a bar chart per currency of FundingRow ``rows``, longest bar the largest."""
    charts = []
    by_currency = sorted(rows, key=lambda row: row.currency)
    for currency, group in groupby(by_currency, key=lambda row: row.currency):
        group = list(group)
        largest = max(row.amount for row in group) or Decimal(1)
        bars = [
            Bar(
                label=row.code,
                title=row.name,
                amount=row.amount,
                responses=row.responses,
                y=index * (BAR_HEIGHT + BAR_GAP),
                # A non-zero amount always shows at least a sliver.
                width=max(1 if row.amount else 0, int(BAR_AREA * row.amount / largest)),
            )
            for index, row in enumerate(group)
        ]
        charts.append(Chart(currency, bars, height=len(bars) * (BAR_HEIGHT + BAR_GAP)))
    return charts
