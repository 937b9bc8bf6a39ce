"""Every write path leaves exactly the expected entries, with the right row images."""

import json
import re
import sqlite3
import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from audit import context as audit_context
from audit import tables as audit_tables
from audit.canonical import canonical_text_bytes
from audit.chain import document_text
from portal import db_identity
from portal.models import AcquisChapter, Need, Pillar, Response, UserSession, need_acquis_chapters
from tests import factories
from tests.conftest import POSTGRES_ADMIN_URL

entries = audit_tables.entries


def last_entry_id(db) -> int:
    return db.session.scalar(select(func.coalesce(func.max(entries.c.id), 0)))


def entries_after(db, mark: int) -> list:
    return db.session.execute(
        select(entries).where(entries.c.id > mark).order_by(entries.c.id)
    ).all()


def summary(rows) -> list[tuple]:
    return [(row.table_name, row.operation, row.row_key) for row in rows]


@pytest.fixture
def albania(db):
    cycle = factories.cycle()
    tenant = factories.partner_tenant()
    need = factories.need(cycle, tenant, title="Border surveillance", priority="high")
    db.session.add(need)
    db.session.commit()
    return need


def test_an_orm_flush_records_the_new_row_with_its_tenant(db):
    mark = last_entry_id(db)
    tenant = factories.partner_tenant()
    cycle = factories.cycle()
    need = factories.need(cycle, tenant, title="Border surveillance")
    db.session.add(need)
    db.session.commit()

    rows = entries_after(db, mark)

    assert summary(rows) == [
        ("tenants", "I", str(tenant.id)),
        ("cycles", "I", str(cycle.id)),
        ("needs", "I", str(need.id)),
    ]
    need_entry = rows[-1]
    assert need_entry.tenant_id == tenant.id
    assert need_entry.old_row is None
    assert need_entry.new_row["title"] == "Border surveillance"
    assert need_entry.new_row["status"] == "draft"
    assert rows[1].tenant_id is None  # a cycle is platform data


def test_a_core_update_records_old_and_new_images_and_the_changed_columns(db, albania):
    mark = last_entry_id(db)

    db.session.execute(update(Need).where(Need.id == albania.id).values(title="Green border"))
    db.session.commit()

    (entry,) = entries_after(db, mark)
    assert (entry.table_name, entry.operation, entry.row_key) == ("needs", "U", str(albania.id))
    assert entry.old_row["title"] == "Border surveillance"
    assert entry.new_row["title"] == "Green border"
    assert entry.changed_columns == ["title", "updated_at"]
    assert entry.tenant_id == albania.tenant_id


def test_an_update_that_changes_nothing_records_nothing(db, albania):
    mark = last_entry_id(db)

    db.session.execute(text("UPDATE needs SET title = title, priority = priority"))
    db.session.commit()

    assert entries_after(db, mark) == []


def test_a_core_delete_records_the_row_and_what_the_foreign_keys_cascade(db, albania):
    chapter = db.session.scalar(select(AcquisChapter).where(AcquisChapter.number == 24))
    albania.acquis_chapters.append(chapter)
    db.session.commit()
    mark = last_entry_id(db)

    db.session.execute(delete(Need).where(Need.id == albania.id))
    db.session.commit()

    rows = entries_after(db, mark)
    assert sorted(summary(rows)) == [
        ("need_acquis_chapters", "D", f"{albania.id}/{chapter.id}"),
        ("needs", "D", str(albania.id)),
    ]
    # The cascaded row still belongs to the need's tenant, though the need is gone.
    assert {row.tenant_id for row in rows} == {albania.tenant_id}
    assert all(row.new_row is None for row in rows)


def test_bulk_inserts_and_updates_record_one_entry_per_row(db, albania):
    mark = last_entry_id(db)

    db.session.execute(
        insert(Pillar),
        [
            {"code": "WBCYi", "name": "Cyber security initiative", "position": 4},
            {"code": "WBMIi", "name": "Migration initiative", "position": 5},
        ],
    )
    db.session.execute(
        update(Need), [{"id": albania.id, "version": albania.version, "priority": "low"}]
    )
    db.session.commit()

    assert [(t, op) for t, op, _key in summary(entries_after(db, mark))] == [
        ("pillars", "I"),
        ("pillars", "I"),
        ("needs", "U"),
    ]


