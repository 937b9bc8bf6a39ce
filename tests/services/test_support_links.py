"""Support links: proposed by a response's owner, answered by the need's partner,
validated by the Secretariat - each step only by the right people, from the right status."""

import pytest
from sqlalchemy import func, select

from portal.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from portal.models import SupportLink
from portal.schemas.forms import load_form
from portal.schemas.support_links import LinkDisputeSchema, LinkProposalSchema, NeedSearchSchema
from portal.schemas.versions import VersionedSchema
from portal.services import support_links
from portal.versions import StaleVersion, opened_token
from tests import factories
from tests.worlds import mapping_world, switch_to

LINK_STATUSES = ("proposed", "confirmed", "disputed", "validated")
ACTIONS = {
    "confirm": support_links.confirm_link,
    "dispute": support_links.dispute_link,
    "validate": support_links.validate_link,
    "withdraw": support_links.withdraw_link,
}
# Who may take each action, and from which statuses (see portal.authz).
ALLOWED = {
    "confirm": ("albania_editor", {"proposed", "disputed"}),
    "dispute": ("albania_editor", {"proposed", "confirmed"}),
    "validate": ("secretariat_editor", {"confirmed"}),
    "withdraw": ("commission_editor", {"proposed", "confirmed", "disputed"}),
}
OUTCOME = {"confirm": "confirmed", "dispute": "disputed", "validate": "validated"}
PEOPLE = (
    "commission_editor",
    "commission_viewer",
    "germany_editor",
    "albania_editor",
    "albania_viewer",
    "serbia_editor",
    "secretariat_editor",
    "secretariat_admin",
)


@pytest.fixture
def world(db):
    return mapping_world(db)


def proposal(values):
    """Return ``values`` as the view hands them on: loaded with the proposal's schema."""
    return load_form(LinkProposalSchema(), values)


def dispute(values):
    """Return ``values`` loaded with the schema of a dispute."""
    return load_form(LinkDisputeSchema(), values)


def versioned(values):
    """Return ``values`` loaded with the schema of the other link actions."""
    return load_form(VersionedSchema(), values)


def links(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SupportLink))


def stored(db, link_id):
    db.session.expire_all()
    return db.session.execute(
        select(SupportLink.status, SupportLink.note).where(SupportLink.id == link_id)
    ).one_or_none()


def test_an_owner_editor_proposes_a_link_to_a_validated_need(db, world, acting_as):
    acting_as(world.people.commission_editor)

    link = support_links.propose_link(
        world.responses.published,
        proposal(
            {"need_id": world.needs.albania_validated.id, "coverage": "full", "note": "All of it"}
        ),
    )

    assert (link.status, link.coverage, link.note) == ("proposed", "full", "All of it")
    assert link.proposed_by_id == world.people.commission_editor.id
    assert links(db) == 1


@pytest.mark.parametrize("need", ["albania_draft", "albania_submitted", "missing"])
def test_a_need_the_proposer_cannot_see_is_refused_exactly_like_a_missing_one(
    db, world, acting_as, need
):
    need_id = 999_999 if need == "missing" else getattr(world.needs, need).id
    acting_as(world.people.commission_editor)

    with pytest.raises(ValidationFailed) as refused:
        support_links.propose_link(
            world.responses.published, proposal({"need_id": need_id, "coverage": "full"})
        )

    assert refused.value.fields == {"need_id": "There is no such need."}
    assert refused.value.status == 422
    assert links(db) == 0


def test_a_duplicate_link_is_refused(db, world, acting_as):
    acting_as(world.people.commission_editor)
    values = {"need_id": world.needs.albania_validated.id, "coverage": "full"}
    support_links.propose_link(world.responses.published, proposal(values))

    with pytest.raises(ValidationFailed) as refused:
        support_links.propose_link(
            world.responses.published, proposal({**values, "coverage": "partial"})
        )

    assert "already linked" in refused.value.fields["need_id"]
    assert links(db) == 1


