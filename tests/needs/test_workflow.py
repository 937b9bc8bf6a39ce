"""Every workflow action, from every seat, on a need in every status.

An allowed action moves the need and says so; a need the seat may see but not move is
403; one it may not see at all is 404; and a refused action changes nothing.
"""

import pytest
from sqlalchemy import select

from portal.models import Need
from portal.models.need import NEED_STATUSES
from tests.conftest import csrf_token
from tests.needs.cast import SEATS, albanian_need

# Who may do what from where, written out from the README's user guide, not from the policies.
ALLOWED = {
    "submit": ({"albania-editor"}, {"draft", "returned"}, "submitted"),
    "return": ({"secretariat-editor"}, {"submitted"}, "returned"),
    "validate": ({"secretariat-editor"}, {"submitted"}, "validated"),
    "withdraw": ({"albania-editor"}, {"draft", "submitted", "returned", "validated"}, "withdrawn"),
}
SHARED = {"validated", "adopted"}
SENT = {"submitted", "returned", "withdrawn", "validated", "adopted"}


def visible(seat: str, status: str) -> bool:
    if seat.startswith("albania-"):
        return True
    if seat.startswith("secretariat-"):
        return status in SENT
    return status in SHARED


def state(db, need_id):
    db.session.expire_all()
    need = db.session.scalar(select(Need).where(Need.id == need_id))
    return need.status, need.version, need.return_comment


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("seat", SEATS)
def test_each_action_is_allowed_only_to_the_right_seat_from_the_right_status(
    login, db, cast, seat, action
):
    needs = {
        status: albanian_need(cast, status, title=f"Need {status}") for status in NEED_STATUSES
    }
    client = login(cast.people[seat])
    token = csrf_token(client, "/needs")
    seats, sources, target = ALLOWED[action]

    for status, need in needs.items():
        before = state(db, need.id)
        # Sent as the confirmation page sends it, for the actions that ask first.
        form = {
            "csrf_token": token,
            "version": str(need.version),
            "comment": "Please add a source.",
            "confirm": "yes",
        }
        response = client.post(f"/needs/{need.id}/{action}", data=form)

        if seat in seats and status in sources:
            assert response.status_code == 302, (status, response.get_data(as_text=True))
            assert state(db, need.id)[0] == target
            assert state(db, need.id)[1] == before[1] + 1
        else:
            expected = 403 if visible(seat, status) else 404
            assert response.status_code == expected, (status, response.status_code)
            assert state(db, need.id) == before


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("seat", ["albania-editor", "secretariat-editor"])
def test_nothing_moves_once_the_cycle_is_adopted(login, db, cast, seat, action):
    needs = [
        albanian_need(cast, status, cycle=cast.adopted_cycle, title=f"Old need {status}")
        for status in NEED_STATUSES
    ]
    client = login(cast.people[seat])
    token = csrf_token(client, "/needs")

    for need in needs:
        before = state(db, need.id)
        form = {
            "csrf_token": token,
            "version": str(need.version),
            "comment": "Too late.",
            "confirm": "yes",
        }
        response = client.post(f"/needs/{need.id}/{action}", data=form)

        assert response.status_code == (403 if visible(seat, need.status) else 404)
        assert state(db, need.id) == before
    edit = client.get(f"/needs/{needs[0].id}/edit")
    assert edit.status_code == (403 if seat == "albania-editor" else 404)


def test_a_refused_action_says_why(login, cast):
    need = albanian_need(cast, "validated")
    client = login(cast.people["albania-editor"])

    response = client.post(
        f"/needs/{need.id}/submit",
        data={"csrf_token": csrf_token(client, "/needs"), "version": str(need.version)},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You cannot submit this need: it is validated" in page
    assert "draft or returned" in page


def test_a_return_needs_a_comment(login, db, cast):
    need = albanian_need(cast, "submitted")
    client = login(cast.people["secretariat-editor"])

    response = client.post(
        f"/needs/{need.id}/return",
        data={
            "csrf_token": csrf_token(client, "/needs"),
            "version": str(need.version),
            "comment": " ",
        },
    )

    assert response.status_code == 422
    assert 'id="comment-error"' in response.get_data(as_text=True)
    assert state(db, need.id)[0] == "submitted"


def test_the_owner_sees_the_return_comment_and_can_answer_it(login, db, cast):
    need = albanian_need(cast, "submitted")
    secretariat = login(cast.people["secretariat-editor"])
    secretariat.post(
        f"/needs/{need.id}/return",
        data={
            "csrf_token": csrf_token(secretariat, "/needs"),
            "version": str(need.version),
            "comment": "Name the strategy this comes from.",
        },
    )
    owner = login(cast.people["albania-editor"])

    page = owner.get(f"/needs/{need.id}").get_data(as_text=True)

    assert "Name the strategy this comes from." in page
    assert f'action="/needs/{need.id}/submit"' in page
    assert f'href="/needs/{need.id}/edit"' in page
    assert f'action="/needs/{need.id}/validate"' not in page


@pytest.mark.parametrize(
    ("seat", "status", "buttons"),
    [
        ("albania-editor", "draft", {"edit", "submit", "withdraw"}),
        ("albania-editor", "submitted", {"withdraw"}),
        ("albania-viewer", "draft", set()),
        ("secretariat-editor", "submitted", {"return", "validate"}),
        ("secretariat-viewer", "submitted", set()),
        ("secretariat-admin", "submitted", set()),
        ("serbia-editor", "validated", set()),
        ("albania-editor", "validated", {"withdraw"}),
    ],
)
def test_the_page_offers_exactly_the_allowed_actions(login, cast, seat, status, buttons):
    need = albanian_need(cast, status)
    client = login(cast.people[seat])

    page = client.get(f"/needs/{need.id}").get_data(as_text=True)

    offered = {
        action
        for action in ("submit", "return", "validate", "withdraw")
        if f'action="/needs/{need.id}/{action}"' in page
    }
    if f'href="/needs/{need.id}/edit"' in page:
        offered.add("edit")
    assert offered == buttons
