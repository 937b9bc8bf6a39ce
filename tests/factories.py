"""Builders of domain objects for tests: sensible defaults, any field overridable."""

import base64
import hashlib
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Cycle,
    Need,
    NeedCategory,
    PartnerEconomy,
    Perspective,
    Pillar,
    Publication,
    Response,
    SupportLink,
    Tenant,
    User,
    UserRole,
)
from portal.models.base import utc_now
from portal.security import totp
from portal.security.passwords import hash_password


def reference(model, code):
    """Return the reference row of ``model`` with ``code`` (loaded by the migration)."""
    return db.session.scalar(select(model).where(model.code == code))


def partner_tenant(code="AL-MOI", economy="AL", **fields):
    tenant = Tenant(
        code=code,
        name=fields.pop("name", f"Ministry {code}"),
        kind="partner",
        economy=reference(PartnerEconomy, economy),
        **fields,
    )
    db.session.add(tenant)
    return tenant


def economy(code):
    """Return the partner economy with ``code``."""
    return reference(PartnerEconomy, code)


def member_tenant(code="EC-NEAR", **fields):
    fields.setdefault("kind", "member")
    tenant = Tenant(code=code, name=fields.pop("name", f"Member {code}"), **fields)
    db.session.add(tenant)
    return tenant


def cycle(name="2026-2027", status="open", **fields):
    values = dict(name=name, starts_on=date(2026, 10, 1), ends_on=date(2027, 3, 31))
    values.update(fields)
    return Cycle(status=status, **values)


def need(cycle, tenant, pillar="WBCTi", **fields):
    values = dict(
        cycle=cycle,
        tenant=tenant,
        pillar=reference(Pillar, pillar),
        category=reference(NeedCategory, "legislative"),
        perspective=reference(Perspective, "prevention"),
        title="Align the criminal code with Directive (EU) 2017/541",
        description="Travelling for the purpose of terrorism is not yet an offence.",
    )
    values.update(fields)
    return Need(**values)


def response(tenant, pillars=("WBCTi",), **fields):
    values = dict(
        tenant=tenant,
        title="Regional training on terrorist financing investigations",
        support_type="training",
        pillars=[reference(Pillar, code) for code in pillars],
    )
    values.update(fields)
    return Response(**values)


def support_link(response, need, coverage="partial", status="proposed", **fields):
    """Build a link from ``response`` to ``need``: just proposed unless ``status`` says more."""
    return SupportLink(response=response, need=need, coverage=coverage, status=status, **fields)


PASSWORD = "correct horse battery staple"


def totp_secret_for(email: str) -> str:
    """Return the authenticator secret a test user of ``email`` is enrolled with."""
    digest = hashlib.sha256(email.encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def user(tenant, email="ana@ministry.example", roles=("viewer",), enrolled=True, **fields):
    """Build a user with the test password, enrolled in TOTP unless ``enrolled`` is False."""
    person = User(
        email=email,
        name=fields.pop("name", email.split("@")[0].title()),
        tenant=tenant,
        password_hash=hash_password(fields.pop("password", PASSWORD)),
        role_grants=[UserRole(role=role) for role in roles],
        **fields,
    )
    db.session.add(person)
    db.session.flush()
    if enrolled:
        key = current_app.config["ENCRYPTION_KEY"]
        person.totp_secret_encrypted = totp.encrypt_secret(key, person.id, totp_secret_for(email))
        person.totp_enrolled_at = utc_now()
    return person


def publication(title="Needs mapping report 2024-2025", **fields):
    """Build a published edition with stand-in files (a real one is made by publishing)."""
    html = fields.pop("html", f"<!doctype html><title>{title}</title><p>{title}</p>".encode())
    pdf = fields.pop("pdf", b"%PDF-1.7 stand-in")
    values = dict(
        kind="needs",
        subject=f"needs:{title[-9:]}",
        title=title,
        status="published",
        pdf=pdf,
        html=html,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        html_sha256=hashlib.sha256(html).hexdigest(),
        key_id="0" * 16,
        pdf_signature="0" * 128,
        html_signature="0" * 128,
    )
    values.update(fields)
    return Publication(**values)
