"""The page that shows new recovery codes once: at first sign-in and when they are replaced.

New recovery codes are never stored in clear. To offer them as a file without asking the
browser to run a script, the page that shows them keeps them sealed in two halves:
encrypted under a fresh key in the signed session cookie, and the key in the page's
download form. The download (``account.download_recovery_codes``) needs both, from the
same user and session, within ``DOWNLOAD_SECONDS``, and consumes the sealed half: one
download per set of codes.
"""

from __future__ import annotations

from flask import render_template, session

from portal.security import recovery_codes as code_sealing

DOWNLOAD_SECONDS = 600
SEALED_CODES = "recovery_codes_sealed"


def holder(user_id: int, session_id: int) -> str:
    """Return whom sealed codes are for: this user, in this session."""
    return f"{user_id}:{session_id}"


def show_codes(codes: list[str], sealed_for: str, next_url: str):
    """Show new recovery codes once, with ways to keep them, sealed for one download."""
    sealed, key = code_sealing.seal(codes, sealed_for)
    session[SEALED_CODES] = sealed
    return render_template(
        "account/recovery_codes.html",
        codes=codes,
        download_key=key,
        download_minutes=DOWNLOAD_SECONDS // 60,
        next_url=next_url,
    )