def test_an_upsert_records_an_insert_or_an_update(db, backend):
    dialect_insert = postgres_insert if backend == "postgresql" else sqlite_insert
    mark = last_entry_id(db)

    for name in ("Cyber security initiative", "Cyber resilience initiative"):
        statement = dialect_insert(Pillar).values(code="WBCYi", name=name, position=4)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["code"], set_={"name": statement.excluded.name}
            )
        )
        db.session.commit()

    first, second = entries_after(db, mark)
    assert (first.operation, second.operation) == ("I", "U")
    assert second.changed_columns == ["name"]
    assert second.new_row["name"] == "Cyber resilience initiative"


def test_raw_sql_through_the_app_is_recorded(db, albania):
    mark = last_entry_id(db)

    db.session.execute(text("UPDATE needs SET priority = 'low' WHERE id = :id"), {"id": albania.id})
    db.session.commit()

    (entry,) = entries_after(db, mark)
    assert (entry.operation, entry.changed_columns) == ("U", ["priority"])
    assert (entry.old_row["priority"], entry.new_row["priority"]) == ("high", "low")


def test_secrets_are_recorded_as_changed_but_never_written(db):
    tenant = factories.member_tenant()
    user = factories.user(tenant, email="eva@commission.example")
    db.session.commit()
    mark = last_entry_id(db)

    user.password_hash = "$argon2id$v=19$new-hash"
    db.session.commit()

    (entry,) = entries_after(db, mark)
    assert "password_hash" in entry.changed_columns
    assert entry.old_row["password_hash"] == entry.new_row["password_hash"] == "[redacted]"
    assert entry.new_row["totp_secret_encrypted"] == "[redacted]"
    everything = str(entries_after(db, 0))
    assert "new-hash" not in everything and "argon2" not in everything


def test_bookkeeping_alone_is_not_recorded(db):
    tenant = factories.member_tenant()
    user = factories.user(tenant, email="eva@commission.example")
    session_row = UserSession(token_hash="a" * 64, user=user)
    db.session.add(session_row)
    db.session.commit()
    mark = last_entry_id(db)

    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_row.id)
        .values(last_seen_at=func.current_timestamp())
    )
    db.session.commit()
    assert entries_after(db, mark) == []

    db.session.execute(
        update(UserSession).where(UserSession.id == session_row.id).values(revoked_reason="logout")
    )
    db.session.commit()
    (entry,) = entries_after(db, mark)
    assert entry.changed_columns == ["revoked_reason"]
    assert entry.tenant_id == tenant.id


def test_a_rolled_back_change_leaves_no_entry(db, albania):
    mark = last_entry_id(db)

    db.session.execute(update(Need).values(title="Never happened"))
    db.session.rollback()

    assert entries_after(db, mark) == []


def test_entries_carry_who_acted_and_from_where(db, albania, backend):
    mark = last_entry_id(db)

    with audit_context.acting(
        actor_id=7,
        actor_kind="user",
        actor_label="ana@ministry.example",
        actor_tenant_id=albania.tenant_id,
        request_id="req-42",
        client_address="192.0.2.10",
        reason="typo in the title",
    ):
        db.session.execute(update(Need).values(title="Border surveillance equipment"))
        db.session.commit()

    (entry,) = entries_after(db, mark)
    assert (entry.actor_id, entry.actor_kind, entry.actor_label) == (
        7,
        "user",
        "ana@ministry.example",
    )
    assert (entry.actor_tenant_id, entry.request_id, entry.client_address, entry.reason) == (
        albania.tenant_id,
        "req-42",
        "192.0.2.10",
        "typo in the title",
    )


