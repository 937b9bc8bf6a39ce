"""Identity the database can check: the portal signs who is acting, PostgreSQL verifies it.

Row-level security and the capture triggers learn who acts from transaction-local
settings (``iisg.*`` and ``audit.*``, see ``portal.identity``). Any client can set such
settings, so on their own they only guard against a missing filter in the portal, not
against someone holding the application role's password. Since migration
``5c1e9b7d2a40`` the portal also sets ``iisg.signature``: an HMAC-SHA256 over every
one of those settings and over the transaction it is sent in, made with a key
that only the portal and the schema owner know.

- The key is derived from the portal's secret key (``identity_key``) and stored by
  ``iisg db upgrade``, which runs as the schema owner, in ``iisg_database_secrets``: a
  table the application role holds no privilege on. The database keeps the key as the
  two padded blocks of HMAC (``pads``), so it computes HMAC with its built-in
  ``sha256`` and needs no extension.
- ``iisg_identity_verified()``, a ``SECURITY DEFINER`` function, recomputes the
  signature: it is false when the transaction names no signature (a client outside the
  portal: it sees nothing and writes as ``db``) and raises when the signature is wrong.
  Every identity lookup of the policies goes through it, once per statement
  (``portal.rls``), and so do the capture triggers' actor and ``audit_record_event``.
- The signed message includes the transaction (``TRANSACTION_TAG``: the server process
  and the time the transaction began, which the portal asks for first), so a signature
  seen in a log or on the wire is worth nothing in any other transaction.
- The schema owner is trusted without a signature to act as the system (migrations,
  the owner's own trigger functions): it can switch row-level security off anyway.

Whether the database refuses every change that names no actor (strict mode) is also
kept in ``iisg_database_secrets``, so that no session can switch it off. docs/security.md
says what this does and does not protect against.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache

from sqlalchemy import text

from portal import data_version, full_text

# Every setting the signature covers, in the order of the signed message.
SIGNED_SETTINGS = (
    "iisg.mode",
    "iisg.tenant_id",
    "iisg.user_id",
    "iisg.economy_id",
    "iisg.tenant_kind",
    "iisg.roles",
    "audit.actor_id",
    "audit.actor_kind",
    "audit.actor_label",
    "audit.actor_tenant_id",
    "audit.request_id",
    "audit.client_address",
    "audit.reason",
)
SIGNATURE_SETTING = "iisg.signature"
LABEL = "iisg identity v1"
_KEY_LABEL = b"iisg database identity key v1"
_BLOCK = 64  # SHA-256's block size, which HMAC pads its key to

# The transaction a signature is good for: its server process and the time it began.
TRANSACTION_TAG = (
    "pg_backend_pid()::text || '@'"
    " || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text"
)
SECRETS_TABLE = "iisg_database_secrets"


def include_object(_object, name, type_, _reflected, _compare_to) -> bool:
    """Leave the owner-only secrets, the data version and the search out of comparisons.

    No model describes them: all are created by SQL (here, ``portal.data_version`` and
    ``portal.full_text``).
    """
    if type_ in ("table", "index") and full_text.is_own_object(name):
        return False
    return not (type_ == "table" and name in (SECRETS_TABLE, data_version.TABLE))


def identity_key(secret_key: str) -> bytes:
    """Return the key of identity signatures, derived from the portal's secret key."""
    return hmac.new(secret_key.encode(), _KEY_LABEL, hashlib.sha256).digest()


def pads(key: bytes) -> tuple[bytes, bytes]:
    """Return HMAC's inner and outer padded key blocks, as the database keeps them."""
    block = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def _field(value: str) -> bytes:
    encoded = value.encode()
    return str(len(encoded)).encode() + b":" + encoded


def message(transaction: str, settings: Mapping[str, str]) -> bytes:
    """Return the signed bytes: each field as its UTF-8 length, a colon, and its bytes."""
    values = (LABEL, transaction, *(settings.get(name) or "" for name in SIGNED_SETTINGS))
    return b"".join(_field(value) for value in values)


def signature(key: bytes, transaction: str, settings: Mapping[str, str]) -> str:
    """Return the hexadecimal HMAC-SHA256 of the settings for one transaction."""
    return hmac.new(key, message(transaction, settings), hashlib.sha256).hexdigest()


@lru_cache(maxsize=8)
def _cached_key(secret_key: str) -> bytes:
    return identity_key(secret_key)


def key_of(config: Mapping) -> bytes:
    """Return the identity key of an application's configuration."""
    explicit = config.get("DATABASE_IDENTITY_KEY")
    return explicit if explicit else _cached_key(config["SECRET_KEY"])


def transaction_tag(connection) -> str:
    """Return the tag of the transaction open on ``connection`` (one round trip)."""
    return connection.execute(text(f"SELECT {TRANSACTION_TAG}")).scalar_one()


def sign(connection, key: bytes, settings: Mapping[str, str]) -> dict[str, str]:
    """Return ``settings`` with the signature that makes them good in this transaction."""
    return {**settings, SIGNATURE_SETTING: signature(key, transaction_tag(connection), settings)}


# --- Installation (schema owner) ----------------------------------------------------

_FIELD = "iisg_identity_field"


def _signed_message_sql() -> str:
    fields = [f"{_FIELD}('{LABEL}')", f"{_FIELD}({TRANSACTION_TAG})"]
    fields += [f"{_FIELD}(current_setting('{name}', true))" for name in SIGNED_SETTINGS]
    return "concat(" + ", ".join(fields) + ")"


