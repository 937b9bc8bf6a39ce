"""Recovery codes: single-use stand-ins for the authenticator app."""

from __future__ import annotations

import base64
import json
import secrets

from cryptography.fernet import Fernet, InvalidToken

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


def seal(codes: list[str], holder: str) -> tuple[str, str]:
    """Return ``codes`` encrypted for ``holder`` with a fresh key, and that key, apart.

    The two halves are kept in different places (the sealed codes in the holder's
    session, the key in the page that shows the codes), so neither alone reveals them.
    """
    key = Fernet.generate_key()
    sealed = Fernet(key).encrypt(json.dumps({"holder": holder, "codes": codes}).encode())
    return sealed.decode("ascii"), key.decode("ascii")


def unseal(sealed: str, key: str, holder: str, max_age_seconds: int) -> list[str] | None:
    """Return the codes sealed for ``holder`` with ``key`` at most ``max_age_seconds`` ago.

    None when either half is missing or wrong, the seal is older, or it was made for
    someone else.
    """
    try:
        opened = Fernet(key.encode("ascii")).decrypt(sealed.encode("ascii"), ttl=max_age_seconds)
        content = json.loads(opened)
    except (InvalidToken, ValueError, UnicodeError):
        return None
    if not isinstance(content, dict) or content.get("holder") != holder:
        return None
    return content.get("codes")
