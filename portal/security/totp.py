"""Time-based one-time passwords: secrets encrypted at rest, codes matched to a time step."""

from __future__ import annotations

import hmac
import os
import time

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

STEP_SECONDS = 30
# One step either side of now, as the authenticator's clock may drift.
VALID_WINDOW = 1
ISSUER = "IISG Database"
_FORMAT_VERSION = b"\x01"
_NONCE_BYTES = 12


class UndecryptableSecret(Exception):
    """The stored secret does not decrypt with this key for this user."""


def new_secret() -> str:
    """Return a fresh base32 secret of 160 bits."""
    return pyotp.random_base32(length=32)


def _associated_data(user_id: int) -> bytes:
    # Binding the ciphertext to the user means a secret copied onto another user's row
    # does not decrypt there.
    return f"iisg:totp:user:{user_id}".encode()


def encrypt_secret(key: bytes, user_id: int, secret: str) -> bytes:
    """Encrypt ``secret`` with AES-GCM under ``key``, bound to ``user_id``."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, secret.encode("ascii"), _associated_data(user_id))
    return _FORMAT_VERSION + nonce + sealed


def decrypt_secret(key: bytes, user_id: int, stored: bytes) -> str:
    """Decrypt a secret made by ``encrypt_secret`` for the same user, or raise."""
    if not stored or stored[:1] != _FORMAT_VERSION:
        raise UndecryptableSecret("unknown secret format")
    nonce, sealed = stored[1 : 1 + _NONCE_BYTES], stored[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, sealed, _associated_data(user_id)).decode("ascii")
    except InvalidTag:
        raise UndecryptableSecret("secret does not decrypt for this user") from None


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step whose code equals ``code`` within the window, else None."""
    code = "".join(code.split())
    # Only ASCII digits: str.isdigit() also admits other scripts' digits, which no
    # authenticator shows and which constant-time comparison cannot take.
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    generator = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    found = None
    # Every candidate is compared, so the time taken does not reveal which one matched.
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(generator.at(step * STEP_SECONDS), code):
            found = step
    return found


def provisioning_uri(secret: str, email: str) -> str:
    """Return the otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def qr_code_svg(uri: str) -> str:
    """Draw ``uri`` as an inline SVG QR code, on the server (no script, no external call)."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, title="QR code for your authenticator app", border=2, light="#fff"
    )