def test_a_change_through_the_pages_names_the_signed_in_user_and_the_request(db, login):
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    admin = factories.user(secretariat, email="admin@rcc.example", roles=("admin",))
    factories.partner_tenant()
    db.session.commit()
    client = login(admin)
    from tests.conftest import csrf_token

    page = "/admin/tenants"
    mark = last_entry_id(db)
    token = csrf_token(client, page)
    tenant_id = db.session.scalar(text("SELECT id FROM tenants WHERE code = 'AL-MOI'"))
    response = client.post(
        f"/admin/tenants/{tenant_id}/name",
        data={"name": "Ministry of Interior of Albania", "csrf_token": token},
    )

    assert response.status_code in (302, 303), response.get_data(as_text=True)
    rows = [row for row in entries_after(db, mark) if row.table_name == "tenants"]
    assert [row.operation for row in rows] == ["U"]
    (entry,) = rows
    assert (entry.actor_id, entry.actor_kind, entry.actor_label) == (
        admin.id,
        "user",
        "admin@rcc.example",
    )
    assert entry.request_id == response.headers["X-Request-ID"]
    assert entry.client_address == "127.0.0.1"


def test_security_events_join_the_trail(db, client):
    tenant = factories.member_tenant()
    user = factories.user(tenant, email="eva@commission.example")
    db.session.commit()
    mark = last_entry_id(db)
    from tests.conftest import csrf_token

    token = csrf_token(client, "/auth/login")
    client.post(
        "/auth/login",
        data={"email": user.email, "password": "not the password at all", "csrf_token": token},
    )

    events = [row for row in entries_after(db, mark) if row.operation == "E"]
    assert [(row.event, row.tenant_id) for row in events] == [("login_failed", tenant.id)]
    assert events[0].new_row["reason"] == "wrong_password"
    assert events[0].client_address == "127.0.0.1"


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
def test_a_raw_sqlite_connection_without_the_apps_functions_cannot_write(db, albania, database_url):
    path = make_url(database_url).database
    connection = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            connection.execute("UPDATE needs SET priority = 'low'")
    finally:
        connection.close()
    assert db.session.scalar(select(Need.priority)) == "high"


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
def test_a_raw_sqlite_session_with_the_functions_is_recorded(db, albania, database_url):
    mark = last_entry_id(db)
    connection = sqlite3.connect(make_url(database_url).database)
    audit_context.register_sqlite_functions(connection)
    connection.execute("UPDATE needs SET priority = 'low'")
    connection.commit()
    connection.close()

    (entry,) = entries_after(db, mark)
    assert (entry.table_name, entry.operation, entry.actor_kind) == ("needs", "U", "system")


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_a_psql_session_is_recorded_with_the_database_user(db, albania, database_url):
    mark = last_entry_id(db)
    # A database administrator's psql session: no application, no settings.
    url = make_url(POSTGRES_ADMIN_URL).set(database=make_url(database_url).database)
    subprocess.run(
        [
            "psql",
            url.render_as_string(hide_password=False),
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "UPDATE needs SET priority = 'low'; TRUNCATE need_acquis_chapters;",
        ],
        check=True,
        capture_output=True,
    )

    rows = entries_after(db, mark)
    assert summary(rows) == [
        ("needs", "U", str(albania.id)),
        ("need_acquis_chapters", "T", None),
    ]
    assert {(row.actor_kind, row.actor_label) for row in rows} == {("db", url.username)}
    assert all(row.client_address for row in rows)


def test_a_deleted_response_takes_its_pillars_into_the_trail(db):
    member = factories.member_tenant()
    response = factories.response(member, pillars=("WBCTi", "WBBSi"))
    db.session.add(response)
    db.session.commit()
    mark = last_entry_id(db)

    db.session.execute(delete(Response).where(Response.id == response.id))
    db.session.commit()

    rows = entries_after(db, mark)
    assert sorted(table for table, _op, _key in summary(rows)) == [
        "response_pillars",
        "response_pillars",
        "responses",
    ]
    assert {row.tenant_id for row in rows} == {member.id}


