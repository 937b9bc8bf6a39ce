"""Responses: recorded, changed, published and listed by the right people."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from portal.models import Response, ResponseParty
from portal.schemas.forms import load_form
from portal.schemas.responses import ResponseEditSchema, ResponseSchema
from portal.schemas.versions import VersionedSchema
from portal.services import responses
from portal.versions import StaleVersion, opened_token
from tests import factories
from tests.worlds import mapping_world, switch_to

GOOD = {
    "title": "Border management for the Western Balkans",
    "description": "Equipment and training for border police.",
    "pillars": ["WBBSi", "WBCSCi"],
    "donor_tenants": ["EC-NEAR"],
    "donor_names": "Kingdom of Sweden\n",
    "implementer_tenants": ["DE-GIZ"],
    "implementer_names": "",
    "beneficiaries": ["AL", "RS"],
    "support_type": "equipment",
    "instrument": "IPA III",
    "starts_on": "2026-01-01",
    "ends_on": "2028-12-31",
    "budget_amount": "1,500,000.50",
    "budget_currency": "eur",
    "implementation_status": "ongoing",
    "visibility": "restricted",
    "external_reference": "XI-IATI-EC_NEAR-2026/123",
}


@pytest.fixture
def world(db):
    return mapping_world(db)


def form(values):
    """Return ``values`` as the view hands them on: loaded with the response form's schema."""
    return load_form(ResponseSchema(), values)


def edit_form(values):
    """Return ``values`` loaded with the schema of a change to a response."""
    return load_form(ResponseEditSchema(), values)


def versioned(values):
    """Return ``values`` loaded with the schema of a change of record status."""
    return load_form(VersionedSchema(), values)


def count(db, model=Response):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_editor_records_a_draft_response_of_their_organisation(db, world, acting_as):
    acting_as(world.people.commission_editor)

    created = responses.create_response(form(GOOD))

    db.session.expire_all()
    stored = db.session.get(Response, created.id)
    assert stored.tenant_id == world.tenants.commission.id
    assert stored.record_status == "draft"
    assert [pillar.code for pillar in stored.pillars] == ["WBCSCi", "WBBSi"]
    assert [party.name for party in stored.donors] == [
        "European Commission DG NEAR",
        "Kingdom of Sweden",
    ]
    assert stored.donors[0].tenant_id == world.tenants.commission.id
    assert stored.donors[1].tenant_id is None
    assert [party.name for party in stored.implementers] == ["GIZ"]
    assert [economy.code for economy in stored.beneficiaries] == ["AL", "RS"]
    assert stored.budget_amount == Decimal("1500000.50")
    assert stored.budget_currency == "EUR"
    assert (stored.starts_on, stored.ends_on) == (date(2026, 1, 1), date(2028, 12, 31))
    assert stored.external_reference == "XI-IATI-EC_NEAR-2026/123"


def test_a_partner_may_record_a_response_too(db, world, acting_as):
    acting_as(world.people.albania_editor)

    created = responses.create_response(form({**GOOD, "visibility": "members"}))

    assert created.tenant_id == world.tenants.albania.id


