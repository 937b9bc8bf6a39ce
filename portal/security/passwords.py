"""Passwords: the policy a new password must meet, and argon2id hashing."""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from importlib.resources import files

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 12
MAX_LENGTH = 128

# Parts shorter than these match too many unrelated passwords to be worth refusing.
_MIN_EMAIL_NAME = 3
_MIN_EMAIL_NAME_PART = 4
_MIN_TENANT_CODE = 3
_EMAIL_NAME_SEPARATORS = re.compile(r"[._\-+]")

_DEFAULT_TIME_COST = 3
_DEFAULT_MEMORY_COST = 65536  # KiB, i.e. 64 MiB
_DEFAULT_PARALLELISM = 4


class PasswordRejected(ValueError):
    """The password does not meet the policy; ``reason`` says why, for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise(password: str) -> str:
    """Return the password in Unicode NFKC form, never shortened."""
    # NFKC makes the same password typed on different keyboards or input methods (full-width
    # letters, ligatures, composed accents) hash alike.
    return unicodedata.normalize("NFKC", password)


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = files("portal.security").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _email_names(email: str) -> list[str]:
    # The last "@" separates the domain: a quoted local part may itself contain one.
    local_part = normalise(email).rpartition("@")[0] if "@" in email else normalise(email)
    names = [local_part] if len(local_part) >= _MIN_EMAIL_NAME else []
    names += [
        part
        for part in _EMAIL_NAME_SEPARATORS.split(local_part)
        if len(part) >= _MIN_EMAIL_NAME_PART
    ]
    return [name.casefold() for name in names]


def _tenant_codes(tenant_code: str | None) -> list[str]:
    if not tenant_code:
        return []
    code = normalise(tenant_code)
    variants = {code, code.replace("-", "")}
    return [variant.casefold() for variant in variants if len(variant) >= _MIN_TENANT_CODE]


def check_policy(password: str, *, email: str, tenant_code: str | None) -> str:
    """Return the normalised password, or raise ``PasswordRejected`` with the reason."""
    normalised = normalise(password)
    # Length counts characters after normalisation, since that is what gets hashed.
    if len(normalised) < MIN_LENGTH:
        raise PasswordRejected(f"Use at least {MIN_LENGTH} characters.")
    if len(normalised) > MAX_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_LENGTH} characters.")
    if normalised.lower() in _common_passwords():
        raise PasswordRejected("This password is too common; choose another.")
    folded = normalised.casefold()
    if any(name in folded for name in _email_names(email)):
        raise PasswordRejected("The password must not contain your email name.")
    if any(code in folded for code in _tenant_codes(tenant_code)):
        raise PasswordRejected("The password must not contain your organisation's code.")
    return normalised


def _cost_parameters() -> tuple[int, int, int]:
    if not has_app_context():
        return _DEFAULT_TIME_COST, _DEFAULT_MEMORY_COST, _DEFAULT_PARALLELISM
    config = current_app.config
    return (
        int(config.get("ARGON2_TIME_COST", _DEFAULT_TIME_COST)),
        int(config.get("ARGON2_MEMORY_COST", _DEFAULT_MEMORY_COST)),
        int(config.get("ARGON2_PARALLELISM", _DEFAULT_PARALLELISM)),
    )


@functools.cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )


@functools.cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    # Same parameters as real hashes, so checking it takes as long as checking a real one;
    # the random secret is never known, so nothing verifies against it.
    hasher = _hasher(time_cost, memory_cost, parallelism)
    return hasher.hash(secrets.token_urlsafe(32))


def hash_password(password: str) -> str:
    """Hash the normalised password with argon2id under the configured cost."""
    return _hasher(*_cost_parameters()).hash(normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether the password matches the hash; False for a corrupt hash too."""
    try:
        return _hasher(*_cost_parameters()).verify(password_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with other cost parameters than configured now."""
    try:
        return _hasher(*_cost_parameters()).check_needs_rehash(password_hash)
    except InvalidHashError:
        # A hash that cannot be read cannot be kept either.
        return True


def spend_verification_time(password: str) -> None:
    """Verify against a dummy hash so an unknown user costs as much as a wrong password."""
    verify_password(_dummy_hash(*_cost_parameters()), password)
