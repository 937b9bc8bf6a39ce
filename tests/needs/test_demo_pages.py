"""The needs pages with the demo data: every need a demo user can see opens cleanly."""

import re

import pytest
from flask import current_app
from sqlalchemy import select

from portal.demo.loader import load_demo
from portal.models import User
from portal.models.base import utc_now
from portal.security import totp
from portal.security.passwords import hash_password
from tests import factories


def enrol(db, email) -> User:
    """Give a demo user the test password's authenticator, as if they had enrolled."""
    person = db.session.scalar(select(User).where(User.email == email))
    key = current_app.config["ENCRYPTION_KEY"]
    person.password_hash = hash_password(factories.PASSWORD)
    secret = factories.totp_secret_for(email)
    person.totp_secret_encrypted = totp.encrypt_secret(key, person.id, secret)
    person.totp_enrolled_at = utc_now()
    db.session.commit()
    return person


@pytest.mark.parametrize(
    "email",
    ["editor@al-moi.iisg.example", "validator@sec.iisg.example", "editor@ec-near.iisg.example"],
)
def test_every_visible_demo_need_opens(login, db, email):
    load_demo()
    client = login(enrol(db, email))

    listing = client.get("/needs?per_page=100")
    ids = set(re.findall(r'href="/needs/(\d+)"', listing.get_data(as_text=True)))

    assert listing.status_code == 200 and ids
    for need_id in ids:
        assert client.get(f"/needs/{need_id}").status_code == 200
    assert client.get("/needs/carry-over").status_code == 200


def test_a_demo_partner_editor_sees_needs_to_carry_over(login, db):
    load_demo()
    client = login(enrol(db, "editor@al-moi.iisg.example"))

    page = client.get("/needs/carry-over").get_data(as_text=True)

    assert 'name="need_ids"' in page or "already carried over" in page
