"""Webhooks: registering them, turning the audit trail's changes into events, delivering.

The events come from the sealed entries of the audit trail. The capture triggers write
an entry in the same transaction as the change, so a change rolled back sends nothing;
sealing puts a chain's entries in a final order, along which a cursor per chain moves.
Each event goes to the active webhooks that asked for it and whose organisation may
read the record, judged as a viewer of that organisation would be.
"""

from __future__ import annotations

import fnmatch
import json
import time
from datetime import timedelta

import structlog
from flask import current_app
from sqlalchemy import func, select

from audit import tables
from portal import mail, webhook_sending
from portal.authz import can_manage_webhooks, can_run_background_work, require
from portal.extensions import db
from portal.identity import Principal, act_as_principal, current_principal
from portal.models import (
    Base,
    Need,
    Response,
    Tenant,
    User,
    Webhook,
    WebhookCursor,
    WebhookDelivery,
)
from portal.models.base import utc_now
from portal.pagination import Page, paginate
from portal.record_types import REGISTRY
from portal.schemas.output import as_utc
from portal.tenancy import get_visible
from portal.visibility import (
    AllOf,
    AnyOf,
    Everyone,
    HasRole,
    InSecretariat,
    OwnEconomyBenefits,
    OwnTenant,
    ValueIn,
    ValueIsNot,
)
from portal.webhook_events import MODELS, Event, event_of

log = structlog.get_logger("portal.webhooks")

# A delivery not through after this long is given up on; after this many given up on in a
# row, the webhook is switched off and its administrators told.
GIVE_UP_AFTER = timedelta(hours=24)
DISABLE_AFTER = 5
LONGEST_WAIT = timedelta(hours=1)
FIRST_WAIT = timedelta(seconds=30)


def _asks_for(webhook: Webhook, name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in webhook.events)


def _viewer_of(webhook: Webhook) -> Principal:
    tenant = webhook.tenant
    return Principal(0, tenant.id, tenant.kind, tenant.economy_id, frozenset({"viewer"}))


def _may_read(webhook: Webhook, event: Event) -> bool:
    """Return whether the webhook's organisation may read the record the event is about:
    as it stood after the change (a need it may read now was perhaps a draft then), and
    as it stands now."""
    viewer = _viewer_of(webhook)
    if event.name.endswith(".deleted"):
        return webhook.tenant_id in _owners_of_deleted(event)
    if event.table in _READ_AS_IT_STOOD and not _readable_as_it_stood(viewer, event):
        return False
    model = MODELS[event.table]
    # What the system changed so far is written as the system, not as the viewer.
    db.session.flush()
    act_as_principal(viewer)
    try:
        return db.session.scalar(select(model.id).where(model.id == event.key)) is not None
    finally:
        act_as_principal(None)


# Records whose readers follow from their own row (needs, responses): judged on the row
# the trail kept. A link's readers follow from its ends, which its row does not keep.
_READ_AS_IT_STOOD = ("needs", "responses")


def _readable_as_it_stood(viewer: Principal, event: Event) -> bool:
    return _allows(REGISTRY[event.table].read, viewer, event.new, event.key)


def _allows(rule, viewer: Principal, row: dict, key: int) -> bool:
    """Return whether ``rule`` lets ``viewer`` read ``row`` (a row image of the trail)."""
    match rule:
        case Everyone():
            return True
        case AllOf(rules):
            return all(_allows(part, viewer, row, key) for part in rules)
        case AnyOf(rules):
            return any(_allows(part, viewer, row, key) for part in rules)
        case OwnTenant(name):
            return row.get(name) == viewer.tenant_id
        case InSecretariat():
            return viewer.in_secretariat
        case HasRole(role):
            return viewer.has(role)
        case ValueIn(name, values):
            return row.get(name) in values
        case ValueIsNot(name, value):
            return row.get(name) != value
        case OwnEconomyBenefits(_name, other, column, economy_column):
            # The pairings as they are now: the trail keeps them as rows of their own.
            table = Base.metadata.tables[other]
            return viewer.economy_id is not None and (
                db.session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c[column] == key, table.c[economy_column] == viewer.economy_id)
                )
                > 0
            )
    # Anything else (a rule this judgement does not know): not readable.
    return False


