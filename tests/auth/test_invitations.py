"""An invited user chooses a password, enrols an authenticator and is signed in."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select

from portal.models import Invitation, RecoveryCode, User, UserSession
from portal.models.base import utc_now
from portal.services import users
from tests import factories
from tests.conftest import csrf_token

EMAIL = "mira.petrovic@ministry.example"
GOOD_PASSWORD = "plum orchard under thin rain"
SECRET_ELEMENT = re.compile(r'id="totp-secret"[^>]*>\s*([A-Z2-7]+)\s*<')


class RecoveryCodeCounter(HTMLParser):
    """Collect the text of every element whose classes include ``recovery-code``."""

    def __init__(self):
        super().__init__()
        self.codes: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        self._inside = "recovery-code" in classes
        if self._inside:
            self.codes.append("")

    def handle_endtag(self, tag):
        self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.codes[-1] += data.strip()


def recovery_codes_on(page: str) -> list[str]:
    counter = RecoveryCodeCounter()
    counter.feed(page)
    return counter.codes


@pytest.fixture
def invitation_path(db):
    """Invite a new editor of a member tenant; return the path of the link."""
    tenant = factories.member_tenant()
    db.session.add(tenant)
    db.session.commit()
    created = users.create_user(
        {"email": EMAIL, "name": None, "tenant": tenant.code, "roles": ["editor"]}
    )
    return urlsplit(created.invitation_link).path


def invited_user(db) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == EMAIL))


def choose_password(client, path, password=GOOD_PASSWORD, confirm=None):
    """Open the invitation and submit a password; return the answer."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    return client.post(
        path,
        data={
            "password": password,
            "confirm_password": password if confirm is None else confirm,
            "csrf_token": token.group(1),
        },
    )


def enrolment_secret(client) -> str:
    page = client.get("/auth/2fa/setup")
    assert page.status_code == 200
    return SECRET_ELEMENT.search(page.get_data(as_text=True)).group(1)


def confirm_code(client, code):
    token = csrf_token(client, "/auth/2fa/setup")
    return client.post("/auth/2fa/setup", data={"code": code, "csrf_token": token})


def test_a_user_created_without_password_gets_an_invitation_link(invitation_path, db):
    user = invited_user(db)

    assert invitation_path.startswith("/auth/invite/")
    assert len(invitation_path.rsplit("/", 1)[1]) >= 32
    assert user.password_hash is None
    assert not user.enrolled


def test_the_invitation_token_is_stored_only_as_a_digest(invitation_path, db):
    token = invitation_path.rsplit("/", 1)[1]

    stored = db.session.scalars(select(Invitation.token_hash)).all()

    assert len(stored) == 1
    assert token not in stored[0]


def test_the_invitation_page_asks_for_a_password_twice(client, invitation_path):
    response = client.get(invitation_path)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert EMAIL in page
    assert 'name="password"' in page
    assert 'name="confirm_password"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "too common"),
        ("short words", "at least 12 characters"),
        ("mira.petrovic and her garden", "email name"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(client, invitation_path, db, password, reason):
    response = choose_password(client, invitation_path, password)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field_error = re.search(r'id="password-error"[^>]*>([^<]*)<', page)
    assert field_error, page
    assert reason in field_error.group(1)
    assert invited_user(db).password_hash is None
    assert db.session.scalars(select(UserSession)).all() == []


def test_two_different_entries_are_refused_naming_the_confirmation(client, invitation_path, db):
    response = choose_password(client, invitation_path, confirm=GOOD_PASSWORD + "!")

    assert response.status_code == 422
    assert 'id="confirm_password-error"' in response.get_data(as_text=True)
    assert invited_user(db).password_hash is None


def test_a_refused_password_leaves_the_link_usable(client, invitation_path):
    choose_password(client, invitation_path, "password1234")

    response = choose_password(client, invitation_path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/2fa/setup"


def test_an_invited_user_sets_a_password_enrols_and_is_signed_in(client, invitation_path, db):
    chosen = choose_password(client, invitation_path)
    assert chosen.status_code == 302
    assert chosen.headers["Location"] == "/auth/2fa/setup"
    assert client.get("/").headers["Location"].startswith("/auth/login")
    secret = enrolment_secret(client)

    response = confirm_code(client, pyotp.TOTP(secret).now())

    assert response.status_code == 200
    codes = recovery_codes_on(response.get_data(as_text=True))
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(codes)
    assert client.get("/").status_code == 200
    user = invited_user(db)
    assert user.enrolled
    assert user.password_hash is not None
    stored_codes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored_codes) == 10
    assert not set(codes) & set(stored_codes)


def test_the_first_recovery_codes_can_be_copied_printed_and_downloaded_once(
    client, invitation_path
):
    choose_password(client, invitation_path)
    page = confirm_code(client, pyotp.TOTP(enrolment_secret(client)).now()).get_data(True)
    codes = recovery_codes_on(page)

    # As when they are replaced: a box to copy from, and a download offered once.
    assert 'id="recovery-codes-text"' in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"key": key, "csrf_token": token}
    downloaded = client.post("/account/recovery-codes/download", data=form)
    again = client.post("/account/recovery-codes/download", data=form)

    assert downloaded.status_code == 200
    assert all(code in downloaded.get_data(as_text=True) for code in codes)
    assert again.status_code == 404