def test_a_viewer_cannot_record_a_response(db, world, acting_as):
    before = count(db)
    acting_as(world.people.commission_viewer)

    with pytest.raises(Forbidden):
        responses.create_response(form(GOOD))

    assert count(db) == before


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"title": ""}, "title", "blank"),
        ({"title": "   "}, "title", "blank"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"description": "x" * 5001}, "description", "at most 5000"),
        ({"pillars": []}, "pillars", "at least one pillar"),
        ({"pillars": ["WBXX"]}, "pillars", "Unknown pillar: WBXX"),
        ({"ends_on": "2025-12-31"}, "ends_on", "before the start"),
        ({"starts_on": "2026-02-30"}, "starts_on", "Enter a date"),
        ({"budget_amount": "-1"}, "budget_amount", "cannot be negative"),
        ({"budget_amount": "a lot"}, "budget_amount", "as a number"),
        ({"budget_amount": "NaN"}, "budget_amount", "as a number"),
        ({"budget_amount": "Infinity"}, "budget_amount", "as a number"),
        ({"budget_amount": "1e6"}, "budget_amount", "as a number"),
        ({"budget_amount": "10.005"}, "budget_amount", "two decimal places"),
        ({"budget_amount": "1500,50"}, "budget_amount", "point for decimals"),
        ({"budget_amount": "1" * 14}, "budget_amount", "too large"),
        ({"budget_currency": "EUX"}, "budget_currency", "Unknown currency"),
        ({"budget_currency": ""}, "budget_currency", "Give the budget's currency"),
        ({"budget_amount": ""}, "budget_amount", "Give the amount"),
        ({"support_type": "money"}, "support_type", "Choose one of"),
        ({"implementation_status": "paused"}, "implementation_status", "Choose one of"),
        ({"visibility": "public"}, "visibility", "Choose one of"),
        ({"beneficiaries": ["FR"]}, "beneficiaries", "Unknown economy: FR"),
        ({"donor_tenants": ["NOBODY"]}, "donor_tenants", "Unknown organisation"),
        ({"donor_names": "x" * 201}, "donor_names", "at most 200 characters per name"),
        ({"external_reference": "x" * 101}, "external_reference", "at most 100"),
        ({"title": "Nul\x00byte"}, "title", "control characters"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    db, world, acting_as, change, field, reason
):
    before = (count(db), count(db, ResponseParty))
    acting_as(world.people.commission_editor)

    with pytest.raises(ValidationFailed) as refused:
        responses.create_response(form({**GOOD, **change}))

    assert reason in refused.value.fields[field]
    assert (count(db), count(db, ResponseParty)) == before


def test_owner_editors_change_a_response_and_the_version_moves(db, world, acting_as):
    response = world.responses.published
    acting_as(world.people.commission_editor)
    version = response.version

    responses.update_response(response, edit_form({**GOOD, "version": str(version)}))

    db.session.expire_all()
    stored = db.session.get(Response, response.id)
    assert stored.title == GOOD["title"]
    assert stored.version > version


def test_changing_only_the_pillars_moves_the_version(db, world, acting_as):
    acting_as(world.people.commission_editor)
    response = responses.create_response(form(GOOD))
    version = response.version

    responses.update_response(
        response, edit_form({**GOOD, "pillars": ["WBCTi"], "version": version})
    )

    db.session.expire_all()
    assert db.session.get(Response, response.id).version > version


def test_a_stale_version_is_refused_saying_what_changed(db, world, acting_as):
    acting_as(world.people.commission_editor)
    response = responses.create_response(form(GOOD))
    opened = opened_token(response)
    first = response.version
    responses.update_response(
        response, edit_form({**GOOD, "title": "Renamed by a colleague", "version": first})
    )

    with pytest.raises(StaleVersion) as refused:
        responses.update_response(
            response,
            edit_form({**GOOD, "title": "My own title", "version": first, "opened": opened}),
        )

    assert ("Title", GOOD["title"], "Renamed by a colleague") in refused.value.changes
    assert refused.value.status == 409
    db.session.expire_all()
    assert db.session.get(Response, response.id).title == "Renamed by a colleague"


def test_a_form_without_its_version_is_refused(db, world, acting_as):
    acting_as(world.people.commission_editor)
    response = world.responses.published

    with pytest.raises(ValidationFailed) as refused:
        responses.update_response(response, edit_form({**GOOD, "version": "an old one"}))

    assert "version" in refused.value.fields


def test_another_organisations_editor_cannot_change_a_response_it_sees(db, world, acting_as):
    acting_as(world.people.germany_editor)
    response = responses.get_response(world.responses.published.id)

    with pytest.raises(Forbidden):
        responses.update_response(response, edit_form({**GOOD, "version": response.version}))
    with pytest.raises(Forbidden):
        responses.unpublish_response(response, versioned({"version": response.version}))


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("commission_viewer", {"published", "draft", "restricted"}),
        ("germany_editor", {"published"}),
        ("albania_viewer", {"published", "restricted"}),
        ("serbia_editor", {"published"}),
        ("secretariat_editor", {"published", "restricted"}),
    ],
)
def test_each_organisation_opens_only_the_responses_it_may_see(
    db, world, acting_as, viewer, visible
):
    records = {
        name: (getattr(world.responses, name).id, getattr(world.responses, name).title)
        for name in ("published", "draft", "restricted")
    }
    acting_as(getattr(world.people, viewer))

    for name, (response_id, _title) in records.items():
        if name in visible:
            assert responses.get_response(response_id).id == response_id
        else:
            with pytest.raises(NotFound):
                responses.get_response(response_id)
    listed = {response.title for response in responses.list_responses({}).items}
    assert listed == {records[name][1] for name in visible}


