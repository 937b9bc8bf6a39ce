"""``iisg users``: creating, inviting, disabling and resetting users from the command line."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal.models import RecoveryCode, Tenant, User, UserSession
from tests import factories

EMAIL = "mira.petrovic@moi.gov.al"
GOOD_PASSWORD = "plum orchard under thin rain"


@pytest.fixture
def ministry(db):
    """A partner tenant, committed so the command can find it."""
    tenant = factories.partner_tenant()
    db.session.add(tenant)
    db.session.commit()
    return tenant


def create(runner, email=EMAIL, tenant="AL-MOI", roles=("viewer",), password=None):
    """Run ``iisg users create``; with a password, pass it on standard input."""
    args = ["users", "create", email, "--tenant", tenant]
    for role in roles:
        args += ["--role", role]
    if password is not None:
        args.append("--password-stdin")
    return runner.invoke(args=args, input=None if password is None else f"{password}\n")


def find_user(db, email=EMAIL) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def user_count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_user_created_with_a_password_from_stdin_can_sign_in(runner, ministry, db, login, app):
    result = create(runner, roles=("viewer", "editor"), password=GOOD_PASSWORD)

    assert result.exit_code == 0, result.output
    assert f"Created {EMAIL}" in result.output
    assert "/auth/invite/" not in result.output
    assert GOOD_PASSWORD not in result.output
    user = find_user(db)
    assert user.roles == {"viewer", "editor"}
    assert user.tenant.code == "AL-MOI"
    response = login.password_step(app.test_client(), EMAIL, GOOD_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/2fa/setup"


def test_the_email_is_stored_in_lower_case(runner, ministry, db):
    result = create(runner, email="Mira.Petrovic@MOI.gov.al")

    assert result.exit_code == 0, result.output
    assert find_user(db) is not None


def test_a_user_created_without_a_password_gets_a_printed_invitation_link(
    runner, ministry, db, client
):
    result = create(runner)

    assert result.exit_code == 0, result.output
    link = re.search(r"\S+/auth/invite/\S+", result.output)
    assert link, result.output
    assert find_user(db).password_hash is None
    assert client.get(urlsplit(link.group(0)).path).status_code == 200


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "too common"),
        ("eleven char", "at least 12 characters"),
        ("al-moi and its gardens", "organisation's code"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason_and_nothing_is_created(
    runner, ministry, db, password, reason
):
    result = create(runner, password=password)

    assert result.exit_code == 1
    assert "password" in result.output
    assert reason in result.output
    assert find_user(db) is None


def test_an_unknown_tenant_is_refused_by_name(runner, ministry, db):
    result = create(runner, tenant="XX-NOWHERE")

    assert result.exit_code == 1
    assert "XX-NOWHERE" in result.output
    assert user_count(db) == 0


def test_a_second_user_with_the_same_email_is_refused(runner, ministry, db):
    factories.user(ministry, email=EMAIL)
    db.session.commit()

    result = create(runner, email=EMAIL.upper())

    assert result.exit_code == 1
    assert "already exists" in result.output
    assert user_count(db) == 1


def test_admin_is_refused_outside_the_secretariat(runner, ministry, db):
    result = create(runner, roles=("admin",))

    assert result.exit_code == 1
    assert "Only Secretariat users can be admin" in result.output
    assert find_user(db) is None


def test_admin_is_granted_in_the_secretariat(runner, db):
    db.session.add(Tenant(code="RCC", name="RCC Secretariat", kind="secretariat"))
    db.session.commit()

    result = create(runner, email="admin@rcc.example", tenant="RCC", roles=("admin",))

    assert result.exit_code == 0, result.output
    assert find_user(db, "admin@rcc.example").roles == {"admin"}


def test_an_unknown_role_is_refused(runner, ministry, db):
    result = create(runner, roles=("superuser",))

    assert result.exit_code == 1
    assert "Roles are:" in result.output
    assert "viewer" in result.output
    assert find_user(db) is None


def test_an_invalid_email_is_refused(runner, ministry, db):
    result = create(runner, email="not-an-address")

    assert result.exit_code == 1
    assert "valid email address" in result.output
    assert user_count(db) == 0


def test_disabling_a_user_ends_their_live_sessions(runner, ministry, db, login):
    ana = factories.user(ministry)
    db.session.commit()
    client = login(ana)
    assert client.get("/").status_code == 200

    result = runner.invoke(args=["users", "disable", ana.email])

    assert result.exit_code == 0, result.output
    assert "disabled" in result.output
    assert client.get("/").headers["Location"].startswith("/auth/login")
    db.session.expire_all()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == ana.id)).all()
    assert [row.revoked_reason for row in rows] == ["user_disabled"]
    assert find_user(db, ana.email).active is False


def test_a_disabled_user_cannot_sign_in_until_enabled_again(runner, ministry, db, login, app):
    ana = factories.user(ministry)
    db.session.commit()
    runner.invoke(args=["users", "disable", ana.email])
    refused = login.password_step(app.test_client(), ana.email)

    result = runner.invoke(args=["users", "enable", ana.email])

    assert refused.status_code == 401
    assert result.exit_code == 0, result.output
    assert login.password_step(app.test_client(), ana.email).status_code == 302


def test_resetting_two_factor_makes_the_user_enrol_again(runner, ministry, db, login, app):
    ana = factories.user(ministry)
    db.session.add(RecoveryCode(user_id=ana.id, code_hash="not-a-real-hash"))
    db.session.commit()
    client = login(ana)

    result = runner.invoke(args=["users", "reset-2fa", ana.email])

    assert result.exit_code == 0, result.output
    user = find_user(db, ana.email)
    assert user.totp_secret_encrypted is None
    assert user.totp_enrolled_at is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert client.get("/").headers["Location"].startswith("/auth/login")
    response = login.password_step(app.test_client(), ana.email)
    assert response.headers["Location"] == "/auth/2fa/setup"


@pytest.mark.parametrize("command", ["disable", "enable", "reset-2fa"])
def test_an_unknown_email_gives_a_clear_error(runner, ministry, db, command):
    result = runner.invoke(args=["users", command, "nobody@moi.gov.al"])

    assert result.exit_code == 1
    assert "No user has the address nobody@moi.gov.al" in result.output
    assert "Traceback" not in result.output
