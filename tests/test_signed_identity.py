"""The database believes only the identity the portal signed (PostgreSQL).

Each test acts as someone holding the application role's password but not the portal's
secret key: a psql session, a script. They set the same transaction-local settings the
portal sets, and must get nothing the portal's principal would not.
"""

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from audit import tables as trail
from portal import db_identity, identity
from portal.extensions import db as database
from portal.models import Need, Tenant
from tests import factories
from tests.identity_support import set_settings, two_partners

postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
pytestmark = postgresql_only


@pytest.fixture
def world(db):
    return two_partners("editor")


@pytest.fixture
def key(app) -> bytes:
    return db_identity.key_of(app.config)


def principal(user) -> dict[str, str]:
    return {
        "iisg.mode": "principal",
        "iisg.tenant_id": str(user.tenant_id),
        "iisg.user_id": str(user.id),
        "iisg.tenant_kind": "partner",
        "iisg.roles": "editor",
    }


def counts(connection) -> tuple[int, int]:
    needs = connection.execute(text("SELECT count(*) FROM needs")).scalar()
    users = connection.execute(text("SELECT count(*) FROM users")).scalar()
    return needs, users


def test_claiming_the_system_without_a_signature_reads_nothing(world, as_app_role):
    with as_app_role.connect() as connection:
        set_settings(connection, {"iisg.mode": "system"})
        assert counts(connection) == (0, 0)
        assert connection.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 0


def test_claiming_the_system_without_a_signature_changes_no_adopted_need(world, as_app_role):
    with as_app_role.connect() as connection:
        set_settings(connection, {"iisg.mode": "system"})
        changed = connection.execute(
            text("UPDATE needs SET title = 'rewritten' WHERE id = :id"), {"id": world["adopted"]}
        ).rowcount
    assert changed == 0


def test_claiming_another_tenant_without_a_signature_reads_nothing(world, as_app_role):
    with as_app_role.connect() as connection:
        set_settings(connection, principal(world["albania"]))
        assert counts(connection) == (0, 0)


def test_a_made_up_signature_is_refused(world, as_app_role):
    with as_app_role.connect() as connection:
        set_settings(connection, {**principal(world["albania"]), "iisg.signature": "0" * 64})
        with pytest.raises(ProgrammingError, match="not signed by the portal"):
            connection.execute(text("SELECT count(*) FROM needs"))


def test_a_signature_is_good_in_its_own_transaction_only(world, as_app_role, key):
    settings = principal(world["albania"])
    with as_app_role.connect() as connection:
        with connection.begin():
            signed = db_identity.sign(connection, key, settings)
            set_settings(connection, signed)
            assert counts(connection) == (2, 1)
        # Seen in a log, say, and sent again in a later transaction.
        with connection.begin():
            set_settings(connection, signed)
            with pytest.raises(ProgrammingError, match="not signed by the portal"):
                connection.execute(text("SELECT count(*) FROM needs"))


def test_changing_one_signed_setting_breaks_the_signature(world, as_app_role, key):
    with as_app_role.connect() as connection:
        signed = db_identity.sign(connection, key, principal(world["serbia"]))
        signed["iisg.tenant_id"] = str(world["albania"].tenant_id)
        set_settings(connection, signed)
        with pytest.raises(ProgrammingError, match="not signed by the portal"):
            connection.execute(text("SELECT count(*) FROM needs"))


def test_the_application_role_cannot_read_the_key(world, as_app_role):
    with as_app_role.connect() as connection:
        with pytest.raises(ProgrammingError, match="permission denied"):
            connection.execute(text("SELECT * FROM iisg_database_secrets"))


def test_the_application_role_writes_no_shared_table_without_a_signature(world, as_app_role):
    # Organisations, reference lists and cycles are read by everyone, but written only
    # by a signed identity: an organisation's kind is part of what the portal signs.
    with as_app_role.begin() as connection:
        set_settings(connection, {"iisg.mode": "system", "audit.actor_kind": "system"})
        changed = [
            connection.execute(text(statement)).rowcount
            for statement in (
                "UPDATE pillars SET name = name || ' (forged)'",
                "UPDATE tenants SET kind = 'secretariat'",
                "DELETE FROM cycles",
            )
        ]
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(text("INSERT INTO pillars (code, name) VALUES ('X', 'Forged')"))
    assert changed == [0, 0, 0]


def test_an_actor_named_without_a_signature_is_refused(world, as_owner):
    # Only the schema owner can still write without a signature; even it names no actor.
    with as_owner.connect() as connection:
        set_settings(
            connection,
            {
                "iisg.mode": "system",
                "audit.actor_kind": "user",
                "audit.actor_id": str(world["serbia"].id),
                "audit.actor_label": "FORGED by mallory",
            },
        )
        with pytest.raises(ProgrammingError, match="without the application's signature"):
            connection.execute(text("UPDATE pillars SET name = name || ' (forged)'"))


def test_a_change_without_any_actor_names_the_database_user(world, as_owner):
    with as_owner.begin() as connection:
        set_settings(connection, {"iisg.mode": "system"})
        connection.execute(text("UPDATE pillars SET name = name || '.' WHERE id = 1"))
    rows = database.session.execute(
        select(trail.entries.c.actor_kind, trail.entries.c.actor_label).where(
            trail.entries.c.table_name == "pillars", trail.entries.c.operation == "U"
        )
    ).all()
    assert rows[-1].actor_kind == "db"
    assert rows[-1].actor_label.startswith("iisg_owner_")