def _owners_of_deleted(event: Event) -> set[int]:
    """Return the organisations that saw a deleted record: drafts are seen by their owners."""
    if event.table != "support_links":
        return {event.old.get("tenant_id")} - {None}
    # A link withdrawn before validation: the owners of its need and its response.
    need = db.session.get(Need, event.old.get("need_id"))
    response = db.session.get(Response, event.old.get("response_id"))
    return {record.tenant_id for record in (need, response) if record is not None}


def dispatch(batch: int = 500) -> int:
    """Turn the trail's newly sealed entries into deliveries; return how many were made.

    Runs as the system. A chain met for the first time starts at its head: nothing of the
    past is sent, and each webhook gets only what happened after it was registered.
    """
    require(can_run_background_work, current_principal())
    links, entries = tables.chain_links, tables.entries
    chains = db.session.execute(
        select(links.c.chain_id, func.max(links.c.position), func.min(links.c.sealed_at)).group_by(
            links.c.chain_id
        )
    ).all()
    heads = {chain_id: head for chain_id, head, _first in chains}
    # Those of organisations still active: a deactivated one is told nothing.
    hooks = db.session.scalars(
        select(Webhook)
        .join(Tenant, Tenant.id == Webhook.tenant_id)
        .where(Webhook.active.is_(True), Tenant.active.is_(True))
    ).all()
    earliest = min((hook.created_at for hook in hooks), default=None)
    cursors = {cursor.chain_id: cursor for cursor in db.session.scalars(select(WebhookCursor))}
    for chain_id, head, first_sealed in chains:
        if chain_id not in cursors:
            # A chain begun since a webhook was registered (a new organisation) is read
            # from its start; an older one from now on.
            begun_since = earliest is not None and as_utc(first_sealed) >= earliest
            cursors[chain_id] = WebhookCursor(
                chain_id=chain_id, position=0 if begun_since else head
            )
            db.session.add(cursors[chain_id])
    db.session.commit()
    made = 0
    for chain_id, cursor in sorted(cursors.items()):
        if heads.get(chain_id, 0) <= cursor.position:
            continue
        rows = db.session.execute(
            select(links.c.position, entries)
            .join(entries, entries.c.id == links.c.entry_id)
            .where(links.c.chain_id == chain_id, links.c.position > cursor.position)
            .order_by(links.c.position)
            .limit(batch)
        ).all()
        for row in rows:
            event = event_of(chain_id, row.position, row, as_utc(row.recorded_at))
            for hook in hooks if event else ():
                if hook.created_at > event.occurred_at or not _asks_for(hook, event.name):
                    continue
                if _may_read(hook, event):
                    made += _record(hook, event)
            cursor.position = row.position
        db.session.commit()
    return made


def _record(hook: Webhook, event: Event) -> int:
    exists = db.session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_id == event.event_id
        )
    )
    if exists:
        return 0
    db.session.add(
        WebhookDelivery(
            webhook_id=hook.id,
            event_id=event.event_id,
            event=event.name,
            payload=event.payload(),
            next_attempt_at=utc_now(),
        )
    )
    return 1


