"""``iisg tenants`` and ``iisg users list``: organisations managed from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import Tenant, UserSession
from tests import factories


def tenant_count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Tenant))


def find_tenant(db, code) -> Tenant | None:
    db.session.expire_all()
    return db.session.scalar(select(Tenant).where(Tenant.code == code))


def create(runner, code="ME-MOI", name="Ministry of Interior of Montenegro", *options):
    return runner.invoke(args=["tenants", "create", code, "--name", name, *options])


@pytest.fixture
def albania(db):
    """A partner tenant with a user, committed so the commands can find them."""
    tenant = factories.partner_tenant(code="AL-MOI", economy="AL", name="Ministry of Interior")
    factories.user(tenant, email="ana@mpb.gov.al", roles=("editor", "viewer"))
    db.session.commit()
    return tenant


def test_a_created_partner_appears_in_the_list(runner, db):
    created = create(
        runner, "me-moi", "Ministry of Interior", "--kind", "partner", "--economy", "ME"
    )
    listed = runner.invoke(args=["tenants", "list"])

    assert created.exit_code == 0, created.output
    assert "Created ME-MOI: Ministry of Interior (partner)." in created.output
    assert listed.exit_code == 0, listed.output
    (line,) = listed.output.splitlines()
    assert line.split()[:4] == ["ME-MOI", "partner", "ME", "active"]
    assert line.endswith("Ministry of Interior")
    assert find_tenant(db, "ME-MOI").economy.code == "ME"


def test_the_list_can_be_searched(runner, db, albania):
    create(runner, "EC-HOME", "DG Migration and Home Affairs", "--kind", "member")

    result = runner.invoke(args=["tenants", "list", "--search", "home"])

    assert result.exit_code == 0, result.output
    assert "EC-HOME" in result.output
    assert "AL-MOI" not in result.output


@pytest.mark.parametrize(
    ("code", "options", "reason"),
    [
        ("ME-MOI", ["--kind", "partner"], "economy: A partner needs its economy"),
        ("ME-MOI", ["--kind", "partner", "--economy", "ZZ"], "economy: A partner needs"),
        ("EC-HOME", ["--kind", "member", "--economy", "ME"], "economy: Only partner"),
        ("ME MOI", ["--kind", "member"], "code: Use 2 to 20 capital letters"),
        ("AL-MOI", ["--kind", "partner", "--economy", "AL"], "code: The code AL-MOI is already"),
    ],
)
def test_a_refused_tenant_exits_1_with_the_reason(runner, db, albania, code, options, reason):
    before = tenant_count(db)

    result = create(runner, code, "Some Ministry", *options)

    assert result.exit_code == 1
    assert reason in result.output
    assert "Traceback" not in result.output
    assert tenant_count(db) == before


def test_an_unknown_kind_is_refused_by_the_command(runner, db):
    result = create(runner, "EC-HOME", "DG HOME", "--kind", "agency")

    assert result.exit_code == 2
    assert "agency" in result.output
    assert tenant_count(db) == 0


def test_deactivating_a_tenant_ends_its_users_sessions(runner, db, albania, login):
    user = factories.user(albania, email="besa@mpb.gov.al")
    db.session.commit()
    client = login(user)
    assert client.get("/").status_code == 200

    result = runner.invoke(args=["tenants", "deactivate", "al-moi"])

    assert result.exit_code == 0, result.output
    assert "AL-MOI is deactivated; 1 session(s) ended." in result.output
    db.session.expire_all()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert [row.revoked_reason for row in rows] == ["tenant_disabled"]
    assert find_tenant(db, "AL-MOI").active is False
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_the_secretariat_cannot_be_deactivated(runner, db, login):
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    admin = factories.user(secretariat, email="admin@iisg.example", roles=("admin",))
    db.session.commit()
    client = login(admin)

    result = runner.invoke(args=["tenants", "deactivate", "IISG-SEC"])

    assert result.exit_code == 1
    assert "The Secretariat cannot be deactivated" in result.output
    assert find_tenant(db, "IISG-SEC").active is True
    assert client.get("/").status_code == 200


def test_a_deactivated_tenants_users_sign_in_again_once_it_is_activated(
    runner, db, albania, login, app
):
    runner.invoke(args=["tenants", "deactivate", "AL-MOI"])
    refused = login.password_step(app.test_client(), "ana@mpb.gov.al")

    result = runner.invoke(args=["tenants", "activate", "AL-MOI"])

    assert refused.status_code == 401
    assert result.exit_code == 0, result.output
    assert "AL-MOI is active again." in result.output
    assert find_tenant(db, "AL-MOI").active is True
    assert login.password_step(app.test_client(), "ana@mpb.gov.al").status_code == 302


@pytest.mark.parametrize("command", ["deactivate", "activate"])
def test_an_unknown_tenant_code_gives_a_clear_error(runner, db, command):
    result = runner.invoke(args=["tenants", command, "NOPE"])

    assert result.exit_code == 1
    assert "No organisation has the code NOPE" in result.output
    assert "Traceback" not in result.output


def test_users_list_shows_only_the_tenants_users_with_their_roles(runner, db, albania):
    serbia = factories.partner_tenant(code="RS-MUP", economy="RS")
    factories.user(serbia, email="marko@mup.gov.rs", roles=("tenant_admin",))
    factories.user(albania, email="besa@mpb.gov.al", roles=("tenant_admin",), enrolled=False)
    db.session.commit()

    result = runner.invoke(args=["users", "list", "--tenant", "AL-MOI"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    ana, besa = lines
    assert ana.split()[:2] == ["ana@mpb.gov.al", "AL-MOI"]
    assert "editor, viewer" in ana
    assert ana.endswith("active, 2FA")
    assert besa.split()[:3] == ["besa@mpb.gov.al", "AL-MOI", "tenant_admin"]
    assert besa.endswith("active, no 2FA yet")
    assert "marko@mup.gov.rs" not in result.output


def test_users_list_without_a_tenant_shows_everyone(runner, db, albania):
    serbia = factories.partner_tenant(code="RS-MUP", economy="RS")
    factories.user(serbia, email="marko@mup.gov.rs", roles=("tenant_admin",))
    db.session.commit()

    result = runner.invoke(args=["users", "list"])

    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == [
        "ana@mpb.gov.al",
        "marko@mup.gov.rs",
    ]


def test_users_list_of_an_unknown_tenant_gives_a_clear_error(runner, db, albania):
    result = runner.invoke(args=["users", "list", "--tenant", "NOPE"])

    assert result.exit_code == 1
    assert "No organisation has the code NOPE" in result.output
    assert "ana@mpb.gov.al" not in result.output
    assert "Traceback" not in result.output
