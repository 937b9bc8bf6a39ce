"""PostgreSQL row-level security on its own: fail closed, per transaction, pool-safe."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
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
        # A validated need it reads but may not write: as it stands, the row is not one
        # it may update, so nothing is (the check of the row as it would become is never
        # reached).
        validated = connection.execute(
            text("UPDATE needs SET priority = 'low' WHERE status = 'validated'")
        ).rowcount
    engine.dispose()

    assert visible == 2
    assert (changed, validated) == (0, 0)


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


def test_a_response_asks_for_its_own_beneficiary_pairing_since_benefits_by_key():
    responses = record_types.REGISTRY["responses"]
    beneficiaries = record_types.REGISTRY["response_beneficiaries"]

    before = rls._policy(responses, record_types.LOOKUP_BY_KEY)
    now = rls._policy(responses, record_types.BENEFITS_BY_KEY)

    # Before: the set of every response benefiting the economy, built per statement.
    assert "iisg_rows_benefiting" in before.read
    assert "iisg_rows_benefiting" not in now.read
    assert (
        "EXISTS (SELECT FROM response_beneficiaries AS beneficiary"
        " WHERE beneficiary.response_id = responses.id"
        " AND beneficiary.economy_id = iisg_economy())"
    ) in now.read
    # The table the responses consult does not consult them back through a policy.
    assert rls._policy(beneficiaries, record_types.LOOKUP_BY_KEY).write.startswith("EXISTS")
    assert rls._policy(beneficiaries, record_types.BENEFITS_BY_KEY).write == (
        "iisg_owns_row('responses', response_id)"
    )


@pytest.fixture
def restricted_response(db):
    """A member's published response restricted to Albania, with Albania and Serbia's editors."""
    member = factories.member_tenant()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    response = factories.response(
        member,
        record_status="published",
        visibility="restricted",
        beneficiaries=[factories.economy("AL")],
    )
    db.session.add(response)
    people = {
        "member": factories.user(member, email="ec@example.org", roles=("editor",)),
        "albania": factories.user(albania, email="al@example.org", roles=("editor",)),
        "serbia": factories.user(serbia, email="rs@example.org", roles=("editor",)),
    }
    db.session.commit()
    return response, people


def _as(connection, app, person, db) -> None:
    from portal.models import Tenant

    tenant = db.session.get(Tenant, person.tenant_id)
    settings = {
        "mode": "principal",
        "tenant_id": str(person.tenant_id),
        "user_id": str(person.id),
        "tenant_kind": tenant.kind,
    }
    if tenant.economy_id:
        settings["economy_id"] = str(tenant.economy_id)
    identify(connection, db_identity.key_of(app.config), **settings)


@postgresql_only
def test_a_restricted_response_and_its_pillars_reach_the_partner_it_benefits_only(
    restricted_response, database_url, db, app
):
    response, people = restricted_response
    engine = raw_engine(database_url)
    seen = {}
    for name in ("albania", "serbia"):
        with engine.connect() as connection:
            _as(connection, app, people[name], db)
            seen[name] = [
                connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {key} = :id"), {"id": response.id}
                ).scalar()
                for table, key in (("responses", "id"), ("response_pillars", "response_id"))
            ]
    engine.dispose()

    assert seen == {"albania": [1, 1], "serbia": [0, 0]}


@postgresql_only
def test_only_a_responses_owner_writes_its_beneficiaries(
    restricted_response, database_url, db, app
):
    response, people = restricted_response
    serbia = db.session.scalar(text("SELECT id FROM partner_economies WHERE code = 'RS'"))
    insert = text("INSERT INTO response_beneficiaries (response_id, economy_id) VALUES (:r, :e)")
    engine = raw_engine(database_url)
    # A partner that reads the response may not add itself among its beneficiaries...
    with engine.connect() as connection:
        _as(connection, app, people["albania"], db)
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(insert, {"r": response.id, "e": serbia})
    # ...nor take a beneficiary off it (the row is readable, the delete changes nothing).
    with engine.connect() as connection:
        _as(connection, app, people["albania"], db)
        removed = connection.execute(
            text("DELETE FROM response_beneficiaries WHERE response_id = :r"), {"r": response.id}
        ).rowcount
    # Its owner may: the check does not recurse into the responses' own policy.
    with engine.connect() as connection:
        _as(connection, app, people["member"], db)
        connection.execute(insert, {"r": response.id, "e": serbia})
        connection.commit()
    with engine.connect() as connection:
        _as(connection, app, people["serbia"], db)
        now_seen = connection.execute(
            text("SELECT count(*) FROM responses WHERE id = :id"), {"id": response.id}
        ).scalar()
    engine.dispose()

    assert removed == 0
    assert now_seen == 1


@postgresql_only
def test_the_installed_policies_are_the_latest_generations(db):
    installed = dict(
        db.session.execute(
            text("SELECT tablename, qual FROM pg_policies WHERE policyname = 'iisg_read'")
        ).all()
    )

    assert "EXISTS" in installed["response_pillars"]
    assert "referred.id = response_pillars.response_id" in installed["response_pillars"]
    assert "beneficiary.response_id = responses.id" in installed["responses"]
    assert "iisg_rows_benefiting" not in installed["responses"]


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


@pytest.fixture
def two_members_responses(restricted_response, db):
    """Restricted response of one member (with a pillar and a beneficiary), and another
    member with an editor and a response of its own."""
    response, people = restricted_response
    other = factories.member_tenant(code="DE-BMI")
    own = factories.response(other, pillars=("WBBSi",))
    db.session.add(own)
    people["other member"] = factories.user(other, email="de@example.org", roles=("editor",))
    db.session.commit()
    return response, own, people


@postgresql_only
@pytest.mark.parametrize("table", ["response_beneficiaries", "response_pillars"])
def test_a_tenant_cannot_move_another_tenants_rows_onto_its_own_record(
    two_members_responses, database_url, db, app, table
):
    theirs, own, people = two_members_responses
    engine = raw_engine(database_url)
    with engine.connect() as connection:
        _as(connection, app, people["albania"], db)
        moved_by_reader = connection.execute(
            text(f"UPDATE {table} SET response_id = :own WHERE response_id = :theirs"),
            {"own": own.id, "theirs": theirs.id},
        ).rowcount
    with engine.connect() as connection:
        _as(connection, app, people["other member"], db)
        moved_by_member = connection.execute(
            text(f"UPDATE {table} SET response_id = :own WHERE response_id = :theirs"),
            {"own": own.id, "theirs": theirs.id},
        ).rowcount
        # Its own rows it still changes.
        changed_own = connection.execute(
            text(f"UPDATE {table} SET response_id = response_id WHERE response_id = :own"),
            {"own": own.id},
        ).rowcount
    engine.dispose()

    assert (moved_by_reader, moved_by_member) == (0, 0)
    assert changed_own == (1 if table == "response_pillars" else 0)


@postgresql_only
def test_the_app_role_reads_the_data_versions_and_creates_nothing_in_the_schema(
    db, database_url, database_owner_url
):
    app_role = make_url(database_url).username
    privileges = db.session.execute(
        text(
            "SELECT has_sequence_privilege(:role, 'iisg_data_version_needs', 'SELECT'),"
            " has_sequence_privilege(:role, 'iisg_data_version_needs', 'USAGE'),"
            " has_function_privilege(:role, 'iisg_raise_data_version()', 'EXECUTE'),"
            " has_schema_privilege(:role, 'public', 'CREATE')"
        ),
        {"role": app_role},
    ).one()

    assert tuple(privileges) == (True, False, False, False)


@postgresql_only
def test_installing_the_walls_takes_back_creating_in_the_schema_from_everyone(
    db, database_url, database_owner_url
):
    # PostgreSQL 14 and older let every role create in public, as this grant does.
    app_role = make_url(database_url).username
    engine = raw_engine(database_owner_url)
    with engine.begin() as connection:
        connection.execute(text("GRANT CREATE ON SCHEMA public TO PUBLIC"))
        opened = connection.execute(
            text("SELECT has_schema_privilege(:role, 'public', 'CREATE')"), {"role": app_role}
        ).scalar()
        for statement in rls.install_statements(app_role):
            connection.execute(text(statement))
        closed = connection.execute(
            text("SELECT has_schema_privilege(:role, 'public', 'CREATE')"), {"role": app_role}
        ).scalar()
    engine.dispose()

    assert (opened, closed) == (True, False)


@postgresql_only
def test_an_operator_of_the_callers_own_does_not_decide_who_owns_a_response(
    two_members_responses, database_url, database_owner_url, db, app
):
    # A role that could create in a schema before pg_catalog in its search_path (given
    # here on purpose) must not make the beneficiaries' writers' check answer yes.
    theirs, _own, people = two_members_responses
    app_role = make_url(database_url).username
    serbia = db.session.scalar(text("SELECT id FROM partner_economies WHERE code = 'RS'"))
    owner = raw_engine(database_owner_url)
    with owner.begin() as connection:
        connection.execute(text(f'GRANT CREATE ON SCHEMA public TO "{app_role}"'))
    owner.dispose()
    engine = raw_engine(database_url)
    with engine.connect() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION public.always(integer, integer) RETURNS boolean"
                " LANGUAGE sql AS 'SELECT true'"
            )
        )
        connection.execute(
            text(
                "CREATE OPERATOR public.= (leftarg = integer, rightarg = integer,"
                " function = public.always)"
            )
        )
        connection.commit()
        _as(connection, app, people["other member"], db)
        connection.execute(text("SET LOCAL search_path = public, pg_catalog"))
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(
                text(
                    "INSERT INTO response_beneficiaries (response_id, economy_id) VALUES (:r, :e)"
                ),
                {"r": theirs.id, "e": serbia},
            )
    engine.dispose()
