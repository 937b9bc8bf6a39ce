"""Attacks with only the application role's password (PostgreSQL), found by a review.

Each test acts as someone holding the application role's credentials but not the
portal's secret key (a psql session), and asserts what docs/security.md promises
("Someone holding the application role's password"): a temporary table named pg_class
does not make the app role the schema owner, and the organisations' kind, which the
portal signs, cannot be rewritten without a signature.
"""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal import db_identity
from portal.extensions import db as database
from tests.identity_support import set_settings, two_partners

pytestmark = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


@pytest.fixture
def world(db):
    return two_partners("admin")


def pose_as_owner(connection):
    """Shadow pg_catalog.pg_class with a temporary table naming the app role as owner.

    ``iisg_owner_acting()`` runs with the caller's search path, in which a session's
    temporary schema comes before pg_catalog for relations, and every role may create
    temporary tables by default: it must name ``pg_catalog.pg_class``, as it now does.
    """
    connection.execute(text("CREATE TEMP TABLE pg_class (oid oid, relowner oid)"))
    connection.execute(
        text(
            "INSERT INTO pg_class VALUES ("
            f" 'public.{db_identity.SECRETS_TABLE}'::regclass,"
            " (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user))"
        )
    )


def test_a_temporary_pg_class_makes_the_app_role_the_owner(world, as_app_role):
    with as_app_role.connect() as connection:
        pose_as_owner(connection)
        assert connection.execute(text("SELECT iisg_owner_acting()")).scalar() is False


def test_a_temporary_pg_class_reads_every_walled_row(world, as_app_role):
    with as_app_role.connect() as connection:
        pose_as_owner(connection)
        set_settings(connection, {"iisg.mode": "system"})
        users = connection.execute(text("SELECT email, password_hash FROM users")).all()
        needs = connection.execute(text("SELECT count(*) FROM needs")).scalar()
        trail = connection.execute(text("SELECT count(*) FROM audit_entries")).scalar()
    assert (len(users), needs, trail) == (0, 0, 0), (users, needs, trail)


def test_a_temporary_pg_class_writes_walled_rows(world, as_app_role):
    with as_app_role.connect() as connection:
        pose_as_owner(connection)
        set_settings(connection, {"iisg.mode": "system"})
        changed = connection.execute(
            text("UPDATE users SET password_hash = 'attacker-chosen-hash'")
        ).rowcount
        connection.rollback()
    assert changed == 0


def test_a_temporary_pg_class_adds_a_signing_key(world, as_app_role):
    # docs/security.md: signing keys are "admitted by row-level security only from the
    # signed system identity".
    with as_app_role.connect() as connection:
        pose_as_owner(connection)
        set_settings(connection, {"iisg.mode": "system"})
        with pytest.raises(DBAPIError, match="row-level security"):
            connection.execute(
                text(
                    "INSERT INTO audit_signing_keys (key_id, public_key, first_used_at)"
                    " VALUES ('forged', '00', now())"
                )
            )
        connection.rollback()


def test_the_app_role_cannot_make_its_tenant_the_secretariat(world, as_app_role):
    # The portal signs iisg.tenant_kind from tenants.kind: a partner user's tenant turned
    # into the Secretariat would be signed as such on the user's next request.
    with as_app_role.begin() as connection:
        changed = connection.execute(
            text("UPDATE tenants SET kind = 'secretariat', economy_id = NULL WHERE id = :id"),
            {"id": world["serbia"].tenant_id},
        ).rowcount
    assert changed == 0


def test_a_tenant_made_the_secretariat_by_the_app_role_is_signed_as_such(world, as_app_role, db):
    # The same escalation, seen from the portal: its principal (which it signs for the
    # database) takes the tenant's kind from the row the app role just wrote. An
    # 'admin' of a partner tenant becomes a platform administrator (portal.authz).
    from portal.identity import Principal
    from portal.models import User

    with as_app_role.begin() as connection:
        connection.execute(
            text("UPDATE tenants SET kind = 'secretariat', economy_id = NULL WHERE id = :id"),
            {"id": world["albania"].tenant_id},
        )
    database.session.expire_all()
    user = database.session.get(User, world["albania"].id)
    assert not Principal.of(user).in_secretariat
