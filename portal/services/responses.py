"""Responses: programmes and actions of IISG members, recorded and published by their owners."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import kept_results
from portal.authz import (
    can_create_response,
    can_delete_response,
    can_edit_response,
    can_read_records,
    require,
)
from portal.exceptions import Conflict, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import (
    PartnerEconomy,
    Pillar,
    Response,
    ResponseParty,
    SupportLink,
    Tenant,
    response_beneficiaries,
    response_pillars,
)
from portal.models.base import utc_now
from portal.pagination import Page, contains, ordering, paginate
from portal.schemas.responses import COMMON_CURRENCIES, CURRENCIES
from portal.tenancy import get_visible
from portal.versions import commit, describes, require_current, save_change

SUPPORT_TYPE_LABELS = {
    "technical_assistance": "Technical assistance",
    "training": "Training",
    "equipment": "Equipment",
    "twinning": "Twinning",
    "legislative_advice": "Legislative advice",
    "other": "Other",
}
LONGEST_PARTY_NAME = 200
# What the lists sort by (a leading "-": descending), on the pages and in the API; the
# most recently changed first unless asked. Columns that may be empty (dates, budgets)
# are left out: the two databases put empty values at opposite ends.
SORT_COLUMNS = {
    "id": Response.id,
    "title": Response.title,
    "implementation_status": Response.implementation_status,
    "record_status": Response.record_status,
    "created_at": Response.created_at,
    "updated_at": Response.updated_at,
}
SORTABLE = tuple(SORT_COLUMNS)
DEFAULT_SORT = "-updated_at"
# How many records an export reads from the database at a time.
EXPORT_BATCH = 500


@describes(Response, "response")
def _describe_response(response: Response) -> dict[str, str]:
    """Return how a response reads, field by field, for showing what changed."""
    budget = (
        f"{response.budget_amount:,.2f} {response.budget_currency}"
        if response.budget_amount is not None
        else ""
    )
    return {
        "Title": response.title,
        "Description": response.description or "",
        "Pillars": ", ".join(pillar.code for pillar in response.pillars),
        "Donors": ", ".join(party.name for party in response.donors),
        "Implementers": ", ".join(party.name for party in response.implementers),
        "Beneficiaries": ", ".join(economy.code for economy in response.beneficiaries),
        "Type of support": SUPPORT_TYPE_LABELS.get(response.support_type, response.support_type),
        "Instrument": response.instrument or "",
        "Starts": response.starts_on.isoformat() if response.starts_on else "",
        "Ends": response.ends_on.isoformat() if response.ends_on else "",
        "Budget": budget,
        "Implementation status": response.implementation_status,
        "Record status": response.record_status,
        "Visibility": response.visibility,
        "External reference": response.external_reference or "",
    }


def _with_details(statement):
    # Everything a list row or a detail page shows, in a fixed number of queries.
    return statement.options(
        joinedload(Response.tenant),
        selectinload(Response.pillars),
        selectinload(Response.beneficiaries),
        selectinload(Response.parties),
    )


def _refused(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed("Some fields need attention.", {field: reason})


def _party_filter(role: str, text: str):
    matching = select(ResponseParty.response_id).where(
        ResponseParty.role == role, ResponseParty.name.ilike(contains(text), escape="\\")
    )
    return Response.id.in_(matching)


def list_responses(query: Mapping) -> Page:
    """Return a page of the responses the principal can see, filtered by ``query``."""
    require(can_read_records, current_principal())
    return paginate(_filtered(query), query.get("page", 1), query.get("per_page", 25))


def export_responses(query: Mapping) -> Select:
    """Return the query of every response the principal can see, filtered as the list is.

    The filters are checked now; the query is read later, a batch at a time.
    """
    require(can_read_records, current_principal())
    return _filtered(query).execution_options(yield_per=EXPORT_BATCH)


def _filtered(query: Mapping):
    statement = select(Response)
    if query.get("q"):
        pattern = contains(query["q"])
        # The text, and the organisations: the owner, the donors and the implementers.
        owners = select(Tenant.id).where(Tenant.name.ilike(pattern, escape="\\"))
        parties = select(ResponseParty.response_id).where(
            ResponseParty.name.ilike(pattern, escape="\\")
        )
        statement = statement.where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        Response.title,
                        Response.description,
                        Response.instrument,
                        Response.external_reference,
                    )
                ),
                Response.tenant_id.in_(owners),
                Response.id.in_(parties),
            )
        )
    # Asked of each response as the list is read newest first (EXISTS), so a page needs
    # only its own rows' pillars, not the list of every response of the pillar.
    if query.get("pillar"):
        pillar = _pillars([query["pillar"]], "pillar")[0]
        statement = statement.where(
            exists().where(
                response_pillars.c.response_id == Response.id,
                response_pillars.c.pillar_id == pillar.id,
            )
        )
    if query.get("beneficiary"):
        economy = _economies([query["beneficiary"]], "beneficiary")[0]
        statement = statement.where(
            exists().where(
                response_beneficiaries.c.response_id == Response.id,
                response_beneficiaries.c.economy_id == economy.id,
            )
        )
    for role in ("donor", "implementer"):
        if query.get(role):
            statement = statement.where(_party_filter(role, query[role]))
    if query.get("mine"):
        # Narrows what scoping already lets the reader see; never widens it.
        statement = statement.where(Response.tenant_id == current_principal().tenant_id)
    for status in ("implementation_status", "record_status"):
        if query.get(status):
            statement = statement.where(getattr(Response, status) == query[status])
    # Active in a period: started by its end and not ended before its start; a missing
    # date means open-ended on that side.
    if query.get("active_to"):
        statement = statement.where(
            or_(Response.starts_on.is_(None), Response.starts_on <= query["active_to"])
        )
    if query.get("active_from"):
        statement = statement.where(
            or_(Response.ends_on.is_(None), Response.ends_on >= query["active_from"])
        )
    if query.get("starts_from"):
        statement = statement.where(Response.starts_on >= query["starts_from"])
    if query.get("starts_to"):
        statement = statement.where(Response.starts_on <= query["starts_to"])
    sort = {"sort": query.get("sort") or DEFAULT_SORT}
    return _with_details(statement.order_by(*ordering(SORT_COLUMNS, sort, Response.id)))


def filter_choices() -> dict:
    """Return what the list filters and the form offer: pillars, economies, parties."""
    require(can_read_records, current_principal())
    names = {}
    for role in ("donor", "implementer"):
        # Kept for the reader while the responses are unchanged (portal.kept_results):
        # finding the names means reading every party of every response one may see.
        statement = (
            select(ResponseParty.name)
            .distinct()
            .where(ResponseParty.role == role)
            .order_by(ResponseParty.name)
            .limit(500)
        )
        names[role] = [name for (name,) in kept_results.ranking(statement, "choices")]
    return {
        "pillars": list(db.session.scalars(select(Pillar).order_by(Pillar.position, Pillar.code))),
        "economies": list(
            db.session.scalars(select(PartnerEconomy).order_by(PartnerEconomy.position))
        ),
        "tenants": list(
            db.session.scalars(
                select(Tenant).where(Tenant.active, Tenant.kind != "partner").order_by(Tenant.name)
            )
        ),
        "donor_names": names["donor"],
        "implementer_names": names["implementer"],
        "support_types": SUPPORT_TYPE_LABELS,
        "common_currencies": COMMON_CURRENCIES,
        "currencies": sorted(CURRENCIES),
    }


def get_response(response_id) -> Response:
    """Return the response with ``response_id`` if the principal may see it, else NotFound."""
    require(can_read_records, current_principal())
    return get_visible(Response, response_id)


def _by_codes(model, codes: list[str], field: str, label: str, known: dict | None = None) -> list:
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not wanted:
        return []
    if known is not None:
        # A bulk import reads each list once, for all its rows.
        if model not in known:
            known[model] = {row.code.upper(): row for row in db.session.scalars(select(model))}
        found = known[model]
    else:
        found = {
            row.code.upper(): row
            for row in db.session.scalars(select(model).where(model.code.in_(wanted)))
        }
    if len(found) < len(wanted) and known is None:
        # Codes are stored as administrators typed them (WBCTi); compare without case.
        for row in db.session.scalars(select(model)):
            found.setdefault(row.code.upper(), row)
    missing = [code for code in wanted if code not in found]
    if missing:
        # Named as far as an error message names a value: fifty unknown codes are not.
        raise _refused(field, f"Unknown {label}: {quoted(', '.join(missing))}.")
    return [found[code] for code in wanted]


def _pillars(codes, field="pillars", known: dict | None = None) -> list[Pillar]:
    return _by_codes(Pillar, codes, field, "pillar", known)


def _economies(codes, field="beneficiaries", known: dict | None = None) -> list[PartnerEconomy]:
    return _by_codes(PartnerEconomy, codes, field, "economy", known)


def _parties(data: dict, role: str, known: dict | None = None) -> list[tuple[Tenant | None, str]]:
    """Return the (tenant, name) pairs of one role: organisations first, then named bodies."""
    field = f"{role}_tenants"
    tenants = _by_codes(Tenant, data[field], field, "organisation", known)
    pairs = [(tenant, tenant.name) for tenant in tenants]
    for line in data[f"{role}_names"].splitlines():
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > LONGEST_PARTY_NAME:
            raise _refused(
                f"{role}_names", f"Use at most {LONGEST_PARTY_NAME} characters per name."
            )
        pairs.append((None, name))
    unique, seen = [], set()
    for tenant, name in pairs:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append((tenant, name))
    return unique


def _apply(
    response: Response, data: Mapping, known: dict | None = None, touch: bool = True
) -> None:
    pillars = _pillars(data["pillars"], known=known)
    beneficiaries = _economies(data["beneficiaries"], known=known)
    parties = {role: _parties(data, role, known) for role in ("donor", "implementer")}
    response.title = data["title"].strip()
    response.description = data["description"].strip()
    # In the order the response reads them back (by the lists' positions), so that the
    # same pillars or partners named in another order are no change.
    response.pillars = sorted(pillars, key=lambda pillar: (pillar.position, pillar.code))
    response.beneficiaries = sorted(
        beneficiaries, key=lambda economy: (economy.position, economy.code)
    )
    for name in (
        "support_type",
        "starts_on",
        "ends_on",
        "budget_amount",
        "budget_currency",
        "implementation_status",
        "visibility",
    ):
        setattr(response, name, data[name])
    response.instrument = data["instrument"].strip()
    response.external_reference = data["external_reference"].strip() or None
    # Keep the rows of parties that stay (the database forbids the same name twice in
    # one role, and would see a delete-and-insert of one name in the wrong order).
    existing = {(party.role, party.name.casefold()): party for party in response.parties}
    kept = []
    for role, pairs in parties.items():
        for position, (tenant, name) in enumerate(pairs):
            party = existing.get((role, name.casefold())) or ResponseParty(role=role)
            party.name, party.tenant, party.position = name, tenant, position
            kept.append(party)
    response.parties = kept
    if touch:
        # Touch the row itself so that a change of pillars or parties alone moves the
        # version.
        response.updated_at = utc_now()


def fill_response(response: Response, data: Mapping, known: dict | None = None) -> None:
    """Set what ``data`` (ResponseSchema) says on a response, saving nothing.

    Refuses, naming the field, the codes that name nothing. Its caller compares the
    response before and after, and asks ``can_edit_response`` before saving a change
    (a bulk import: a row equal to a record one may only read is simply unchanged).
    ``known`` keeps the reference lists read, for the next rows of a bulk import. The
    response is not touched: its caller moves ``updated_at`` once it knows it changed.
    """
    require(can_read_records, current_principal())
    _apply(response, data, known, touch=False)


def create_response(data: Mapping) -> Response:
    """Record a draft response owned by the principal's organisation (data: ResponseSchema)."""
    principal = current_principal()
    require(can_create_response, principal)
    response = Response(tenant_id=principal.tenant_id, record_status="draft")
    # Every check runs before the new response joins the session: a refusal leaves nothing.
    _apply(response, data)
    db.session.add(response)
    commit()
    return response


