"""Signatures of the published editions of the reports: what is signed, and checking a copy.

An edition's file (its PDF or its HTML) is signed by the audit signing key over the
statement ``IISG report edition sha256:<hex digest of the file>``, so a signature over
a report can never be mistaken for one over a checkpoint. Checking a downloaded copy
needs the file, its signature and the public key: nothing of the portal.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.checkpoints import key_id, private_key

PREFIX = b"IISG report edition sha256:"


class EditionNotIntact(Exception):
    """The copy is not the edition that was signed, or the signature is not the key's."""


def statement(sha256_hex: str) -> bytes:
    """Return the bytes signed for a file whose SHA-256 is ``sha256_hex``."""
    return PREFIX + sha256_hex.encode("ascii")


def sign(raw_private_key: bytes, content: bytes) -> tuple[str, str, str]:
    """Return (SHA-256, key id, signature), both hex, of ``content`` signed by the key."""
    key = private_key(raw_private_key)
    digest = hashlib.sha256(content).hexdigest()
    return digest, key_id(key.public_key()), key.sign(statement(digest)).hex()


def verify(content: bytes, signature_hex: str, keys: dict[str, Ed25519PublicKey], signer: str):
    """Check that ``content`` is the file ``signer``'s key signed; return its SHA-256.

    ``keys`` maps key ids to public keys (``audit.offline.load_public_keys``).
    """
    digest = hashlib.sha256(content).hexdigest()
    key = keys.get(signer)
    if key is None:
        raise EditionNotIntact(f"it was signed by key {signer}, which the public key file lacks")
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        raise EditionNotIntact("its signature is not hexadecimal") from None
    try:
        key.verify(signature, statement(digest))
    except InvalidSignature:
        raise EditionNotIntact(
            f"its SHA-256 is {digest}, and the signature is not over that: the file was"
            " altered, or the signature belongs to another file"
        ) from None
    return digest
