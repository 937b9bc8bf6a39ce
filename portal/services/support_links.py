"""Support links: a response's owner proposes, the need's partner confirms or disputes,
the Secretariat validates."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.authz import (
    CONFIRMABLE_LINK_STATUSES,
    DISPUTABLE_LINK_STATUSES,
    VALIDATABLE_LINK_STATUSES,
    WITHDRAWABLE_LINK_STATUSES,
    can_answer_link,
    can_confirm_link,
    can_dispute_link,
    can_judge_links,
    can_propose_link,
    can_read_records,
    can_validate_link,
    can_withdraw_link,
    require,
)
from portal.exceptions import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.models import Cycle, Need, PartnerEconomy, Pillar, Response, SupportLink, Tenant
from portal.models.base import utc_now
from portal.pagination import Page, contains, paginate
from portal.tenancy import get_visible
from portal.versions import commit, describes, require_current, save_change

# A need can be answered once it says what is needed: not while a draft nor once withdrawn.
LINKABLE_NEED_STATUSES = ("submitted", "returned", "validated", "adopted")
NO_SUCH_NEED = "There is no such need."
PICKER_PAGE_SIZE = 20


@describes(SupportLink, "support link")
def _describe_link(link: SupportLink) -> dict[str, str]:
    """Return how a link reads, field by field, for showing what changed."""
    return {"Status": link.status, "Coverage": link.coverage, "Note": link.note or ""}


def _need_details(statement):
    return statement.options(
        joinedload(SupportLink.need).joinedload(Need.tenant).joinedload(Tenant.economy),
        joinedload(SupportLink.need).joinedload(Need.pillar),
        joinedload(SupportLink.need).joinedload(Need.cycle),
    )


def _of_response(response: Response):
    statement = (
        select(SupportLink)
        .where(SupportLink.response_id == response.id)
        .order_by(SupportLink.created_at, SupportLink.id)
    )
    return _need_details(statement)


def links_for_response(response: Response) -> list[SupportLink]:
    """Return the links of ``response`` the principal can see, with their needs."""
    require(can_read_records, current_principal())
    return list(db.session.scalars(_of_response(response)).unique())


def page_of_links_for_response(response: Response, query: Mapping) -> Page:
    """Return a page of the links of ``response`` the principal can see (ListQuerySchema)."""
    require(can_read_records, current_principal())
    return paginate(_of_response(response), query["page"], query["per_page"])


def links_for_need(need_id) -> list[SupportLink]:
    """Return the links to the need ``need_id`` that the principal can see, with responses."""
    require(can_read_records, current_principal())
    need = get_visible(Need, need_id)
    statement = (
        select(SupportLink)
        .where(SupportLink.need_id == need.id)
        .options(
            joinedload(SupportLink.response).joinedload(Response.tenant),
            joinedload(SupportLink.need).joinedload(Need.tenant),
        )
        .order_by(SupportLink.created_at, SupportLink.id)
    )
    return list(db.session.scalars(statement).unique())


def export_links() -> Select:
    """Return the query of every link the principal can see with its ends, read in batches."""
    require(can_read_records, current_principal())
    return (
        select(SupportLink)
        .options(
            joinedload(SupportLink.need).joinedload(Need.tenant).joinedload(Tenant.economy),
            joinedload(SupportLink.response).joinedload(Response.tenant),
        )
        .order_by(SupportLink.id)
        .execution_options(yield_per=500)
    )


def get_link(link_id) -> SupportLink:
    """Return the link with ``link_id`` if the principal can see both its ends, else NotFound."""
    require(can_read_records, current_principal())
    return get_visible(SupportLink, link_id)


def get_link_for(step: str, link_id) -> SupportLink:
    """Return the link with ``link_id`` if the principal may see it and take ``step`` on it.

    Not found (404) when it may not see it; refused (403) when it may see it but nobody
    in its role takes ``step`` on this link.
    """
    link = get_link(link_id)
    principal = current_principal()
    if step in ("confirm", "dispute"):
        require(can_answer_link, principal, link)
    elif step == "validate":
        require(can_judge_links, principal)
    elif step == "withdraw":
        require(can_propose_link, principal, link.response)
    else:
        raise ValueError(f"not a step of a link: {step!r}")
    return link


def require_proposer(response: Response) -> None:
    """Refuse (403) a principal who may not link ``response`` to needs."""
    require(can_propose_link, current_principal(), response)


def linkable_needs(response: Response, query: Mapping) -> Page:
    """Return a page of the visible needs ``response`` may be linked to (NeedSearchSchema)."""
    require(can_propose_link, current_principal(), response)
    already = select(SupportLink.need_id).where(SupportLink.response_id == response.id)
    statement = (
        select(Need)
        .join(Need.cycle)
        .where(
            Need.status.in_(LINKABLE_NEED_STATUSES),
            Cycle.status != "archived",
            Need.id.not_in(already),
        )
        .options(
            joinedload(Need.tenant).joinedload(Tenant.economy),
            joinedload(Need.pillar),
            joinedload(Need.cycle),
        )
        .order_by(Cycle.starts_on.desc(), Need.title, Need.id)
    )
    if query["q"].strip():
        pattern = contains(query["q"])
        statement = statement.where(
            or_(
                Need.code.ilike(pattern, escape="\\"),
                Need.title.ilike(pattern, escape="\\"),
                Need.description.ilike(pattern, escape="\\"),
            )
        )
    if query["pillar"]:
        statement = statement.where(
            Need.pillar_id.in_(select(Pillar.id).where(Pillar.code == query["pillar"]))
        )
    if query["economy"]:
        statement = statement.where(
            Need.tenant_id.in_(
                select(Tenant.id)
                .join(Tenant.economy)
                .where(PartnerEconomy.code == query["economy"].upper())
            )
        )
    return paginate(statement, query["page"], PICKER_PAGE_SIZE)


def _refused(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed("The link was not proposed.", {field: reason})


def new_link(response: Response, data: Mapping) -> SupportLink:
    """Return a proposed link from ``response`` to a need the principal can see, unsaved.

    Everything a proposal is refused for is checked here (LinkProposalSchema's data),
    so a bulk import proposes exactly as the page does.
    """
    principal = current_principal()
    require(can_propose_link, principal, response)
    try:
        need = get_visible(Need, data["need_id"])
    except NotFound:
        # A need of another tenant that this one may not see is refused exactly like
        # one that does not exist: the answer must not tell them apart.
        raise _refused("need_id", NO_SUCH_NEED) from None
    if need.status not in LINKABLE_NEED_STATUSES:
        raise _refused("need_id", f"This need is {need.status}; it cannot be linked.")
    if need.cycle.status == "archived":
        raise _refused(
            "need_id",
            f"Cycle {need.cycle.name} is archived; link the need as carried into a later cycle.",
        )
    economy = need.tenant.economy
    if (
        response.visibility == "restricted"
        and economy is not None
        and economy.id not in {beneficiary.id for beneficiary in response.beneficiaries}
    ):
        raise _refused(
            "need_id",
            f"The response is restricted and {economy.display_name} is not among its "
            "beneficiaries, so the partner could not see the link. Add it as a beneficiary first.",
        )
    duplicate = db.session.scalar(
        select(SupportLink.id).where(
            SupportLink.response_id == response.id, SupportLink.need_id == need.id
        )
    )
    if duplicate is not None:
        raise _refused("need_id", "This response is already linked to that need.")
    return SupportLink(
        response=response,
        need=need,
        coverage=data["coverage"],
        note=data["note"].strip(),
        status="proposed",
        proposed_by_id=principal.user_id if principal else None,
    )


def propose_link(response: Response, data: Mapping) -> SupportLink:
    """Propose that ``response`` addresses a need the principal can see (LinkProposalSchema)."""
    link = new_link(response, data)
    db.session.add(link)
    try:
        commit(link)
    except IntegrityError:
        # Someone proposed the same link a moment ago.
        db.session.rollback()
        raise _refused("need_id", "This response is already linked to that need.") from None
    return link


def _require_status(link: SupportLink, allowed: tuple[str, ...], action: str) -> None:
    if link.status not in allowed:
        reason = f"The link is {link.status}; only a {' or '.join(allowed)} link can be {action}."
        raise Conflict(f"A {link.status} link cannot be {action}.", {"status": reason})


def _move(link: SupportLink, data: Mapping, allowed: tuple[str, ...], status: str, **values):
    """Move a current ``link`` from one of the ``allowed`` statuses to ``status``."""
    check = partial(_require_status, link, allowed, status)
    return save_change(link, data, check, status=status, **values)


def confirm_link(link: SupportLink, data: Mapping) -> SupportLink:
    """Confirm, for the need's partner, that the response addresses the need."""
    principal = current_principal()
    require(can_answer_link, principal, link)
    return _move(
        link,
        data,
        CONFIRMABLE_LINK_STATUSES,
        "confirmed",
        confirmed_by_id=principal.user_id if principal else None,
        confirmed_at=utc_now(),
    )


def dispute_link(link: SupportLink, data: Mapping) -> SupportLink:
    """Dispute, for the need's partner, that the response addresses the need; say why."""
    principal = current_principal()
    require(can_answer_link, principal, link)
    # The proposer's note stays; the partner's reason follows it, dated and signed.
    tenant = db.session.get(Tenant, link.need.tenant_id)
    entry = f"Disputed by {tenant.code} on {utc_now():%d %b %Y}: {data['reason'].strip()}"
    return _move(
        link,
        data,
        DISPUTABLE_LINK_STATUSES,
        "disputed",
        note=f"{link.note}\n\n{entry}" if link.note else entry,
        confirmed_by_id=None,
        confirmed_at=None,
    )


def validate_link(link: SupportLink, data: Mapping) -> SupportLink:
    """Validate, for the Secretariat, a link the need's partner has confirmed."""
    principal = current_principal()
    require(can_judge_links, principal)
    return _move(
        link,
        data,
        VALIDATABLE_LINK_STATUSES,
        "validated",
        validated_by_id=principal.user_id if principal else None,
        validated_at=utc_now(),
    )


def withdraw_link(link: SupportLink, data: Mapping) -> None:
    """Withdraw (delete) a link the response's owner proposed, unless it is validated."""
    require(can_propose_link, current_principal(), link.response)
    require_current(link, data)
    _require_status(link, WITHDRAWABLE_LINK_STATUSES, "withdrawn")
    db.session.delete(link)
    commit(link)


def allowed_actions(links: list[SupportLink]) -> dict[int, list[str]]:
    """Return, per link, the actions the principal may take on it now (for the buttons)."""
    principal = current_principal()
    require(can_read_records, principal)
    policies = {
        "confirm": can_confirm_link,
        "dispute": can_dispute_link,
        "validate": can_validate_link,
        "withdraw": can_withdraw_link,
    }
    return {
        link.id: [action for action, policy in policies.items() if policy(principal, link)]
        for link in links
    }
