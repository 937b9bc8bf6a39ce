"""Reading the audit trail: entries, a record's history, requests, chains, downloads.

What an auditor reads is scoped like everything else (``portal.tenancy``): a tenant's
auditors read their tenant's entries and chain, the Secretariat's auditors all of them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select

from audit import offline as audit_offline
from portal import audit_trail, kept_results
from portal.authz import (
    can_export_audit_trail,
    can_read_audit_trail,
    can_read_records,
    require,
)
from portal.exceptions import NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import AuditEntry, ChainLink, Checkpoint, Tenant
from portal.pagination import Page, contains, ordering
from portal.record_types import REGISTRY
from portal.schemas.audit import OPERATIONS
from portal.schemas.audit_output import AuditExportOutputSchema
from portal.services import audit_labels, security_events

PLATFORM_CODE = "PLATFORM"
EXPORT_LIMIT = 100_000
# The security event recording a download of the trail, which downloads leave out.
DOWNLOAD_EVENT = "audit_exported"
# What the API's list of entries sorts by (a leading "-": descending); the page: newest first.
SORT_COLUMNS = {"id": AuditEntry.id, "recorded_at": AuditEntry.recorded_at}
SORTABLE = tuple(SORT_COLUMNS)
# How many labels of changed columns a folded row names before "and 3 more".
SUMMARY_LABELS = 4
# The links between needs and responses: a need's or a response's history holds theirs.
LINK_TABLE = "support_links"


@dataclass
class Change:
    """One column of one entry: its label, and what it held before and after.

    A value referring to another row is shown as the name behind it
    (``audit_labels.Named``) as far as the reader may read it.
    """

    column: str
    before: object
    after: object
    label: str = ""


@dataclass
class EntryView:
    """An entry as the pages show it."""

    entry: AuditEntry
    recorded_at: datetime
    tenant: str
    operation: str
    changes: list[Change] = field(default_factory=list)
    # What the entry is about: "Need", and the name of the record where known.
    subject: str = ""
    name: str | None = None
    # In a record's history: the entry is one of the record's support links'.
    of_link: bool = False

    @property
    def summary(self) -> str:
        """Return the labels of what changed, as a few words for a folded row."""
        labels = [change.label for change in self.changes]
        if len(labels) > SUMMARY_LABELS:
            shown = ", ".join(labels[:SUMMARY_LABELS])
            return f"{shown} and {len(labels) - SUMMARY_LABELS} more"
        return ", ".join(labels)


@dataclass
class RequestGroup:
    """The changes one request made."""

    request_id: str
    started_at: datetime
    actor: str
    entries: int


@dataclass(frozen=True)
class VerifiedChain:
    """What verifying one chain found, and whose chain it is (None: the platform's)."""

    report: audit_offline.ChainReport
    tenant: Tenant | None


@dataclass(frozen=True)
class Verification:
    """What verifying the chains a principal may read found, and the capture."""

    chains: list[VerifiedChain]
    capture: list[audit_offline.CaptureBreak]

    @property
    def ok(self) -> bool:
        """Return whether every chain is intact up to a signed checkpoint and the capture too.

        As ``iisg audit verify`` judges it: sealed entries no checkpoint covers yet fail.
        """
        return not self.capture and all(chain.report.intact for chain in self.chains)


@dataclass
class ChainStatus:
    """How far one chain is sealed and signed."""

    chain_id: int
    tenant: str
    entries: int
    sealed: int
    last_sealed_at: datetime | None
    checkpoint: Checkpoint | None
    checkpoint_at: datetime | None


def _as_utc(value) -> datetime | None:
    """Return a timestamp of the trail as an aware UTC datetime, from either database."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _moment_parameter(moment: datetime):
    # SQLite keeps the trail's timestamps as RFC 3339 text, which sorts like time.
    if db.session.get_bind().dialect.name == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _tenant_codes(ids) -> dict[int | None, str]:
    wanted = {tenant_id for tenant_id in ids if tenant_id is not None}
    codes = {None: PLATFORM_CODE}
    if wanted:
        rows = db.session.execute(select(Tenant.id, Tenant.code).where(Tenant.id.in_(wanted)))
        codes.update(dict(rows.all()))
    return codes


def _changes(entry: AuditEntry, whole: bool = False) -> list[Change]:
    """Return what ``entry`` changed; with ``whole``, every column of the row it left."""
    before, after = entry.old_row or {}, entry.new_row or {}
    if whole:
        return [Change(name, None, value) for name, value in sorted(after.items())]
    if entry.operation == "U":
        columns = entry.changed_columns or []
    elif entry.operation == "E":
        return [Change(name, None, value) for name, value in sorted(after.items())]
    else:
        columns = sorted(set(before) | set(after))
    return [Change(column, before.get(column), after.get(column)) for column in columns]


def _wanted(entries: list[AuditEntry], changes: list[list[Change]]) -> dict[str, set]:
    """Return the ids the entries refer to, by table: their records' and their values'."""
    wanted: dict[str, set] = {}
    for entry, changed in zip(entries, changes, strict=True):
        if not entry.table_name:
            continue
        if entry.row_key:
            wanted.setdefault(entry.table_name, set()).add(entry.row_key)
        referred = audit_labels.references(entry.table_name)
        for change in changed:
            if change.column in referred:
                wanted.setdefault(referred[change.column], set()).update(
                    value for value in (change.before, change.after) if value is not None
                )
    return wanted


def _named(table: str | None, changed: list[Change], names) -> list[Change]:
    referred = audit_labels.references(table) if table else {}
    for change in changed:
        change.label = audit_labels.column_label(table, change.column)
        if change.column in referred:
            target = referred[change.column]
            change.before = None if change.before is None else names.of(target, change.before)
            change.after = None if change.after is None else names.of(target, change.after)
    return changed


def _views(
    entries: list[AuditEntry], whole: bool = False, record: tuple[str, str] | None = None
) -> list[EntryView]:
    """Return the entries as the pages show them, with labels and names looked up at once.

    ``record``: the record whose history this is; the entries of another record are its
    links'.
    """
    codes = _tenant_codes(entry.tenant_id for entry in entries)
    changes = [_changes(entry, whole) for entry in entries]
    names = audit_labels.names_for(_wanted(entries, changes))
    views = []
    for entry, changed in zip(entries, changes, strict=True):
        named = names.of(entry.table_name, entry.row_key) if entry.table_name else None
        views.append(
            EntryView(
                entry=entry,
                recorded_at=_as_utc(entry.recorded_at),
                tenant=codes.get(entry.tenant_id, str(entry.tenant_id)),
                operation=OPERATIONS[entry.operation],
                changes=_named(entry.table_name, changed, names),
                subject=audit_labels.table_label(entry.table_name),
                name=named.name if named else None,
                of_link=record is not None
                and (entry.table_name, entry.row_key) != record
                and entry.table_name == LINK_TABLE,
            )
        )
    return views


def _filtered(data: dict):
    statement = select(AuditEntry)
    code = data["tenant"].strip().upper()
    if code == PLATFORM_CODE:
        statement = statement.where(AuditEntry.tenant_id.is_(None))
    elif code:
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.code == code))
        if tenant_id is None:
            raise ValidationFailed(
                "Some fields need attention.",
                {"tenant": f"No organisation has the code {quoted(code)}."},
            )
        statement = statement.where(AuditEntry.tenant_id == tenant_id)
    actor = data["actor"].strip()
    if actor.isdigit():
        statement = statement.where(AuditEntry.actor_id == int(actor))
    elif actor:
        statement = statement.where(
            func.lower(AuditEntry.actor_label).like(contains(actor), escape="\\")
        )
    if data["table"]:
        statement = statement.where(AuditEntry.table_name == data["table"])
    if data["record"].strip():
        statement = statement.where(AuditEntry.row_key == data["record"].strip())
    if data["operation"]:
        statement = statement.where(AuditEntry.operation == data["operation"])
    if data["request"].strip():
        statement = statement.where(AuditEntry.request_id == data["request"].strip())
    if data["since"]:
        statement = statement.where(
            AuditEntry.recorded_at >= _moment_parameter(_start_of(data["since"]))
        )
    if data["until"]:
        end = _start_of(data["until"] + timedelta(days=1))
        statement = statement.where(AuditEntry.recorded_at < _moment_parameter(end))
    return statement


def list_entries(filters: dict) -> Page:
    """Return one page of the entries matching the filters, newest first unless ``sort`` says."""
    require(can_read_audit_trail, current_principal())
    statement = _filtered(filters).order_by(*ordering(SORT_COLUMNS, filters, AuditEntry.id))
    per_page, number = filters["per_page"], filters["page"]
    total = kept_results.appended_total(statement, AuditEntry.id)
    entries = db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=_views(list(entries)), number=number, per_page=per_page, total=total)


def _no_record(table: str, row_key: str) -> bool:
    """Return whether the address cannot name a record: text no table or key holds."""
    return any(
        ord(character) < 32 or 0xD800 <= ord(character) <= 0xDFFF for character in table + row_key
    )


def _own_entries(table: str, row_key: str):
    return and_(AuditEntry.table_name == table, AuditEntry.row_key == row_key)


def _history(table: str, row_key: str):
    # The entries of one record the principal reads: the scoping decides whose they are.
    return select(AuditEntry).where(_own_entries(table, row_key)).order_by(AuditEntry.id)


def _link_keys(table: str, row_key: str):
    """Return the keys of the links to a need or response, as the trail recorded them.

    Read from the trail, not the table, so that links removed since are found too.
    """
    columns = [
        column for column, target in audit_labels.references(LINK_TABLE).items() if target == table
    ]
    if not columns or not row_key.isdigit() or not 0 < int(row_key) < 2**31:
        return None
    key = int(row_key)
    return (
        select(AuditEntry.row_key)
        .where(
            AuditEntry.table_name == LINK_TABLE,
            or_(
                *(
                    image[column].as_integer() == key
                    for column in columns
                    for image in (AuditEntry.new_row, AuditEntry.old_row)
                )
            ),
        )
        .distinct()
    )


def _history_with_links(table: str, row_key: str):
    """Return the entries of one record and of its support links, oldest first."""
    links = _link_keys(table, row_key)
    if links is None:
        return _history(table, row_key)
    of_links = and_(AuditEntry.table_name == LINK_TABLE, AuditEntry.row_key.in_(links))
    return (
        select(AuditEntry)
        .where(or_(_own_entries(table, row_key), of_links))
        .order_by(AuditEntry.id)
    )


def record_history(table: str, row_key: str, links: bool = False) -> list[EntryView]:
    """Return every change of one record, oldest first, with what each changed.

    With ``links``, a need's or a response's history also holds the changes of its
    support links (those the principal reads), each marked as the link's.
    """
    require(can_read_audit_trail, current_principal())
    if _no_record(table, row_key):
        raise NotFound("The trail holds no record of this.")
    statement = _history_with_links(table, row_key) if links else _history(table, row_key)
    entries = db.session.scalars(statement).all()
    if not any(entry.table_name == table and entry.row_key == row_key for entry in entries):
        raise NotFound("The trail holds no record of this.")
    return _views(list(entries), record=(table, row_key))


def may_read_history(table: str, row_key) -> bool:
    """Return whether the history of one record answers the principal, so pages offer it.

    Asked as the history itself is: the principal may read the trail, and reads at least
    one entry of the record (an auditor reads only its own organisation's entries).
    """
    principal = current_principal()
    require(can_read_records, principal)
    row_key = str(row_key)
    if not can_read_audit_trail(principal) or _no_record(table, row_key):
        return False
    first = _history(table, row_key).with_only_columns(AuditEntry.id).limit(1)
    return db.session.scalar(first) is not None


def record_at(
    table: str, row_key: str, moment: datetime | None
) -> tuple[datetime | None, EntryView | None]:
    """Return the moment asked for (in UTC) and the last change of the record up to it."""
    require(can_read_audit_trail, current_principal())
    if moment is None:
        return None, None
    entry = db.session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.table_name == table,
            AuditEntry.row_key == row_key,
            AuditEntry.recorded_at <= _moment_parameter(moment),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return moment.astimezone(UTC), (_views([entry], whole=True)[0] if entry is not None else None)


def list_requests(filters: dict) -> Page:
    """Return one page of requests that changed something, newest first, with counts."""
    require(can_read_audit_trail, current_principal())
    filtered = _filtered(filters).where(AuditEntry.request_id.is_not(None)).subquery()
    grouped = (
        select(
            filtered.c.request_id,
            func.min(filtered.c.recorded_at).label("started_at"),
            func.max(filtered.c.actor_label).label("actor"),
            func.count().label("entries"),
            func.max(filtered.c.id).label("last_id"),
        )
        .group_by(filtered.c.request_id)
        .subquery()
    )
    per_page, number = filters["per_page"], filters["page"]
    total = db.session.scalar(select(func.count()).select_from(grouped))
    rows = db.session.execute(
        select(grouped)
        .order_by(grouped.c.last_id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    groups = [
        RequestGroup(row.request_id, _as_utc(row.started_at), row.actor or "", row.entries)
        for row in rows
    ]
    return Page(items=groups, number=number, per_page=per_page, total=total)


def chain_statuses() -> list[ChainStatus]:
    """Return, for each chain the principal may read, how far it is sealed and signed."""
    require(can_read_audit_trail, current_principal())
    chain = func.coalesce(AuditEntry.tenant_id, 0)
    counts = dict(db.session.execute(select(chain, func.count()).group_by(chain)).all())
    sealed = {
        row.chain_id: row
        for row in db.session.execute(
            select(
                ChainLink.chain_id,
                func.count().label("sealed"),
                func.max(ChainLink.sealed_at).label("last_sealed_at"),
            ).group_by(ChainLink.chain_id)
        )
    }
    latest = (
        select(Checkpoint.chain_id, func.max(Checkpoint.sequence).label("sequence"))
        .group_by(Checkpoint.chain_id)
        .subquery()
    )
    checkpoints = {
        point.chain_id: point
        for point in db.session.scalars(
            select(Checkpoint).join(
                latest,
                (Checkpoint.chain_id == latest.c.chain_id)
                & (Checkpoint.sequence == latest.c.sequence),
            )
        )
    }
    chains = sorted(set(counts) | set(sealed))
    codes = _tenant_codes(chains)
    codes[0] = PLATFORM_CODE
    return [
        ChainStatus(
            chain_id=chain_id,
            tenant=codes.get(chain_id, str(chain_id)),
            entries=counts.get(chain_id, 0),
            sealed=sealed[chain_id].sealed if chain_id in sealed else 0,
            last_sealed_at=_as_utc(sealed[chain_id].last_sealed_at) if chain_id in sealed else None,
            checkpoint=checkpoints.get(chain_id),
            checkpoint_at=_as_utc(checkpoints[chain_id].signed_at)
            if chain_id in checkpoints
            else None,
        )
        for chain_id in chains
    ]


def verify_chain(chain_id):
    """Verify one chain the principal may read (and the capture); return the report."""
    require(can_read_audit_trail, current_principal())
    visible = {status.chain_id for status in chain_statuses()}
    try:
        key = int(chain_id)
    except (TypeError, ValueError):
        raise NotFound("There is no such chain.") from None
    if key not in visible:
        raise NotFound("There is no such chain.")
    return audit_trail.verify_chain(key)


def verify_readable_chains() -> Verification:
    """Verify every chain the principal may read (and the capture); return what was found."""
    require(can_read_audit_trail, current_principal())
    chain_ids = [status.chain_id for status in chain_statuses()]
    report = audit_trail.verify_chains(chain_ids)
    tenants = {
        tenant.id: tenant
        for tenant in db.session.scalars(select(Tenant).where(Tenant.id.in_(chain_ids)))
    }
    chains = [VerifiedChain(chain, tenants.get(chain.chain)) for chain in report.chains]
    return Verification(chains=chains, capture=list(report.capture))


_EXPORT_COLUMNS = (
    "id",
    "recorded_at",
    "tenant",
    "table_name",
    "row_key",
    "operation",
    "event",
    "actor_id",
    "actor_kind",
    "actor_label",
    "request_id",
    "client_address",
    "reason",
    "changed_columns",
    "old_row",
    "new_row",
)


def _spreadsheet_safe(value) -> str:
    # A cell starting with = + - @ would be run as a formula by spreadsheet programs.
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_entries(data: dict) -> tuple[str, str, str]:
    """Return (file name, media type, content) of the filtered entries; the export is recorded.

    The download is recorded as a security event of the trail, read with the others on the
    trail's pages; downloads leave those records out. Otherwise every download would hold
    the ones before it, and the same filters would never give the same file twice.
    """
    principal = current_principal()
    require(can_export_audit_trail, principal)
    entries = db.session.scalars(
        _filtered(data)
        .where(AuditEntry.event.is_distinct_from(DOWNLOAD_EVENT))
        .order_by(AuditEntry.id)
        .limit(EXPORT_LIMIT + 1)
    ).all()
    if len(entries) > EXPORT_LIMIT:
        raise ValidationFailed(
            "The download would be too large.",
            {"since": f"Narrow the filters to at most {EXPORT_LIMIT:,} entries."},
        )
    codes = _tenant_codes(entry.tenant_id for entry in entries)
    records = AuditExportOutputSchema(tenant_codes=codes, many=True).dump(entries)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if data["format"] == "jsonl":
        content = "".join(
            json.dumps(record, sort_keys=True, default=str) + "\n" for record in records
        )
        name, media = f"audit-{stamp}.jsonl", "application/x-ndjson"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_EXPORT_COLUMNS)
        for record in records:
            writer.writerow([_spreadsheet_safe(record[column]) for column in _EXPORT_COLUMNS])
        content = buffer.getvalue()
        name, media = f"audit-{stamp}.csv", "text/csv"
    filters = {key: str(value) for key, value in data.items() if value not in ("", None)}
    security_events.record(
        DOWNLOAD_EVENT,
        user_id=principal.user_id if principal else None,
        format=data["format"],
        entries=len(records),
        filters=filters,
    )
    db.session.commit()
    return name, media, content


def operation_names() -> dict[str, str]:
    """Return the operations an entry can record, for the filter form."""
    require(can_read_audit_trail, current_principal())
    return dict(OPERATIONS)


def audited_tables() -> list[str]:
    """Return the names of the audited tables, for the filter form."""
    require(can_read_audit_trail, current_principal())
    return sorted(item.table for item in REGISTRY.audit_declaration().audited)
