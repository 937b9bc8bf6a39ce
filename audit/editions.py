"""Signatures of the published editions of the reports: what is signed, and checking a copy.

An edition's file (its PDF or its HTML) is signed by the audit signing key over a
statement naming the report, the edition's title, the file, when it was published and
the file's SHA-256 (``statement``): a signature over a report can never be mistaken for one over a
checkpoint, nor a file presented as another edition, or as published on another day.
Checking a downloaded copy needs the file, its signature file and the public key:
nothing of the portal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.checkpoints import key_id, private_key

HEADING = "IISG report edition"
# What the statement names, in its order; the signature file carries each of them.
SIGNED_FIELDS = ("subject", "title", "file", "published_at", "sha256")


class EditionNotIntact(Exception):
    """The copy is not the edition that was signed, or the signature is not the key's."""


def statement(fields: Mapping[str, object]) -> bytes:
    """Return the bytes signed for an edition's file: one ``name: value`` line per field."""
    lines = [HEADING, *(f"{name}: {fields[name]}" for name in SIGNED_FIELDS)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sign(raw_private_key: bytes, content: bytes, **fields) -> tuple[str, str, str]:
    """Return (SHA-256, key id, signature), both hex, of ``content`` and its edition's fields.

    ``fields`` are the statement's fields but ``sha256``, which is the content's own.
    """
    key = private_key(raw_private_key)
    digest = hashlib.sha256(content).hexdigest()
    signed = key.sign(statement({**fields, "sha256": digest}))
    return digest, key_id(key.public_key()), signed.hex()


def verify(content: bytes, signed: Mapping[str, object], keys: dict[str, Ed25519PublicKey]):
    """Check that ``content`` is the file the signature file ``signed`` describes.

    ``signed`` is the signature file's JSON object; ``keys`` maps key ids to public
    keys (``audit.offline.load_public_keys``). Returns the file's SHA-256.
    """
    missing = [name for name in (*SIGNED_FIELDS, "key_id", "signature") if name not in signed]
    if missing:
        raise EditionNotIntact(f"the signature file lacks {', '.join(missing)}")
    digest = hashlib.sha256(content).hexdigest()
    signer = str(signed["key_id"])
    key = keys.get(signer)
    if key is None:
        raise EditionNotIntact(f"it was signed by key {signer}, which the public key file lacks")
    try:
        signature = bytes.fromhex(str(signed["signature"]))
        key.verify(signature, statement({**signed, "sha256": digest}))
    except (ValueError, InvalidSignature):
        if digest != signed["sha256"]:
            raise EditionNotIntact(
                f"its SHA-256 is {digest}, not the {signed['sha256']} of {signed['file']}:"
                " the file was altered, or this signature file belongs to another"
            ) from None
        raise EditionNotIntact(
            "the signature does not match what the signature file says of the edition:"
            " its title, date or names were changed"
        ) from None
    return digest