def test_a_restricted_response_cannot_be_linked_to_a_partner_outside_its_beneficiaries(
    db, world, acting_as
):
    acting_as(world.people.commission_editor)

    with pytest.raises(ValidationFailed) as refused:
        support_links.propose_link(
            world.responses.restricted,
            proposal({"need_id": world.needs.serbia_validated.id, "coverage": "partial"}),
        )

    assert "not among its beneficiaries" in refused.value.fields["need_id"]
    assert links(db) == 0


def test_a_need_of_an_archived_cycle_cannot_be_linked(db, world, acting_as):
    old = factories.cycle(
        name="2020-2021", status="archived", adopted_on=world.cycle.starts_on, board_meeting="B"
    )
    need = factories.need(old, world.tenants.albania, status="adopted")
    db.session.add(need)
    db.session.commit()
    acting_as(world.people.commission_editor)

    with pytest.raises(ValidationFailed) as refused:
        support_links.propose_link(
            world.responses.published, proposal({"need_id": need.id, "coverage": "full"})
        )

    assert "archived" in refused.value.fields["need_id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"coverage": "most"}, "coverage"),
        ({"coverage": ""}, "coverage"),
        ({"need_id": "seven"}, "need_id"),
        ({"need_id": "-3"}, "need_id"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_proposals_are_refused_naming_the_field(db, world, acting_as, change, field):
    acting_as(world.people.commission_editor)
    values = {"need_id": world.needs.albania_validated.id, "coverage": "full", **change}

    with pytest.raises(ValidationFailed) as refused:
        support_links.propose_link(world.responses.published, proposal(values))

    assert field in refused.value.fields
    assert links(db) == 0


@pytest.mark.parametrize("person", ["germany_editor", "commission_viewer", "albania_editor"])
def test_only_the_owners_editors_propose_links(db, world, acting_as, person):
    acting_as(getattr(world.people, person))

    with pytest.raises(Forbidden):
        support_links.propose_link(
            world.responses.published,
            proposal({"need_id": world.needs.albania_validated.id, "coverage": "full"}),
        )

    assert links(db) == 0


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("person", PEOPLE)
def test_each_link_action_only_by_the_right_role_from_the_right_status(
    db, world, acting_as, action, person
):
    allowed_person, allowed_statuses = ALLOWED[action]
    made = {}
    for status in LINK_STATUSES:
        need = factories.need(world.cycle, world.tenants.albania, status="validated")
        made[status] = factories.support_link(world.responses.published, need, status=status)
    db.session.add_all(made.values())
    db.session.commit()
    ids = {status: link.id for status, link in made.items()}

    for status, link_id in ids.items():
        switch_to(acting_as, db, getattr(world.people, person))
        link = support_links.get_link(link_id)
        values = load_form(
            LinkDisputeSchema(),
            {"version": link.version, "reason": "It trains customs, not police."},
        )
        if person != allowed_person:
            with pytest.raises(Forbidden):
                ACTIONS[action](link, values)
            assert stored(db, link_id).status == status
        elif status not in allowed_statuses:
            with pytest.raises(Conflict) as refused:
                ACTIONS[action](link, values)
            assert "status" in refused.value.fields
            assert stored(db, link_id).status == status
        else:
            ACTIONS[action](link, values)
            after = stored(db, link_id)
            assert (after.status if after else "withdrawn") == OUTCOME.get(action, "withdrawn")


def test_a_dispute_needs_a_reason_and_keeps_the_proposers_note(db, world, acting_as):
    link = factories.support_link(
        world.responses.published, world.needs.albania_validated, note="Covers both crossings"
    )
    db.session.add(link)
    db.session.commit()
    acting_as(world.people.albania_editor)

    with pytest.raises(ValidationFailed) as refused:
        support_links.dispute_link(link, dispute({"version": link.version, "reason": "  "}))
    assert "reason" in refused.value.fields
    assert stored(db, link.id).status == "proposed"

    support_links.dispute_link(
        link, dispute({"version": link.version, "reason": "Only one crossing is covered."})
    )
    after = stored(db, link.id)
    assert after.status == "disputed"
    assert after.note.startswith("Covers both crossings\n\nDisputed by AL-MOI on ")
    assert after.note.endswith(": Only one crossing is covered.")


def test_confirmation_and_validation_record_who_did_them(db, world, acting_as):
    link = factories.support_link(world.responses.published, world.needs.albania_validated)
    db.session.add(link)
    db.session.commit()
    link_id = link.id

    acting_as(world.people.albania_editor)
    support_links.confirm_link(link, versioned({"version": link.version}))
    switch_to(acting_as, db, world.people.secretariat_editor)
    link = support_links.get_link(link_id)
    support_links.validate_link(link, versioned({"version": link.version}))

    acting_as(None)
    db.session.expire_all()
    final = db.session.get(SupportLink, link_id)
    assert final.confirmed_by_id == world.people.albania_editor.id
    assert final.validated_by_id == world.people.secretariat_editor.id
    assert final.confirmed_at is not None and final.validated_at is not None


def test_a_stale_link_action_is_refused_saying_what_changed(db, world, acting_as):
    link = factories.support_link(world.responses.published, world.needs.albania_validated)
    db.session.add(link)
    db.session.commit()
    acting_as(world.people.albania_editor)
    opened, version = opened_token(link), link.version
    support_links.dispute_link(link, dispute({"version": version, "reason": "Not this need."}))

    with pytest.raises(StaleVersion) as refused:
        support_links.confirm_link(link, versioned({"version": version, "opened": opened}))

    assert ("Status", "proposed", "disputed") in refused.value.changes
    assert stored(db, link.id).status == "disputed"


def test_a_link_is_seen_only_where_both_its_ends_are(db, world, acting_as):
    need = world.needs.albania_validated
    shared = factories.support_link(world.responses.published, need)
    hidden = factories.support_link(world.responses.draft, need)
    db.session.add_all([shared, hidden])
    db.session.commit()
    shared_id, hidden_id, need_id = shared.id, hidden.id, need.id

    acting_as(world.people.albania_editor)
    assert [link.id for link in support_links.links_for_need(need_id)] == [shared_id]
    with pytest.raises(NotFound):
        support_links.get_link(hidden_id)

    switch_to(acting_as, db, world.people.commission_editor)
    assert {link.id for link in support_links.links_for_need(need_id)} == {shared_id, hidden_id}


def test_links_for_an_invisible_need_are_not_found(db, world, acting_as):
    need_id = world.needs.albania_draft.id
    acting_as(world.people.commission_editor)

    with pytest.raises(NotFound):
        support_links.links_for_need(need_id)


def test_the_picker_offers_only_visible_linkable_needs_not_yet_linked(db, world, acting_as):
    linked = factories.support_link(world.responses.published, world.needs.serbia_validated)
    db.session.add(linked)
    db.session.commit()
    acting_as(world.people.commission_editor)

    page = support_links.linkable_needs(
        world.responses.published, load_form(NeedSearchSchema(), {})
    )

    assert [need.title for need in page.items] == ["Albanian border surveillance"]


def test_allowed_actions_name_what_each_person_may_do_now(db, world, acting_as):
    link = factories.support_link(world.responses.published, world.needs.albania_validated)
    db.session.add(link)
    db.session.commit()

    link_id = link.id

    for person, actions in (
        ("albania_editor", ["confirm", "dispute"]),
        ("commission_editor", ["withdraw"]),
        ("secretariat_editor", []),
        ("germany_editor", []),
    ):
        switch_to(acting_as, db, getattr(world.people, person))
        found = support_links.get_link(link_id)
        assert support_links.allowed_actions([found]) == {link_id: actions}, person
