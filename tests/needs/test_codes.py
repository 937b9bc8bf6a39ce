"""Need codes: given on creation and on carry-over, unique per cycle, shown and searchable."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.models import Need
from portal.need_codes import cycle_year
from portal.schemas.forms import load_form
from portal.schemas.needs import CarryOverSchema, NeedSchema
from portal.services import needs
from tests import factories
from tests.conftest import csrf_token
from tests.needs.cast import VALID_NEED_FORM, albanian_need

GOOD = VALID_NEED_FORM
CODE = re.compile(r"^[0-9]{4}-[A-Z]{2,3}-WB[A-Za-z]+-[0-9]{3}$")


def drafted(pillar="WBCTi", **values):
    return needs.create_need(load_form(NeedSchema(), {**GOOD, "pillar": pillar, **values}))


def codes_of(db, cycle):
    db.session.expire_all()
    return list(db.session.scalars(select(Need.code).where(Need.cycle_id == cycle.id)))


def test_a_new_need_is_numbered_within_its_cycle_economy_and_pillar(acting_as, db, cast):
    acting_as(cast.people["albania-editor"])

    made = [drafted(), drafted(), drafted("WBBSi"), drafted()]

    assert [need.code for need in made] == [
        "2026-AL-WBCTi-001",
        "2026-AL-WBCTi-002",
        "2026-AL-WBBSi-001",
        "2026-AL-WBCTi-003",
    ]
    acting_as(None)
    acting_as(cast.people["serbia-editor"])
    assert drafted().code == "2026-RS-WBCTi-001"


def test_the_cycle_part_is_the_year_the_cycle_is_named_after(cast):
    assert cycle_year(cast.adopted_cycle) == "2021"
    unnamed = factories.cycle(name="Special", starts_on=cast.open_cycle.starts_on)
    assert cycle_year(unnamed) == "2026"


def test_a_regional_need_carries_the_regions_code(acting_as, db, cast):
    region = factories.partner_tenant(code="RCC", economy="REG", name="Regional Council")
    need = factories.need(cast.open_cycle, region, pillar="WBBSi")
    db.session.add(need)
    db.session.commit()

    assert need.code == "2026-REG-WBBSi-001"


def test_two_needs_of_one_cycle_cannot_share_a_code(db, cast):
    first = albanian_need(cast)
    second = factories.need(cast.open_cycle, cast.serbia, code=first.code)
    db.session.add(second)

    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # The same code names another need in another cycle.
    other = albanian_need(cast, "adopted", cycle=cast.adopted_cycle, code=first.code)
    assert other.code == first.code


def test_numbers_another_organisation_holds_unseen_are_skipped(acting_as, db, cast):
    # Two Albanian organisations: neither sees the other's drafts, yet their codes share
    # the numbers of Albania's needs.
    justice = factories.partner_tenant(code="AL-MOJ", economy="AL", name="Ministry of Justice")
    db.session.add(factories.need(cast.open_cycle, justice, title="Justice's own draft"))
    db.session.commit()
    acting_as(cast.people["albania-editor"])

    need = drafted()

    assert need.code == "2026-AL-WBCTi-002"


def test_a_carried_over_need_gets_a_new_code_in_the_new_cycle(acting_as, db, cast):
    old = [
        albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title=f"Old {number}")
        for number in range(2)
    ]
    albanian_need(cast, title="Already in the open cycle")
    acting_as(cast.people["albania-editor"])

    copies = needs.carry_over_needs(
        load_form(CarryOverSchema(), {"need_ids": [str(need.id) for need in reversed(old)]})
    )

    assert [need.code for need in old] == ["2021-AL-WBCTi-001", "2021-AL-WBCTi-002"]
    assert [(copy.previous_need_id, copy.code) for copy in copies] == [
        (old[0].id, "2026-AL-WBCTi-002"),
        (old[1].id, "2026-AL-WBCTi-003"),
    ]


def test_the_code_stays_when_the_need_changes_and_cannot_be_edited(login, db, cast):
    need = albanian_need(cast)
    code = need.code
    client = login(cast.people["albania-editor"])
    form = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]*)"', form).group(1)

    saved = client.post(
        f"/needs/{need.id}/edit",
        data={
            **GOOD,
            "pillar": "WBBSi",
            "code": "2026-AL-WBBSi-999",
            "version": version,
            "csrf_token": csrf_token(client, "/needs"),
        },
    )

    assert saved.status_code == 302
    assert 'name="code"' not in form
    db.session.expire_all()
    assert (need.pillar.code, need.code) == ("WBBSi", code)


def test_the_code_is_shown_on_the_list_and_the_page_and_found_by_the_filter(login, cast):
    need = albanian_need(cast, title="Border drones")
    albanian_need(cast, title="Witness protection")
    client = login(cast.people["albania-editor"])

    listed = client.get("/needs").get_data(as_text=True)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    found = client.get("/needs", query_string={"q": "wbcti-001"}).get_data(as_text=True)

    assert CODE.match(need.code)
    assert f'<td class="text-nowrap need-code">{need.code}</td>' in listed
    assert f'id="need-code">{need.code}</span>' in page
    assert "Border drones" in found and "Witness protection" not in found
