"""The cycles services: one way through a cycle's life, adoption in one transaction."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.exceptions import Conflict, Forbidden, ValidationFailed
from portal.extensions import db as database
from portal.models import Cycle, Need
from portal.schemas.cycles import CycleMoveSchema
from portal.schemas.forms import load_form
from portal.services import cycles
from tests.needs.cast import albanian_need, build_cast


@pytest.fixture
def cast(db):
    return build_cast()


def adopt(cycle, **values):
    form = {"status": "adopted", "version": cycle.version, "board_meeting": "Board"}
    form = load_form(CycleMoveSchema(), {**form, "adopted_on": "2027-03-20", **values})
    return cycles.move_cycle(cycle, form)


def test_adoption_records_the_board_and_adopts_validated_needs(acting_as, db, cast):
    validated = albanian_need(cast, "validated")
    submitted = albanian_need(cast, "submitted")
    cast.open_cycle.status = "consolidation"
    db.session.commit()
    acting_as(cast.people["secretariat-admin"])

    adopt(cast.open_cycle, board_meeting="12th Board meeting")

    database.session.expire_all()
    assert (cast.open_cycle.status, cast.open_cycle.adopted_on) == ("adopted", date(2027, 3, 20))
    assert (validated.status, submitted.status) == ("adopted", "submitted")


def test_a_failed_adoption_changes_no_need(acting_as, db, cast):
    validated = albanian_need(cast, "validated")
    cast.open_cycle.status = "consolidation"
    db.session.commit()
    acting_as(cast.people["secretariat-admin"])

    with pytest.raises(ValidationFailed):
        adopt(cast.open_cycle, adopted_on="2001-01-01")

    database.session.rollback()
    database.session.expire_all()
    assert database.session.get(Need, validated.id).status == "validated"
    assert database.session.get(Cycle, cast.open_cycle.id).status == "consolidation"


def test_no_skipping_a_status(acting_as, cast):
    acting_as(cast.people["secretariat-admin"])

    with pytest.raises(Conflict, match="can only move to consolidation"):
        adopt(cast.open_cycle)


def test_only_administrators_move_cycles(acting_as, cast):
    acting_as(cast.people["secretariat-editor"])

    with pytest.raises(Forbidden):
        form = load_form(CycleMoveSchema(), {"status": "consolidation", "version": 1})
        cycles.move_cycle(cast.open_cycle, form)


def test_the_open_cycle_is_found(acting_as, cast):
    acting_as(cast.people["albania-viewer"])

    assert cycles.current_open_cycle().name == "2026-2027"
    assert database.session.scalar(select(Cycle.status).where(Cycle.name == "2021-2022")) == (
        "adopted"
    )
