"""CSV downloads of the analysis tables, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

from portal.spreadsheets import neutralise


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """Answer ``rows`` under ``header`` as a CSV file named ``filename``."""
    buffer = io.StringIO()
    # The byte order mark makes spreadsheet programs read the file as UTF-8 (Kosovo*,
    # Crna Gora and the like keep their letters).
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralise(value) for value in row] for row in rows)
    return Response(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
