"""Carrying needs of an adopted cycle over into the open one, as drafts with lineage."""

import pytest
from sqlalchemy import func, select

from portal.models import AcquisChapter, Need
from tests.conftest import csrf_token
from tests.needs.cast import albanian_need


def carry(client, *need_ids):
    token = csrf_token(client, "/needs")
    return client.post(
        "/needs/carry-over?cycle=2021-2022",
        data={"need_ids": [str(need_id) for need_id in need_ids], "csrf_token": token},
    )


def copies_of(db, need):
    db.session.expire_all()
    return list(db.session.scalars(select(Need).where(Need.previous_need_id == need.id)))


def count_needs(db):
    return db.session.scalar(select(func.count()).select_from(Need))


def test_the_owner_carries_chosen_needs_over_as_drafts(login, db, cast):
    chapter = db.session.scalar(select(AcquisChapter).where(AcquisChapter.number == 24))
    kept = albanian_need(
        cast, "adopted", cycle=cast.adopted_cycle, title="Still needed", acquis_chapters=[chapter]
    )
    left = albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title="Done already")
    client = login(cast.people["albania-editor"])
    page = client.get("/needs/carry-over").get_data(as_text=True)
    assert "Still needed" in page and "Done already" in page

    response = carry(client, kept.id)

    assert response.status_code == 302
    [copy] = copies_of(db, kept)
    assert (copy.cycle_id, copy.status, copy.tenant_id) == (
        cast.open_cycle.id,
        "draft",
        cast.albania.id,
    )
    assert (copy.title, copy.priority) == (kept.title, kept.priority)
    assert [chapter.number for chapter in copy.acquis_chapters] == [24]
    assert copies_of(db, left) == []
    assert "already carried over" in client.get("/needs/carry-over").get_data(as_text=True)


def test_a_need_is_carried_into_a_cycle_only_once(login, db, cast):
    need = albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title="Still needed")
    other = albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title="Another")
    client = login(cast.people["albania-editor"])
    carry(client, need.id)
    before = count_needs(db)

    response = carry(client, other.id, need.id)

    assert response.status_code == 422
    assert "“Still needed” is already carried over into 2026-2027" in response.get_data(
        as_text=True
    )
    assert count_needs(db) == before


@pytest.mark.parametrize("seat", ["albania-viewer", "serbia-editor", "secretariat-editor"])
def test_only_the_owners_editors_carry_a_need_over(login, db, cast, seat):
    need = albanian_need(cast, "adopted", cycle=cast.adopted_cycle)
    client = login(cast.people[seat])

    response = carry(client, need.id)

    assert response.status_code == 403
    assert copies_of(db, need) == []


def test_needs_of_a_cycle_not_yet_adopted_are_not_carried_over(login, db, cast):
    need = albanian_need(cast, "validated")
    client = login(cast.people["albania-editor"])

    response = carry(client, need.id)

    assert response.status_code == 403
    assert copies_of(db, need) == []


@pytest.mark.parametrize(
    ("need_ids", "reason"),
    [([], "Choose at least one need"), (["abc"], "whole number"), (["424242"], "no need 424242")],
)
def test_a_bad_choice_is_refused_naming_it(login, db, cast, need_ids, reason):
    client = login(cast.people["albania-editor"])

    response = client.post(
        "/needs/carry-over",
        data={"need_ids": need_ids, "csrf_token": csrf_token(client, "/needs")},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in page
    assert count_needs(db) == 0


def test_another_partners_draft_cannot_be_named(login, db, cast):
    hidden = albanian_need(cast, "draft", cycle=cast.adopted_cycle, title="Hidden")
    client = login(cast.people["serbia-editor"])

    response = carry(client, hidden.id)

    assert response.status_code == 422
    assert f"There is no need {hidden.id}" in response.get_data(as_text=True)
    assert copies_of(db, hidden) == []
