"""An adopted need and a closed cycle are frozen by the database itself, whoever writes."""

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from portal import freeze
from portal.extensions import db
from portal.identity import apply_identity
from portal.models import AcquisChapter, Cycle, Need
from tests.needs.cast import albanian_need, build_cast


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def adopted_need(cast):
    return albanian_need(cast, "adopted", cycle=cast.adopted_cycle)


@contextmanager
def as_owner(owner_url: str):
    """Connect as the role owning the schema, acting as the system (sees every row)."""
    engine = create_engine(owner_url)
    try:
        with engine.begin() as connection:
            apply_identity(connection, None)
            yield connection
    finally:
        engine.dispose()


def refused(statement: str, **values):
    """Run ``statement`` in the session and return the database's refusal."""
    with pytest.raises(IntegrityError) as refusal:
        db.session.execute(text(statement), values)
    db.session.rollback()
    return str(refusal.value.orig)


def test_the_partners_editor_cannot_update_an_adopted_need_in_sql(acting_as, cast, adopted_need):
    acting_as(cast.people["albania-editor"])

    message = refused("UPDATE needs SET title = 'Rewritten' WHERE id = :id", id=adopted_need.id)

    assert freeze.ADOPTED_NEED_MESSAGE in message
    db.session.expire_all()
    assert db.session.get(Need, adopted_need.id).title != "Rewritten"


def test_the_partners_editor_cannot_delete_an_adopted_need_in_sql(acting_as, cast, adopted_need):
    acting_as(cast.people["albania-editor"])

    message = refused("DELETE FROM needs WHERE id = :id", id=adopted_need.id)

    assert freeze.ADOPTED_NEED_MESSAGE in message
    assert db.session.get(Need, adopted_need.id) is not None


def test_not_even_the_schema_owner_changes_an_adopted_need(cast, adopted_need, database_owner_url):
    need_id = adopted_need.id
    db.session.remove()
    for statement in (
        "UPDATE needs SET status = 'withdrawn' WHERE id = :id",
        "DELETE FROM needs WHERE id = :id",
    ):
        with pytest.raises(IntegrityError, match=freeze.ADOPTED_NEED_MESSAGE):
            with as_owner(database_owner_url) as owner:
                owner.execute(text(statement), {"id": need_id})


def test_needs_not_yet_adopted_change_and_are_adopted_as_before(acting_as, cast):
    validated = albanian_need(cast, "validated")
    acting_as(cast.people["albania-editor"])
    db.session.execute(
        text("UPDATE needs SET title = 'Still open' WHERE id = :id"), {"id": validated.id}
    )
    db.session.commit()
    acting_as(None)

    db.session.execute(
        text("UPDATE needs SET status = 'adopted' WHERE id = :id"), {"id": validated.id}
    )
    db.session.commit()

    db.session.expire_all()
    assert (validated.title, validated.status) == ("Still open", "adopted")


def test_a_closed_cycle_only_moves_from_adopted_to_archived(acting_as, cast):
    acting_as(cast.people["secretariat-admin"])
    cycle_id = cast.adopted_cycle.id

    for statement in (
        "UPDATE cycles SET board_meeting = 'Another meeting' WHERE id = :id",
        "UPDATE cycles SET adopted_on = '2022-06-21' WHERE id = :id",
        "UPDATE cycles SET status = 'consolidation' WHERE id = :id",
        "UPDATE cycles SET status = 'archived', name = '2021-2023' WHERE id = :id",
        "DELETE FROM cycles WHERE id = :id",
    ):
        assert freeze.CLOSED_CYCLE_MESSAGE in refused(statement, id=cycle_id), statement

    db.session.execute(
        text("UPDATE cycles SET status = 'archived', version = version + 1 WHERE id = :id"),
        {"id": cycle_id},
    )
    db.session.commit()

    for statement in (
        "UPDATE cycles SET status = 'adopted' WHERE id = :id",
        "UPDATE cycles SET ends_on = '2022-07-31' WHERE id = :id",
        "DELETE FROM cycles WHERE id = :id",
    ):
        assert freeze.CLOSED_CYCLE_MESSAGE in refused(statement, id=cycle_id), statement
    archived = db.session.get(Cycle, cycle_id, populate_existing=True)
    assert (archived.status, archived.adopted_on) == ("archived", date(2022, 6, 20))