def test_publishing_shares_a_draft_and_unpublishing_takes_it_back(db, world, acting_as):
    draft = world.responses.draft
    draft_id = draft.id
    acting_as(world.people.commission_editor)

    responses.publish_response(draft, versioned({"version": draft.version}))
    switch_to(acting_as, db, world.people.germany_editor)
    assert responses.get_response(draft_id).record_status == "published"

    switch_to(acting_as, db, world.people.commission_editor)
    draft = responses.get_response(draft_id)
    responses.unpublish_response(draft, versioned({"version": draft.version}))
    switch_to(acting_as, db, world.people.germany_editor)
    with pytest.raises(NotFound):
        responses.get_response(draft_id)


def test_publishing_twice_or_from_a_stale_page_is_refused(db, world, acting_as):
    published = world.responses.published
    acting_as(world.people.commission_editor)

    with pytest.raises(Conflict, match="already published"):
        responses.publish_response(published, versioned({"version": published.version}))
    with pytest.raises(StaleVersion):
        responses.unpublish_response(published, {"version": published.version - 1, "opened": ""})
    db.session.expire_all()
    assert db.session.get(Response, published.id).record_status == "published"


@pytest.fixture
def catalogue(db, world):
    """Three published responses of the Commission that differ in every filtered field."""
    made = {
        "training": factories.response(
            world.tenants.commission,
            title="Training of judges on terrorist financing",
            pillars=("WBCTi",),
            record_status="published",
            implementation_status="completed",
            starts_on=date(2020, 1, 1),
            ends_on=date(2021, 12, 31),
            parties=[ResponseParty(role="donor", name="Kingdom of Sweden")],
        ),
        "equipment": factories.response(
            world.tenants.commission,
            title="Scanners for 50% of crossings",
            pillars=("WBBSi",),
            record_status="published",
            implementation_status="ongoing",
            starts_on=date(2025, 6, 1),
            ends_on=None,
            parties=[ResponseParty(role="implementer", name="UNODC")],
        ),
        "advice": factories.response(
            world.tenants.commission,
            title="Legislative advice on asset recovery",
            pillars=("WBCSCi",),
            record_status="published",
            implementation_status="planned",
            starts_on=date(2027, 3, 1),
            ends_on=date(2028, 3, 1),
            instrument="bilateral",
        ),
    }
    made["advice"].beneficiaries = [factories.economy("ME")]
    db.session.add_all(made.values())
    db.session.commit()
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"pillar": "WBCTi"}, {"training", "published"}),
        ({"pillar": "wbbsi"}, {"equipment"}),
        ({"donor": "sweden"}, {"training"}),
        ({"implementer": "unodc"}, {"equipment"}),
        ({"beneficiary": "ME"}, {"advice"}),
        ({"implementation_status": "completed"}, {"training"}),
        ({"q": "50%"}, {"equipment"}),
        ({"q": "BILATERAL"}, {"advice"}),
        # Without dates a response counts as open-ended.
        (
            {"active_from": date(2026, 1, 1), "active_to": date(2026, 12, 31)},
            {"equipment", "published"},
        ),
        ({"starts_from": date(2027, 1, 1)}, {"advice"}),
        ({"starts_to": date(2020, 6, 1)}, {"training"}),
    ],
)
def test_the_list_filters_responses(db, world, catalogue, acting_as, query, expected):
    acting_as(world.people.germany_editor)

    titles = {response.title for response in responses.list_responses(query).items}

    named = {**catalogue, "published": world.responses.published}
    assert titles == {named[name].title for name in expected}


def test_an_unknown_pillar_in_the_filters_is_refused_naming_it(db, world, acting_as):
    acting_as(world.people.germany_editor)

    with pytest.raises(ValidationFailed) as refused:
        responses.list_responses({"pillar": "WBXX"})

    assert "WBXX" in refused.value.fields["pillar"]
