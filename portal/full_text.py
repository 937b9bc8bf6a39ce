"""Full-text search of needs and responses, indexed by each database in its own way.

A search is a list of words; a record matches when every word begins a word of its
text (a need's code, title and description; a response's title, description,
instrument and external reference) or of its organisations (a need's partner: the
owning organisation and its economy; a response's owner, donors and implementers).

- PostgreSQL: ``iisg_search_documents``, one row of words (a ``tsvector``) per record
  with a GIN index, which only the schema owner reads, kept current by triggers and
  searched through ``iisg_search_matches`` (see below why not an index on the records).
  The ``simple`` configuration lowercases and stems nothing: the texts are in English,
  Albanian, Macedonian and Serbian (Latin and Cyrillic), and an English stemmer would
  cut the other languages' words wrongly.
- SQLite: two FTS5 tables, ``needs_search`` and ``responses_search``, whose rowid is
  the record's id, kept in step with the records by triggers.

Both databases split text at every character that is not a letter or a digit, keep
diacritics (``ë`` is not ``e``) and ignore case, so a search finds the same records on
either. The words are taken from what the user typed here, letters and digits only,
and passed to the database as bound values: no input can change a query's meaning.
See docs/search.md.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.sql.elements import ColumnClause

from portal.models import Need, Response

# A word: letters and digits, in any script. Everything else separates words.
WORD = re.compile(r"[^\W_]+")
MOST_WORDS = 10
LONGEST_WORD = 60

# PostgreSQL: an owner-only table of each record's words, read through one function.
POSTGRES_TABLE = "iisg_search_documents"
POSTGRES_INDEXES = ("ix_iisg_search_documents_words", "ix_iisg_search_documents_tenant_id")
# SQLite: the FTS5 tables (and the shadow tables FTS5 keeps beside each).
SQLITE_TABLES = ("needs_search", "responses_search")
_SHADOWS = ("data", "idx", "content", "docsize", "config")
SQLITE_TABLE_NAMES = frozenset(
    (*SQLITE_TABLES, *(f"{name}_{shadow}" for name in SQLITE_TABLES for shadow in _SHADOWS))
)


def words(text: str) -> list[str]:
    """Return the distinct words of ``text``, lowercased, in the order typed."""
    found: list[str] = []
    for word in WORD.findall(text.lower()):
        if word not in found:
            found.append(word)
    return found


def is_own_object(name: str) -> bool:
    """Return whether ``name`` is a table or index of the search (no model describes them)."""
    return name in SQLITE_TABLE_NAMES or name == POSTGRES_TABLE or name in POSTGRES_INDEXES


# --- PostgreSQL ------------------------------------------------------------------------
#
# Why not GIN indexes on the needs and responses themselves: their row-level security
# is forced, and PostgreSQL uses an index under a policy only for a leakproof operator,
# which @@ is not (declaring one leakproof takes a superuser). So each record's words
# are kept in a table only the schema owner reads, without policies, by triggers that
# run as the owner; ``iisg_search_matches`` returns the ids of the records holding the
# words, and only to a caller whose identity the portal signed (``portal.db_identity``):
# the application role's password alone learns nothing of any record's words. The
# portal then reads the records by those ids through both walls as always.


def _tsquery(searched: list[str]) -> str:
    # Every word is a prefix: "judic" finds "judiciary", as people type.
    return " & ".join(f"{word}:*" for word in searched)


def _bound(value: str) -> ColumnElement:
    return bindparam(None, value, unique=True)


def _postgres_matches(kind: str, searched: list[str]) -> Select:
    query = func.to_tsquery(literal_column("'simple'"), _bound(_tsquery(searched)))
    return select(func.iisg_search_matches(literal_column(f"'{kind}'"), query))


_VECTOR = (
    "to_tsvector('simple'::regconfig,"
    " regexp_replace(coalesce(words, ''), '[^[:alnum:]]+', ' ', 'g'))"
)
# The words of a need or a response of a trigger's transition table ``changed``.
_NEED_WORDS = (
    "iisg_search_vector(changed.code || ' ' || changed.title || ' ' || changed.description)"
)
_RESPONSE_WORDS = (
    "iisg_search_vector(changed.title || ' ' || changed.description || ' '"
    " || coalesce(changed.instrument, '') || ' ' || coalesce(changed.external_reference, ''))"
)
POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION iisg_search_vector(words text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$ SELECT {_VECTOR} $$;

CREATE OR REPLACE FUNCTION iisg_search_owner(tenant integer) RETURNS tsvector
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT iisg_search_vector(tenants.name || ' ' || coalesce(partner_economies.name, ''))
    FROM tenants LEFT JOIN partner_economies ON partner_economies.id = tenants.economy_id
    WHERE tenants.id = tenant $$;

CREATE OR REPLACE FUNCTION iisg_search_parties(response integer) RETURNS tsvector
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT iisg_search_vector(string_agg(name, ' '))
    FROM response_parties WHERE response_id = response $$;

-- Needs, responses and their parties: one trigger per statement, reading the rows it
-- wrote from its transition tables, so that an import writing thousands of rows in a
-- statement keeps their words in one pass rather than once per row.
CREATE OR REPLACE FUNCTION iisg_search_needs_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO {POSTGRES_TABLE} (kind, record_id, tenant_id, own, owner)
    SELECT 'needs', changed.id, changed.tenant_id, {_NEED_WORDS},
           iisg_search_owner(changed.tenant_id)
    FROM changed
    ON CONFLICT (kind, record_id) DO UPDATE SET
        tenant_id = excluded.tenant_id, own = excluded.own, owner = excluded.owner;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_needs_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- Only the needs whose words or owner changed (not their status, say).
    UPDATE {POSTGRES_TABLE} SET tenant_id = changed.tenant_id, own = {_NEED_WORDS},
           owner = iisg_search_owner(changed.tenant_id)
    FROM changed JOIN before ON before.id = changed.id
    WHERE {POSTGRES_TABLE}.kind = 'needs' AND {POSTGRES_TABLE}.record_id = changed.id
      AND (before.code, before.title, before.description, before.tenant_id)
          IS DISTINCT FROM (changed.code, changed.title, changed.description, changed.tenant_id);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_needs_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM {POSTGRES_TABLE} WHERE kind = 'needs' AND record_id IN (SELECT id FROM gone);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_responses_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO {POSTGRES_TABLE} (kind, record_id, tenant_id, own, owner, parties)
    SELECT 'responses', changed.id, changed.tenant_id, {_RESPONSE_WORDS},
           iisg_search_owner(changed.tenant_id), coalesce(iisg_search_parties(changed.id), '')
    FROM changed
    ON CONFLICT (kind, record_id) DO UPDATE SET
        tenant_id = excluded.tenant_id, own = excluded.own, owner = excluded.owner;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_responses_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE {POSTGRES_TABLE} SET tenant_id = changed.tenant_id, own = {_RESPONSE_WORDS},
           owner = iisg_search_owner(changed.tenant_id)
    FROM changed JOIN before ON before.id = changed.id
    WHERE {POSTGRES_TABLE}.kind = 'responses' AND {POSTGRES_TABLE}.record_id = changed.id
      AND (before.title, before.description, before.instrument, before.external_reference,
           before.tenant_id)
          IS DISTINCT FROM (changed.title, changed.description, changed.instrument,
                            changed.external_reference, changed.tenant_id);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_responses_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM {POSTGRES_TABLE} WHERE kind = 'responses' AND record_id IN (SELECT id FROM gone);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_parties_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE {POSTGRES_TABLE} SET parties = coalesce(iisg_search_parties(record_id), '')
    WHERE kind = 'responses' AND record_id IN (SELECT response_id FROM changed);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_parties_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE {POSTGRES_TABLE} SET parties = coalesce(iisg_search_parties(record_id), '')
    WHERE kind = 'responses' AND record_id IN (
        SELECT changed.response_id FROM changed JOIN before ON before.id = changed.id
        WHERE (before.name, before.response_id) IS DISTINCT FROM (changed.name, changed.response_id)
        UNION
        SELECT before.response_id FROM changed JOIN before ON before.id = changed.id
        WHERE before.response_id IS DISTINCT FROM changed.response_id);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_parties_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE {POSTGRES_TABLE} SET parties = coalesce(iisg_search_parties(record_id), '')
    WHERE kind = 'responses' AND record_id IN (SELECT response_id FROM gone);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_owner_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- The documents are updated by the tenant they name, not by reading the records:
    -- whoever renames an organisation may not see all of its records.
    IF TG_TABLE_NAME = 'tenants' THEN
        UPDATE {POSTGRES_TABLE} SET owner = iisg_search_owner(NEW.id) WHERE tenant_id = NEW.id;
    ELSE
        UPDATE {POSTGRES_TABLE} SET owner = iisg_search_owner(tenant_id)
        WHERE tenant_id IN (SELECT id FROM tenants WHERE economy_id = NEW.id);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION iisg_search_matches(wanted text, query tsquery)
    RETURNS SETOF integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 100 AS $$
BEGIN
    -- Only to the portal's signed identity (an unsigned caller learns nothing; a wrong
    -- signature raises): which records hold words is itself what the walls keep.
    IF NOT iisg_identity_verified() THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT record_id FROM {POSTGRES_TABLE} WHERE kind = wanted AND words @@ query;
END $$;
"""
# Each table's triggers: (event, the transition tables it names, the function's suffix).
_STATEMENT_EVENTS = (
    ("INSERT", "NEW TABLE AS changed", "inserted"),
    ("UPDATE", "OLD TABLE AS before NEW TABLE AS changed", "updated"),
    ("DELETE", "OLD TABLE AS gone", "deleted"),
)
_STATEMENT_TRIGGERS = tuple(
    (
        f"iisg_search_{table_name}_{event.lower()}",
        f"AFTER {event} ON {table_name} REFERENCING {transition} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION iisg_search_{kind}_{suffix}()",
        table_name,
    )
    for table_name, kind in (
        ("needs", "needs"),
        ("responses", "responses"),
        ("response_parties", "parties"),
    )
    for event, transition, suffix in _STATEMENT_EVENTS
)
# An organisation or an economy renamed: rare, one row at a time.
_ROW_TRIGGERS = tuple(
    (
        f"iisg_search_{table_name}",
        f"AFTER UPDATE OF {columns} ON {table_name} FOR EACH ROW"
        " EXECUTE FUNCTION iisg_search_owner_changed()",
        table_name,
    )
    for table_name, columns in (("tenants", "name, economy_id"), ("partner_economies", "name"))
)
_POSTGRES_TRIGGERS = (*_STATEMENT_TRIGGERS, *_ROW_TRIGGERS)
_POSTGRES_FUNCTION_NAMES = (
    "iisg_search_matches(text, tsquery)",
    "iisg_search_owner_changed()",
    *(
        f"iisg_search_{kind}_{suffix}()"
        for kind in ("needs", "responses", "parties")
        for _event, _transition, suffix in _STATEMENT_EVENTS
    ),
    "iisg_search_parties(integer)",
    "iisg_search_owner(integer)",
    "iisg_search_vector(text)",
)


