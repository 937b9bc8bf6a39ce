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
from datetime import date
from pathlib import Path
from typing import Any

from limits import parse_many
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from portal.shared_counts import storage_uri

ENVIRONMENTS = ("development", "production", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEVELOPMENT_KEYS_FILE = "development-keys.json"

# Every setting the portal reads, with what it is for. An ``IISG_`` variable that is not
# listed here is almost always a typo, so it stops start-up rather than being ignored.
KNOWN_SETTINGS = {
    "IISG_ENV": "development (default), production or test",
    "IISG_DATABASE_URL": "SQLAlchemy URL; SQLite file under instance/ by default",
    "IISG_MIGRATION_DATABASE_URL": "PostgreSQL URL of the role owning the schema, for migrations",
    "IISG_SECRET_KEY": "signs sessions and CSRF tokens; on SQLite, authenticates audit entries",
    "IISG_AUDIT_PREVIOUS_SECRET_KEYS": "earlier IISG_SECRET_KEY values, space-separated,"
    " to verify the audit entries (SQLite) they authenticated",
    "IISG_ENCRYPTION_KEY": "32 bytes, URL-safe base64: encrypts TOTP secrets",
    "IISG_AUDIT_SIGNING_KEY": "32-byte Ed25519 seed, URL-safe base64: signs audit checkpoints",
    "IISG_REDIS_URL": "optional Redis for shared rate limits and the job queue",
    "IISG_API_RATE_LIMIT": "API calls one token may make, e.g. 300 per minute (the default)",
    "IISG_LOG_LEVEL": "DEBUG, INFO (default), WARNING or ERROR",
    "IISG_BASE_URL": "address users reach the portal at, for links in invitations",
    "IISG_SMTP_URL": "optional smtp:// or smtps://user:password@host:port to mail invitations",
    "IISG_MAIL_FROM": "sender address of the portal's mail",
    "IISG_TRUSTED_PROXIES": "how many reverse proxies in front set X-Forwarded-* (default 0)",
    "IISG_AUDIT_STRICT": "1 refuses database writes that name no actor (default 0)",
    "IISG_AUDIT_CHECKPOINT_EVERY_ENTRIES": "checkpoint a chain after this many new entries (1)",
    "IISG_AUDIT_CHECKPOINT_EVERY_MINUTES": "or once its oldest unsigned entry is this old (60)",
    "IISG_AUDIT_WITNESS_FILE": "file each audit checkpoint is appended to, outside the database",
    "IISG_AUDIT_SEAL_EVERY_MINUTES": "the worker seals and signs the trail every N minutes,"
    " N dividing 60 (5)",
    "IISG_AUDIT_VERIFY_AT": "time of day (HH:MM, UTC) the worker verifies the trail (03:00)",
    "IISG_DIGEST_AT": "time of day (HH:MM, UTC) the worker mails the daily digests (06:00)",
    "IISG_RESPONSE_ROUND_ON": "date (MM-DD) of the annual response mapping round (03-01)",
    "IISG_RESPONSE_ROUND_REMINDER_DAYS": "days before the round member editors are reminded (14)",
    "IISG_QUEUE_FILE": "SQLite file of the job queue without Redis (instance/queue.sqlite3)",
    "IISG_MAX_FORM_BYTES": "largest body of a form or API request, in bytes (2097152: 2 MiB)",
    "IISG_IMPORT_MAX_BYTES": "largest file an import accepts, in bytes (20971520: 20 MiB)",
    "IISG_IMPORT_AT_ONCE_ROWS": "imports of more rows are checked and applied by the worker (500)",
    "IISG_REPORT_AT_ONCE_RECORDS": "PDF reports of more records are made by the worker (400)",
    "IISG_SQLITE_BUSY_TIMEOUT_SECONDS": "how long SQLite waits for another writer's lock (5)",
    "IISG_TEST_POSTGRES_URL": "administrative PostgreSQL connection used by the test suite",
    "IISG_TEST_REDIS_URL": "Redis database the test suite may empty (default db 15)",
    "IISG_TEST_CHROMIUM": "Chromium the browser tests drive (default: chromium on the PATH)",
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


def normalise_database_url(raw: str, setting: str = "IISG_DATABASE_URL") -> str:
    """Return a SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3), or refuse it."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise _fail(
            setting,
            "is not a database URL (expected sqlite:///path or postgresql://user@host/db)",
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        if url.drivername not in ("postgres", "postgresql", "postgresql+psycopg"):
            raise _fail(
                setting,
                f"driver {url.drivername!r} is not supported; use postgresql:// (psycopg 3)",
            )
        if not url.database:
            raise _fail(setting, "names no database (postgresql://host/DATABASE)")
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        if url.drivername != "sqlite":
            raise _fail(
                setting,
                f"driver {url.drivername!r} is not supported; use sqlite:///path",
            )
    else:
        raise _fail(setting, f"{backend!r} is not supported; use sqlite or postgresql")
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


def _positive_whole_number(
    environ: Mapping[str, str], setting: str, default: int, least: int = 1
) -> int:
    value = environ.get(setting, "").strip() or str(default)
    if not value.isdigit() or not value.isascii() or int(value) < least:
        raise _fail(setting, f"{value!r} is not a whole number of at least {least}")
    return int(value)


def _time_of_day(
    environ: Mapping[str, str], setting: str, default: tuple[int, int]
) -> tuple[int, int]:
    value = environ.get(setting, "").strip()
    if not value:
        return default
    hour, colon, minute = value.partition(":")
    if (
        colon
        and hour.isascii()
        and hour.isdigit()
        and minute.isascii()
        and minute.isdigit()
        and len(minute) == 2
        and int(hour) < 24
        and int(minute) < 60
    ):
        return int(hour), int(minute)
    raise _fail(setting, f"{value!r} is not a time of day as HH:MM (UTC), e.g. 03:00")


def _day_of_year(
    environ: Mapping[str, str], setting: str, default: tuple[int, int]
) -> tuple[int, int]:
    value = environ.get(setting, "").strip()
    if not value:
        return default
    month, dash, day = value.partition("-")
    try:
        digits = (month + day).isascii() and month.isdigit() and day.isdigit()
        if not (dash and len(month) == 2 and len(day) == 2 and digits):
            raise ValueError(value)
        # A leap year, so 02-29 is a day; the round falls on 02-28 in other years.
        date(2024, int(month), int(day))
    except ValueError:
        raise _fail(setting, f"{value!r} is not a day of the year as MM-DD, e.g. 03-01") from None
    return int(month), int(day)


def _rate_limit(environ: Mapping[str, str], setting: str, default: str) -> str:
    value = " ".join(environ.get(setting, "").split()) or default
    try:
        # Nought calls would shut the API altogether.
        usable = all(limit.amount >= 1 for limit in parse_many(value))
    except ValueError:
        usable = False
    if not usable:
        raise _fail(
            setting,
            f"{value!r} is not a rate limit (e.g. 300 per minute, or 10 per second; 1000 per hour)",
        )
    return value


def _witness_file(value: str) -> str | None:
    if not value:
        return None
    path = Path(value)
    # Relative to whatever directory the process manager starts in is no place to look
    # for it later.
    if not path.is_absolute():
        raise _fail("IISG_AUDIT_WITNESS_FILE", f"{value!r} is not an absolute path")
    if path.is_dir():
        raise _fail("IISG_AUDIT_WITNESS_FILE", f"{value!r} is a directory, not a file")
    if not path.parent.is_dir():
        raise _fail("IISG_AUDIT_WITNESS_FILE", f"the directory {str(path.parent)!r} does not exist")
    return str(path)


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
        "BASE_URL": "http://127.0.0.1:8000",
        "TRUSTED_PROXIES": 0,
        "SMTP_URL": None,
        "MAIL_FROM": "IISG Database <no-reply@iisg.invalid>",
        # Sign-in and sessions: the figures are the requirement, in seconds.
        "PENDING_LOGIN_SECONDS": 5 * 60,
        "PENDING_LOGIN_ATTEMPTS": 5,
        "SESSION_IDLE_SECONDS": 60 * 60,
        "SESSION_ABSOLUTE_SECONDS": 12 * 60 * 60,
        "REAUTHENTICATION_SECONDS": 10 * 60,
        "LOCKOUT_FAILURES": 10,
        "LOCKOUT_WINDOW_SECONDS": 15 * 60,
        "LOCKOUT_BASE_SECONDS": 15 * 60,
        "LOCKOUT_MAX_SECONDS": 24 * 60 * 60,
        "INVITATION_SECONDS": 72 * 60 * 60,
        "LOGIN_RATE_LIMIT": "30 per 15 minutes",
        # Calls to the API one token may make (calls without a token: one address).
        "API_RATE_LIMIT": "300 per minute",
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "ARGON2_PARALLELISM": 4,
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "iisg-session",
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_HEADERS_ENABLED": True,
        # The limiter would otherwise put its own Retry-After on every answer, also on a
        # 503 whose wait is the database's; a refused call (429) states its wait itself.
        "RATELIMIT_HEADER_RETRY_AFTER": "X-RateLimit-Retry-After",
        "HSTS": False,
        "AUDIT_STRICT": False,
        # A view that answers without asking a policy is logged; when strict (tests), it
        # also fails the request, so the test that reached it fails.
        "AUTHORISATION_CHECK_STRICT": False,
        # Every seal that sealed something signs the chains it grew, within seconds of the
        # change: entries no checkpoint covers yet could be deleted without trace.
        "AUDIT_CHECKPOINT_EVERY_ENTRIES": 1,
        "AUDIT_CHECKPOINT_EVERY_MINUTES": 60,
        # The worker's schedule (portal.jobs): seal and sign every few minutes, verify
        # once a day at (hour, minute) UTC, at night in Europe.
        "AUDIT_SEAL_EVERY_MINUTES": 5,
        "AUDIT_VERIFY_AT": (3, 0),
        # The daily digests, at (hour, minute) UTC; the annual response mapping round on
        # (month, day), of which member editors are reminded some days before.
        "DIGEST_AT": (6, 0),
        "RESPONSE_ROUND_ON": (3, 1),
        "RESPONSE_ROUND_REMINDER_DAYS": 14,
        # The job queue without Redis: a SQLite file (None: instance/queue.sqlite3). Tests
        # run each job as it is submitted instead.
        "QUEUE_FILE": None,
        # A tracked job with no sign of life (progress) for this long is run again.
        "JOB_LEASE_SECONDS": 5 * 60,
        "QUEUE_IMMEDIATE": False,
        # Where checkpoints are also written as they are signed (None: the log stream only).
        "AUDIT_WITNESS_FILE": None,
        # Secret keys used before the current one: the MACs of the audit entries written
        # under them (SQLite) still verify.
        "AUDIT_PREVIOUS_SECRET_KEYS": (),
        # Request bodies: without a cap one anonymous request can make a worker read and
        # parse hundreds of megabytes. Forms and API calls need far less than 2 MiB; a file
        # upload that needs more must raise ``request.max_content_length`` for its own
        # route, with a limit of its own, rather than this one for every route.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # The one upload with a limit of its own: a file to import (portal.services.imports).
        "IMPORT_MAX_BYTES": 20 * 1024 * 1024,
        # Files of more rows are checked and applied by the worker, with a progress page.
        "IMPORT_AT_ONCE_ROWS": 500,
        "REPORT_AT_ONCE_RECORDS": 400,
        # Within a multipart body: the largest text field, and how many fields in all.
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        # Addresses: the longest path and query string served (portal.limits), in bytes.
        # No page needs half of it: the longest query of any page, the audit trail's
        # filters each filled to its limit, takes about 3 KiB percent-encoded in Cyrillic.
        "MAX_ADDRESS_BYTES": 8 * 1024,
        # How long a SQLite connection waits for another connection's write lock before
        # the statement fails as busy (PostgreSQL waits for row locks by itself).
        "SQLITE_BUSY_TIMEOUT_SECONDS": 5,
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
        migration_url = environ.get("IISG_MIGRATION_DATABASE_URL", "").strip()
        migration_url = (
            normalise_database_url(migration_url, "IISG_MIGRATION_DATABASE_URL")
            if migration_url
            else database_url
        )
        if make_url(migration_url).get_backend_name() != make_url(database_url).get_backend_name():
            raise _fail(
                "IISG_MIGRATION_DATABASE_URL", "must use the same database as IISG_DATABASE_URL"
            )

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
        previous_secrets = tuple(environ.get("IISG_AUDIT_PREVIOUS_SECRET_KEYS", "").split())
        if any(len(secret) < 32 for secret in previous_secrets):
            raise _fail(
                "IISG_AUDIT_PREVIOUS_SECRET_KEYS",
                "each secret key must be at least 32 characters (separate them by spaces)",
            )
        api_rate_limit = _rate_limit(environ, "IISG_API_RATE_LIMIT", cls.defaults["API_RATE_LIMIT"])
        redis_url = environ.get("IISG_REDIS_URL", "").strip() or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise _fail("IISG_REDIS_URL", "must start with redis://, rediss:// or unix://")

        base_url = (environ.get("IISG_BASE_URL") or cls.defaults["BASE_URL"]).strip().rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise _fail("IISG_BASE_URL", "must start with http:// or https://")
        smtp_url = environ.get("IISG_SMTP_URL", "").strip() or None
        if smtp_url and not smtp_url.startswith(("smtp://", "smtps://")):
            raise _fail("IISG_SMTP_URL", "must start with smtp:// or smtps://")
        proxies = environ.get("IISG_TRUSTED_PROXIES", "0").strip() or "0"
        if not proxies.isdigit() or int(proxies) > 5:
            raise _fail("IISG_TRUSTED_PROXIES", f"{proxies!r} is not a whole number from 0 to 5")
        strict = environ.get("IISG_AUDIT_STRICT", "0").strip() or "0"
        if strict not in ("0", "1"):
            raise _fail("IISG_AUDIT_STRICT", f"{strict!r} is not 0 or 1")
        checkpoint_every = {
            name: _positive_whole_number(environ, f"IISG_{name}", cls.defaults[name])
            for name in ("AUDIT_CHECKPOINT_EVERY_ENTRIES", "AUDIT_CHECKPOINT_EVERY_MINUTES")
        }
        witness_file = _witness_file(environ.get("IISG_AUDIT_WITNESS_FILE", "").strip())
        seal_every = _positive_whole_number(
            environ, "IISG_AUDIT_SEAL_EVERY_MINUTES", cls.defaults["AUDIT_SEAL_EVERY_MINUTES"]
        )
        if 60 % seal_every:
            # A crontab's "every N minutes" restarts at each hour: only divisors of 60
            # give an even interval.
            raise _fail(
                "IISG_AUDIT_SEAL_EVERY_MINUTES",
                f"{seal_every} does not divide an hour: use 1, 2, 3, 4, 5, 6, 10, 12, 15,"
                " 20, 30 or 60",
            )
        verify_at = _time_of_day(environ, "IISG_AUDIT_VERIFY_AT", cls.defaults["AUDIT_VERIFY_AT"])
        digest_at = _time_of_day(environ, "IISG_DIGEST_AT", cls.defaults["DIGEST_AT"])
        round_on = _day_of_year(
            environ, "IISG_RESPONSE_ROUND_ON", cls.defaults["RESPONSE_ROUND_ON"]
        )
        reminder_days = _positive_whole_number(
            environ,
            "IISG_RESPONSE_ROUND_REMINDER_DAYS",
            cls.defaults["RESPONSE_ROUND_REMINDER_DAYS"],
        )
        if reminder_days > 90:
            raise _fail("IISG_RESPONSE_ROUND_REMINDER_DAYS", f"{reminder_days} is more than 90")
        queue_file = environ.get("IISG_QUEUE_FILE", "").strip() or None
        if queue_file and not Path(queue_file).is_absolute():
            raise _fail("IISG_QUEUE_FILE", f"{queue_file!r} is not an absolute path")
        # A smaller cap would refuse the portal's own longest forms.
        max_form_bytes = _positive_whole_number(
            environ, "IISG_MAX_FORM_BYTES", cls.defaults["MAX_CONTENT_LENGTH"], least=64 * 1024
        )
        import_bytes = _positive_whole_number(
            environ, "IISG_IMPORT_MAX_BYTES", cls.defaults["IMPORT_MAX_BYTES"], least=64 * 1024
        )
        at_once_rows = _positive_whole_number(
            environ, "IISG_IMPORT_AT_ONCE_ROWS", cls.defaults["IMPORT_AT_ONCE_ROWS"]
        )
        report_records = _positive_whole_number(
            environ, "IISG_REPORT_AT_ONCE_RECORDS", cls.defaults["REPORT_AT_ONCE_RECORDS"]
        )
        busy_timeout = _positive_whole_number(
            environ, "IISG_SQLITE_BUSY_TIMEOUT_SECONDS", cls.defaults["SQLITE_BUSY_TIMEOUT_SECONDS"]
        )
        production = env == "production"
        if production and not base_url.startswith("https://"):
            raise _fail("IISG_BASE_URL", "must be an https:// address when IISG_ENV=production")

        return {
            **cls.defaults,
            **checkpoint_every,
            "ENV_NAME": env,
            "BASE_URL": base_url,
            "TRUSTED_PROXIES": int(proxies),
            "SMTP_URL": smtp_url,
            "MAIL_FROM": environ.get("IISG_MAIL_FROM", "").strip() or cls.defaults["MAIL_FROM"],
            # Plain-HTTP development is the one place cookies may travel without TLS; the
            # __Host- prefix makes browsers refuse the cookie unless it is Secure and
            # bound to this exact host.
            "SESSION_COOKIE_SECURE": production,
            "SESSION_COOKIE_NAME": "__Host-iisg-session" if production else "iisg-session",
            "HSTS": production,
            "LOG_LEVEL": level,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MIGRATION_DATABASE_URI": migration_url,
            "SECRET_KEY": keys["IISG_SECRET_KEY"],
            "AUDIT_PREVIOUS_SECRET_KEYS": previous_secrets,
            "ENCRYPTION_KEY": _decode_key("IISG_ENCRYPTION_KEY", keys["IISG_ENCRYPTION_KEY"], 32),
            "AUDIT_SIGNING_KEY": _decode_key(
                "IISG_AUDIT_SIGNING_KEY", keys["IISG_AUDIT_SIGNING_KEY"], 32
            ),
            "REDIS_URL": redis_url,
            # Redis, falling back to each server's memory while it is away (shared_counts).
            "RATELIMIT_STORAGE_URI": storage_uri(redis_url) if redis_url else "memory://",
            "API_RATE_LIMIT": api_rate_limit,
            "AUDIT_STRICT": strict == "1",
            "AUDIT_WITNESS_FILE": witness_file,
            "AUDIT_SEAL_EVERY_MINUTES": seal_every,
            "AUDIT_VERIFY_AT": verify_at,
            "QUEUE_FILE": queue_file,
            "DIGEST_AT": digest_at,
            "RESPONSE_ROUND_ON": round_on,
            "RESPONSE_ROUND_REMINDER_DAYS": reminder_days,
            "MAX_CONTENT_LENGTH": max_form_bytes,
            "IMPORT_MAX_BYTES": import_bytes,
            "IMPORT_AT_ONCE_ROWS": at_once_rows,
            "REPORT_AT_ONCE_RECORDS": report_records,
            "SQLITE_BUSY_TIMEOUT_SECONDS": busy_timeout,
        }


# The same in every test and benchmark process: a database migrated by one (a test run's
# template, a benchmark's generated volume) is used by apps of others. Never in
# production, where the key is derived from IISG_SECRET_KEY.
_TEST_DATABASE_IDENTITY_KEY = b"iisg test identity key, not a secret".ljust(32, b".")


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
            # Fixed: a migrated database stores it once, and every app using it, each with
            # its own secret key, signs its identity with it.
            "DATABASE_IDENTITY_KEY": _TEST_DATABASE_IDENTITY_KEY,
            # Cheap hashing keeps the suite fast; the algorithm is the same.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
            "ARGON2_PARALLELISM": 1,
            "RATELIMIT_STORAGE_URI": "memory://",
            "AUTHORISATION_CHECK_STRICT": True,
            "QUEUE_IMMEDIATE": True,
        }
        settings.update(overrides)
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            settings["SQLALCHEMY_DATABASE_URI"]
        )
        settings["MIGRATION_DATABASE_URI"] = normalise_database_url(
            settings.get("MIGRATION_DATABASE_URI") or settings["SQLALCHEMY_DATABASE_URI"]
        )
        return settings


def generate_production_keys() -> dict[str, str]:
    """Return a fresh set of keys in the form the environment variables take."""
    return {name: make() for name, make in _GENERATED.items()}
