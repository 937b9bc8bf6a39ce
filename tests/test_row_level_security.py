"""PostgreSQL row-level security on its own: fail closed, per transaction, pool-safe."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from portal import db_identity, record_types, rls
from portal.database import prepare_database
from portal.models import Base
from portal.rls import POLICIES, UNSCOPED_TABLES
from tests import factories

postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)

STATUSES = ("draft", "submitted", "returned", "withdrawn", "validated", "adopted")


@pytest.fixture
def albania_and_serbia(db):
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    for status in STATUSES:
        db.session.add(factories.need(cycle, albania, title=f"Need {status}", status=status))
    people = {
        "albania": factories.user(albania, email="al@example.org", roles=("editor",)),
        "serbia": factories.user(serbia, email="rs@example.org", roles=("editor",)),
    }
    db.session.commit()
    return people


def raw_engine(url):
    return create_engine(url, poolclass=NullPool)


def identify(connection, key: bytes, **settings: str) -> None:
    """Set ``iisg.<name>`` settings for the transaction, signed as the portal signs them."""
    named = {f"iisg.{name}": value for name, value in settings.items()}
    signed = db_identity.sign(connection, key, named)
    for name, value in signed.items():
        connection.execute(
            text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )


def test_every_mapped_table_is_walled_or_declared_shared():
    walled = {policy.table for policy in POLICIES}

    assert walled.isdisjoint(UNSCOPED_TABLES)
    assert set(Base.metadata.tables) == walled | UNSCOPED_TABLES


@postgresql_only
def test_a_connection_that_says_nothing_sees_nothing(albania_and_serbia, database_url):
    engine = raw_engine(database_url)
    with engine.connect() as connection:
        needs = connection.execute(text("SELECT count(*) FROM needs")).scalar()
        users = connection.execute(text("SELECT count(*) FROM users")).scalar()
    engine.dispose()

    assert (needs, users) == (0, 0)


@postgresql_only
def test_a_principal_cannot_write_another_tenants_rows(albania_and_serbia, database_url, db, app):
    serbian = albania_and_serbia["serbia"]
    engine = raw_engine(database_url)
    with engine.connect() as connection:
        identify(
            connection,
            db_identity.key_of(app.config),
            mode="principal",
            tenant_id=str(serbian.tenant_id),
            user_id=str(serbian.id),
        )
        visible = connection.execute(text("SELECT count(*) FROM needs")).scalar()
        changed = connection.execute(
            text("UPDATE needs SET title = 'hijacked' WHERE status = 'draft'")
        ).rowcount
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(text("UPDATE needs SET priority = 'low' WHERE status = 'validated'"))
    engine.dispose()

    assert visible == 2
    assert changed == 0


@postgresql_only
def test_settings_end_with_the_transaction(albania_and_serbia, database_url, app):
    engine = raw_engine(database_url)
    with engine.connect() as connection:
        with connection.begin():
            identify(connection, db_identity.key_of(app.config), mode="system")
            inside = connection.execute(text("SELECT count(*) FROM needs")).scalar()
        after = connection.execute(text("SELECT count(*) FROM needs")).scalar()
    engine.dispose()

    assert inside == len(STATUSES)
    assert after == 0


@postgresql_only
def test_a_pool_of_two_never_carries_one_requests_identity_into_another(
    albania_and_serbia, login, make_app
):
    app = make_app(
        ENCRYPTION_KEY=login.app.config["ENCRYPTION_KEY"],
        TENANCY_APPLICATION_LAYER=False,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2, "max_overflow": 0, "pool_pre_ping": True},
    )
    login.app = app
    clients = {name: login(person) for name, person in albania_and_serbia.items()}
    expected = {"albania": "6", "serbia": "2"}

    seen = []
    for name in ["albania", "serbia", "serbia", "albania", "albania", "serbia"] * 3:
        page = clients[name].get("/").get_data(as_text=True)
        seen.append((name, page.split('data-pillar="WBCTi" data-figure="needs">')[1].split("<")[0]))

    assert seen == [(name, expected[name]) for name, _ in seen]


def test_a_childs_policy_looks_up_its_one_parent_since_lookups_by_key():
    pillars = record_types.REGISTRY["response_pillars"]

    before = rls._policy(pillars, record_types.REPLAY_CACHE)
    now = rls._policy(pillars, record_types.LOOKUP_BY_KEY)

    # Before: every readable response listed for each statement; now: the one referred to.
    assert before.read == "response_id IN (SELECT id FROM responses)"
    assert now.read == (
        "EXISTS (SELECT FROM responses AS referred"
        " WHERE referred.id = response_pillars.response_id)"
    )
    assert "referred.tenant_id = iisg_tenant()" in now.write


@postgresql_only
def test_the_installed_policies_are_the_latest_generations(db):
    installed = dict(
        db.session.execute(
            text("SELECT tablename, qual FROM pg_policies WHERE policyname = 'iisg_read'")
        ).all()
    )

    assert "EXISTS" in installed["response_pillars"]
    assert "referred.id = response_pillars.response_id" in installed["response_pillars"]


@postgresql_only
def test_the_portal_does_not_compile_its_statements_just_in_time(db):
    # The planner prices a policy's key lookups as if every row needed one; with JIT on,
    # compiling took 300 ms of a 10 ms statement (docs/benchmarks.md).
    assert db.session.execute(text("SHOW jit")).scalar() == "off"


def test_options_given_in_the_url_are_kept_beside_jit_off(app):
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        "postgresql+psycopg://iisg@db.example/iisg?options=-c%20statement_timeout%3D5000"
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}

    prepare_database(app)

    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert options == "-c statement_timeout=5000 -c jit=off"