def postgres_statements(app_role: str | None) -> list[str]:
    """Return the statements that create the words table, fill it and keep it current."""
    return [
        f"""CREATE TABLE {POSTGRES_TABLE} (
    kind text NOT NULL CHECK (kind IN ('needs', 'responses')),
    record_id integer NOT NULL,
    tenant_id integer NOT NULL,
    own tsvector NOT NULL,
    owner tsvector NOT NULL,
    parties tsvector NOT NULL DEFAULT ''::tsvector,
    words tsvector GENERATED ALWAYS AS (own || owner || parties) STORED,
    PRIMARY KEY (kind, record_id)
)""",
        f"CREATE INDEX {POSTGRES_INDEXES[0]} ON {POSTGRES_TABLE} USING gin (words)",
        f"CREATE INDEX {POSTGRES_INDEXES[1]} ON {POSTGRES_TABLE} (tenant_id)",
        f"REVOKE ALL ON {POSTGRES_TABLE} FROM PUBLIC",
        *([revoke_statement(app_role)] if app_role else []),
        POSTGRES_FUNCTIONS,
        *(f"CREATE TRIGGER {name} {definition}" for name, definition, _ in _POSTGRES_TRIGGERS),
        f"INSERT INTO {POSTGRES_TABLE} (kind, record_id, tenant_id, own, owner)"
        " SELECT 'needs', id, tenant_id,"
        " iisg_search_vector(code || ' ' || title || ' ' || description),"
        " iisg_search_owner(tenant_id) FROM needs",
        f"INSERT INTO {POSTGRES_TABLE} (kind, record_id, tenant_id, own, owner, parties)"
        " SELECT 'responses', id, tenant_id,"
        " iisg_search_vector(title || ' ' || description || ' ' || coalesce(instrument, '')"
        " || ' ' || coalesce(external_reference, '')),"
        " iisg_search_owner(tenant_id), coalesce(iisg_search_parties(id), '') FROM responses",
    ]


