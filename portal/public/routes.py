"""The public page: every published edition of the reports, with its hash and signature."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Blueprint, Response, render_template

from portal.services import publications

blueprint = Blueprint("public", __name__, url_prefix="/public")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


@blueprint.get("")
def index():
    """List the published editions, withdrawn ones marked, with hashes and signatures."""
    return render_template(
        "public/index.html",
        editions=publications.list_editions(),
        signing_keys=publications.signing_keys(),
    )


@blueprint.get("/editions/<int:edition_id>/<any(pdf, html):file_format>")
def edition(edition_id, file_format):
    """Serve an edition's PDF or HTML exactly as it was published."""
    found, content = publications.edition_file(edition_id, file_format)
    name = f"{publications.file_name(found)}.{file_format}"
    answer = Response(content, mimetype=MEDIA_TYPES[file_format])
    answer.headers["Content-Disposition"] = f'inline; filename="{name}"'
    if file_format == "html":
        answer.headers["Content-Security-Policy"] = _policy_for(content)
    return answer


@blueprint.get("/editions/<int:edition_id>/<any(pdf, html):file_format>.sig")
def signature(edition_id, file_format):
    """Serve the signature of an edition's file, to check a copy with ``iisg report verify``."""
    found = publications.get_edition(edition_id)
    name = f"{publications.file_name(found)}.{file_format}.sig"
    return Response(
        publications.signature_document(found, file_format),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _policy_for(html: bytes) -> str:
    """Return the policy of a published HTML file: its own stylesheet, nothing else.

    A published file carries its stylesheet in itself, so it reads the same wherever it
    is kept; the policy allows exactly that stylesheet (by its hash), and no script.
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(match).digest()).decode() + "'"
        for match in STYLE.findall(html)
    )
    return (
        f"default-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)};"
        " base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
    )