def test_an_open_cycle_still_changes(acting_as, cast):
    acting_as(cast.people["secretariat-admin"])

    db.session.execute(
        text("UPDATE cycles SET submission_deadline = '2027-01-15' WHERE id = :id"),
        {"id": cast.open_cycle.id},
    )
    db.session.commit()

    assert db.session.scalar(
        select(Cycle.submission_deadline).where(Cycle.id == cast.open_cycle.id)
    ) == date(2027, 1, 15)


def test_the_frozen_columns_are_every_column_of_a_cycle_but_its_status_and_version():
    columns = {column.name for column in Cycle.__table__.columns}

    assert set(freeze.CYCLE_COLUMNS_KEPT_WHEN_ARCHIVED) == columns - {"status", "version"}


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_postgres_freeze_is_enabled_always_and_says_which_row(db, acting_as, cast, adopted_need):
    enabled = dict(
        db.session.execute(
            text("SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE 'freeze_%'")
        ).all()
    )
    acting_as(cast.people["albania-editor"])

    with pytest.raises(IntegrityError) as refusal:
        db.session.execute(text("DELETE FROM needs WHERE id = :id"), {"id": adopted_need.id})
    db.session.rollback()

    assert enabled == {
        "freeze_adopted_need": "A",
        "freeze_closed_cycle": "A",
        "freeze_adopted_need_chapters": "A",
    }
    assert refusal.value.orig.diag.message_detail == (
        f"need {adopted_need.id} ({adopted_need.code}), delete refused"
    )


def _chapter_ids(count: int = 2) -> list[int]:
    return db.session.scalars(select(AcquisChapter.id).order_by(AcquisChapter.number)).all()[:count]


def _adopted_with_chapter(cast) -> tuple[int, int]:
    """Return a need adopted with one chapter, and the chapter, made as the system."""
    chapter = _chapter_ids(1)[0]
    need = albanian_need(cast, "validated", cycle=cast.adopted_cycle)
    db.session.execute(
        text("INSERT INTO need_acquis_chapters (need_id, chapter_id) VALUES (:need, :chapter)"),
        {"need": need.id, "chapter": chapter},
    )
    need_id = need.id
    db.session.execute(text("UPDATE needs SET status = 'adopted' WHERE id = :id"), {"id": need_id})
    db.session.commit()
    return need_id, chapter


def test_the_partners_editor_cannot_change_an_adopted_needs_chapters(acting_as, cast):
    need_id, chapter = _adopted_with_chapter(cast)
    other = _chapter_ids(2)[1]
    acting_as(cast.people["albania-editor"])

    changed = refused(
        "UPDATE need_acquis_chapters SET chapter_id = :other WHERE need_id = :need",
        need=need_id,
        other=other,
    )
    removed = refused("DELETE FROM need_acquis_chapters WHERE need_id = :need", need=need_id)

    assert freeze.ADOPTED_CHAPTERS_MESSAGE in changed
    assert freeze.ADOPTED_CHAPTERS_MESSAGE in removed


def test_not_even_the_schema_owner_removes_an_adopted_needs_chapter(cast, database_owner_url):
    need_id, _chapter = _adopted_with_chapter(cast)
    db.session.remove()

    with pytest.raises(IntegrityError, match=freeze.ADOPTED_CHAPTERS_MESSAGE):
        with as_owner(database_owner_url) as owner:
            owner.execute(
                text("DELETE FROM need_acquis_chapters WHERE need_id = :id"), {"id": need_id}
            )


def test_the_chapters_of_a_need_not_yet_adopted_still_change(acting_as, cast):
    first, second = _chapter_ids()
    validated = albanian_need(cast, "validated")
    acting_as(cast.people["albania-editor"])

    for chapter in (first, second):
        db.session.execute(
            text("INSERT INTO need_acquis_chapters (need_id, chapter_id) VALUES (:need, :chapter)"),
            {"need": validated.id, "chapter": chapter},
        )
    db.session.execute(
        text("DELETE FROM need_acquis_chapters WHERE need_id = :need AND chapter_id = :chapter"),
        {"need": validated.id, "chapter": first},
    )
    db.session.commit()

    remaining = db.session.scalars(
        text("SELECT chapter_id FROM need_acquis_chapters WHERE need_id = :need"),
        {"need": validated.id},
    ).all()
    assert remaining == [second]
