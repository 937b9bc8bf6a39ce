"""A report as a document: the page in the portal, a self-contained HTML file, a PDF.

All three come from the same templates (``templates/reports/``). The PDF is rendered by
WeasyPrint, which needs the Pango library of the system; without it the portal runs on
and says in one line what is missing (``pdf_missing``).
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template, url_for
from markupsafe import Markup

from portal.exceptions import Unavailable
from portal.extensions import db
from portal.identity import current_principal
from portal.models import Tenant

STYLESHEET = "report.css"
COVERAGE_LABELS = {"covered": "Covered", "partial": "Partially covered", "gap": "Gap"}
logger = logging.getLogger(__name__)


class PdfUnavailable(Unavailable):
    """PDF reports cannot be made here: WeasyPrint or a library it needs is missing."""


@cache
def pdf_missing() -> str | None:
    """Return, in one line, what this installation lacks to make PDFs; None if nothing."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return (
            "PDF reports need WeasyPrint and the system's Pango library"
            f" (see the README's Reports section): {first}"
        )
    return None


def _static_folder() -> Path:
    return Path(current_app.static_folder)


def _reader() -> tuple[str | None, bool]:
    """Return who the report is made for, and whether that reader sees every record."""
    principal = current_principal()
    if principal is None:
        return None, True
    tenant = db.session.get(Tenant, principal.tenant_id)
    roles = ", ".join(sorted(principal.roles))
    return f"{tenant.name} ({roles})", principal.in_secretariat


def render(
    template: str, report, mode: str = "page", tools=(), edition: bool = False, **context
) -> str:
    """Return the report as HTML: ``page`` in the portal, ``file`` standing alone, ``pdf``.

    A page links the portal's stylesheet; a file carries the stylesheet in itself, so it
    reads the same wherever it is kept; the PDF's stylesheet is read from the portal's
    static files by ``pdf_bytes``.
    """
    reader, complete = (None, False) if edition else _reader()
    if mode == "page":
        stylesheet, inline = url_for("static", filename=STYLESHEET), None
    elif mode == "file":
        stylesheet, inline = None, Markup(_inline_stylesheet())
    else:
        stylesheet, inline = STYLESHEET, None
    return render_template(
        template,
        report=report,
        stylesheet=stylesheet,
        inline_stylesheet=inline,
        tools=tools if mode == "page" else (),
        reader=reader,
        complete=complete,
        edition=edition,
        coverage_names=COVERAGE_LABELS,
        **context,
    )


def _inline_stylesheet() -> str:
    # A file that stands alone uses the reader's own fonts: it names none to fetch.
    text = (_static_folder() / STYLESHEET).read_text(encoding="utf-8")
    text = re.sub(r"@font-face\s*\{[^}]*\}\s*", "", text)
    return text.replace("</", "<\\/")


def pdf_bytes(html: str) -> bytes:
    """Render report HTML (made with mode ``pdf``) as a PDF document, fonts embedded."""
    problem = pdf_missing()
    if problem:
        raise PdfUnavailable(problem)
    import weasyprint
    from weasyprint.urls import URLFetcher

    static = _static_folder().resolve()

    class StaticFiles(URLFetcher):
        """Read the stylesheet and its fonts from the portal's own files, and nothing else:
        a report never makes the server fetch a resource, here or elsewhere."""

        def fetch(self, url, headers=None):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not (url.startswith("file:") and path.is_relative_to(static) and path.is_file()):
                raise ValueError(f"a report reads no resource from {url}")
            return super().fetch(url, headers)

    fetcher = StaticFiles(allowed_protocols=("file",), fail_on_errors=True)
    document = weasyprint.HTML(string=html, base_url=static.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf()
