"""The account pages: sensitive changes behind re-authentication, and session control."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from audit.tables import entries
from portal.models import RecoveryCode, User, UserSession
from portal.models.base import utc_now
from portal.security.passwords import verify_password
from tests import factories
from tests.conftest import AuthActions, csrf_token, fresh_code

NEW_PASSWORD = "a brand new passphrase for the portal"


@pytest.fixture
def ana(db):
    person = factories.user(factories.partner_tenant())
    db.session.commit()
    return person


def reload(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def make_authentication_old(db):
    db.session.execute(
        update(UserSession).values(reauthenticated_at=utc_now() - timedelta(minutes=11))
    )
    db.session.commit()


def post(client, path, form_page, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_page)})


def change_password(client, current=factories.PASSWORD, new=NEW_PASSWORD, confirm=None):
    return post(
        client,
        "/account/password",
        "/account/password",
        current_password=current,
        password=new,
        confirm_password=confirm or new,
    )


def test_sensitive_pages_ask_to_confirm_after_ten_minutes(login, ana, db):
    client = login(ana)
    make_authentication_old(db)

    for path in ("/account/password", "/account/2fa"):
        assert client.get(path).headers["Location"] == f"/account/confirm?next={path}"
    regenerate = client.post(
        "/account/recovery-codes", data={"csrf_token": csrf_token(client, "/account")}
    )
    assert regenerate.headers["Location"].startswith("/account/confirm")


def test_confirming_both_factors_unlocks_the_change(login, ana, db):
    client = login(ana)
    make_authentication_old(db)

    confirmed = post(
        client,
        "/account/confirm?next=/account/password",
        "/account/confirm",
        password=factories.PASSWORD,
        code=fresh_code(ana.id, ana.email),
    )

    assert confirmed.headers["Location"] == "/account/password"
    assert client.get("/account/password").status_code == 200


def test_a_wrong_password_does_not_confirm(login, ana, db):
    client = login(ana)
    make_authentication_old(db)

    refused = post(
        client,
        "/account/confirm",
        "/account/confirm",
        password="not my password at all",
        code=fresh_code(ana.id, ana.email),
    )

    assert refused.status_code == 401
    assert client.get("/account/password").headers["Location"].startswith("/account/confirm")


def test_changing_the_password_ends_the_other_sessions(login, ana, app, db):
    other = login(ana)
    client = login(ana)

    response = change_password(client)

    assert response.headers["Location"] == "/account"
    assert client.get("/").status_code == 200
    assert other.get("/").headers["Location"].startswith("/auth/login")
    assert verify_password(reload(db, ana).password_hash, NEW_PASSWORD)
    assert login.password_step(app.test_client(), ana.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"current": "not my password at all"}, "current_password", "This is not your password"),
        ({"new": "too short"}, "password", "at least 12 characters"),
        ({"new": "password1234"}, "password", "too common"),
        ({"confirm": "something else entirely"}, "confirm_password", "The two passwords differ"),
    ],
)
def test_a_refused_password_change_names_the_field_and_changes_nothing(
    login, ana, db, change, field, reason
):
    client = login(ana)
    before = reload(db, ana).password_hash

    response = change_password(client, **change)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and reason in page
    assert reload(db, ana).password_hash == before


def test_moving_to_a_new_authenticator_retires_the_old_one(login, ana, app, db):
    client = login(ana)
    page = client.get("/account/2fa").get_data(as_text=True)
    new_secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page).group(1)

    response = post(
        client,
        "/account/2fa",
        "/account/2fa",
        code=pyotp.TOTP(new_secret).at(utc_now().timestamp() + 30),
    )

    assert response.get_data(as_text=True).count('class="recovery-code') == 10
    fresh = app.test_client()
    login.password_step(fresh, ana.email)
    old_code = pyotp.TOTP(factories.totp_secret_for(ana.email)).now()
    assert login.code_step(fresh, old_code).status_code == 401


def test_new_recovery_codes_replace_the_old_ones(login, ana, db):
    client = login(ana)

    confirmed = {"confirm": "yes"}
    first = client.post(
        "/account/recovery-codes", data={"csrf_token": csrf_token(client, "/account"), **confirmed}
    )
    first_hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
    second = client.post(
        "/account/recovery-codes", data={"csrf_token": csrf_token(client, "/account"), **confirmed}
    )
    db.session.expire_all()

    codes = re.findall(r'class="recovery-code[^"]*">([a-z2-7-]+)<', second.get_data(as_text=True))
    assert first.status_code == second.status_code == 200
    assert len(codes) == 10
    assert first_hashes.isdisjoint(db.session.scalars(select(RecoveryCode.code_hash)))


def test_users_list_their_sessions_and_end_another(login, ana, db):
    other = login(ana)
    client = login(ana)
    page = client.get("/account/sessions").get_data(as_text=True)
    ends = re.findall(r'action="/account/sessions/(\d+)/end"', page)

    assert "This session" in page
    assert len(ends) == 1
    response = post(client, f"/account/sessions/{ends[0]}/end", "/account/sessions", confirm="yes")

    assert response.headers["Location"] == "/account/sessions"
    assert other.get("/").headers["Location"].startswith("/auth/login")
    assert client.get("/").status_code == 200


def test_another_users_session_cannot_be_ended(login, ana, db):
    bojan = factories.user(ana.tenant, email="bojan@ministry.example")
    db.session.commit()
    login(bojan)
    client = login(ana)
    foreign = db.session.scalar(select(UserSession.id).where(UserSession.user_id == bojan.id))

    response = post(client, f"/account/sessions/{foreign}/end", "/account/sessions", confirm="yes")

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(UserSession, foreign).revoked_at is None


def security_events_of(db, user):
    db.session.expire_all()
    rows = db.session.execute(
        select(entries.c.event, entries.c.new_row)
        .where(entries.c.operation == "E")
        .order_by(entries.c.id)
    ).all()
    return [(event, details) for event, details in rows if details.get("user_id") == user.id]


def test_wrong_current_passwords_lock_the_account_as_failed_sign_ins_do(login, ana, app, db):
    client = login(ana)
    wrong = [change_password(client, current=f"guess number {n}").status_code for n in range(10)]

    right = change_password(client)

    assert wrong == [422] * 10
    locked = reload(db, ana)
    assert locked.locked_until > utc_now() + timedelta(minutes=14)
    # Locked, the right password changes nothing either, here or at sign-in.
    assert right.status_code == 422
    assert "locked" in right.get_data(as_text=True)
    assert not verify_password(locked.password_hash, NEW_PASSWORD)
    assert login.password_step(app.test_client(), ana.email).status_code == 401
    events = security_events_of(db, ana)
    failures = [details for event, details in events if event == "login_failed"]
    assert [details["reason"] for details in failures[:10]] == ["password_change"] * 10
    assert "account_locked" in [event for event, _details in events]


def wrong_confirmation(client, number):
    return post(
        client, "/account/confirm", "/account/confirm", password=f"guess {number}", code="123456"
    )


def wrong_current_password(client, number):
    return change_password(client, current=f"guess number {number}")


@pytest.mark.parametrize(
    ("guess", "refused"), [(wrong_current_password, 422), (wrong_confirmation, 401)]
)
def test_password_guesses_in_a_session_are_throttled_like_sign_in(make_app, db, guess, refused):
    strict = make_app(LOGIN_RATE_LIMIT="3 per 15 minutes")
    with strict.app_context():
        person = factories.user(factories.partner_tenant())
        db.session.commit()
        client = AuthActions(strict)(person)

    answers = [guess(client, number).status_code for number in range(4)]

    assert answers == [refused] * 3 + [429]
