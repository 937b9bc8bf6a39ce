"""Two-factor sign-in, lockout and sessions, through the real pages."""

import re
import threading
from datetime import timedelta

import pyotp
import pytest
import structlog
from sqlalchemy import func, select, update

from portal.models import RecoveryCode, User, UserSession
from portal.models.base import utc_now
from portal.security import recovery_codes
from portal.security.passwords import hash_password
from portal.services import authentication, sessions
from tests import factories
from tests.conftest import csrf_token, fresh_code


@pytest.fixture
def ana(db):
    """An enrolled viewer of a member tenant."""
    person = factories.user(factories.member_tenant())
    db.session.commit()
    return person


def reload(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def session_rows(db, user):
    db.session.expire_all()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()


def anonymous_body(response, *emails):
    """Return the page without what legitimately differs: the CSRF token and the email."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))
    for email in emails:
        text = text.replace(email, "EMAIL")
    return text


def test_a_complete_sign_in_reaches_the_dashboard(login, ana):
    client = login(ana)

    response = client.get("/")

    assert response.status_code == 200
    assert ana.name in response.get_data(as_text=True)


def test_the_password_alone_reaches_no_protected_page(login, ana, app):
    client = app.test_client()

    response = login.password_step(client, ana.email)

    assert response.headers["Location"] == "/auth/2fa"
    for path in ("/", "/account", "/account/sessions"):
        assert client.get(path).headers["Location"].startswith("/auth/login")
    api = client.get("/", headers={"Accept": "application/json"})
    assert api.status_code == 401


def test_a_wrong_code_is_refused_and_the_right_one_then_works(login, ana, app):
    client = app.test_client()
    login.password_step(client, ana.email)

    refused = login.code_step(client, "000000")
    accepted = login.code_step(client, fresh_code(ana.id, ana.email))

    assert refused.status_code == 401
    assert "That code is not right" in refused.get_data(as_text=True)
    assert accepted.status_code == 302
    assert client.get("/").status_code == 200


def test_five_wrong_codes_end_the_half_sign_in(login, ana, app, db):
    client = app.test_client()
    login.password_step(client, ana.email)
    token = csrf_token(client, "/auth/2fa")
    for _ in range(5):
        login.code_step(client, "000000")

    response = client.post(
        "/auth/2fa", data={"code": fresh_code(ana.id, ana.email), "csrf_token": token}
    )

    assert response.headers["Location"] == "/auth/login"
    assert client.get("/").headers["Location"].startswith("/auth/login")
    assert [row.revoked_reason for row in session_rows(db, ana)] == ["too_many_codes"]


def test_the_half_sign_in_expires_after_five_minutes(login, ana, app, db):
    client = app.test_client()
    login.password_step(client, ana.email)
    db.session.execute(
        update(UserSession).values(created_at=utc_now() - timedelta(minutes=5, seconds=1))
    )
    db.session.commit()

    response = client.get("/auth/2fa")

    assert response.headers["Location"] == "/auth/login"
    assert session_rows(db, ana)[0].revoked_reason == "half_login_expired"


def test_refusals_look_the_same_whatever_the_reason(login, app, db):
    tenant = factories.member_tenant()
    active = factories.user(tenant, email="active@ministry.example")
    disabled = factories.user(tenant, email="disabled@ministry.example", active=False)
    locked = factories.user(
        tenant, email="locked@ministry.example", locked_until=utc_now() + timedelta(hours=1)
    )
    db.session.commit()
    cases = [
        ("nobody@ministry.example", factories.PASSWORD),
        (active.email, "not the password at all"),
        (disabled.email, factories.PASSWORD),
        (locked.email, factories.PASSWORD),
    ]
    emails = [email for email, _ in cases]

    answers = [login.password_step(app.test_client(), email, pw) for email, pw in cases]

    assert {answer.status_code for answer in answers} == {401}
    assert len({anonymous_body(answer, *emails) for answer in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(login, ana, app, db):
    client = app.test_client()
    for _ in range(10):
        assert login.password_step(client, ana.email, "wrong password, again").status_code == 401

    eleventh = login.password_step(client, ana.email)

    assert eleventh.status_code == 401
    locked = reload(db, ana)
    assert locked.locked_until > utc_now() + timedelta(minutes=14)


def test_code_failures_count_towards_the_lockout(login, ana, app, db):
    for _ in range(2):
        client = app.test_client()
        login.password_step(client, ana.email)
        for _ in range(5):
            login.code_step(client, "000000")

    assert reload(db, ana).locked_until is not None
    assert login.password_step(app.test_client(), ana.email).status_code == 401


def test_each_lockout_in_a_row_lasts_twice_as_long(login, ana, app, db):
    for round_number in (1, 2):
        for _ in range(10):
            login.password_step(app.test_client(), ana.email, "wrong password, again")
        user = reload(db, ana)
        length = user.locked_until - utc_now()
        if round_number == 1:
            first = length
            # The lock has run out; the next failures lock again.
            user.locked_until = utc_now() - timedelta(seconds=1)
            db.session.commit()

    assert length > first * 1.9


def test_a_successful_sign_in_resets_the_failure_count(login, ana, app, db):
    for _ in range(9):
        login.password_step(app.test_client(), ana.email, "wrong password, again")

    login(ana)
    login.password_step(app.test_client(), ana.email, "wrong password, again")

    assert reload(db, ana).failed_login_count == 1
    assert reload(db, ana).locked_until is None


def test_a_replayed_code_is_refused_and_recorded(login, ana, app):
    code = fresh_code(ana.id, ana.email)
    first, second = app.test_client(), app.test_client()
    login.password_step(first, ana.email)
    login.password_step(second, ana.email)
    login.code_step(first, code)

    with structlog.testing.capture_logs() as lines:
        replay = login.code_step(second, code)

    assert replay.status_code == 401
    assert "already been used" in replay.get_data(as_text=True)
    assert any(line.get("security_event") == "totp_replayed" for line in lines)


def test_of_two_simultaneous_uses_of_one_code_exactly_one_succeeds(app, db, ana):
    code = fresh_code(ana.id, ana.email)
    with app.test_request_context():
        rows = [sessions.start(ana.id, "192.0.2.1", "test")[0] for _ in range(2)]
        db.session.commit()
        row_ids = [row.id for row in rows]
    barrier = threading.Barrier(2)
    outcomes = []

    def use_code(row_id):
        with app.app_context():
            row = db.session.get(UserSession, row_id)
            barrier.wait()
            try:
                authentication.totp_step(row, code)
                outcomes.append("accepted")
            except authentication.CodeRefused:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use_code, args=(row_id,)) for row_id in row_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["accepted", "refused"]


def test_a_copied_cookie_stops_working_after_logout(login, ana, app):
    client = login(ana)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    assert thief.get("/").status_code == 200

    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/account")})

    assert thief.get("/").headers["Location"].startswith("/auth/login")
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_logout_is_post_only(login, ana):
    client = login(ana)

    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_a_tampered_session_cookie_counts_as_signed_out(login, ana, app):
    client = login(ana)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    tampered = cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB")
    client.set_cookie(cookie.key, tampered)

    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_sign_in_gives_a_new_session_identifier(login, ana, app):
    client = app.test_client()
    login.password_step(client, ana.email)
    half = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    fixated = app.test_client()
    fixated.set_cookie(app.config["SESSION_COOKIE_NAME"], half)

    login.code_step(client, fresh_code(ana.id, ana.email))

    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value != half
    assert client.get("/").status_code == 200
    assert fixated.get("/").headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize(
    ("column", "age", "reason"),
    [
        ("last_seen_at", timedelta(minutes=61), "idle_timeout"),
        ("created_at", timedelta(hours=12, minutes=1), "absolute_timeout"),
    ],
)
def test_sessions_time_out(login, ana, db, column, age, reason):
    client = login(ana)
    stale = utc_now() - age
    db.session.execute(update(UserSession).values({column: stale, "last_seen_at": stale}))
    if column == "created_at":
        db.session.execute(update(UserSession).values(last_seen_at=utc_now()))
    db.session.commit()

    response = client.get("/")

    assert response.headers["Location"].startswith("/auth/login")
    assert session_rows(db, ana)[0].revoked_reason == reason


@pytest.mark.parametrize("target", ["user", "tenant"])
def test_disabling_the_user_or_tenant_ends_the_session_at_the_next_request(login, ana, db, target):
    client = login(ana)
    user = reload(db, ana)
    (user if target == "user" else user.tenant).active = False
    db.session.commit()

    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_a_recovery_code_works_once_and_the_user_is_told(login, ana, app, db):
    code = recovery_codes.new_codes(1)[0]
    db.session.add(
        RecoveryCode(user_id=ana.id, code_hash=hash_password(recovery_codes.normalise(code)))
    )
    db.session.commit()
    client = app.test_client()
    login.password_step(client, ana.email)

    used = client.post(
        "/auth/recovery",
        data={"code": code.upper(), "csrf_token": csrf_token(client, "/auth/recovery")},
    )
    dashboard = client.get("/").get_data(as_text=True)
    again = app.test_client()
    login.password_step(again, ana.email)
    replay = again.post(
        "/auth/recovery", data={"code": code, "csrf_token": csrf_token(again, "/auth/recovery")}
    )

    assert used.status_code == 302
    assert "A recovery code was used to sign in" in dashboard
    assert replay.status_code == 401
    assert "not right or was already used" in replay.get_data(as_text=True)


def test_the_database_holds_no_usable_totp_secret(ana, db, app):
    secret = factories.totp_secret_for(ana.email)
    stored = reload(db, ana).totp_secret_encrypted

    assert secret.encode() not in stored
    assert pyotp.TOTP(secret).now().encode() not in stored
    with pytest.raises(Exception, match="does not decrypt"):
        from portal.security import totp

        totp.decrypt_secret(app.config["ENCRYPTION_KEY"], ana.id + 1, stored)


def test_an_over_long_password_is_refused_with_the_reason(login, ana, app, db):
    response = login.password_step(app.test_client(), ana.email, "x" * 2000)

    assert response.status_code == 422
    assert "at most 128 characters" in response.get_data(as_text=True)
    assert session_rows(db, ana) == []


def test_logs_of_a_full_sign_in_hold_no_secret(login, ana, app, capsys):
    code = fresh_code(ana.id, ana.email)
    client = app.test_client()
    capsys.readouterr()

    login.password_step(client, ana.email)
    login.code_step(client, code)
    client.get("/")

    logged = capsys.readouterr().err
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert "security_event" in logged
    for secret in (factories.PASSWORD, code, factories.totp_secret_for(ana.email), cookie):
        assert secret not in logged
