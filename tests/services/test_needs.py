"""The needs services: policies first, then the change, all or nothing."""

import pytest
from sqlalchemy import func, select

from portal.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db as database
from portal.models import Need
from portal.schemas.forms import load_form
from portal.schemas.needs import (
    CarryOverSchema,
    NeedEditSchema,
    NeedListQuerySchema,
    NeedReturnSchema,
    NeedSchema,
)
from portal.schemas.versions import VersionedSchema
from portal.services import needs
from portal.versions import opened_token
from tests.needs.cast import VALID_NEED_FORM, albanian_need, build_cast

GOOD = {**VALID_NEED_FORM, "acquis_chapters": ["23", "24"]}


@pytest.fixture
def cast(db):
    return build_cast()


def count_needs():
    return database.session.scalar(select(func.count()).select_from(Need))


def loaded(schema, values):
    """Return ``values`` as the view hands them on: loaded with the form's schema."""
    return load_form(schema(), values)


def versioned(need, schema=VersionedSchema, **values):
    return loaded(schema, {"version": need.version, **values})


def test_a_partner_editor_creates_a_draft_in_the_open_cycle(acting_as, cast):
    acting_as(cast.people["albania-editor"])

    need = needs.create_need(loaded(NeedSchema, GOOD))

    assert (need.status, need.tenant_id, need.cycle_id) == (
        "draft",
        cast.albania.id,
        cast.open_cycle.id,
    )
    assert [chapter.number for chapter in need.acquis_chapters] == [23, 24]


def test_a_secretariat_editor_cannot_create_a_need(acting_as, cast):
    acting_as(cast.people["secretariat-editor"])

    with pytest.raises(Forbidden):
        needs.create_need(loaded(NeedSchema, GOOD))
    assert count_needs() == 0


def test_the_whole_workflow_from_draft_to_validated(acting_as, cast):
    def act(seat):
        # The next user's roles are read by the system, not through the previous user's eyes.
        acting_as(None)
        acting_as(cast.people[seat])

    act("albania-editor")
    need = needs.create_need(loaded(NeedSchema, GOOD))
    needs.submit_need(need, versioned(need))
    act("secretariat-editor")
    need = needs.get_need(need.id)
    needs.return_need(need, versioned(need, NeedReturnSchema, comment="Which strategy?"))
    act("albania-editor")
    need = needs.get_need(need.id)
    needs.update_need(
        need, versioned(need, NeedEditSchema, **GOOD, source_reference="CT strategy 2025")
    )
    needs.submit_need(need, versioned(need))
    act("secretariat-editor")
    need = needs.get_need(need.id)

    needs.validate_need(need, versioned(need))

    assert (need.status, need.source_reference, need.return_comment) == (
        "validated",
        "CT strategy 2025",
        "Which strategy?",
    )
    assert need.version == 6


def test_a_stale_version_is_a_conflict_naming_what_changed(acting_as, cast):
    need = albanian_need(cast, title="Before")
    acting_as(cast.people["albania-editor"])
    opened = opened_token(need)
    needs.update_need(need, versioned(need, NeedEditSchema, **GOOD))

    with pytest.raises(Conflict) as refused:
        needs.submit_need(need, loaded(VersionedSchema, {"version": 1, "opened": opened}))

    assert ("Title", "Before", GOOD["title"]) in refused.value.changes
    database.session.expire_all()
    assert need.status == "draft"


def test_an_invisible_need_is_not_found(acting_as, cast):
    draft_id = albanian_need(cast).id
    acting_as(cast.people["serbia-editor"])

    with pytest.raises(NotFound):
        needs.get_need(draft_id)


def test_a_need_in_a_frozen_cycle_cannot_be_changed(acting_as, cast):
    need = albanian_need(cast, "returned", cycle=cast.adopted_cycle, title="Frozen")
    acting_as(cast.people["albania-editor"])

    with pytest.raises(Forbidden, match="the cycle is adopted"):
        needs.update_need(need, versioned(need, NeedEditSchema, **GOOD))
    database.session.expire_all()
    assert need.title == "Frozen"


def test_unknown_references_name_their_field_and_write_nothing(acting_as, cast):
    acting_as(cast.people["albania-editor"])

    with pytest.raises(ValidationFailed) as refused:
        needs.create_need(
            loaded(NeedSchema, {**GOOD, "category": "imaginary", "acquis_chapters": ["23", "41"]})
        )

    assert refused.value.fields == {
        "category": "There is no category imaginary.",
        "acquis_chapters": "There is no acquis chapter 41.",
    }
    assert count_needs() == 0


def test_a_returned_need_in_consolidation_can_still_be_answered(acting_as, db, cast):
    need = albanian_need(cast, "returned")
    cast.open_cycle.status = "consolidation"
    db.session.commit()
    acting_as(cast.people["albania-editor"])

    needs.submit_need(need, versioned(need))

    assert need.status == "submitted"


def test_the_list_is_scoped_by_tenancy(acting_as, cast):
    for status in ("draft", "submitted", "validated"):
        albanian_need(cast, status, title=f"Albanian {status}")
    acting_as(cast.people["secretariat-viewer"])
    query = loaded(NeedListQuerySchema, {})

    page = needs.list_needs(query, needs.filter_choices())

    assert sorted(need.title for need in page.items) == ["Albanian submitted", "Albanian validated"]


def test_carry_over_keeps_the_lineage(acting_as, cast):
    old = albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title="Old")
    acting_as(cast.people["albania-editor"])

    [copy] = needs.carry_over_needs(loaded(CarryOverSchema, {"need_ids": [str(old.id)]}))

    assert (copy.previous_need_id, copy.cycle_id, copy.status) == (
        old.id,
        cast.open_cycle.id,
        "draft",
    )
    assert needs.carried_over_from(old) == [copy]
    with pytest.raises(ValidationFailed, match="Nothing was carried over"):
        needs.carry_over_needs(loaded(CarryOverSchema, {"need_ids": [str(old.id)]}))