def postgres_drop_statements() -> list[str]:
    """Return the statements that remove what ``postgres_statements`` created."""
    return [
        *(
            f"DROP TRIGGER IF EXISTS {name} ON {table_name}"
            for name, _definition, table_name in _POSTGRES_TRIGGERS
        ),
        *(f"DROP FUNCTION IF EXISTS {name}" for name in _POSTGRES_FUNCTION_NAMES),
        f"DROP TABLE IF EXISTS {POSTGRES_TABLE}",
    ]


def revoke_statement(app_role: str) -> str:
    """Return the SQL taking any privilege on the words table back from the app role.

    Granting the application role every table (``portal.rls``) must not hand it this one.
    """
    return (
        f"DO $$ BEGIN IF to_regclass('public.{POSTGRES_TABLE}') IS NOT NULL THEN"
        f' REVOKE ALL ON {POSTGRES_TABLE} FROM "{app_role}"; END IF; END $$'
    )


# --- SQLite ----------------------------------------------------------------------------


def _match(table_name: str, searched: list[str]) -> Select:
    found = table(table_name, column("rowid"))
    # Each word quoted: FTS5 reads it as a string, never as an operator or a column
    # (the words are only letters and digits already; the quotes keep it so).
    expression = " ".join(f'"{word}"*' for word in searched)
    rowid: ColumnClause = found.c.rowid
    return select(rowid).where(literal_column(table_name).op("MATCH")(_bound(expression)))


