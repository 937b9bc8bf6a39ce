"""The record-type registry: one declaration per table of the portal's database.

Each declaration says, once:

- who may read the table's rows, and who may write them, as visibility rules
  (``portal.visibility``). The application layer's criteria (``portal.tenancy``) and
  PostgreSQL's row-level security policies (``portal.rls``) are both generated from
  these rules, and a test proves the two agree;
- what the audit trail captures of it: whose chain a row joins, which columns are
  secret (recorded as changed, value redacted), bookkeeping (a change to them alone
  writes no entry) or derived (copies kept by the database, left out of the images);
- the generation in which it joined the registry, and how it read in earlier
  generations, so each migration installs exactly what it installed when written.

How to add a record type, and the test that catches each forgotten step, is in
docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from audit import tables as trail_tables
from audit.declaration import PLATFORM, Audited, Declaration, Exempt, OwnColumn, ParentRow
from audit.declaration import TenantRule as ChainRule
from portal import full_text, link_ends, models
from portal.visibility import (
    ActingUser,
    AnyOf,
    Everyone,
    HasRole,
    InSecretariat,
    Nobody,
    OwnEconomyBenefits,
    OwnRow,
    OwnTenant,
    ReadableRow,
    Rule,
    ValueIn,
    ValueIsNot,
    columns,
    references,
)

# Generations: each migration that installs policies or capture triggers names the
# generation it installs, and gets the registry as it stood then.
ROW_SECURITY = 1  # c31d5e0f9a12: the first row-level security policies
AUDIT_CAPTURE = 2  # ad43cf7de25b: the audit trail and its capture triggers
IDENTITY_ONCE = 3  # d7a41f3b9c20: policies look up who is acting once per statement
LINK_COPIES = 4  # b6e1f0a4c7d2: a support link is judged by the copies of its ends
SIGNED_IDENTITY = 5  # 5c1e9b7d2a40: the database checks the portal's signature on who acts
REPLAY_CACHE = 6  # 2bffea4c17b6: the API keeps its answers for retried requests
LOOKUP_BY_KEY = 7  # 0c5d8e2f7a31: a policy looks up the one row a row refers to
# e214821739f7: a response's beneficiaries are looked up by the response's key
BENEFITS_BY_KEY = 8
# 7326f1f23748: the worker's daily verification of the trail, kept for the dashboard
SCHEDULED_VERIFICATION = 9
# 1405803d179f: a row is updated only by who may write it as it stands; the app role
# creates nothing in the schema and only reads the data versions
UPDATE_OWN_ROWS = 10
# 84e623ab9624: jobs people start and follow, run again when their worker stops
TRACKED_JOBS = 11
# ee96fc3c0420: webhooks, their deliveries, and how far the trail was turned into events
WEBHOOKS = 12
# 3a9f27c1d5e8: files uploaded to import, with their dry runs
IMPORTS = 13
# 9d4b2e7f1c63: the published editions of the reports, and reports made on the worker
PUBLICATIONS = 14
LATEST = PUBLICATIONS
# Who manages an organisation's webhooks: its tenant administrators.
WEBHOOK_MANAGERS = HasRole("tenant_admin") & OwnTenant()

# Statuses of a need that tenants other than its owner may read.
SHARED_NEED_STATUSES = ("validated", "adopted")


def readable_need(tenant_id: str = "tenant_id", status: str = "status") -> Rule:
    """Return who may read a need, asked of the columns that hold its owner and status.

    Its owner always; everyone once validated; the Secretariat once it was sent there.
    """
    return AnyOf(
        (
            OwnTenant(tenant_id),
            ValueIn(status, SHARED_NEED_STATUSES),
            InSecretariat() & ValueIsNot(status, "draft"),
        )
    )


def readable_response(
    tenant_id: str = "tenant_id",
    record_status: str = "record_status",
    visibility: str = "visibility",
    key: str = "id",
) -> Rule:
    """Return who may read a response, asked of the columns that hold what the rule needs.

    Its owner always; once published, the Secretariat, every member when shared with
    members, and the partners it lists as beneficiaries when restricted.
    """
    beneficiary = OwnEconomyBenefits(key, "response_beneficiaries", "response_id")
    shared = InSecretariat() | ValueIn(visibility, ("members",)) | beneficiary
    return OwnTenant(tenant_id) | (ValueIn(record_status, ("published",)) & shared)


# A link is readable when both its ends are, asked of the copies it keeps of their
# columns (portal.link_ends), so judging a link looks up neither end.
READABLE_LINK = readable_need("need_tenant_id", "need_status") & readable_response(
    "response_tenant_id", "response_record_status", "response_visibility", "response_id"
)
# Before the copies existed: every readable need and response was listed.
READABLE_LINK_BY_ENDS = ReadableRow("need_id", "needs") & ReadableRow("response_id", "responses")

USER_MANAGERS = ActingUser("id") | HasRole("admin") | (HasRole("tenant_admin") & OwnTenant())
OF_A_READABLE_USER = ReadableRow("user_id", "users")


def auditor_of(column: str) -> Rule:
    """Return who reads the trail's rows of a tenant: its auditors, and the Secretariat's."""
    return HasRole("auditor") & (InSecretariat() | OwnTenant(column))


@dataclass(frozen=True)
class Capture:
    """What the audit trail records of a record type (see ``audit.declaration``)."""

    chain: ChainRule
    redacted: tuple[str, ...] = ()
    bookkeeping: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class NotCaptured:
    """A table the trail does not record, and why.

    The trail's own tables; and tables holding no record of anyone's work, only copies
    of what is recorded where it was made (the API's replay cache), declared exempt.
    """

    why: str


@dataclass(frozen=True)
class Earlier:
    """How a record type was declared in the generations before ``until``."""

    until: int
    read: Rule | None = None
    write: Rule | None = None
    derived: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RecordType:
    """One table: who reads and writes its rows, and what the trail captures of it."""

    table: str
    # The mapped class (the application layer scopes its queries), or the Core table.
    model: object
    read: Rule
    write: Rule
    audit: Capture | NotCaptured
    # A Core table the application reads only through a relationship of this parent
    # record type, whose criteria apply; the database walls it on its own.
    reached_through: str | None = None
    # A table only the system reads (the sealer, the verifier), and why.
    system_only: str = ""
    # A table other policies consult read without subqueries of its own until
    # SIGNED_IDENTITY, when its identity lookups also became once per statement. Since
    # BENEFITS_BY_KEY its writers' check asks the function iisg_owns_row, so that it
    # consults no table whose policy consults it back.
    read_without_subqueries: bool = False
    since: int = ROW_SECURITY
    earlier: tuple[Earlier, ...] = ()

    @property
    def walled(self) -> bool:
        """Return whether the table has row-level security: some rows are not for all."""
        return self.read != Everyone() or self.write != Everyone()

    @property
    def scoped_in_application(self) -> bool:
        """Return whether the application layer adds criteria to queries of its model."""
        return self.read != Everyone() and self.mapped

    @property
    def is_trail(self) -> bool:
        """Return whether the table is one of the audit trail's own."""
        return self.table in trail_tables.TABLE_NAMES

    @property
    def mapped(self) -> bool:
        """Return whether the model is a mapped class the application queries."""
        return hasattr(self.model, "__mapper__")

    def as_of(self, generation: int) -> RecordType:
        """Return the declaration as it stood in ``generation``."""
        for earlier in sorted(self.earlier, key=lambda item: item.until):
            if generation < earlier.until:
                changes = {
                    name: value
                    for name in ("read", "write")
                    if (value := getattr(earlier, name)) is not None
                }
                if earlier.derived is not None and isinstance(self.audit, Capture):
                    changes["audit"] = replace(self.audit, derived=earlier.derived)
                return replace(self, **changes)
        return self


def _shared(table: str, model, chain: ChainRule = PLATFORM) -> RecordType:
    """Declare a table every tenant reads in full; only the application judges writes."""
    return RecordType(table, model, read=Everyone(), write=Everyone(), audit=Capture(chain))


def _child(table: str, model, parent: str, foreign_key: str, **options) -> RecordType:
    """Declare rows read with their parent and written by the parent's owner."""
    return RecordType(
        table,
        model,
        read=options.pop("read", ReadableRow(foreign_key, parent)),
        write=OwnRow(foreign_key, parent),
        audit=Capture(ParentRow(parent, foreign_key)),
        **options,
    )


def _of_a_user(table: str, model, **capture) -> RecordType:
    """Declare rows about a user: read and written by whoever may read the user."""
    return RecordType(
        table,
        model,
        read=OF_A_READABLE_USER,
        write=OF_A_READABLE_USER,
        audit=Capture(ParentRow("users", "user_id"), **capture),
    )


def _trail(table: str, model, read: Rule, **options) -> RecordType:
    """Declare a table of the audit trail: read by auditors, written by the system only."""
    return RecordType(
        table,
        model,
        read=read,
        write=Nobody(),
        audit=NotCaptured("the audit trail itself: append-only, sealed in hash chains"),
        since=AUDIT_CAPTURE,
        **options,
    )


RECORD_TYPES: tuple[RecordType, ...] = (
    # Platform data: reference lists and cycles, kept by the Secretariat.
    _shared("pillars", models.Pillar),
    _shared("need_categories", models.NeedCategory),
    _shared("perspectives", models.Perspective),
    _shared("acquis_chapters", models.AcquisChapter),
    _shared("partner_economies", models.PartnerEconomy),
    _shared("cycles", models.Cycle),
    # An organisation's own record joins its own chain.
    _shared("tenants", models.Tenant, chain=OwnColumn("id")),
    RecordType(
        "needs",
        models.Need,
        read=readable_need(),
        write=OwnTenant() | (InSecretariat() & ValueIsNot("status", "draft")),
        audit=Capture(OwnColumn()),
    ),
    _child(
        "need_acquis_chapters",
        models.need_acquis_chapters,
        "needs",
        "need_id",
        reached_through="needs",
    ),
    RecordType(
        "responses",
        models.Response,
        read=readable_response(),
        write=OwnTenant(),
        audit=Capture(OwnColumn()),
    ),
    _child(
        "response_pillars",
        models.response_pillars,
        "responses",
        "response_id",
        reached_through="responses",
    ),
    # Readable as bare pairs of ids: the responses policy consults this table, so it
    # must not consult responses in turn (PostgreSQL refuses the recursion).
    _child(
        "response_beneficiaries",
        models.response_beneficiaries,
        "responses",
        "response_id",
        read=Everyone(),
        reached_through="responses",
        read_without_subqueries=True,
    ),
    _child("response_parties", models.ResponseParty, "responses", "response_id"),
    # A link is the proposing response's claim; it joins that response's chain. The
    # database writes the copies, so the write check refuses a link to a need or
    # response the writer cannot read.
    RecordType(
        "support_links",
        models.SupportLink,
        read=READABLE_LINK,
        write=READABLE_LINK,
        audit=Capture(
            ParentRow("responses", "response_id"),
            derived=link_ends.COPIED_COLUMNS,
            why="copies of the need's and the response's columns, kept by the database;"
            " their changes are recorded on the need and the response",
        ),
        earlier=(
            Earlier(
                until=LINK_COPIES,
                read=READABLE_LINK_BY_ENDS,
                write=READABLE_LINK_BY_ENDS,
                derived=(),
            ),
        ),
    ),
    RecordType(
        "users",
        models.User,
        read=USER_MANAGERS,
        write=USER_MANAGERS,
        audit=Capture(
            OwnColumn(),
            redacted=("password_hash", "totp_secret_encrypted"),
            bookkeeping=(
                "last_login_at",
                "totp_last_step",
                "failed_login_count",
                "failure_window_started_at",
            ),
            why="sign-in counters and the last used code step change on every sign-in;"
            " the sign-ins, failures and lockouts are recorded as security events",
        ),
    ),
    _of_a_user("user_roles", models.UserRole),
    _of_a_user(
        "user_sessions",
        models.UserSession,
        redacted=("token_hash", "pending_totp_secret_encrypted"),
        bookkeeping=("last_seen_at", "failed_attempts"),
        why="a session's last-seen time moves on every request; failed codes are"
        " recorded as security events",
    ),
    _of_a_user("recovery_codes", models.RecoveryCode, redacted=("code_hash",)),
    _of_a_user("invitations", models.Invitation, redacted=("token_hash",)),
    _of_a_user(
        "api_tokens",
        models.ApiToken,
        redacted=("token_hash",),
        bookkeeping=("last_used_at",),
        why="a token's last use moves on every API call",
    ),
    # What the API answered each user's POSTs named by an Idempotency-Key: the user's own.
    RecordType(
        "api_idempotency_keys",
        models.IdempotencyKey,
        read=ActingUser("user_id"),
        write=ActingUser("user_id"),
        audit=NotCaptured(
            "a replay cache of the API's answers, kept a day: what a request changed is"
            " recorded on the records it changed, and its answer is a copy of them"
        ),
        since=REPLAY_CACHE,
    ),
    # Background work a person started: that person follows it, the Secretariat's
    # administrators see every one; the worker (the system) runs and updates them.
    RecordType(
        "jobs",
        models.Job,
        read=ActingUser("actor_id") | (InSecretariat() & HasRole("admin")),
        write=ActingUser("actor_id"),
        audit=NotCaptured(
            "bookkeeping of background work: what a job changes is recorded on the records"
            " it changes, as the person who started it"
        ),
        since=TRACKED_JOBS,
    ),
    # Files uploaded to import: their uploader's alone. A dry run shows drafts as they
    # stand, which nobody else may read, so not even the Secretariat's administrators.
    RecordType(
        "imports",
        models.DataImport,
        read=ActingUser("actor_id"),
        write=ActingUser("actor_id"),
        audit=NotCaptured(
            "an uploaded file and its dry run: what applying it changes is recorded on the"
            " records it changes, under one request id with the file's SHA-256 as reason"
        ),
        since=IMPORTS,
    ),
    # Published editions of the reports: public, even to the signed out; published and
    # withdrawn by the Secretariat's administrators. The trail records each act and the
    # hashes of the frozen bytes, not the bytes.
    RecordType(
        "publications",
        models.Publication,
        read=Everyone(),
        write=InSecretariat() & HasRole("admin"),
        audit=Capture(PLATFORM, redacted=("pdf", "html")),
        since=PUBLICATIONS,
    ),
    # A report the worker made for whoever asked: it holds what they may see, so it is
    # theirs alone to read. Not captured: a copy of records recorded where they changed.
    RecordType(
        "report_files",
        models.ReportFile,
        read=ActingUser("actor_id"),
        write=ActingUser("actor_id"),
        audit=NotCaptured("a report made for its reader: a copy of records, not a record"),
        since=PUBLICATIONS,
    ),
    # An organisation's webhooks: its tenant administrators register and remove them; the
    # worker (the system) switches off one that keeps failing. Recorded in the
    # organisation's chain, without the secret.
    RecordType(
        "webhooks",
        models.Webhook,
        read=WEBHOOK_MANAGERS,
        write=WEBHOOK_MANAGERS,
        audit=Capture(
            OwnColumn(),
            redacted=("secret_encrypted",),
            bookkeeping=("failures",),
            why="failures in a row move with every delivery given up on; switching a"
            " webhook off after them is recorded",
        ),
        since=WEBHOOKS,
    ),
    RecordType(
        "webhook_deliveries",
        models.WebhookDelivery,
        read=ReadableRow("webhook_id", "webhooks"),
        write=Nobody(),
        audit=NotCaptured(
            "the log of what was sent where, written by the worker: the events it sends"
            " are themselves entries of the trail"
        ),
        since=WEBHOOKS,
    ),
    RecordType(
        "webhook_cursors",
        models.WebhookCursor,
        read=Nobody(),
        write=Nobody(),
        system_only="the worker's place in each chain of the trail, read and moved by it alone",
        audit=NotCaptured("the worker's bookkeeping of how far it read the trail"),
        since=WEBHOOKS,
    ),
    # What the worker's daily verification found: the Secretariat's auditors and
    # administrators read it (their dashboard names a failure); only the system writes.
    RecordType(
        "audit_verifications",
        models.AuditVerification,
        read=InSecretariat() & (HasRole("auditor") | HasRole("admin")),
        write=Nobody(),
        audit=NotCaptured(
            "the verifier's findings about the trail itself, written by the system; a"
            " finding is checked again by running the verification, not by its history"
        ),
        since=SCHEDULED_VERIFICATION,
    ),
    # The trail: auditors read their tenant's entries and chain (the Secretariat's
    # auditors every one); only the capture triggers and the sealer write.
    _trail("audit_entries", models.AuditEntry, auditor_of("tenant_id")),
    _trail("audit_chain_links", models.ChainLink, auditor_of("chain_id")),
    _trail("audit_checkpoints", models.Checkpoint, auditor_of("chain_id")),
    _trail(
        "audit_signing_keys",
        trail_tables.signing_keys,
        HasRole("auditor"),
        system_only="read by the verifier, acting as the system, to check signatures",
    ),
)

# Tables of the database that hold no records of the portal.
OTHER_TABLES = (
    Exempt("alembic_version", "the migration tool's own bookkeeping of the schema version"),
    Exempt(
        "iisg_data_version",
        "a number every transaction that changes records raises, so that results kept"
        " from the records know when they are stale: it records nothing of anyone",
    ),
    Exempt(
        full_text.POSTGRES_TABLE,
        "the words of each need and response, copied by triggers for the search: only the"
        " schema owner reads it, the records themselves are what is audited (PostgreSQL)",
    ),
    *(
        Exempt(
            name,
            "the words of each need or response, copied by triggers for the search into"
            " SQLite's full-text tables: the records themselves are what is audited",
        )
        for name in sorted(full_text.SQLITE_TABLE_NAMES)
    ),
    Exempt(
        "iisg_database_secrets",
        "the key identity signatures are checked with, and the strict switch: only the"
        " schema owner reads or writes it, and recording it would publish the key",
    ),
)


@dataclass(frozen=True)
class Registry:
    """Every record type, looked up by table, as of any generation."""

    record_types: tuple[RecordType, ...]
    other_tables: tuple[Exempt, ...] = field(default=())
    # The generation the newest migration installs; what "now" means below.
    latest: int = LATEST

    def __post_init__(self):
        names = [item.table for item in self.record_types]
        twice = {name for name in names if names.count(name) > 1}
        if twice:
            raise ValueError(f"record types declared twice: {sorted(twice)}")

    def __getitem__(self, table: str) -> RecordType:
        for item in self.record_types:
            if item.table == table:
                return item
        raise KeyError(table)

    def as_of(self, generation: int | None = None) -> tuple[RecordType, ...]:
        """Return the record types as declared in ``generation`` (default: the latest)."""
        generation = self.latest if generation is None else generation
        return tuple(
            item.as_of(generation) for item in self.record_types if item.since <= generation
        )

    def walled(self, generation: int | None = None) -> tuple[RecordType, ...]:
        """Return the record types some principals may not read in full (trail excluded)."""
        return tuple(item for item in self.as_of(generation) if item.walled and not item.is_trail)

    def trail(self, generation: int | None = None) -> tuple[RecordType, ...]:
        """Return the audit trail's own tables."""
        return tuple(item for item in self.as_of(generation) if item.is_trail)

    def shared_tables(self, generation: int | None = None) -> frozenset[str]:
        """Return the tables every tenant reads in full."""
        return frozenset(item.table for item in self.as_of(generation) if not item.walled)

    def problems(self) -> list[str]:
        """Return what is missing for each record type to be walled in both layers."""
        found = []
        for item in self.as_of():
            found += [f"{item.table}: {problem}" for problem in self._problems_of(item)]
        return found

    def _problems_of(self, item: RecordType) -> list[str]:
        table = item.model.__table__ if item.mapped else item.model
        problems = [
            f"its rules ask about {name}, which is not a column of it"
            for name in sorted((columns(item.read) | columns(item.write)) - set(table.c.keys()))
        ]
        problems += [
            f"its rules refer to {other}, which is not a record type"
            for other in sorted(references(item.read) | references(item.write))
            if other not in {known.table for known in self.record_types}
        ]
        if item.read == Everyone() or item.scoped_in_application or item.system_only:
            return problems
        if item.reached_through is None:
            return [
                *problems,
                "only PostgreSQL would wall it: map it, or say which record type's"
                " relationship reaches it (reached_through), or why only the system reads it",
            ]
        parent = self[item.reached_through]
        through = (
            {
                relationship.secondary
                for relationship in parent.model.__mapper__.relationships
                if relationship.secondary is not None
            }
            if parent.mapped
            else set()
        )
        if not parent.scoped_in_application or table not in through:
            problems.append(
                f"it is not reached through a relationship of {parent.table}, whose criteria"
                " would wall it"
            )
        return problems

    def audit_declaration(self, generation: int | None = None) -> Declaration:
        """Return what the audit trail captured as of ``generation``."""
        audited = tuple(
            Audited(
                item.table,
                item.audit.chain,
                redacted=item.audit.redacted,
                bookkeeping=item.audit.bookkeeping,
                derived=item.audit.derived,
                why=item.audit.why,
            )
            for item in self.as_of(generation)
            if isinstance(item.audit, Capture)
        )
        not_captured = tuple(
            Exempt(item.table, item.audit.why)
            for item in self.as_of(generation)
            if isinstance(item.audit, NotCaptured) and not item.is_trail
        )
        generation = self.latest if generation is None else generation
        return Declaration(
            audited=audited,
            exempt=(*self.other_tables, *not_captured),
            checked_identity=generation >= SIGNED_IDENTITY,
        )


REGISTRY = Registry(RECORD_TYPES, OTHER_TABLES)
