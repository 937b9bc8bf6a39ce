"""Downloads of the needs, responses and links a reader may see, in the import's columns.

Each export is what its list shows (the same filters, the same visibility), without a
row cap: records are read a batch at a time and written as they come, so memory stays
flat however many there are. Its columns are those the import reads, with names beside
codes, so that importing one's own export changes nothing (docs/imports.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from portal.authz import can_read_records, require
from portal.extensions import db
from portal.identity import current_principal
from portal.services import needs as need_service
from portal.services import responses as response_service
from portal.services import support_links as link_service


@dataclass
class Export:
    """A download: its file name's stem, its header, and its rows.

    ``rows()`` reads the records as it yields them, in whatever session is current: a
    streamed download reads them after its request's own session has ended.
    """

    name: str
    header: list[str]
    rows: Callable[[], Iterator[list]]


NEED_COLUMNS = [
    "code",
    "cycle",
    "partner",
    "partner_name",
    "pillar",
    "pillar_name",
    "category",
    "category_name",
    "perspective",
    "perspective_name",
    "title",
    "description",
    "acquis_chapters",
    "source_reference",
    "priority",
    "status",
]
RESPONSE_COLUMNS = [
    "id",
    "external_reference",
    "organisation",
    "title",
    "description",
    "pillars",
    "pillar_names",
    "donors",
    "implementers",
    "beneficiaries",
    "beneficiary_names",
    "support_type",
    "instrument",
    "starts_on",
    "ends_on",
    "budget_amount",
    "budget_currency",
    "implementation_status",
    "visibility",
    "record_status",
]
LINK_COLUMNS = [
    "need_code",
    "response_reference",
    "coverage",
    "note",
    "status",
    "need_title",
    "response_title",
    "partner",
    "organisation",
]


def _partner(need) -> tuple[str, str]:
    economy = need.tenant.economy
    if economy is None:
        return need.tenant.code, need.tenant.name
    return economy.code, economy.display_name


def needs(query: Mapping) -> Export:
    """Return the export of the needs the principal may see, filtered as the list is."""
    require(can_read_records, current_principal())
    statement = need_service.export_needs(dict(query), need_service.filter_choices())

    def rows():
        for need in db.session.scalars(statement):
            partner, partner_name = _partner(need)
            yield [
                need.code,
                need.cycle.name,
                partner,
                partner_name,
                need.pillar.code,
                need.pillar.name,
                need.category.code,
                need.category.name,
                need.perspective.code,
                need.perspective.name,
                need.title,
                need.description,
                "; ".join(str(chapter.number) for chapter in need.acquis_chapters),
                need.source_reference,
                need.priority,
                need.status,
            ]

    return Export("needs", NEED_COLUMNS, rows)


def _reference(response, tenant_id) -> str:
    """Return how an import names a response without doubt: its external reference when
    it is the reader's own organisation's, else ``#id`` (another member's response may
    carry the same reference)."""
    if response.external_reference and response.tenant_id == tenant_id:
        return response.external_reference
    return f"#{response.id}"


def responses(query: Mapping) -> Export:
    """Return the export of the responses the principal may see, filtered as the list is."""
    require(can_read_records, current_principal())
    statement = response_service.export_responses(query)

    def rows():
        for response in db.session.scalars(statement):
            yield [
                response.id,
                response.external_reference or "",
                response.tenant.name,
                response.title,
                response.description or "",
                "; ".join(pillar.code for pillar in response.pillars),
                "; ".join(pillar.name for pillar in response.pillars),
                "; ".join(party.name for party in response.donors),
                "; ".join(party.name for party in response.implementers),
                "; ".join(economy.code for economy in response.beneficiaries),
                "; ".join(economy.display_name for economy in response.beneficiaries),
                response.support_type,
                response.instrument or "",
                response.starts_on,
                response.ends_on,
                response.budget_amount,
                response.budget_currency or "",
                response.implementation_status,
                response.visibility,
                response.record_status,
            ]

    return Export("responses", RESPONSE_COLUMNS, rows)


def links() -> Export:
    """Return the export of every support link the principal may see."""
    principal = current_principal()
    require(can_read_records, principal)
    statement = link_service.export_links()
    tenant_id = principal.tenant_id if principal else None

    def rows():
        for link in db.session.scalars(statement):
            partner, _name = _partner(link.need)
            yield [
                link.need.code,
                _reference(link.response, tenant_id),
                link.coverage,
                link.note or "",
                link.status,
                link.need.title,
                link.response.title,
                partner,
                link.response.tenant.name,
            ]

    return Export("links", LINK_COLUMNS, rows)
