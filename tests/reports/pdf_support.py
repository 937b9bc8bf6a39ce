"""Reading a PDF report back as its reader reads it."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """Return a PDF's text with its lines joined, and a code broken after a hyphen whole."""
    pages = PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    return re.sub(r"-\s+", "-", text)