def test_the_secret_is_saved_only_after_a_right_code(client, invitation_path, db):
    choose_password(client, invitation_path)
    secret = enrolment_secret(client)
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = confirm_code(client, wrong)

    assert refused.status_code == 401
    assert not invited_user(db).enrolled
    assert recovery_codes_on(refused.get_data(as_text=True)) == []
    assert enrolment_secret(client) == secret


def test_the_password_chosen_works_at_the_next_sign_in(client, invitation_path, login, app, db):
    choose_password(client, invitation_path)
    confirm_code(client, pyotp.TOTP(enrolment_secret(client)).now())

    response = login.password_step(app.test_client(), EMAIL, GOOD_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/2fa"


def test_an_invitation_link_works_once(client, invitation_path, app):
    choose_password(client, invitation_path)
    other = app.test_client()

    opened = other.get(invitation_path)
    posted = other.post(
        invitation_path,
        data={
            "password": "another long passphrase",
            "confirm_password": "another long passphrase",
            "csrf_token": csrf_token(other, "/auth/login"),
        },
    )

    assert opened.status_code == 410
    assert 'name="password"' not in opened.get_data(as_text=True)
    assert posted.status_code == 410


def test_an_expired_invitation_is_refused(client, invitation_path, db):
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utc_now() - timedelta(seconds=1)
    db.session.commit()

    response = client.get(invitation_path)

    assert response.status_code == 410
    assert "cannot be used any more" in response.get_data(as_text=True)


def test_an_invitation_of_a_disabled_user_is_refused(client, invitation_path, db):
    invited_user(db).active = False
    db.session.commit()

    assert client.get(invitation_path).status_code == 410


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 43])
def test_an_unknown_invitation_token_is_refused(client, invitation_path, token):
    assert client.get(f"/auth/invite/{token}").status_code == 410


def test_the_password_alone_does_not_allow_replacing_an_authenticator(app, login, db):
    ana = factories.user(factories.member_tenant())
    db.session.commit()
    stored = ana.totp_secret_encrypted
    client = app.test_client()
    login.password_step(client, ana.email)

    opened = client.get("/auth/2fa/setup")
    posted = client.post(
        "/auth/2fa/setup",
        data={"code": "123456", "csrf_token": csrf_token(client, "/auth/2fa")},
    )

    assert opened.status_code == 302
    assert opened.headers["Location"] == "/auth/login"
    assert posted.status_code == 302
    assert posted.headers["Location"] == "/auth/login"
    db.session.expire_all()
    assert db.session.get(User, ana.id).totp_secret_encrypted == stored
    assert "totp-secret" not in opened.get_data(as_text=True)


@pytest.mark.parametrize(
    "code",
    ["\u0661\u0662\u0663\u0664\u0665\u0666", "\uff11\uff12\uff13\uff14\uff15\uff16"],
    ids=["arabic-indic digits", "full-width digits"],
)
def test_a_code_in_other_digits_is_refused_not_a_server_error(client, invitation_path, db, code):
    choose_password(client, invitation_path)
    enrolment_secret(client)

    response = confirm_code(client, code)

    assert 400 <= response.status_code < 500
    assert not invited_user(db).enrolled
