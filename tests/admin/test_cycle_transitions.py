"""Administrators move cycles on; adoption records the Board meeting and freezes the needs."""

from datetime import date

import pytest

from portal.models import Cycle, Need
from tests.conftest import csrf_token
from tests.needs.cast import albanian_need, build_cast


@pytest.fixture
def cast(db):
    return build_cast()


def move(client, cycle, **form):
    form.setdefault("version", str(cycle.version))
    token = csrf_token(client, "/admin/cycles")
    return client.post(f"/admin/cycles/{cycle.id}/status", data={**form, "csrf_token": token})


def fresh(db, model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def test_an_admin_moves_a_cycle_through_its_life(login, db, cast):
    client = login(cast.people["secretariat-admin"])
    cycle = cast.open_cycle

    assert move(client, cycle, status="consolidation").status_code == 302
    assert fresh(db, Cycle, cycle.id).status == "consolidation"
    adopted = move(
        client,
        fresh(db, Cycle, cycle.id),
        status="adopted",
        board_meeting="12th IISG Board meeting, Tirana",
        adopted_on="2027-03-20",
    )
    assert adopted.status_code == 302
    cycle = fresh(db, Cycle, cycle.id)
    assert (cycle.status, cycle.board_meeting, str(cycle.adopted_on)) == (
        "adopted",
        "12th IISG Board meeting, Tirana",
        "2027-03-20",
    )
    assert move(client, cycle, status="archived").status_code == 302
    assert fresh(db, Cycle, cycle.id).status == "archived"
    page = client.get("/admin/cycles").get_data(as_text=True)
    assert "12th IISG Board meeting, Tirana" in page


def test_adoption_adopts_every_validated_need_and_nothing_else(login, db, cast):
    statuses = ("draft", "submitted", "returned", "validated", "withdrawn")
    needs = {status: albanian_need(cast, status) for status in statuses}
    other = albanian_need(cast, "validated", cycle=cast.adopted_cycle)
    cast.open_cycle.status = "consolidation"
    db.session.commit()
    client = login(cast.people["secretariat-admin"])

    move(client, cast.open_cycle, status="adopted", board_meeting="Board", adopted_on="2027-03-20")

    after = {status: fresh(db, Need, need.id).status for status, need in needs.items()}
    assert after == {**{status: status for status in statuses}, "validated": "adopted"}
    assert fresh(db, Need, needs["validated"].id).version == 2
    assert fresh(db, Need, other.id).status == "validated"


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"adopted_on": "2027-03-20"}, "board_meeting", "Name the Board meeting"),
        ({"board_meeting": "Board"}, "adopted_on", "date of adoption"),
        ({"board_meeting": "B" * 201, "adopted_on": "2027-03-20"}, "board_meeting", "200"),
        ({"board_meeting": "Board", "adopted_on": "2027-02-30"}, "adopted_on", "Enter a date"),
        ({"board_meeting": "Board", "adopted_on": "2020-01-01"}, "adopted_on", "before it starts"),
    ],
)
def test_adoption_without_its_record_is_refused(login, db, cast, form, field, reason):
    validated = albanian_need(cast, "validated")
    cast.open_cycle.status = "consolidation"
    db.session.commit()
    client = login(cast.people["secretariat-admin"])

    response = move(client, cast.open_cycle, status="adopted", **form)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and reason in page
    assert fresh(db, Cycle, cast.open_cycle.id).status == "consolidation"
    assert fresh(db, Need, validated.id).status == "validated"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("open", "adopted"),
        ("open", "archived"),
        ("open", "open"),
        ("consolidation", "open"),
        ("consolidation", "archived"),
        ("adopted", "consolidation"),
        ("archived", "adopted"),
    ],
)
def test_an_illegal_transition_is_refused(login, db, cast, start, target):
    cycle = cast.open_cycle
    if start in ("adopted", "archived"):
        cycle.board_meeting, cycle.adopted_on = "Board", date(2027, 3, 20)
    cycle.status = start
    db.session.commit()
    client = login(cast.people["secretariat-admin"])

    response = move(client, cycle, status=target, board_meeting="Board", adopted_on="2027-03-20")

    assert response.status_code == 409
    assert f"cannot move from {start} to {target}" in response.get_data(as_text=True)
    assert fresh(db, Cycle, cycle.id).status == start


def test_a_stale_move_is_refused(login, db, cast):
    client = login(cast.people["secretariat-admin"])
    seen = cast.open_cycle.version
    move(client, cast.open_cycle, status="consolidation")

    response = move(client, cast.open_cycle, status="consolidation", version=str(seen))

    assert response.status_code == 409
    assert "changed since you opened the page" in response.get_data(as_text=True)


@pytest.mark.parametrize("seat", ["secretariat-editor", "albania-editor", "secretariat-viewer"])
def test_only_admins_move_cycles(login, db, cast, seat):
    client = login(cast.people[seat])

    response = client.post(
        f"/admin/cycles/{cast.open_cycle.id}/status",
        data={"status": "consolidation", "version": "1", "csrf_token": csrf_token(client, "/")},
    )

    assert response.status_code == 403
    assert fresh(db, Cycle, cast.open_cycle.id).status == "open"


def test_an_unknown_cycle_is_not_found(login, cast):
    client = login(cast.people["secretariat-admin"])

    for cycle_id in ("424242", "abc", "99999999999999999999999"):
        response = client.post(
            f"/admin/cycles/{cycle_id}/status",
            data={"status": "consolidation", "version": "1", "csrf_token": csrf_token(client, "/")},
        )
        assert response.status_code == 404