# --- Both ------------------------------------------------------------------------------


def need_matches(searched: list[str], dialect: str) -> ColumnElement[bool]:
    """Return SQL true for the needs whose text or partner holds every searched word."""
    if dialect == "postgresql":
        return Need.id.in_(_postgres_matches("needs", searched))
    return Need.id.in_(_match("needs_search", searched))


def response_matches(searched: list[str], dialect: str) -> ColumnElement[bool]:
    """Return SQL true for the responses whose text or organisations hold every word."""
    if dialect == "postgresql":
        return Response.id.in_(_postgres_matches("responses", searched))
    return Response.id.in_(_match("responses_search", searched))


# --- SQLite's tables and triggers, for the migration -----------------------------------

# What a row of each FTS5 table holds of a record: ``{row}`` names the record's table
# (or NEW in a trigger). Correlated subqueries and no UPDATE ... FROM: SQLite before 3.33
# has none.
_NEED_ORGANISATIONS = (
    "(SELECT tenants.name || ' ' || coalesce(partner_economies.name, '') FROM tenants"
    " LEFT JOIN partner_economies ON partner_economies.id = tenants.economy_id"
    " WHERE tenants.id = {row}.tenant_id)"
)
_RESPONSE_ORGANISATIONS = (
    _NEED_ORGANISATIONS + " || ' ' ||"
    " coalesce((SELECT group_concat(name, ' ') FROM response_parties"
    " WHERE response_parties.response_id = {row}.id), '')"
)


def _need_row(row: str) -> str:
    return (
        "INSERT INTO needs_search (rowid, code, title, description, organisations)"
        f" SELECT {row}.id, {row}.code, {row}.title, {row}.description,"
        f" {_NEED_ORGANISATIONS.format(row=row)}"
    )


def _response_row(row: str) -> str:
    return (
        "INSERT INTO responses_search"
        " (rowid, title, description, instrument, external_reference, organisations)"
        f" SELECT {row}.id, {row}.title, {row}.description, coalesce({row}.instrument, ''),"
        f" coalesce({row}.external_reference, ''), {_RESPONSE_ORGANISATIONS.format(row=row)}"
    )


