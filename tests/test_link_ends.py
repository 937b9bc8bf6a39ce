"""A support link's copies of its ends always equal the ends, whoever writes (both databases)."""

import json

import pytest
from sqlalchemy import func, select, text

from audit import tables as audit_tables
from portal.link_ends import COPIED_COLUMNS, ENDS
from portal.models import Need, Pillar, Response, SupportLink
from tests import factories


def copies_of(db, link_id: int) -> dict:
    row = db.session.execute(
        select(*(getattr(SupportLink, column) for column in COPIED_COLUMNS)).where(
            SupportLink.id == link_id
        )
    ).one()
    return dict(zip(COPIED_COLUMNS, row, strict=True))


def ends_of(db, link_id: int) -> dict:
    link = db.session.get(SupportLink, link_id)
    need, response = db.session.get(Need, link.need_id), db.session.get(Response, link.response_id)
    values = {}
    for table, _, copies in ENDS:
        source = need if table == "needs" else response
        values.update({copy: getattr(source, column) for copy, column in copies.items()})
    return values


@pytest.fixture
def linked(db):
    """Return (need, response, link): a submitted Albanian need and a draft EU response."""
    albania = factories.partner_tenant()
    member = factories.member_tenant()
    need = factories.need(factories.cycle(), albania, status="submitted")
    response = factories.response(member)
    link = factories.support_link(response, need)
    db.session.add_all([need, response, link])
    db.session.commit()
    return need, response, link


def test_a_new_link_carries_its_ends_columns(db, linked):
    need, response, link = linked

    assert copies_of(db, link.id) == {
        "need_tenant_id": need.tenant_id,
        "need_cycle_id": need.cycle_id,
        "need_status": "submitted",
        "need_pillar_id": need.pillar_id,
        "response_tenant_id": response.tenant_id,
        "response_record_status": "draft",
        "response_visibility": "members",
        "response_implementation_status": "planned",
    }


def test_copies_written_by_hand_are_replaced_by_the_ends(db, linked):
    need, response, _ = linked
    other = factories.need(need.cycle, need.tenant, status="validated")
    db.session.add(other)
    db.session.commit()

    db.session.execute(
        text(
            "INSERT INTO support_links (response_id, need_id, coverage, status, note, version,"
            " created_at, updated_at, need_tenant_id, need_status, response_record_status)"
            " VALUES (:response, :need, 'full', 'proposed', '', 1, '2026-11-24 10:00:00',"
            " '2026-11-24 10:00:00', 999, 'adopted', 'published')"
        ),
        {"response": response.id, "need": other.id},
    )
    db.session.commit()
    forged = db.session.scalar(select(SupportLink.id).where(SupportLink.need_id == other.id))
    db.session.execute(
        text("UPDATE support_links SET need_status = 'adopted', response_visibility = 'x'")
    )
    db.session.commit()

    for link_id in (forged, *db.session.scalars(select(SupportLink.id))):
        assert copies_of(db, link_id) == ends_of(db, link_id)
    assert copies_of(db, forged)["need_status"] == "validated"


def test_a_changed_need_passes_its_columns_to_its_links(db, linked):
    need, _, link = linked

    border = db.session.scalar(select(Pillar.id).where(Pillar.code == "WBBSi"))

    db.session.execute(
        text("UPDATE needs SET status = 'validated', pillar_id = :pillar WHERE id = :id"),
        {"id": need.id, "pillar": border},
    )
    db.session.commit()

    assert copies_of(db, link.id)["need_status"] == "validated"
    assert copies_of(db, link.id)["need_pillar_id"] == border
    assert copies_of(db, link.id) == ends_of(db, link.id)


def test_a_changed_response_passes_its_columns_to_its_links(db, linked):
    _, response, link = linked

    db.session.execute(
        text(
            "UPDATE responses SET record_status = 'published', visibility = 'restricted',"
            " implementation_status = 'cancelled' WHERE id = :id"
        ),
        {"id": response.id},
    )
    db.session.commit()

    assert copies_of(db, link.id) == ends_of(db, link.id)
    assert copies_of(db, link.id)["response_implementation_status"] == "cancelled"


def test_a_partner_validating_reaches_links_whose_response_it_cannot_read(db, linked, acting_as):
    # The draft response is the member's alone; the need's own partner changes the need
    # (here by SQL, as any write path may), and its link must follow all the same.
    need, _, link = linked
    partner = factories.user(need.tenant, email="editor@al.example", roles=("editor",))
    db.session.commit()
    acting_as(partner)

    db.session.execute(
        text("UPDATE needs SET status = 'withdrawn' WHERE id = :id"), {"id": need.id}
    )
    db.session.commit()
    acting_as(None)

    assert copies_of(db, link.id)["need_status"] == "withdrawn"


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_the_identity_is_the_callers_again_after_the_copies_are_written(db, linked, acting_as):
    need, _, _ = linked
    partner = factories.user(need.tenant, email="editor@al.example", roles=("editor",))
    db.session.commit()
    acting_as(partner)

    db.session.execute(
        text("UPDATE needs SET status = 'withdrawn' WHERE id = :id"), {"id": need.id}
    )
    mode = db.session.scalar(text("SELECT current_setting('iisg.mode')"))
    # Raw SQL: only row-level security stands between the partner and the draft.
    drafts = db.session.scalar(text("SELECT count(*) FROM responses"))
    db.session.rollback()
    acting_as(None)

    assert mode == "principal"
    assert drafts == 0


def test_passing_a_change_on_records_it_once_on_the_need_alone(db, linked):
    need, _, link = linked
    entries = audit_tables.entries
    mark = db.session.scalar(select(func.coalesce(func.max(entries.c.id), 0)))

    db.session.execute(
        text("UPDATE needs SET status = 'validated' WHERE id = :id"), {"id": need.id}
    )
    db.session.commit()

    tables = db.session.scalars(select(entries.c.table_name).where(entries.c.id > mark)).all()
    assert tables == ["needs"]
    image = db.session.scalar(
        select(entries.c.new_row)
        .where(entries.c.table_name == "support_links", entries.c.row_key == str(link.id))
        .order_by(entries.c.id.desc())
        .limit(1)
    )
    assert image is not None
    if isinstance(image, str):
        image = json.loads(image)
    assert set(COPIED_COLUMNS).isdisjoint(image)
    assert image["need_id"] == need.id
