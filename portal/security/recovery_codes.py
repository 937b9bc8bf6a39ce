"""Recovery codes: single-use stand-ins for the authenticator app."""

from __future__ import annotations

import base64
import secrets

COUNT = 10
_CODE_BYTES = 12  # 96 bits each, above the 80 bits a recovery code needs
_GROUP = 4


def new_codes(count: int = COUNT) -> list[str]:
    """Return ``count`` fresh codes, written in groups of four lower-case characters."""
    codes = []
    for _ in range(count):
        raw = base64.b32encode(secrets.token_bytes(_CODE_BYTES)).decode("ascii").lower()
        raw = raw.rstrip("=")
        codes.append("-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP)))
    return codes


def normalise(code: str) -> str:
    """Return the code as it is hashed: without spaces or hyphens, lower-case."""
    return "".join(code.split()).replace("-", "").lower()