class TestStrictMode:
    @pytest.fixture
    def strict_app(self, make_app):
        app = make_app(AUDIT_STRICT=True)
        yield app
        audit_context.set_strict(False)

    def test_a_write_without_an_actor_is_refused(self, strict_app):
        from portal.extensions import db

        with strict_app.app_context():
            mark = last_entry_id(db)
            db.session.add(factories.member_tenant())
            with pytest.raises(DBAPIError, match="strict"):
                db.session.commit()
            db.session.rollback()
            assert entries_after(db, mark) == []

    def test_a_write_with_an_actor_goes_through(self, strict_app):
        from portal.extensions import db

        with strict_app.app_context(), audit_context.acting(actor_kind="system", actor_label="t"):
            mark = last_entry_id(db)
            db.session.add(factories.member_tenant())
            db.session.commit()
            kinds = [entry.actor_kind for entry in entries_after(db, mark)]
        assert kinds == ["system"]


def test_the_chapter_table_is_recorded_on_insert(db, albania):
    chapter = db.session.scalar(select(AcquisChapter).where(AcquisChapter.number == 23))
    mark = last_entry_id(db)

    db.session.execute(
        insert(need_acquis_chapters).values(need_id=albania.id, chapter_id=chapter.id)
    )
    db.session.commit()

    (entry,) = entries_after(db, mark)
    assert (entry.row_key, entry.tenant_id) == (f"{albania.id}/{chapter.id}", albania.tenant_id)


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_database_wide_strict_mode_refuses_anonymous_writes_but_not_the_portals(
    db, app, albania, database_url, database_owner_url
):
    # What `iisg db upgrade` records with IISG_AUDIT_STRICT=1, as the schema owner.
    owner = create_engine(database_owner_url, poolclass=NullPool)
    with owner.begin() as connection:
        db_identity.store(connection, db_identity.key_of(app.config), strict=True)
    owner.dispose()
    outsider = create_engine(database_url, poolclass=NullPool)
    try:
        with pytest.raises(DBAPIError, match="strict mode"), outsider.begin() as connection:
            # A signed identity that names no actor, as the portal sends without strict mode.
            key = db_identity.key_of(app.config)
            for name, value in db_identity.sign(connection, key, {"iisg.mode": "system"}).items():
                connection.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
            connection.execute(text("UPDATE pillars SET name = name || '.'"))
    finally:
        outsider.dispose()
    with audit_context.acting(actor_kind="system", actor_label="maintenance"):
        db.session.execute(update(Need).values(priority="low"))
        db.session.commit()

    assert db.session.scalar(select(Need.priority)) == "low"


# The forms docs/audit.md ("Row images") documents for each database, as the canonical
# documents hold them.
IMAGE_FORMS = {
    "postgresql": {
        # The offset is the writing session's TimeZone's.
        "timestamp": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?[+-]\d\d:\d\d",
        "active": True,
        "budget_amount": ["125000.50", "98000.00"],
    },
    "sqlite": {
        "timestamp": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}",
        "active": 1,
        "budget_amount": ["125000.5", 98000],
    },
}


def canonical_documents_after(db, mark: int) -> list[dict]:
    dialect = db.session.get_bind().dialect.name
    texts = db.session.execute(
        select(document_text(dialect)).where(entries.c.id > mark).order_by(entries.c.id)
    ).scalars()
    return [json.loads(canonical_text_bytes(text)) for text in texts]


def test_row_images_hold_each_databases_own_forms_as_documented(db, backend):
    forms = IMAGE_FORMS[backend]
    mark = last_entry_id(db)
    tenant = factories.member_tenant()
    response = factories.response(tenant, budget_amount=Decimal("125000.50"), budget_currency="EUR")
    db.session.add(response)
    db.session.commit()
    response.budget_amount = Decimal("98000.00")
    db.session.commit()

    documents = canonical_documents_after(db, mark)
    tenant_image = next(item["new_row"] for item in documents if item["table_name"] == "tenants")
    *_, inserted, updated = [item for item in documents if item["table_name"] == "responses"]

    assert re.fullmatch(forms["timestamp"], tenant_image["created_at"])
    assert repr(tenant_image["active"]) == repr(forms["active"])
    budgets = [inserted["new_row"]["budget_amount"], updated["new_row"]["budget_amount"]]
    assert budgets == forms["budget_amount"]
