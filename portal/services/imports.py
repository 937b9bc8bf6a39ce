"""Bulk import of needs, responses and links from spreadsheets and IATI files.

An upload is kept (``DataImport``) and checked by a **dry run**: every row is taken
through the same steps as the forms (the input schemas, the same lookups, the same
policies), written inside the transaction so the database's own checks speak too, then
all of it is rolled back. The outcome names, row by row, what would be created, what
would change (old -> new), what is unchanged, and every problem: row, column, value and
reason.

Applying repeats the dry run against the data as it is then, in one transaction: a
record changed since the dry run is a conflict, any error writes nothing, and otherwise
everything is committed at once, audited under one request id with the file's name and
SHA-256 as the reason.

Rows are keyed: needs by code, responses by external reference (or the portal's id),
links by (need code, response reference); so importing one's own export changes nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from audit import context as audit_context
from portal import iati
from portal.authz import (
    can_apply_import,
    can_create_need,
    can_create_response,
    can_edit_need,
    can_edit_response,
    can_import_records,
    can_propose_link,
    can_read_records,
    require,
)
from portal.database import begin_writing, number_new_rows
from portal.exceptions import Conflict, DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import (
    DataImport,
    Job,
    Need,
    NeedCategory,
    PartnerEconomy,
    Perspective,
    Pillar,
    Response,
    SupportLink,
    Tenant,
)
from portal.models.base import utc_now
from portal.models.data_import import IMPORT_KINDS
from portal.models.need import PRIORITIES
from portal.models.response import IMPLEMENTATION_STATUSES, VISIBILITIES
from portal.models.support_link import COVERAGES
from portal.need_codes import assign_codes, is_code_clash
from portal.schemas import parse
from portal.schemas.needs import NeedSchema
from portal.schemas.responses import CURRENCIES, ResponseSchema
from portal.schemas.support_links import LinkProposalSchema
from portal.services import needs as need_service
from portal.services import responses as response_service
from portal.services import support_links as link_service
from portal.services.cycles import current_open_cycle
from portal.spreadsheets import Sheet, Table, UnreadableFile, detect_format, read_table
from portal.tenancy import get_visible
from portal.versions import describe

# A new need's code taken by a draft the importer cannot see: tried this many times.
CODE_ATTEMPTS = 20
# Lists inside one cell: "WBCTi; WBBSi", "AL, RS".
SEPARATORS = re.compile(r"\s*[;,\n]\s*")
# A row's cells beyond the header's columns, noted to refuse the row.
STRAY = "__beyond_the_header__"
# Columns an export or an error report adds, which an import reads past.
REPORT_COLUMNS = ("outcome", "problems")


@dataclass(frozen=True)
class Column:
    """A column of an import file: its name, whether a row must fill it, what it means."""

    name: str
    meaning: str
    required: bool = False
    example: str = ""
    # The reference list its drop-down offers in the template, if any.
    choices: str | None = None


@dataclass(frozen=True)
class Kind:
    """What a file of one kind holds: the columns read, and the exports' columns read past."""

    name: str
    columns: tuple[Column, ...]
    informational: tuple[str, ...]
    key: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


KINDS = {
    "needs": Kind(
        "needs",
        (
            Column(
                "code",
                "The need's code, to change an existing need; empty for a new need (the"
                " portal gives it its code).",
                example="",
            ),
            Column("pillar", "The pillar's code.", True, "WBCTi", "pillars"),
            Column("category", "The category's code.", True, "capacity", "categories"),
            Column("perspective", "The perspective's code.", True, "strategic", "perspectives"),
            Column("title", "A short title, at most 200 characters.", True, "Forensic lab"),
            Column("description", "What is needed and why, at most 10,000 characters.", True),
            Column("acquis_chapters", "Numbers of acquis chapters, separated by ';'.", False, "24"),
            Column("source_reference", "The strategy or document the need comes from."),
            Column("priority", "high, medium or low.", True, "medium", "priorities"),
        ),
        (
            "cycle",
            "partner",
            "partner_name",
            "pillar_name",
            "category_name",
            "perspective_name",
            "status",
        ),
        "code",
    ),
    "responses": Kind(
        "responses",
        (
            Column(
                "external_reference",
                "Your reference for the programme (e.g. its IATI identifier): a later import"
                " with the same reference updates it.",
                example="XM-DAC-41114-PROJECT-00123",
            ),
            Column("title", "A short title, at most 200 characters.", True, "Border police"),
            Column("description", "What the programme does, at most 5,000 characters."),
            Column("pillars", "Pillar codes, separated by ';'.", True, "WBBSi", "pillars"),
            Column("donors", "Organisations (code or name) or other bodies, separated by ';'."),
            Column("implementers", "Organisations (code or name) or other bodies, by ';'."),
            Column("beneficiaries", "Partner economy codes (AL, BA, XK, ME, MK, RS), by ';'."),
            Column("support_type", "The type of support.", True, "training", "support_types"),
            Column("instrument", "The funding instrument, e.g. IPA III."),
            Column("starts_on", "The start date, as YYYY-MM-DD.", example="2026-01-01"),
            Column("ends_on", "The end date, as YYYY-MM-DD.", example="2027-12-31"),
            Column("budget_amount", "The budget, e.g. 1500000.50 (no currency sign).", False),
            Column(
                "budget_currency",
                "The budget's ISO 4217 currency code.",
                False,
                "EUR",
                "currencies",
            ),
            Column(
                "implementation_status",
                "planned, ongoing, completed or cancelled (planned if empty).",
                example="planned",
                choices="implementation_statuses",
            ),
            Column(
                "visibility",
                "members (every IISG member) or restricted (the Secretariat and the"
                " beneficiaries); members if empty.",
                example="members",
                choices="visibilities",
            ),
            Column(
                "id",
                "The portal's number of the response, as exports give it: updates that"
                " response when it has no external reference. Empty for a new one.",
            ),
        ),
        ("organisation", "record_status", "pillar_names", "beneficiary_names"),
        "external_reference",
    ),
    "links": Kind(
        "links",
        (
            Column("need_code", "The code of the need the response addresses.", True),
            Column(
                "response_reference",
                "The response's external reference (or its number, as #123).",
                True,
            ),
            Column("coverage", "full or partial.", True, "partial", "coverages"),
            Column("note", "Why the response addresses the need."),
        ),
        ("need_title", "response_title", "partner", "organisation", "status"),
        "need_code",
    ),
}


