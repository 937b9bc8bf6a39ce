"""Security events land in the trail beside the changes they accompany."""

from sqlalchemy import select

from audit import context as audit_context
from audit import tables as audit_tables
from portal.identity import act_from_command_line
from portal.services import users
from tests import factories
from tests.conftest import csrf_token

entries = audit_tables.entries


def events(db, name):
    return db.session.execute(
        select(entries).where(entries.c.event == name).order_by(entries.c.id)
    ).all()


def test_a_factor_reset_and_a_role_change_are_recorded_with_the_admin_as_actor(db, acting_as):
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    admin = factories.user(secretariat, email="admin@rcc.example", roles=("admin",))
    albania = factories.partner_tenant()
    ana = factories.user(albania, email="ana@al.example", roles=("viewer",))
    db.session.commit()
    acting_as(admin)

    with audit_context.acting(actor_id=admin.id, actor_kind="user", actor_label=admin.email):
        users.reset_second_factor(ana.email)
        users.set_roles(ana, ["editor"])
    acting_as(None)  # reading the trail back is the system's (an admin is no auditor)

    (reset,) = events(db, "factor_reset")
    (roles,) = events(db, "roles_changed")
    assert (reset.tenant_id, reset.actor_id, reset.new_row["user_id"]) == (
        albania.id,
        admin.id,
        ana.id,
    )
    assert roles.tenant_id == albania.id
    # The change itself is in the trail too, redacted where it holds a secret.
    *_, cleared = db.session.execute(
        select(entries).where(
            entries.c.table_name == "users",
            entries.c.operation == "U",
            entries.c.row_key == str(ana.id),
        )
    ).all()
    assert "totp_secret_encrypted" in cleared.changed_columns
    assert cleared.new_row["totp_secret_encrypted"] is None
    assert cleared.old_row["totp_secret_encrypted"] == "[redacted]"


def test_an_access_denial_is_recorded(db, login):
    albania = factories.partner_tenant()
    viewer = factories.user(albania, email="viewer@al.example", roles=("viewer",))
    db.session.commit()
    client = login(viewer)

    response = client.get("/audit")

    assert response.status_code == 403
    (denial,) = events(db, "access_denied")
    assert denial.new_row["path"] == "/audit"
    assert (denial.actor_id, denial.tenant_id) == (viewer.id, albania.id)


def test_a_replayed_code_is_recorded(db, login):
    albania = factories.partner_tenant()
    viewer = factories.user(albania, email="viewer@al.example", roles=("viewer",))
    db.session.commit()
    from tests.conftest import fresh_code

    code = fresh_code(viewer.id, viewer.email)
    first = login.app.test_client()
    login.password_step(first, viewer.email)
    login.code_step(first, code)
    second = login.app.test_client()
    login.password_step(second, viewer.email)
    token = csrf_token(second, "/auth/2fa")
    second.post("/auth/2fa", data={"code": code, "csrf_token": token})

    assert [row.tenant_id for row in events(db, "totp_replayed")] == [albania.id]
    assert len(events(db, "login_succeeded")) == 1


def test_changes_from_the_command_line_name_the_account_and_command(db):
    try:
        act_from_command_line("tenants create XK-MIA")
        db.session.add(factories.partner_tenant(code="XK-MIA", economy="XK"))
        db.session.commit()
    finally:
        audit_context.clear()

    (entry,) = db.session.execute(select(entries).where(entries.c.table_name == "tenants")).all()
    assert entry.actor_kind == "system"
    assert entry.actor_label.endswith(": iisg tenants create XK-MIA")