def update_response(response: Response, data: Mapping) -> Response:
    """Change a response unless it changed since the form was opened (ResponseEditSchema)."""
    require(can_edit_response, current_principal(), response)
    require_current(response, data)
    _apply(response, data)
    commit(response)
    return response


def _set_record_status(response: Response, data: Mapping, status: str) -> Response:
    def not_already():
        if response.record_status == status:
            raise Conflict(f"The response is already {status}.")

    return save_change(response, data, not_already, record_status=status)


def publish_response(response: Response, data: Mapping) -> Response:
    """Publish a draft response: other organisations see it as its visibility allows."""
    require(can_edit_response, current_principal(), response)
    return _set_record_status(response, data, "published")


def unpublish_response(response: Response, data: Mapping) -> Response:
    """Take a response back to draft: only its own organisation sees it again."""
    require(can_edit_response, current_principal(), response)
    return _set_record_status(response, data, "draft")


def delete_response(response: Response, data: Mapping) -> None:
    """Delete a draft response, unless a support link names it.

    A link is the response's claim to address a partner's need; deleting the response
    would take the link with it, so the links are withdrawn first. Only the links the
    principal can see are counted: those to a need it can no longer read (withdrawn
    since) go with the response, as the database cascades, and the trail records both.
    """
    _require_deleter(response)
    require_current(response, data)
    linked = db.session.scalar(select(func.count()).where(SupportLink.response_id == response.id))
    if linked:
        raise Conflict(
            f"This draft is named by {linked} support link(s); withdraw them first. "
            "Nothing was deleted."
        )
    db.session.delete(response)
    commit(response)


def require_creator() -> None:
    """Refuse (403) a principal who may not record responses."""
    require(can_create_response, current_principal())


def get_response_for_edit(response_id) -> Response:
    """Return the response with ``response_id`` if the principal may see and change it."""
    response = get_response(response_id)
    require(can_edit_response, current_principal(), response)
    return response


def get_response_for_delete(response_id) -> Response:
    """Return the response with ``response_id`` if the principal may see and delete it."""
    response = get_response(response_id)
    _require_deleter(response)
    return response


def _require_deleter(response: Response) -> None:
    principal = current_principal()
    # Its editors are told why; anyone else only that they may not.
    refusal = (
        "Only a draft response can be deleted; unpublish it first."
        if can_edit_response(principal, response)
        else None
    )
    require(can_delete_response, principal, response, message=refusal)


def require_editor(response: Response) -> None:
    """Refuse (403) a principal who may not change ``response``."""
    require(can_edit_response, current_principal(), response)