def _normal(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


# --- Reading a file ----------------------------------------------------------------------


@dataclass
class Rows:
    """An upload read as rows of one kind: {column: text} by row number, with warnings."""

    file_format: str
    encoding: str | None
    rows: list[tuple[int, dict[str, str], list[str]]]


def _columns(kind: Kind, header: list[str]) -> list[str | None]:
    """Return the column each header cell names (None for ones read past), or refuse."""
    names = [_normal(cell) for cell in header]
    known = set(kind.names)
    ignored = set(kind.informational) | set(REPORT_COLUMNS)
    missing = [
        column.name for column in kind.columns if column.required and column.name not in names
    ]
    unknown = [
        cell for cell, name in zip(header, names, strict=True) if name not in known | ignored
    ]
    if missing or unknown:
        for other in KINDS.values():
            if other is not kind and {c.name for c in other.columns if c.required} <= set(names):
                raise UnreadableFile(
                    f"its columns are those of {other.name}, not {kind.name}: import it as"
                    f" {other.name}, or use the {kind.name} template."
                )
    if missing:
        raise UnreadableFile(
            f"the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} missing from its first row (the header);"
            " start from the template."
        )
    if unknown:
        shown = ", ".join(quoted(cell or "(empty)") for cell in unknown[:5])
        raise UnreadableFile(
            f"its header names columns this import does not know: {shown}. The columns are: "
            + ", ".join(kind.names)
            + "."
        )
    duplicated = sorted({name for name in names if name in known and names.count(name) > 1})
    if duplicated:
        raise UnreadableFile(f"the column {duplicated[0]} appears twice in its header.")
    return [name if name in known else None for name in names]


def _read_rows(
    kind: str, content: bytes, filename: str, encoding=None, default_pillar=None
) -> Rows:
    """Return an upload's rows as columns of ``kind``, or refuse a file that cannot be read."""
    declared = KINDS[kind]
    if detect_format(content, filename) == "xml":
        if kind != "responses":
            raise UnreadableFile("IATI activity XML holds responses; import it as responses.")
        activities = iati.read_activities(content, default_pillar)
        return Rows(
            "iati", None, [(item.number, item.values, item.warnings) for item in activities]
        )
    table: Table = read_table(content, filename, encoding)
    names = _columns(declared, table.header)
    rows = []
    for number, cells in table.rows:
        values = {
            name: cells[position].strip() if position < len(cells) else ""
            for position, name in enumerate(names)
            if name is not None
        }
        if any(cell.strip() for cell in cells[len(names) :]):
            values[STRAY] = cells[len(names)].strip() or next(
                cell for cell in cells[len(names) :] if cell.strip()
            )
        rows.append((number, values, []))
    if not rows:
        raise UnreadableFile("it holds a header but no rows.")
    return Rows(table.file_format, table.encoding, rows)


# --- One row -----------------------------------------------------------------------------


@dataclass
class RowOutcome:
    """What one row does, or why it cannot."""

    row: int
    key: str
    outcome: str = "error"
    changes: list[list[str]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version: int | None = None

    def problem(self, column: str, value: str, reason: str) -> RowOutcome:
        self.outcome = "error"
        self.problems.append({"column": column, "value": value[:100], "reason": reason})
        return self

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "key": self.key,
            "outcome": self.outcome,
            "changes": self.changes,
            "problems": self.problems,
            "warnings": self.warnings,
            "version": self.version,
        }


class RowRefused(Exception):
    """A row cannot be imported: ``problems`` as (column, reason)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


def _list(text: str) -> list[str]:
    return [item for item in SEPARATORS.split(text.strip()) if item]


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dates(values: dict, columns: tuple[str, ...]) -> None:
    for column in columns:
        text = values.get(column, "")
        if text and not ISO_DATE.fullmatch(text):
            raise RowRefused([(column, "Write dates as YYYY-MM-DD, e.g. 2026-03-31.")])


def _loaded(schema, data: dict, to_column: Callable[[str], str]) -> dict:
    try:
        return parse(schema, data)
    except ValidationFailed as error:
        raise RowRefused(
            [(to_column(name), str(reason)) for name, reason in error.fields.items()]
        ) from None


def _responses_with_details(condition):
    """Return the responses matching ``condition`` with all a row compares, in one read."""
    return (
        select(Response)
        .where(condition)
        .order_by(Response.id)
        .options(
            joinedload(Response.tenant),
            selectinload(Response.pillars),
            selectinload(Response.beneficiaries),
            selectinload(Response.parties),
        )
    )


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _keep_line_breaks(data: dict, record, names: tuple[str, ...]) -> None:
    """Keep a stored text's line breaks where the file differs from it only in them.

    The forms store what browsers send (CRLF); a workbook gives LF back.
    """
    for name in names:
        stored, given = getattr(record, name) or "", data.get(name)
        if isinstance(given, str) and given != stored:
            if given.strip().replace("\r\n", "\n") == stored.strip().replace("\r\n", "\n"):
                data[name] = stored


class _Lookups:
    """The reference data rows name, read once per import."""

    def __init__(self):
        self.tenants: dict[str, str] = {}
        for tenant in db.session.scalars(select(Tenant).where(Tenant.active)):
            self.tenants.setdefault(tenant.code.upper(), tenant.code)
            self.tenants.setdefault(tenant.name.casefold(), tenant.code)
        self.economies: dict[str, str] = {}
        for economy in db.session.scalars(select(PartnerEconomy)):
            for name in (economy.code.upper(), economy.name.casefold()):
                self.economies.setdefault(name, economy.code)
            self.economies.setdefault(economy.display_name.casefold(), economy.code)

    def parties(self, text: str) -> tuple[list[str], str]:
        """Split a cell of organisations into known organisations' codes and other names.

        Only ``;`` and line breaks separate them: a name may hold a comma.
        """
        codes, names = [], []
        for item in (part.strip() for part in re.split(r"[;\n]", text)):
            if not item:
                continue
            code = self.tenants.get(item.upper()) or self.tenants.get(item.casefold())
            (codes if code else names).append(code or item)
        return codes, "\n".join(names)

    def economy_codes(self, text: str) -> list[str]:
        return [
            self.economies.get(item.upper()) or self.economies.get(item.casefold()) or item
            for item in _list(text)
        ]


SUPPORT_TYPE_VALUES = {
    **{value: value for value in response_service.SUPPORT_TYPE_LABELS},
    **{label.casefold(): value for value, label in response_service.SUPPORT_TYPE_LABELS.items()},
}


class _Plan:
    """Takes an import's rows through the forms' steps inside the open transaction."""

    def __init__(self, kind: str, previous: dict | None, careful: bool = False, write: bool = True):
        self.kind = kind
        # Careful: each row written on its own in a savepoint, so that a refusal of the
        # database names its row. Otherwise the rows are only filled in, and written
        # together at the end (``_run``), far faster; a refusal then means a careful run.
        self.careful = careful
        # A dry run only fills the rows in: a new record never joins the session.
        self.write = write
        self.principal = current_principal()
        self.lookups = _Lookups()
        self.cycle = current_open_cycle() if kind == "needs" else None
        # Where the last dry run saw each keyed row: its version, or None for "create".
        self.seen = (
            {
                row["key"]: row.get("version")
                for row in (previous or {}).get("rows", [])
                if row["key"] and row["outcome"] != "error"
            }
            if previous
            else None
        )
        self.keys: dict[str, int] = {}
        # The forms' input schemas, built once (a schema is costly to build, not to use).
        self.schemas = {
            "needs": NeedSchema(),
            "responses": ResponseSchema(),
            "links": LinkProposalSchema(),
        }
        # The reference lists read once for every row (pillars, economies, organisations).
        self.known: dict = {}
        # The records the file's rows name, read in batches before the rows are taken.
        self.needs_by_code: dict[str, Need] = {}
        self.responses_by_reference: dict[str, list[Response]] = {}
        self.responses_by_id: dict[int, Response] = {}

    def prefetch(self, rows: list) -> None:
        """Read the records the rows name by key, a batch at a time, before taking them."""
        values = [row for _number, row, _warnings in rows]
        if self.kind == "needs":
            codes = {row.get("code", "") for row in values} - {""}
        elif self.kind == "links":
            codes = {row.get("need_code", "") for row in values} - {""}
        else:
            codes = set()
        references = {
            row.get("external_reference" if self.kind == "responses" else "response_reference", "")
            for row in values
        } - {""}
        for chunk in _chunks(sorted(codes)):
            statement = select(Need).where(Need.code.in_(chunk)).order_by(Need.id)
            # Everything a row compares, read with its need rather than row by row.
            statement = statement.options(
                joinedload(Need.cycle),
                joinedload(Need.tenant),
                joinedload(Need.pillar),
                joinedload(Need.category),
                joinedload(Need.perspective),
                selectinload(Need.acquis_chapters),
            )
            for need in db.session.scalars(statement):
                self.needs_by_code[need.code] = need
        for chunk in _chunks(sorted(references)):
            condition = Response.external_reference.in_(chunk)
            for response in db.session.scalars(_responses_with_details(condition)):
                self.responses_by_reference.setdefault(response.external_reference, []).append(
                    response
                )
        numbers = set()
        for row in values:
            given = row.get("id", "")
            if self.kind == "links" and row.get("response_reference", "").startswith("#"):
                given = row["response_reference"][1:]
            if given.isdigit() and 0 < int(given) < 2**31:
                numbers.add(int(given))
        for chunk in _chunks(sorted(numbers)):
            for response in db.session.scalars(_responses_with_details(Response.id.in_(chunk))):
                self.responses_by_id[response.id] = response

    # Each kind: find the record a row names, then fill it in (new or existing).

    def row(self, number: int, values: dict[str, str], warnings: list[str]) -> RowOutcome:
        key = self._key(values)
        outcome = RowOutcome(number, key, warnings=list(warnings))
        if key and key in self.keys:
            return outcome.problem(
                KINDS[self.kind].key,
                key,
                f"Row {self.keys[key]} of the file has the same key; each record once.",
            )
        if key:
            self.keys[key] = number
        if STRAY in values:
            return outcome.problem(
                "(beyond the header)",
                values[STRAY],
                "This row has more cells than the header has columns: a separator inside"
                " an unquoted value? Quote it, or remove the cell.",
            )
        try:
            getattr(self, f"_{self.kind}")(values, outcome)
        except RowRefused as refused:
            for column, reason in refused.problems:
                outcome.problem(column, values.get(column, ""), reason)
        except DomainError as error:
            # A refusal the forms' own checks raise (a link the need's partner could not
            # see, a need that cannot be linked): this row's, not the file's.
            problems = error.fields or {KINDS[self.kind].key: error.message}
            for name, reason in problems.items():
                column = self._column(name)
                outcome.problem(column, values.get(column, ""), str(reason))
        return outcome

    def _key(self, values: dict) -> str:
        if self.kind == "links":
            return f"{values.get('need_code', '')} / {values.get('response_reference', '')}"
        if self.kind == "responses" and not values.get("external_reference") and values.get("id"):
            return "#" + values["id"]
        return values.get(KINDS[self.kind].key, "")

    def _recheck(self, outcome: RowOutcome, record) -> None:
        """Refuse a row whose record changed (or appeared) since the dry run."""
        if self.seen is None or not outcome.key:
            return
        then = self.seen.get(outcome.key, "absent")
        now = record.version if record is not None else None
        if then != now:
            what = "created" if then is None else "changed"
            raise RowRefused(
                [
                    (
                        KINDS[self.kind].key,
                        f"This record was {what} by someone else since the dry"
                        " run; check the file again before applying it.",
                    )
                ]
            )

    def _save(
        self,
        record,
        before: dict | None,
        allowed: bool,
        refusal: str,
        outcome,
        fill: Callable[[], None],
    ) -> None:
        """Fill ``record`` in a savepoint; keep it if it changes and may, else undo it.

        A new need whose code turns out taken (by a draft of another organisation of its
        economy, which this one cannot see) is tried again with the following numbers.
        """
        if not self.careful:
            self._fill(record, before, allowed, refusal, outcome, fill)
            return
        for attempt in range(CODE_ATTEMPTS):
            savepoint = db.session.begin_nested()
            try:
                with db.session.no_autoflush:
                    fill()
                after = describe(record)
                if before is not None and after == before:
                    savepoint.rollback()
                    outcome.outcome = "unchanged"
                    return
                if not allowed:
                    savepoint.rollback()
                    raise RowRefused([(KINDS[self.kind].key, refusal)])
                if before is None:
                    if attempt and isinstance(record, Need):
                        record.code = None
                        assign_codes(db.session, [record], skip=attempt)
                    db.session.add(record)
                else:
                    record.updated_at = utc_now()
                db.session.flush()
                savepoint.commit()
                break
            except DomainError as error:
                savepoint.rollback()
                problems = error.fields or {KINDS[self.kind].key: error.message}
                raise RowRefused(
                    [(self._column(name), str(reason)) for name, reason in problems.items()]
                ) from None
            except StaleDataError:
                savepoint.rollback()
                raise RowRefused(
                    [
                        (
                            KINDS[self.kind].key,
                            "Someone else saved this record a moment ago; check again.",
                        )
                    ]
                ) from None
            except IntegrityError as error:
                savepoint.rollback()
                if before is None and isinstance(record, Need) and is_code_clash(error):
                    continue
                raise RowRefused(
                    [
                        (
                            KINDS[self.kind].key,
                            "The database refused the row: "
                            + str(error.orig).splitlines()[0][:200],
                        )
                    ]
                ) from None
        else:
            raise RowRefused(
                [
                    (
                        KINDS[self.kind].key,
                        "Others were saving needs with the same codes; check the file again.",
                    )
                ]
            )
        self._changed(outcome, before, after)

    def _fill(self, record, before, allowed, refusal, outcome, fill) -> None:
        """Fill ``record`` in memory only; undo it when unchanged or not the principal's."""
        try:
            fill()
        except DomainError as error:
            self._undo(record, before)
            problems = error.fields or {KINDS[self.kind].key: error.message}
            raise RowRefused(
                [(self._column(name), str(reason)) for name, reason in problems.items()]
            ) from None
        after = describe(record)
        if before is not None and after == before:
            # Every value set equals the stored one: nothing will be written for it.
            outcome.outcome = "unchanged"
            return
        if not allowed:
            self._undo(record, before)
            raise RowRefused([(KINDS[self.kind].key, refusal)])
        if before is None:
            if self.write:
                db.session.add(record)
        else:
            # A change of collections alone (chapters, pillars) moves the version too.
            record.updated_at = utc_now()
        self._changed(outcome, before, after)

    def _undo(self, record, before) -> None:
        """Forget what filling an existing record changed in memory, its new parts too."""
        if before is None:
            return
        for pending in list(db.session.new):
            if any(getattr(pending, name, None) is record for name in ("response", "need")):
                db.session.expunge(pending)
        db.session.refresh(record)

    def _changed(self, outcome, before, after) -> None:
        if before is None:
            outcome.outcome = "create"
            outcome.changes = [[label, "", value] for label, value in after.items() if value]
        else:
            outcome.outcome = "update"
            outcome.changes = [
                [label, before.get(label, ""), value]
                for label, value in after.items()
                if before.get(label, "") != value
            ]

    def _column(self, field_name: str) -> str:
        return {
            "donor_tenants": "donors",
            "donor_names": "donors",
            "implementer_tenants": "implementers",
            "implementer_names": "implementers",
            "need_id": "need_code",
        }.get(field_name, field_name)

    # --- Needs

    def _needs(self, values: dict, outcome: RowOutcome) -> None:
        chapters = []
        for item in _list(values.get("acquis_chapters", "")):
            chapters.append(item)
        data = _loaded(
            self.schemas["needs"],
            {
                "pillar": values.get("pillar", ""),
                "category": values.get("category", ""),
                "perspective": values.get("perspective", ""),
                "title": values.get("title", ""),
                "description": values.get("description", ""),
                "acquis_chapters": chapters,
                "source_reference": values.get("source_reference", ""),
                "priority": values.get("priority", "").lower(),
            },
            self._column,
        )
        code = values.get("code", "")
        if code:
            need = self.needs_by_code.get(code)
            if need is None:
                raise RowRefused(
                    [
                        (
                            "code",
                            f"There is no need {quoted(code)} that you can see;"
                            " leave the code empty to create a need.",
                        )
                    ]
                )
            outcome.version = need.version
            self._recheck(outcome, need)
            _keep_line_breaks(data, need, ("title", "description", "source_reference"))
            refusal = (
                f"This need belongs to {need.tenant.name}; you can change only your own."
                if need.tenant_id != getattr(self.principal, "tenant_id", None)
                else need_service.RULES["edit"] + f" It is {need.status}, cycle {need.cycle.name}."
            )

            def fill():
                for name, value in need_service.need_values(data).items():
                    if name != "updated_at":
                        setattr(need, name, value)

            self._save(
                need, describe(need), can_edit_need(self.principal, need), refusal, outcome, fill
            )
            return
        self._recheck(outcome, None)
        if not can_create_need(self.principal, self.cycle):
            raise RowRefused([("code", need_service.RULES["create"])])
        need = Need(cycle=self.cycle, tenant_id=self.principal.tenant_id, status="draft")

        def fill_new():
            for name, value in need_service.need_values(data).items():
                setattr(need, name, value)

        self._save(need, None, True, "", outcome, fill_new)

    # --- Responses

    def _responses(self, values: dict, outcome: RowOutcome) -> None:
        _dates(values, ("starts_on", "ends_on"))
        donors, donor_names = self.lookups.parties(values.get("donors", ""))
        implementers, implementer_names = self.lookups.parties(values.get("implementers", ""))
        support = values.get("support_type", "")
        data = _loaded(
            self.schemas["responses"],
            {
                "title": values.get("title", ""),
                "description": values.get("description", ""),
                "pillars": _list(values.get("pillars", "")),
                "donor_tenants": donors,
                "donor_names": donor_names,
                "implementer_tenants": implementers,
                "implementer_names": implementer_names,
                "beneficiaries": self.lookups.economy_codes(values.get("beneficiaries", "")),
                "support_type": SUPPORT_TYPE_VALUES.get(support.casefold(), support),
                "instrument": values.get("instrument", ""),
                "starts_on": values.get("starts_on", ""),
                "ends_on": values.get("ends_on", ""),
                "budget_amount": values.get("budget_amount", ""),
                "budget_currency": values.get("budget_currency", ""),
                "implementation_status": values.get("implementation_status", "").lower(),
                "visibility": values.get("visibility", "").lower(),
                "external_reference": values.get("external_reference", ""),
            },
            self._column,
        )
        today = date.today()
        if (
            data["ends_on"]
            and data["ends_on"] < today
            and data["implementation_status"] in ("planned", "ongoing")
        ):
            outcome.warnings.append(
                f"It ended on {data['ends_on'].isoformat()} but is still"
                f" {data['implementation_status']}."
            )
        if (
            data["starts_on"]
            and data["starts_on"] > today
            and data["implementation_status"] == ("completed")
        ):
            outcome.warnings.append("It is completed but starts in the future.")
        response = self._find_response(values)
        if response is not None:
            outcome.version = response.version
            self._recheck(outcome, response)
            _keep_line_breaks(data, response, ("title", "description", "instrument"))
            refusal = (
                f"This response belongs to {response.tenant.name}; you can change only your own."
            )

            def fill():
                response_service.fill_response(response, data, self.known)

            self._save(
                response,
                describe(response),
                can_edit_response(self.principal, response),
                refusal,
                outcome,
                fill,
            )
            return
        self._recheck(outcome, None)
        if not can_create_response(self.principal):
            raise RowRefused(
                [("external_reference", "Editors record their organisation's responses.")]
            )
        response = Response(tenant_id=self.principal.tenant_id, record_status="draft")
        response.tenant = db.session.get(Tenant, self.principal.tenant_id)

        def fill_new():
            response_service.fill_response(response, data, self.known)

        self._save(response, None, True, "", outcome, fill_new)

    def _find_response(self, values: dict) -> Response | None:
        # The portal's number, as exports give it, names one response without doubt;
        # an external reference may be carried by another member's response too.
        if values.get("id"):
            given = values["id"]
            found = self.responses_by_id.get(int(given)) if given.isdigit() else None
            if found is not None:
                return found
            try:
                return get_visible(Response, given)
            except NotFound:
                raise RowRefused(
                    [
                        (
                            "id",
                            "There is no response with this number that you can"
                            " see; leave it empty to create one.",
                        )
                    ]
                ) from None
        reference = values.get("external_reference", "")
        if reference:
            found = self.responses_by_reference.get(reference, [])
            mine = [item for item in found if item.tenant_id == self.principal.tenant_id]
            if len(mine) > 1 or (not mine and len(found) > 1):
                raise RowRefused(
                    [
                        (
                            "external_reference",
                            "Several responses carry this reference; give each its own.",
                        )
                    ]
                )
            return (mine or found or [None])[0]
        return None

    # --- Links

    def _links(self, values: dict, outcome: RowOutcome) -> None:
        code, reference = values.get("need_code", ""), values.get("response_reference", "")
        need = self.needs_by_code.get(code) if code else None
        if need is None:
            raise RowRefused([("need_code", f"There is no need {quoted(code)} that you can see.")])
        if reference.startswith("#") and reference[1:].isdigit():
            response = self._find_response({"id": reference[1:]})
        else:
            response = self._find_response({"external_reference": reference})
        if response is None:
            raise RowRefused(
                [
                    (
                        "response_reference",
                        f"There is no response {quoted(reference)} that you can see.",
                    )
                ]
            )
        data = _loaded(
            self.schemas["links"],
            {
                "need_id": need.id,
                "coverage": values.get("coverage", "").lower(),
                "note": values.get("note", ""),
            },
            self._column,
        )
        link = db.session.scalar(
            select(SupportLink).where(
                SupportLink.need_id == need.id, SupportLink.response_id == response.id
            )
        )
        if link is not None:
            outcome.version = link.version
            self._recheck(outcome, link)
            _keep_line_breaks(data, link, ("note",))
            editable = can_propose_link(self.principal, link.response) and link.status == "proposed"
            refusal = (
                f"This link is {link.status}; only a proposed link is changed by import."
                if can_propose_link(self.principal, link.response)
                else f"This link is {response.tenant.name}'s; you can change only your own."
            )

            def fill():
                link.coverage, link.note = data["coverage"], data["note"].strip()

            self._save(link, describe(link), editable, refusal, outcome, fill)
            return
        self._recheck(outcome, None)
        if not can_propose_link(self.principal, response):
            raise RowRefused(
                [
                    (
                        "response_reference",
                        f"This response belongs to"
                        f" {response.tenant.name}; you can link only your own.",
                    )
                ]
            )
        new = link_service.new_link(response, data)
        self._save(new, None, True, "", outcome, lambda: None)


# --- Uploading, checking, applying -------------------------------------------------------


def _largest_file() -> int:
    """Return the most bytes an import file may hold."""
    return current_app.config["IMPORT_MAX_BYTES"]


def upload(
    kind: str, filename: str, content: bytes, encoding=None, default_pillar=None
) -> DataImport:
    """Keep an uploaded file the principal may import, once it is known to be readable.

    Refuses, writing nothing, a file that is too large, of no known kind, damaged, or
    whose columns are not those of ``kind``.
    """
    principal = current_principal()
    require(can_import_records, principal, kind, message=_refusal(kind))
    if kind not in IMPORT_KINDS:
        raise ValidationFailed(
            "Choose what the file holds.", {"kind": "Choose needs, responses or links."}
        )
    if len(content) > _largest_file():
        raise UnreadableFile(
            f"it holds {len(content) / 1_048_576:.1f} MB; at most"
            f" {_largest_file() / 1_048_576:.0f} MB can be imported at once. Split it."
        )
    if default_pillar and default_pillar.upper() not in {
        code.upper() for code in db.session.scalars(select(Pillar.code))
    }:
        raise ValidationFailed(
            "Some fields need attention.",
            {"pillar": f"There is no pillar {quoted(default_pillar)}."},
        )
    rows = _read_rows(kind, content, filename, encoding, default_pillar)
    name, digest = _safe_name(filename), hashlib.sha256(content).hexdigest()
    _LAST_READ.clear()
    _LAST_READ[(digest, kind, rows.encoding, default_pillar or None, name)] = rows
    record = DataImport(
        kind=kind,
        actor_id=principal.user_id,
        filename=name,
        file_format=rows.file_format,
        encoding=rows.encoding,
        default_pillar=default_pillar or None,
        sha256=digest,
        size=len(content),
        content=content,
        status="checking",
        # Known now: the page decides by it whether the worker checks the file.
        outcome={"rows": [], "counts": {}, "total": len(rows.rows)},
    )
    db.session.add(record)
    db.session.commit()
    return record


def _refusal(kind: str) -> str:
    if kind == "needs":
        return "Editors of a partner import needs."
    return "Editors import responses and links of their own organisation."


def _safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "upload")[:255]