OWNER_ACTING = (
    # Every name qualified: this runs with the caller's search path, in which a
    # temporary table (a "pg_class" of the caller's own) comes before pg_catalog.
    "pg_catalog.pg_has_role(current_user,"
    " (SELECT relowner FROM pg_catalog.pg_class"
    f" WHERE oid = 'public.{SECRETS_TABLE}'::pg_catalog.regclass),"
    " 'MEMBER')"
)
SESSION_OWNER = OWNER_ACTING.replace("current_user", "session_user")

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION {_FIELD}(value text) RETURNS text
    LANGUAGE sql IMMUTABLE AS
    $$ SELECT octet_length(coalesce(value, ''))::text || ':' || coalesce(value, '') $$;

CREATE OR REPLACE FUNCTION iisg_identity_verified() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    claimed text := current_setting('{SIGNATURE_SETTING}', true);
    secret record;
BEGIN
    IF coalesce(claimed, '') = '' THEN
        RETURN false;
    END IF;
    SELECT identity_inner, identity_outer INTO secret FROM {SECRETS_TABLE};
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the database holds no identity key'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Run iisg db upgrade as the schema owner.';
    END IF;
    IF encode(sha256(secret.identity_outer || sha256(secret.identity_inner
              || convert_to({_signed_message_sql()}, 'UTF8'))), 'hex') = claimed THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'the acting identity is not signed by the portal'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'After changing the secret key, run iisg db upgrade as the schema owner.';
END $$;

CREATE OR REPLACE FUNCTION iisg_owner_acting() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT {OWNER_ACTING} $$;

CREATE OR REPLACE FUNCTION audit_identity_verified() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT iisg_identity_verified() $$;

CREATE OR REPLACE FUNCTION audit_event_permitted(subject integer) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    -- The system and the Secretariat record events of any tenant (sign-in failures,
    -- the administration of every organisation); a principal only of its own.
    IF iisg_identity_verified() THEN
        RETURN coalesce(current_setting('iisg.mode', true) = 'system', false)
            OR coalesce(current_setting('iisg.tenant_kind', true) = 'secretariat', false)
            OR subject IS NOT DISTINCT FROM
               nullif(current_setting('iisg.tenant_id', true), '')::integer;
    END IF;
    RETURN {SESSION_OWNER};
END $$;

CREATE OR REPLACE FUNCTION audit_strict_required() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- The owner may repair without naming an actor: it could drop the triggers anyway.
    IF {SESSION_OWNER} THEN
        RETURN false;
    END IF;
    RETURN coalesce((SELECT audit_strict FROM {SECRETS_TABLE}), false)
        OR coalesce(nullif(current_setting('audit.strict', true), '') = 'on', false);
END $$;
"""

UNINSTALL_FUNCTIONS = (
    "DROP FUNCTION IF EXISTS audit_event_permitted(integer)",
    "DROP FUNCTION IF EXISTS audit_strict_required()",
    "DROP FUNCTION IF EXISTS audit_identity_verified()",
    "DROP FUNCTION IF EXISTS iisg_owner_acting()",
    "DROP FUNCTION IF EXISTS iisg_identity_verified()",
    f"DROP FUNCTION IF EXISTS {_FIELD}(text)",
)


def install_statements() -> list[str]:
    """Return the SQL creating the owner-only table and the functions that read it."""
    return [
        f"""CREATE TABLE IF NOT EXISTS {SECRETS_TABLE} (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    identity_inner bytea NOT NULL,
    identity_outer bytea NOT NULL,
    audit_strict boolean NOT NULL DEFAULT false
)""",
        f"REVOKE ALL ON {SECRETS_TABLE} FROM PUBLIC",
        FUNCTIONS,
    ]


def uninstall_statements() -> list[str]:
    """Return the SQL removing the table and its functions."""
    return [*UNINSTALL_FUNCTIONS, f"DROP TABLE IF EXISTS {SECRETS_TABLE}"]


def revoke_statement(app_role: str) -> str:
    """Return the SQL taking any privilege on the secrets back from the application role."""
    return (
        f"DO $$ BEGIN IF to_regclass('public.{SECRETS_TABLE}') IS NOT NULL THEN"
        f' REVOKE ALL ON {SECRETS_TABLE} FROM "{app_role}"; END IF; END $$'
    )


def store(owner_connection, key: bytes, *, strict: bool) -> None:
    """Store the identity key and the strict switch (as the schema owner)."""
    inner, outer = pads(key)
    owner_connection.execute(
        text(
            f"INSERT INTO {SECRETS_TABLE} (id, identity_inner, identity_outer, audit_strict)"
            " VALUES (true, :inner, :outer, :strict)"
            " ON CONFLICT (id) DO UPDATE SET identity_inner = excluded.identity_inner,"
            " identity_outer = excluded.identity_outer, audit_strict = excluded.audit_strict"
        ),
        {"inner": inner, "outer": outer, "strict": strict},
    )


def installed(connection) -> bool:
    """Return whether the database checks identity signatures (PostgreSQL, migrated)."""
    return (
        connection.dialect.name == "postgresql"
        and connection.execute(text(f"SELECT to_regclass('public.{SECRETS_TABLE}')")).scalar()
        is not None
    )


def may_store(connection) -> bool:
    """Return whether the connection's role may change the stored key (the owner's)."""
    return connection.execute(
        text(f"SELECT has_table_privilege('public.{SECRETS_TABLE}', 'UPDATE')")
    ).scalar()