def deliver(limit: int = 50) -> int:
    """Send the deliveries that are due, once each; return how many arrived."""
    require(can_run_background_work, current_principal())
    due = db.session.scalars(
        select(WebhookDelivery)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(Tenant, Tenant.id == Webhook.tenant_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= utc_now(),
            Webhook.active.is_(True),
            Tenant.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    arrived = 0
    for delivery_id in [delivery.id for delivery in due]:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        # Switched off by a failure earlier in this run: the rest wait for it to return.
        if not delivery.webhook.active:
            continue
        try:
            answer = _send(delivery)
        except Exception as error:  # one delivery's trouble must not stop the others
            db.session.rollback()
            log.exception("webhook_delivery_error", delivery_id=delivery_id)
            delivery = db.session.get(WebhookDelivery, delivery_id)
            answer = webhook_sending.Answer(None, f"could not be sent: {type(error).__name__}")
        switched_off = _note(delivery, answer)
        db.session.commit()
        arrived += answer.delivered
        if switched_off:
            _tell_administrators(delivery.webhook)
    return arrived


def _send(delivery: WebhookDelivery) -> webhook_sending.Answer:
    hook = delivery.webhook
    config = current_app.config
    secret = webhook_sending.open_secret(
        config["ENCRYPTION_KEY"], hook.tenant_id, hook.secret_encrypted
    )
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "IISG-Database-Webhooks/1",
        "X-IISG-Event": delivery.event,
        "X-IISG-Delivery": str(delivery.id),
        webhook_sending.SIGNATURE_HEADER: webhook_sending.signature(secret, int(time.time()), body),
    }
    return webhook_sending.post(
        hook.url, body, headers, production=config.get("ENV_NAME") == "production"
    )


def _note(delivery: WebhookDelivery, answer: webhook_sending.Answer) -> bool:
    """Record an attempt; return whether it switched the webhook off."""
    hook = delivery.webhook
    now = utc_now()
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.response_code = answer.status
    delivery.error = answer.error[:1000]
    if answer.delivered:
        delivery.status, delivery.delivered_at = "delivered", now
        hook.failures = 0
        return False
    log.warning(
        "webhook_delivery_failed",
        webhook_id=hook.id,
        delivery_id=delivery.id,
        attempt=delivery.attempts,
        status=answer.status,
        error=answer.error,
    )
    give_up_after = current_app.config.get("WEBHOOK_GIVE_UP_AFTER", GIVE_UP_AFTER)
    if now - delivery.first_attempt_at < give_up_after:
        wait = min(FIRST_WAIT * 2 ** (delivery.attempts - 1), LONGEST_WAIT)
        delivery.next_attempt_at = now + wait
        return False
    delivery.status = "failed"
    hook.failures += 1
    if hook.failures < DISABLE_AFTER:
        return False
    hook.active = False
    hook.disabled_reason = (
        f"Switched off on {now:%Y-%m-%d %H:%M} UTC after {hook.failures} deliveries in a"
        f" row were given up on; the last: {answer.error or answer.status}."
    )
    log.error("webhook_disabled", webhook_id=hook.id, tenant_id=hook.tenant_id)
    return True


def _tell_administrators(hook: Webhook) -> None:
    admins = db.session.scalars(
        select(User).where(User.tenant_id == hook.tenant_id, User.active.is_(True))
    ).all()
    subject = "IISG Database: a webhook of your organisation was switched off"
    body = (
        f"The webhook to {hook.url} was switched off.\n\n{hook.disabled_reason}\n\n"
        f"Check the receiving system, then register the webhook again at"
        f" {current_app.config['BASE_URL']}/admin/webhooks."
    )
    for admin in admins:
        if "tenant_admin" not in admin.roles:
            continue
        try:
            if not mail.send(admin.email, subject, body):
                log.info("webhook_disabled_notice", recipient=admin.email, body=body)
        except OSError as error:
            log.error("webhook_notice_not_sent", recipient=admin.email, error=str(error))


# --- Managing them ------------------------------------------------------------------


def register(data: dict) -> tuple[Webhook, str]:
    """Register a webhook of the principal's organisation; return it and its secret (once)."""
    principal = current_principal()
    require(can_manage_webhooks, principal)
    secret = webhook_sending.new_secret()
    hook = Webhook(
        tenant_id=principal.tenant_id,
        url=data["url"],
        events=sorted(set(data["events"])),
        secret_encrypted=webhook_sending.seal_secret(
            current_app.config["ENCRYPTION_KEY"], principal.tenant_id, secret
        ),
        created_by_id=principal.user_id,
    )
    db.session.add(hook)
    db.session.commit()
    return hook, secret


def require_manager() -> None:
    """Refuse who may not manage webhooks before anything else is asked of them."""
    require(can_manage_webhooks, current_principal())


def page_of_webhooks(page: int = 1, per_page: int = 25) -> Page:
    """Return a page of the principal's organisation's webhooks, newest first."""
    require(can_manage_webhooks, current_principal())
    return paginate(select(Webhook).order_by(Webhook.id.desc()), page, per_page)


def webhooks_of_organisation() -> list[Webhook]:
    """Return the webhooks of the principal's organisation, newest first."""
    require(can_manage_webhooks, current_principal())
    return db.session.scalars(select(Webhook).order_by(Webhook.id.desc())).all()


def webhook(webhook_id) -> Webhook:
    """Return one webhook of the principal's organisation."""
    require(can_manage_webhooks, current_principal())
    return get_visible(Webhook, webhook_id)


def remove(webhook_id) -> None:
    """Remove a webhook of the principal's organisation, with its deliveries."""
    found = webhook(webhook_id)
    db.session.delete(found)
    db.session.commit()


def deliveries(webhook_id, page: int = 1, per_page: int = 25) -> Page:
    """Return a page of a webhook's deliveries, the newest first."""
    found = webhook(webhook_id)
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == found.id)
        .order_by(WebhookDelivery.id.desc())
    )
    return paginate(statement, page, per_page)