def row_count(record: DataImport) -> int:
    """Return how many rows an upload holds (so the caller can choose the worker)."""
    require(can_apply_import, current_principal(), record)
    total = (record.outcome or {}).get("total")
    return total if total is not None else len(_rows_of(record).rows)


# The last file read, kept in this process: an upload checked at once is read by the
# upload, the dry run and applying it, and reading a workbook is most of the time.
_LAST_READ: dict[tuple, Rows] = {}


def _rows_of(record: DataImport) -> Rows:
    key = (record.sha256, record.kind, record.encoding, record.default_pillar, record.filename)
    rows = _LAST_READ.get(key)
    if rows is None:
        rows = _read_rows(
            record.kind, record.content, record.filename, record.encoding, record.default_pillar
        )
        _LAST_READ.clear()
        _LAST_READ[key] = rows
    return rows


def get_import(import_id) -> DataImport:
    """Return an import the principal may see (its uploader; the Secretariat's admins)."""
    require(can_read_records, current_principal())
    return get_visible(DataImport, import_id)


def list_imports(limit: int = 20) -> list[DataImport]:
    """Return the principal's latest imports, the newest first."""
    principal = current_principal()
    require(can_read_records, principal)
    return list(
        db.session.scalars(
            select(DataImport)
            .where(DataImport.actor_id == principal.user_id)
            .order_by(DataImport.id.desc())
            .limit(limit)
        )
    )