def _need_organisations_again(which: str) -> str:
    return (
        "UPDATE needs_search SET organisations = (SELECT "
        + _NEED_ORGANISATIONS.format(row="needs")
        + f" FROM needs WHERE needs.id = needs_search.rowid) WHERE rowid IN ({which})"
    )


def _response_organisations_again(which: str) -> str:
    return (
        "UPDATE responses_search SET organisations = (SELECT "
        + _RESPONSE_ORGANISATIONS.format(row="responses")
        + f" FROM responses WHERE responses.id = responses_search.rowid) WHERE rowid IN ({which})"
    )


# Kept in step by the database itself, so every writer - the portal, an import, the
# command line - leaves the search current. Name: (event, table, statements).
SQLITE_TRIGGERS = {
    "needs_insert": ("INSERT", "needs", (_need_row("NEW"),)),
    "needs_update": (
        "UPDATE OF code, title, description, tenant_id",
        "needs",
        ("DELETE FROM needs_search WHERE rowid = OLD.id", _need_row("NEW")),
    ),
    "needs_delete": ("DELETE", "needs", ("DELETE FROM needs_search WHERE rowid = OLD.id",)),
    "responses_insert": ("INSERT", "responses", (_response_row("NEW"),)),
    "responses_update": (
        "UPDATE OF title, description, instrument, external_reference, tenant_id",
        "responses",
        ("DELETE FROM responses_search WHERE rowid = OLD.id", _response_row("NEW")),
    ),
    "responses_delete": (
        "DELETE",
        "responses",
        ("DELETE FROM responses_search WHERE rowid = OLD.id",),
    ),
    "parties_insert": (
        "INSERT",
        "response_parties",
        (_response_organisations_again("NEW.response_id"),),
    ),
    "parties_update": (
        "UPDATE OF name, response_id",
        "response_parties",
        (_response_organisations_again("OLD.response_id, NEW.response_id"),),
    ),
    "parties_delete": (
        "DELETE",
        "response_parties",
        (_response_organisations_again("OLD.response_id"),),
    ),
    "tenants_update": (
        "UPDATE OF name, economy_id",
        "tenants",
        (
            _need_organisations_again("SELECT id FROM needs WHERE tenant_id = NEW.id"),
            _response_organisations_again("SELECT id FROM responses WHERE tenant_id = NEW.id"),
        ),
    ),
    "economies_update": (
        "UPDATE OF name",
        "partner_economies",
        (
            _need_organisations_again(
                "SELECT needs.id FROM needs JOIN tenants ON tenants.id = needs.tenant_id"
                " WHERE tenants.economy_id = NEW.id"
            ),
        ),
    ),
}


def _trigger(name: str, event: str, table_name: str, statements: tuple[str, ...]) -> str:
    body = " ".join(f"{statement};" for statement in statements)
    return (
        f"CREATE TRIGGER iisg_search_{name} AFTER {event} ON {table_name}"
        f" FOR EACH ROW BEGIN {body} END"
    )


def sqlite_statements() -> list[str]:
    """Return the statements that create the FTS5 tables, fill them and keep them current."""
    options = "tokenize = 'unicode61 remove_diacritics 0'"
    return [
        "CREATE VIRTUAL TABLE needs_search USING fts5"
        f"(code, title, description, organisations, {options})",
        "CREATE VIRTUAL TABLE responses_search USING fts5"
        f"(title, description, instrument, external_reference, organisations, {options})",
        _need_row("needs") + " FROM needs",
        _response_row("responses") + " FROM responses",
        *(
            _trigger(name, event, table_name, statements)
            for name, (event, table_name, statements) in SQLITE_TRIGGERS.items()
        ),
    ]


def sqlite_drop_statements() -> list[str]:
    """Return the statements that remove what ``sqlite_statements`` created."""
    return [
        *(f"DROP TRIGGER IF EXISTS iisg_search_{name}" for name in SQLITE_TRIGGERS),
        *(f"DROP TABLE IF EXISTS {name}" for name in SQLITE_TABLES),
    ]
