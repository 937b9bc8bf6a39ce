"""Configuration read once from the environment (prefix ``IISG_``) and checked at start-up.

Everything the portal needs from its surroundings is read here and nowhere else. A value
that cannot work stops start-up with one line naming the setting and the reason.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENVIRONMENTS = ("development", "production", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEVELOPMENT_KEYS_FILE = "development-keys.json"

# Every setting the portal reads, with what it is for. An ``IISG_`` variable that is not
# listed here is almost always a typo, so it stops start-up rather than being ignored.
KNOWN_SETTINGS = {
    "IISG_ENV": "development (default), production or test",
    "IISG_DATABASE_URL": "SQLAlchemy URL; SQLite file under instance/ by default",
    "IISG_SECRET_KEY": "signs sessions and CSRF tokens",
    "IISG_ENCRYPTION_KEY": "32 bytes, URL-safe base64: encrypts TOTP secrets",
    "IISG_AUDIT_SIGNING_KEY": "32-byte Ed25519 seed, URL-safe base64: signs audit checkpoints",
    "IISG_REDIS_URL": "optional Redis for shared rate limits",
    "IISG_LOG_LEVEL": "DEBUG, INFO (default), WARNING or ERROR",
    "IISG_TEST_POSTGRES_URL": "administrative PostgreSQL connection used by the test suite",
}


class StartupError(Exception):
    """A setting or a service the portal depends on is unusable; the message is one line."""


def _fail(setting: str, reason: str) -> StartupError:
    return StartupError(f"{setting}: {reason}")


def check_known_settings(environ: Mapping[str, str]) -> None:
    """Refuse ``IISG_`` variables the portal does not know, suggesting the likely intent."""
    for name in sorted(environ):
        if name.startswith("IISG_") and name not in KNOWN_SETTINGS:
            close = difflib.get_close_matches(name, KNOWN_SETTINGS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            known = ", ".join(KNOWN_SETTINGS)
            raise _fail(name, f"is not a setting of the portal{hint} (known: {known})")


def normalise_database_url(raw: str) -> str:
    """Return a SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3), or refuse it."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise _fail(
            "IISG_DATABASE_URL",
            "is not a database URL (expected sqlite:///path or postgresql://user@host/db)",
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        if url.drivername not in ("postgres", "postgresql", "postgresql+psycopg"):
            raise _fail(
                "IISG_DATABASE_URL",
                f"driver {url.drivername!r} is not supported; use postgresql:// (psycopg 3)",
            )
        if not url.database:
            raise _fail("IISG_DATABASE_URL", "names no database (postgresql://host/DATABASE)")
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        if url.drivername != "sqlite":
            raise _fail(
                "IISG_DATABASE_URL",
                f"driver {url.drivername!r} is not supported; use sqlite:///path",
            )
    else:
        raise _fail("IISG_DATABASE_URL", f"{backend!r} is not supported; use sqlite or postgresql")
    return url.render_as_string(hide_password=False)


def describe_database_url(url: str | URL) -> str:
    """Return the URL with its password hidden, fit for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _decode_key(setting: str, value: str, length: int) -> bytes:
    try:
        padded = value + "=" * (-len(value) % 4)
        key = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise _fail(setting, "is not URL-safe base64") from None
    if len(key) != length:
        raise _fail(setting, f"must decode to {length} bytes, not {len(key)}")
    return key


def _encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii").rstrip("=")


def _development_keys(instance_path: Path) -> dict[str, str]:
    """Read the keys generated for this development instance, creating them the first time."""
    path = instance_path / DEVELOPMENT_KEYS_FILE
    if path.exists():
        try:
            keys = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise _fail(
                str(path), f"cannot be read ({error}); delete it to generate new keys"
            ) from None
        if isinstance(keys, dict) and all(isinstance(keys.get(n), str) for n in _GENERATED):
            return keys
        raise _fail(str(path), "is incomplete; delete it to generate new keys") from None
    keys = {name: make() for name, make in _GENERATED.items()}
    instance_path.mkdir(parents=True, exist_ok=True)
    # Written with owner-only permissions, created exclusively so two starting processes
    # cannot each write their own keys.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _development_keys(instance_path)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(keys, handle, indent=2)
    return keys


_GENERATED = {
    "IISG_SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "IISG_ENCRYPTION_KEY": lambda: _encode_key(secrets.token_bytes(32)),
    "IISG_AUDIT_SIGNING_KEY": lambda: _encode_key(secrets.token_bytes(32)),
}


class Config:
    """Settings of one running portal, as Flask configuration keys."""

    defaults: dict[str, Any] = {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "CHECK_DATABASE_ON_START": True,
        "REDIS_URL": None,
        "LOG_LEVEL": "INFO",
        "PER_PAGE": 25,
    }

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], instance_path: str | Path) -> dict:
        """Build the settings from environment variables, or raise ``StartupError``."""
        check_known_settings(environ)
        instance_path = Path(instance_path)
        env = environ.get("IISG_ENV", "development").strip().lower() or "development"
        if env not in ENVIRONMENTS:
            raise _fail("IISG_ENV", f"{env!r} is not one of {', '.join(ENVIRONMENTS)}")

        level = environ.get("IISG_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise _fail("IISG_LOG_LEVEL", f"{level!r} is not one of {', '.join(LOG_LEVELS)}")

        default_url = f"sqlite:///{instance_path / 'iisg.sqlite3'}"
        database_url = normalise_database_url(environ.get("IISG_DATABASE_URL") or default_url)

        keys = {name: environ.get(name, "").strip() for name in _GENERATED}
        if env == "production":
            for name, value in keys.items():
                if not value:
                    raise _fail(
                        name,
                        "is required when IISG_ENV=production "
                        "(generate one with: iisg keys generate)",
                    )
        elif not all(keys.values()):
            generated = _development_keys(instance_path)
            keys = {name: value or generated[name] for name, value in keys.items()}

        if len(keys["IISG_SECRET_KEY"]) < 32:
            raise _fail("IISG_SECRET_KEY", "must be at least 32 characters")
        redis_url = environ.get("IISG_REDIS_URL", "").strip() or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise _fail("IISG_REDIS_URL", "must start with redis://, rediss:// or unix://")

        return {
            **cls.defaults,
            "ENV_NAME": env,
            "LOG_LEVEL": level,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": keys["IISG_SECRET_KEY"],
            "ENCRYPTION_KEY": _decode_key("IISG_ENCRYPTION_KEY", keys["IISG_ENCRYPTION_KEY"], 32),
            "AUDIT_SIGNING_KEY": _decode_key(
                "IISG_AUDIT_SIGNING_KEY", keys["IISG_AUDIT_SIGNING_KEY"], 32
            ),
            "REDIS_URL": redis_url,
        }


class TestConfig(Config):
    """Settings for the test suite: fresh random keys, no files written, no environment."""

    @classmethod
    def build(cls, overrides: Mapping[str, Any]) -> dict:
        """Return test settings with ``overrides`` applied."""
        settings = {
            **cls.defaults,
            "ENV_NAME": "test",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ENCRYPTION_KEY": secrets.token_bytes(32),
            "AUDIT_SIGNING_KEY": secrets.token_bytes(32),
        }
        settings.update(overrides)
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            settings["SQLALCHEMY_DATABASE_URI"]
        )
        return settings


def generate_production_keys() -> dict[str, str]:
    """Return a fresh set of keys in the form the environment variables take."""
    return {name: make() for name, make in _GENERATED.items()}