def _run(record: DataImport, previous: dict | None, progress, write: bool = True) -> dict:
    """Take every row of an upload through the forms' steps, written but not committed.

    First every row is filled in and the whole file written at once; should the
    database refuse that, everything is undone and the rows are taken again one by one,
    each written in a savepoint, so that the refusal names its row. A dry run
    (``write=False``) only fills the rows in: what the database alone would refuse (a
    race with another writer) is found, and named, when the file is applied.
    """
    rows = _rows_of(record)
    try:
        outcomes = _take(record, rows, previous, progress, careful=False, write=write)
        return _outcome(outcomes, len(rows.rows))
    except _RefusedTogether:
        db.session.rollback()
    return _outcome(_take(record, rows, previous, progress, careful=True), len(rows.rows))


class _RefusedTogether(Exception):
    """The database refused the rows written together; which one, a careful run says."""


def _take(
    record: DataImport, rows: Rows, previous, progress, careful: bool, write: bool = True
) -> list:
    begin_writing(db.session)
    plan = _Plan(record.kind, previous, careful=careful, write=write)
    plan.prefetch(rows.rows)
    outcomes = []
    total = len(rows.rows)
    with db.session.no_autoflush:
        for position, (number, values, warnings) in enumerate(rows.rows, start=1):
            outcomes.append(plan.row(number, values, warnings).as_dict())
            if progress is not None and (position % 200 == 0 or position == total):
                progress(position, total)
    if not write or careful or any(outcome["outcome"] == "error" for outcome in outcomes):
        # Rows in error are written by nobody: the file is refused as it stands.
        return outcomes
    try:
        number_new_rows(db.session)
        db.session.flush()
    except (IntegrityError, StaleDataError) as error:
        raise _RefusedTogether() from error
    return outcomes


