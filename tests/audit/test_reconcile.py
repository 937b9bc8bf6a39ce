"""Reconciling the tables with the trail: a row changed, added or removed without an entry.

The changes a test wants unrecorded are made as the database's owner with the table's
capture switched off (PostgreSQL: the trigger disabled; SQLite: its triggers dropped
through a plain sqlite3 connection), what a superuser or anyone holding the database
file could do. Everything else goes through the portal, whose changes the capture
records, and must reconcile.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, delete, func, select, text, update

from audit import reconcile as audit_reconcile
from audit import tables, triggers
from audit.declaration import PLATFORM, Audited, Declaration
from portal import audit_trail
from portal.models import (
    ApiToken,
    Invitation,
    Need,
    Pillar,
    RecoveryCode,
    ResponseParty,
    Tenant,
    User,
    UserRole,
    UserSession,
)
from portal.models.base import utc_now
from portal.record_types import REGISTRY
from tests import factories
from tests.audit.chain_support import behind_the_trail, system_connection

entries = tables.entries


def found(result) -> list[tuple[str, str]]:
    """Return the table and key of every unrecorded change listed."""
    return sorted((change.table, change.row_key) for change in result.changes)


def enrolled_user(db, tenant, email="ana@ministry.example"):
    """A user with a password, an authenticator, a session, codes, an invitation, a token."""
    person = factories.user(tenant, email=email, roles=("viewer", "editor"))
    now = utc_now()
    db.session.add_all(
        [
            UserSession(
                user_id=person.id,
                token_hash=f"{person.id:064x}",
                pending_totp_secret_encrypted=b"\x00\x01secret",
                second_factor_at=now,
                second_factor_method="totp",
            ),
            RecoveryCode(user_id=person.id, code_hash="hashed code"),
            Invitation(
                user_id=person.id, token_hash=f"{person.id + 1:064x}", expires_at=now + timedelta(1)
            ),
            ApiToken(
                user_id=person.id,
                name="script",
                token_hash=f"{person.id + 2:064x}",
                prefix="iisg_abcdefg",
                expires_at=now + timedelta(days=90),
            ),
        ]
    )
    db.session.commit()
    return person


@pytest.fixture
def used(runner, db):
    """The demo, then some ordinary use: a user enrolled, changes, deletions, a key changed.

    Returns the enrolled user's id.
    """
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    tenant = db.session.scalar(select(Tenant).where(Tenant.code == "AL-MOI"))
    person = enrolled_user(db, tenant)
    first, second = db.session.scalars(select(Need).where(Need.status == "draft").limit(2))
    first.title = "Retitled after the demo"
    db.session.delete(second)  # with its chapters and links, by cascade
    party = db.session.scalar(select(ResponseParty).limit(1))
    db.session.delete(party)
    db.session.commit()
    # A row whose primary key changes: the entry names it by its new key.
    db.session.execute(
        update(UserRole)
        .where(UserRole.user_id == person.id, UserRole.role == "editor")
        .values(role="auditor")
    )
    db.session.commit()
    person_id = person.id
    db.session.remove()
    return person_id


@pytest.fixture
def lived_in(used, db):
    """Some use, and sign-ins: bookkeeping columns moved, which writes no entry."""
    db.session.execute(
        update(User).where(User.id == used).values(last_login_at=utc_now(), totp_last_step=7)
    )
    db.session.execute(update(UserSession).values(last_seen_at=utc_now(), failed_attempts=2))
    db.session.commit()
    db.session.remove()
    return used


def test_a_lived_in_database_reconciles(lived_in, runner):
    result = audit_trail.reconcile()

    assert result.clean, result.describe()
    assert result.tables == len(REGISTRY.audit_declaration().audited)
    assert result.rows > 800


def test_a_database_that_agrees_hands_back_no_row_to_judge(lived_in):
    # Each table's rows are compared in the database: only those that disagree leave it.
    declaration = REGISTRY.audit_declaration()
    with system_connection() as connection:
        dialect = connection.dialect.name
        shapes = triggers.shapes_from_database(connection, declaration)
        handed_back = {
            item.table: connection.execute(
                text(audit_reconcile.reconcile_statement(dialect, item, shapes[item.table]))
            ).all()
            for item in declaration.audited
        }

    assert {table: rows for table, rows in handed_back.items() if rows} == {}


def test_images_are_compared_by_what_their_values_mean():
    differing = audit_reconcile.differing_columns

    assert differing({"amount": Decimal("1.50")}, {"amount": Decimal("1.5")}) == []
    assert differing({"amount": 125000}, {"amount": Decimal("125000.0")}) == []
    assert differing({"active": True}, {"active": 1}) == ["active"]
    assert differing({"at": "2026-03-02T18:15:00+09:00"}, {"at": "2026-03-02T09:15:00+00:00"}) == []
    assert differing({"at": "2026-03-02T09:15:01+00:00"}, {"at": "2026-03-02T09:15:00+00:00"}) == [
        "at"
    ]
    # Without an offset a timestamp is text, written alike each time (SQLite).
    assert differing({"at": "2026-03-02 09:15:00"}, {"at": "2026-03-02 09:15:00.000000"}) == ["at"]
    assert differing({"seen": 1, "name": "a"}, {"seen": 2, "name": "a"}, ignored=("seen",)) == []
    assert differing({"added": 1, "name": "a"}, {"name": "b", "dropped": 2}) == ["name"]


def test_the_image_computed_now_is_the_one_the_capture_wrote(used, db):
    # Exactly, not just alike: the image of every row equals the newest entry's as
    # stored, so the reconciliation's SQL and the capture's cannot have drifted apart.
    declaration = REGISTRY.audit_declaration()
    compared = 0
    with system_connection() as connection:
        dialect = connection.dialect.name
        shapes = triggers.shapes_from_database(connection, declaration)
        for item in declaration.audited:
            shape = shapes[item.table]
            image = triggers.row_image_sql(dialect, item, shape, "subject")
            key = triggers.row_key_sql(dialect, shape, "subject")
            same = "=" if dialect == "postgresql" else "IS"
            rows = connection.execute(
                text(
                    f"SELECT {key}, {image} {same} (SELECT new_row FROM audit_entries"
                    f" WHERE table_name = :table AND row_key = {key} ORDER BY id DESC LIMIT 1)"
                    f" FROM {item.table} AS subject"
                ),
                {"table": item.table},
            ).all()
            assert [row_key for row_key, equal in rows if not equal] == [], item.table
            compared += len(rows)
    assert compared > 500


def test_a_row_updated_behind_the_trail_is_named(lived_in, db, database_owner_url):
    tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.code == "AL-MOI"))
    db.session.remove()
    with behind_the_trail(database_owner_url, "tenants") as run:
        run("UPDATE tenants SET name = 'Renamed in secret' WHERE id = :id", id=tenant_id)

    result = audit_trail.reconcile()

    assert found(result) == [("tenants", str(tenant_id))]
    (change,) = result.changes
    assert change.kind == "unrecorded_change"
    assert "differs from its newest entry" in change.detail and "in name" in change.detail


def test_a_row_inserted_behind_the_trail_is_named(db, database_owner_url):
    with behind_the_trail(database_owner_url, "pillars") as run:
        run(
            "INSERT INTO pillars (id, code, name, position, description)"
            " VALUES (99, 'SECRET', 'Inserted unseen', 9, '')"
        )

    result = audit_trail.reconcile()

    assert found(result) == [("pillars", "99")]
    assert result.changes[0].detail == "present, but no entry names it"


def test_a_row_deleted_behind_the_trail_is_named(lived_in, db, database_owner_url):
    party_id = db.session.scalar(select(func.max(ResponseParty.id)))
    db.session.remove()
    with behind_the_trail(database_owner_url, "response_parties") as run:
        run("DELETE FROM response_parties WHERE id = :id", id=party_id)

    result = audit_trail.reconcile()

    assert found(result) == [("response_parties", str(party_id))]
    assert result.changes[0].detail.startswith("gone, but no entry records its deletion")


def test_a_row_back_after_its_recorded_deletion_is_named(db, database_owner_url):
    pillar = db.session.scalar(select(Pillar).where(Pillar.code == "WBBSi"))
    pillar_id = pillar.id
    db.session.delete(pillar)
    db.session.commit()
    db.session.remove()
    with behind_the_trail(database_owner_url, "pillars") as run:
        run(
            "INSERT INTO pillars (id, code, name, position, description)"
            " VALUES (:id, 'WBBSi', 'Back again', 3, '')",
            id=pillar_id,
        )

    result = audit_trail.reconcile()

    assert found(result) == [("pillars", str(pillar_id))]
    assert "records its deletion" in result.changes[0].detail


def test_a_secret_set_or_cleared_behind_the_trail_is_named(db, database_owner_url):
    # The trail holds "[redacted]" for a secret and null for none: what can be seen.
    person = enrolled_user(db, factories.partner_tenant())
    person_id = person.id
    db.session.remove()
    with behind_the_trail(database_owner_url, "users") as run:
        run("UPDATE users SET totp_secret_encrypted = NULL WHERE id = :id", id=person_id)

    result = audit_trail.reconcile()

    assert found(result) == [("users", str(person_id))]
    assert result.changes[0].detail.endswith("in totp_secret_encrypted")


def test_a_secret_replaced_by_another_cannot_be_seen(db, database_owner_url):
    # What docs/audit.md says reconciling cannot show: both secrets are "[redacted]".
    person = enrolled_user(db, factories.partner_tenant())
    person_id = person.id
    db.session.remove()
    with behind_the_trail(database_owner_url, "users") as run:
        run("UPDATE users SET password_hash = 'another hash' WHERE id = :id", id=person_id)

    assert audit_trail.reconcile().clean


def test_a_bookkeeping_column_moved_behind_the_trail_is_no_change(db, database_owner_url):
    # The capture itself writes no entry for a bookkeeping column alone.
    person = enrolled_user(db, factories.partner_tenant())
    person_id = person.id
    db.session.remove()
    with behind_the_trail(database_owner_url, "users") as run:
        run("UPDATE users SET failed_login_count = 3 WHERE id = :id", id=person_id)

    assert audit_trail.reconcile().clean


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_a_table_truncated_and_filled_again_reconciles(db, database_owner_url):
    emptied = db.session.execute(text("SELECT id, code, name, position FROM perspectives")).all()
    db.session.remove()  # TRUNCATE waits for every reader's lock
    engine = create_engine(database_owner_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT set_config('iisg.mode', 'system', true)"))
            connection.execute(text("TRUNCATE perspectives CASCADE"))
            connection.execute(
                text("INSERT INTO perspectives (code, name, position) VALUES ('new', 'New', 1)")
            )
    finally:
        engine.dispose()

    assert audit_trail.reconcile().clean

    # Put back as it was before the truncate: its newest entry matches, but came before.
    with behind_the_trail(database_owner_url, "perspectives") as run:
        run(
            "INSERT INTO perspectives (id, code, name, position)"
            " VALUES (:id, :code, :name, :position)",
            **emptied[0]._mapping,
        )
    result = audit_trail.reconcile()
    assert found(result) == [("perspectives", str(emptied[0].id))]
    assert "records its table emptied after its newest entry" in result.changes[0].detail


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_timestamps_written_in_another_time_zone_are_the_same_moments(db, database_owner_url):
    need = factories.need(factories.cycle(), factories.partner_tenant())
    db.session.add(need)
    db.session.commit()
    need_id = need.id
    db.session.remove()
    engine = create_engine(database_owner_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT set_config('iisg.mode', 'system', true)"))
            connection.execute(text("SET LOCAL TimeZone = 'Asia/Tokyo'"))
            connection.execute(
                text("UPDATE needs SET title = 'From Tokyo', updated_at = now() WHERE id = :id"),
                {"id": need_id},
            )
    finally:
        engine.dispose()
    written = db.session.scalar(
        select(entries.c.new_row["updated_at"].as_string())
        .where(entries.c.table_name == "needs", entries.c.row_key == str(need_id))
        .order_by(entries.c.id.desc())
        .limit(1)
    )

    assert written.endswith("+09:00")
    assert audit_trail.reconcile().clean


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_a_column_added_after_the_newest_entries_is_not_compared(db, database_owner_url):
    engine = create_engine(database_owner_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE pillars ADD COLUMN colour text DEFAULT 'blue'"))
    finally:
        engine.dispose()

    assert audit_trail.reconcile().clean


def test_changes_beyond_those_listed_are_counted(db, database_owner_url, monkeypatch):
    monkeypatch.setattr(audit_reconcile, "LISTED_PER_TABLE", 2)
    with behind_the_trail(database_owner_url, "acquis_chapters") as run:
        for number in range(90, 95):
            run(
                "INSERT INTO acquis_chapters (number, title) VALUES (:number, 'Unseen')",
                number=number,
            )

    result = audit_trail.reconcile()

    assert (len(result.changes), result.unlisted, result.count) == (2, {"acquis_chapters": 3}, 5)
    assert "acquis_chapters: 3 more row(s) not listed" in result.describe()


def test_verify_reconcile_exits_zero_on_a_database_that_agrees(lived_in, runner):
    result = runner.invoke(args=["audit", "verify", "--reconcile"])

    assert result.exit_code == 0, result.output
    assert "reconciled: " in result.output and "every row as its newest entry says" in result.output


def test_verify_reconcile_names_the_table_and_key_and_exits_one(
    lived_in, runner, db, database_owner_url
):
    tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.code == "RS-MOI"))
    db.session.remove()
    with behind_the_trail(database_owner_url, "tenants") as run:
        run("UPDATE tenants SET active = NOT active WHERE id = :id", id=tenant_id)

    result = runner.invoke(args=["audit", "verify", "--reconcile"])
    plain = runner.invoke(args=["audit", "verify"])

    assert result.exit_code == 1, result.output
    assert f"unrecorded_change in tenants row {tenant_id}: differs" in result.output
    assert "UNRECONCILED: 1 row(s) changed without an entry" in result.output
    # The chains themselves are intact: only reconciling sees it.
    assert plain.exit_code == 0, plain.output


def test_verify_reconcile_checks_the_whole_database_only(runner, db):
    result = runner.invoke(args=["audit", "verify", "--reconcile", "--tenant", "AL-MOI"])

    assert result.exit_code == 2
    assert "--reconcile" in result.output


def test_an_entry_tampered_with_is_seen_as_well(lived_in, db, database_owner_url):
    # Chains name the edited entry; reconciling names the row it no longer describes.
    from tests.audit.chain_support import as_owner

    newest = db.session.scalar(
        select(func.max(entries.c.id)).where(entries.c.table_name == "tenants")
    )
    key = db.session.scalar(select(entries.c.row_key).where(entries.c.id == newest))
    db.session.remove()
    with as_owner(database_owner_url) as owner:
        owner.execute(delete(entries).where(entries.c.id == newest))

    result = audit_trail.reconcile()

    assert ("tenants", key) in found(result)


def test_a_column_named_like_the_rows_alias_is_compared_as_a_column(db, database_owner_url):
    # PostgreSQL reads to_jsonb(name) as the column when one is so named, not the row.
    declaration = Declaration(audited=(Audited("notes", PLATFORM),))
    engine = create_engine(database_owner_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE notes (id integer PRIMARY KEY, subject text, subject_row text)")
            )
            for statement in triggers.install_statements(connection, declaration, only=("notes",)):
                connection.execute(text(statement))
            connection.execute(text("INSERT INTO notes VALUES (1, 'a subject', 'a row')"))
        with engine.connect() as connection:
            result = audit_reconcile.reconcile(connection, declaration)
    finally:
        engine.dispose()

    assert (result.clean, result.rows) == (True, 1), result.describe()