class TestStrictMode:
    @pytest.fixture
    def strict(self, as_owner, key):
        with as_owner.begin() as connection:
            db_identity.store(connection, key, strict=True)

    def test_a_session_cannot_switch_it_off(self, world, strict, as_app_role, key):
        # A signed identity that names no actor (what the portal sends with
        # IISG_AUDIT_STRICT=0) is refused, whatever the session says of strict mode.
        with as_app_role.connect() as connection:
            connection.execute(text("SET audit.strict = 'off'"))
            set_settings(connection, db_identity.sign(connection, key, {"iisg.mode": "system"}))
            with pytest.raises(DBAPIError, match="strict mode"):
                connection.execute(text("UPDATE pillars SET name = name || '.' WHERE id = 1"))

    def test_the_portal_still_writes(self, world, strict, db):
        identity.act_as(world["albania"])
        try:
            need = database.session.get(Need, world["draft"])
            need.title = "Still written"
            database.session.commit()
            assert database.session.get(Need, world["draft"]).title == "Still written"
        finally:
            identity.forget()

    def test_the_schema_owner_may_repair_without_an_actor(self, world, strict, as_owner):
        with as_owner.begin() as connection:
            set_settings(connection, {"iisg.mode": "system"})
            changed = connection.execute(
                text("UPDATE pillars SET name = name || '.' WHERE id = 1")
            ).rowcount
        assert changed == 1


class TestSecurityEvents:
    @staticmethod
    def record(connection, tenant_id) -> None:
        connection.execute(
            text("SELECT audit_record_event('login_failed', :tenant, CAST(:details AS jsonb))"),
            {"tenant": tenant_id, "details": json.dumps({"forged": True})},
        )

    def test_an_unsigned_event_is_refused(self, world, as_app_role):
        with as_app_role.connect() as connection:
            set_settings(connection, {"audit.actor_kind": "system"})
            with pytest.raises(ProgrammingError, match="refused to this identity"):
                self.record(connection, world["albania"].tenant_id)

    def test_a_principal_records_no_event_of_another_tenant(self, world, as_app_role, key):
        with as_app_role.connect() as connection:
            settings = {
                **principal(world["serbia"]),
                "audit.actor_kind": "user",
                "audit.actor_id": str(world["serbia"].id),
                "audit.actor_tenant_id": str(world["serbia"].tenant_id),
            }
            set_settings(connection, db_identity.sign(connection, key, settings))
            with pytest.raises(ProgrammingError, match="refused to this identity"):
                self.record(connection, world["albania"].tenant_id)

    def test_a_principal_records_events_of_its_own_tenant(self, world, as_app_role, key, db):
        serbian = world["serbia"]
        with as_app_role.begin() as connection:
            settings = {
                **principal(serbian),
                "audit.actor_kind": "user",
                "audit.actor_id": str(serbian.id),
                "audit.actor_tenant_id": str(serbian.tenant_id),
            }
            set_settings(connection, db_identity.sign(connection, key, settings))
            self.record(connection, serbian.tenant_id)
        events = database.session.scalar(
            select(func.count()).where(
                trail.entries.c.event == "login_failed",
                trail.entries.c.tenant_id == serbian.tenant_id,
            )
        )
        assert events == 1


def test_a_portal_whose_key_the_database_does_not_hold_says_how_to_mend_it(world, make_app, app):
    other = make_app(DATABASE_IDENTITY_KEY=b"k" * 32)
    with other.app_context():
        with pytest.raises(ProgrammingError, match="not signed by the portal") as caught:
            database.session.execute(text("SELECT count(*) FROM needs")).scalar()
        database.session.rollback()
    assert "iisg db upgrade" in str(caught.value)


def test_the_start_up_check_names_a_key_the_database_does_not_hold(world, make_app, app):
    from portal.database import identity_problem

    with app.app_context():
        assert identity_problem() is None
    other = make_app(DATABASE_IDENTITY_KEY=b"k" * 32)
    with other.app_context():
        assert "run 'iisg db upgrade' as the schema owner" in identity_problem()


def test_claiming_the_system_without_a_signature_adds_no_signing_key(world, as_app_role):
    # Sealing writes chain links and checkpoints as the system: a forged claim may not.
    with as_app_role.connect() as connection:
        set_settings(connection, {"iisg.mode": "system"})
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(
                text(
                    "INSERT INTO audit_signing_keys (key_id, public_key, first_used_at)"
                    " VALUES ('forged', '00', now())"
                )
            )


def test_a_temporary_table_cannot_stand_in_for_the_beneficiaries(world, as_app_role, key):
    # The responses' policy asks for the beneficiaries (once through iisg_rows_benefiting,
    # which reads them by name; now in the policy itself): a temporary table of that
    # name, first in the session's search path, must not decide which restricted
    # responses a partner reads.
    member = factories.member_tenant()
    restricted = factories.response(member, record_status="published", visibility="restricted")
    database.session.add(restricted)
    database.session.commit()
    albanian = world["albania"]
    economy_id = database.session.get(Tenant, albanian.tenant_id).economy_id
    with as_app_role.connect() as connection:
        connection.execute(
            text("CREATE TEMPORARY TABLE response_beneficiaries (response_id int, economy_id int)")
        )
        connection.execute(
            text("INSERT INTO response_beneficiaries VALUES (:response, :economy)"),
            {"response": restricted.id, "economy": economy_id},
        )
        settings = {**principal(albanian), "iisg.economy_id": str(economy_id)}
        set_settings(connection, db_identity.sign(connection, key, settings))
        seen = connection.execute(
            text("SELECT count(*) FROM responses WHERE id = :id"), {"id": restricted.id}
        ).scalar()
    assert seen == 0