def _outcome(outcomes: list, total: int) -> dict:
    counts = {kind: 0 for kind in ("create", "update", "unchanged", "error", "warning")}
    for outcome in outcomes:
        counts[outcome["outcome"]] += 1
        if outcome["warnings"]:
            counts["warning"] += 1
    return {"rows": outcomes, "counts": counts, "total": total}


def check(import_id, progress=None) -> DataImport:
    """Dry-run an upload: what each row would do, with nothing written."""
    principal = current_principal()
    record = get_import(import_id)
    require(can_apply_import, principal, record)
    # Rights are asked again at every step: a person no longer an editor imports nothing.
    require(can_import_records, principal, record.kind, message=_refusal(record.kind))
    if record.status == "applied":
        raise Conflict("This import was applied already.")
    try:
        outcome = _run(record, None, progress, write=False)
    finally:
        db.session.rollback()
    record = get_import(import_id)
    record.outcome, record.status, record.checked_at = outcome, "checked", utc_now()
    db.session.commit()
    return record


def apply(import_id, progress=None) -> DataImport:
    """Apply a checked upload in one transaction, or write nothing.

    The dry run is repeated against the data as it is now; a record changed since the
    dry run, or any row in error, refuses the whole file (the new outcome is kept).
    """
    # Two clicks on "Apply" must not apply it twice: the second waits for the first's
    # lock on the upload (SQLite: for the database's), then finds it applied.
    db.session.rollback()
    begin_writing(db.session)
    record = require_applicable(import_id, lock=True)
    previous = record.outcome or {}
    request_id = audit_context.current().request_id or f"import-{record.id}-{secrets.token_hex(6)}"
    reason = f"Import of {record.filename} (SHA-256 {record.sha256})"
    with audit_context.acting(request_id=request_id, reason=reason):
        try:
            outcome = _run(record, previous, progress)
        except BaseException:
            db.session.rollback()
            raise
        errors = outcome["counts"]["error"]
        if errors:
            db.session.rollback()
        record = get_import(import_id)
        record.outcome, record.checked_at = outcome, utc_now()
        if not errors:
            record.status, record.applied_at, record.request_id = "applied", utc_now(), request_id
        db.session.commit()
    if errors:
        raise ValidationFailed(
            f"Nothing was written: {errors} row(s) cannot be applied now. The dry run below"
            " shows why.",
            {"file": f"{errors} row(s) in error."},
        )
    return record


