"""The API's support links: one link, and its workflow, each step by its own role only."""

import pytest
from sqlalchemy import select

from portal.models import SupportLink
from tests import factories
from tests.worlds import mapping_world


@pytest.fixture
def world(db):
    return mapping_world(db)


@pytest.fixture
def link(world, db):
    """A link the Commission proposed from its published programme to an Albanian need."""
    proposed = factories.support_link(world.responses.published, world.needs.albania_validated)
    db.session.add(proposed)
    db.session.commit()
    return proposed


def state(db, link_id):
    """Return the (status, version, note) of a link as stored, or None once deleted."""
    db.session.expire_all()
    return db.session.execute(
        select(SupportLink.status, SupportLink.version, SupportLink.note).where(
            SupportLink.id == link_id
        )
    ).one_or_none()


def test_one_link_carries_its_etag_and_a_hidden_one_is_not_found(api, world, db, link):
    hidden = factories.support_link(world.responses.draft, world.needs.albania_validated)
    db.session.add(hidden)
    db.session.commit()
    partner = api(world.people.albania_viewer)

    shown = partner.get(f"links/{link.id}")
    not_shown = partner.get(f"links/{hidden.id}")
    confirm_hidden = api(world.people.albania_editor).post(f"links/{hidden.id}/confirm")

    assert shown.status_code == 200
    assert shown.headers["ETag"] == f'"{link.version}"'
    body = shown.get_json()
    assert (body["status"], body["need"]["id"]) == ("proposed", world.needs.albania_validated.id)
    assert body["response"]["owner"]["code"] == "EC-NEAR"
    # The partner cannot see the Commission's draft, so not its link either.
    assert (not_shown.status_code, confirm_hidden.status_code) == (404, 404)
    assert state(db, hidden.id).status == "proposed"


def test_the_partner_confirms_and_the_secretariat_validates(api, world, db, link):
    confirmed = api(world.people.albania_editor).post(f"links/{link.id}/confirm")
    validated = api(world.people.secretariat_editor).post(
        f"links/{link.id}/validate", headers={"If-Match": confirmed.headers["ETag"]}
    )

    assert confirmed.status_code == 200
    assert confirmed.get_json()["status"] == "confirmed"
    assert confirmed.get_json()["confirmed_at"] is not None
    assert validated.status_code == 200
    assert validated.get_json()["status"] == "validated"
    assert validated.headers["ETag"] == f'"{validated.get_json()["version"]}"'
    assert state(db, link.id).status == "validated"


def test_the_partner_disputes_saying_why(api, world, db, link):
    partner = api(world.people.albania_editor)
    path, version = f"links/{link.id}/dispute", link.version

    without = partner.post(path)
    blank = partner.post(path, json={"reason": "   "})
    unknown = partner.post(path, json={"reason": "Wrong need", "status": "validated"})
    stale = partner.post(path, json={"reason": "Wrong need"}, headers={"If-Match": '"99"'})
    before = state(db, link.id)
    disputed = partner.post(path, json={"reason": "It trains judges, not border guards."})

    assert without.status_code == blank.status_code == unknown.status_code == 422
    assert list(without.get_json()["error"]["fields"]) == ["reason"]
    assert list(blank.get_json()["error"]["fields"]) == ["reason"]
    assert list(unknown.get_json()["error"]["fields"]) == ["status"]
    assert stale.status_code == 412
    assert before == ("proposed", version, "")
    assert disputed.status_code == 200
    assert disputed.get_json()["status"] == "disputed"
    assert "AL-MOI" in disputed.get_json()["note"]
    assert "It trains judges, not border guards." in disputed.get_json()["note"]


def test_the_proposer_withdraws_a_link_but_not_a_validated_one(api, world, db, link):
    validated = factories.support_link(
        world.responses.published, world.needs.serbia_validated, status="validated"
    )
    db.session.add(validated)
    db.session.commit()
    owner = api(world.people.commission_editor)
    link_id = link.id

    withdrawn = owner.post(f"links/{link_id}/withdraw", headers={"If-Match": f'"{link.version}"'})
    kept = owner.post(f"links/{validated.id}/withdraw")

    assert withdrawn.status_code == 204
    db.session.expunge(link)
    assert state(db, link_id) is None
    assert owner.get(f"links/{link_id}").status_code == 404
    assert kept.status_code == 409
    assert state(db, validated.id).status == "validated"


# Who sees the link but may not take the step: answered 403 before the version (412)
# and the body (422) are looked at.
REFUSED = [
    # The response's owner may not answer for the partner, nor validate.
    ("confirm", "commission_editor"),
    ("validate", "commission_editor"),
    # The partner's viewer reads the link but takes no step on it.
    ("confirm", "albania_viewer"),
    # Another partner sees the link but does not speak for its need.
    ("dispute", "serbia_editor"),
    # The partner may neither validate nor withdraw the member's claim.
    ("validate", "albania_editor"),
    ("withdraw", "albania_editor"),
]


def test_a_step_by_the_wrong_role_is_refused_and_changes_nothing(api, world, db, link):
    before = state(db, link.id)

    for step, person in REFUSED:
        body = {"reason": ""} if step == "dispute" else None
        answer = api(getattr(world.people, person)).post(
            f"links/{link.id}/{step}", json=body, headers={"If-Match": '"99"'}
        )
        assert answer.status_code == 403, (step, person, answer.get_json())
    # The Secretariat may validate, but only what the partner confirmed.
    early = api(world.people.secretariat_editor).post(f"links/{link.id}/validate")

    assert early.status_code == 409
    assert state(db, link.id) == before