def require_applicable(import_id, lock: bool = False) -> DataImport:
    """Return an upload the principal may apply now, or refuse saying why."""
    principal = current_principal()
    require(can_read_records, principal)
    statement = select(DataImport).where(DataImport.id == import_id)
    if lock:
        statement = statement.with_for_update()
    record = db.session.scalar(statement.execution_options(populate_existing=True))
    if record is None:
        raise NotFound("There is no such import.")
    require(can_apply_import, principal, record)
    require(can_import_records, principal, record.kind, message=_refusal(record.kind))
    if record.status == "applied":
        raise Conflict("This import was applied already; upload the file again to re-check it.")
    if record.status != "checked":
        raise Conflict("The dry run of this file is not finished yet; wait for it.")
    if (record.outcome or {}).get("counts", {}).get("error"):
        raise Conflict(
            "This file has rows in error: correct them (the error report lists each), then"
            " upload it again. Nothing was written."
        )
    return record


def follow(import_id, job_id: int) -> None:
    """Note the job checking or applying an upload, for its page to show the progress."""
    record = get_import(import_id)
    require(can_apply_import, current_principal(), record)
    record.job_id = job_id
    db.session.commit()


def running_job(record: DataImport):
    """Return the job working on an upload while it is unfinished, else None."""
    require(can_read_records, current_principal())
    if record.job_id is None:
        return None
    job = db.session.get(Job, record.job_id)
    return job


def outcome_rows(record: DataImport, show: str, page: int, per_page: int) -> tuple[list, int]:
    """Return one page of a dry run's rows of one outcome (or all), and how many there are."""
    require(can_read_records, current_principal())
    rows = (record.outcome or {}).get("rows", [])
    if show == "warning":
        rows = [row for row in rows if row["warnings"]]
    elif show != "all":
        rows = [row for row in rows if row["outcome"] == show]
    start = (page - 1) * per_page
    return rows[start : start + per_page], len(rows)


def summary(record: DataImport) -> str:
    """Return what applying an upload did, in one sentence."""
    require(can_read_records, current_principal())
    counts = (record.outcome or {}).get("counts", {})
    return (
        f"Imported {record.filename}: {counts.get('create', 0)} created,"
        f" {counts.get('update', 0)} updated, {counts.get('unchanged', 0)} unchanged."
    )


def pillar_codes() -> list[str]:
    """Return the pillars' codes, for the IATI files' default pillar."""
    require(can_read_records, current_principal())
    return list(db.session.scalars(select(Pillar.code).order_by(Pillar.position, Pillar.code)))


def rows_report(record: DataImport) -> Iterator[list]:
    """Yield the file's rows with each one's outcome and problems, for the error report."""
    require(can_apply_import, current_principal(), record)
    rows = _rows_of(record)
    outcomes = {row["row"]: row for row in (record.outcome or {}).get("rows", [])}
    columns = KINDS[record.kind].names
    yield [*columns, *REPORT_COLUMNS]
    for number, values, _warnings in rows.rows:
        outcome = outcomes.get(number, {})
        problems = [f"{p['column']}: {p['reason']}" for p in outcome.get("problems", [])]
        problems += outcome.get("warnings", [])
        yield [
            *(values.get(column, "") for column in columns),
            outcome.get("outcome", ""),
            "\n".join(problems),
        ]


EXAMPLES = {
    "needs": (
        {
            "title": "Forensic laboratory for explosives",
            "description": "The police has no accredited laboratory to examine explosives"
            " used in attacks; samples are sent abroad and results take months.",
            "acquis_chapters": "24",
            "source_reference": "National Strategy against Terrorism 2025-2030, measure 3.2",
        },
    ),
    "responses": (
        {
            "external_reference": "XM-DAC-41114-PROJECT-00123",
            "title": "Integrated border management training",
            "description": "Training of border police officers in risk analysis.",
            "donors": "",
            "implementers": "",
            "beneficiaries": "AL;ME",
            "instrument": "IPA III",
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "budget_amount": "1500000.00",
            "budget_currency": "EUR",
        },
    ),
    "links": (
        {
            "need_code": "2026-AL-WBCTi-001",
            "response_reference": "XM-DAC-41114-PROJECT-00123",
            "note": "Trains the laboratory's staff.",
        },
    ),
}


@dataclass
class TemplateContents:
    """A template: its header and example rows (CSV), and its sheets (XLSX)."""

    header: list[str]
    examples: list[list[str]]
    sheets: list[Sheet]


def _reference_lists() -> dict[str, list[str]]:
    def codes(model):
        ordered = select(model.code).order_by(model.position, model.code)
        return list(db.session.scalars(ordered))

    return {
        "pillars": codes(Pillar),
        "categories": codes(NeedCategory),
        "perspectives": codes(Perspective),
        "economies": codes(PartnerEconomy),
        "priorities": list(PRIORITIES),
        "support_types": list(response_service.SUPPORT_TYPE_LABELS),
        "currencies": sorted(CURRENCIES),
        "implementation_statuses": list(IMPLEMENTATION_STATUSES),
        "visibilities": list(VISIBILITIES),
        "coverages": list(COVERAGES),
    }


def template_contents(kind: str) -> TemplateContents:
    """Return the template of ``kind``: its columns, example rows, "Read me" and lists."""
    from openpyxl.utils import get_column_letter

    require(can_read_records, current_principal())
    declared = KINDS[kind]
    lists = _reference_lists()
    header = list(declared.names)
    examples = []
    for example in EXAMPLES[kind]:
        row = []
        for column in declared.columns:
            value = example.get(column.name, column.example)
            offered = lists[column.choices] if column.choices else None
            if offered is not None and value not in offered:
                # The reference data of this installation, not the example's own.
                value = offered[0] if column.required and offered else ""
            row.append(value)
        examples.append(row)
    names = list(lists)
    longest = max(len(values) for values in lists.values())
    list_rows = [
        [lists[name][index] if index < len(lists[name]) else "" for name in names]
        for index in range(longest)
    ]
    choices = []
    for position, column in enumerate(declared.columns):
        if column.choices:
            letter = get_column_letter(position + 1)
            source = get_column_letter(names.index(column.choices) + 1)
            length = len(lists[column.choices]) + 1
            choices.append((f"{letter}2:{letter}10000", f"Lists!${source}$2:${source}${length}"))
    readme = [
        [
            column.name,
            "yes" if column.required else "",
            column.meaning,
            ", ".join(lists[column.choices]) if column.choices else "",
        ]
        for column in declared.columns
    ]
    readme += [
        [],
        [
            "How to",
            "",
            "Fill one row per record on the first sheet; keep the header row as it"
            " is. The example rows show the format: replace them with yours. Dates are"
            " YYYY-MM-DD; amounts use a point for decimals. Upload the file on the Import page:"
            " a dry run shows what each row would do before anything is written.",
            "",
        ],
        [
            "Read past",
            "",
            "These columns of an export may stay in the file; they are not"
            " imported: " + ", ".join(declared.informational) + ".",
            "",
        ],
    ]
    sheets = [
        Sheet(kind, header, examples, widths=[24] * len(header), choices=choices),
        Sheet(
            "Read me",
            ["Column", "Required", "Meaning", "Allowed values"],
            readme,
            widths=[22, 10, 90, 60],
        ),
        Sheet("Lists", names, list_rows, hidden=True),
    ]
    return TemplateContents(header, examples, sheets)
