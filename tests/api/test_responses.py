"""The API's responses: list, one, record, change, delete, publish; and the links they propose."""

import pytest
from sqlalchemy import func, select

from portal.models import Response, SupportLink
from tests import factories
from tests.worlds import mapping_world

BODY = {
    "title": "Integrated border management in the Western Balkans",
    "description": "Equipment and training.",
    "pillars": ["WBBSi"],
    "donor_tenants": ["EC-NEAR"],
    "donor_names": "Kingdom of Sweden",
    "implementer_tenants": ["DE-GIZ"],
    "beneficiaries": ["AL", "ME"],
    "support_type": "equipment",
    "instrument": "IPA III",
    "starts_on": "2026-01-01",
    "ends_on": "2027-12-31",
    "budget_amount": "2500000",
    "budget_currency": "eur",
    "implementation_status": "ongoing",
    "visibility": "members",
    "external_reference": "XI-IATI-EC_NEAR-2026/7",
}


@pytest.fixture
def world(db):
    return mapping_world(db)


def stored(db, response):
    """Return ``response`` as the database holds it now (None once deleted)."""
    db.session.expire_all()
    return db.session.scalar(select(Response).where(Response.id == response.id))


def count(db, model=Response):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def titles(answer) -> list[str]:
    return [item["title"] for item in answer.get_json()["items"]]


def test_the_list_filters_sorts_and_pages_what_the_user_may_see(api, world):
    owner = api(world.people.commission_editor)

    drafts = owner.get("responses?record_status=draft")
    first = owner.get("responses?sort=title&per_page=2")
    second = owner.get("responses?sort=title&per_page=2&page=2")
    descending = owner.get("responses?sort=-title&q=programme")
    other = api(world.people.germany_editor).get("responses")

    assert titles(drafts) == ["Commission draft programme"]
    assert titles(first) == ["Commission border programme", "Commission draft programme"]
    assert first.get_json() | {"items": None} == {
        "items": None,
        "page": 1,
        "per_page": 2,
        "total": 3,
    }
    link = first.headers["Link"]
    assert 'page=2>; rel="next"' in link and "sort=title" in link and "per_page=2" in link
    assert titles(second) == ["Commission restricted programme"]
    assert 'rel="prev"' in second.headers["Link"] and 'rel="next"' not in second.headers["Link"]
    assert (
        titles(descending) == sorted(titles(descending), reverse=True)
        and len(titles(descending)) == 3
    )
    # Another member sees the published programme shared with members only.
    assert titles(other) == ["Commission border programme"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("colour=red", 400, "colour"),
        ("sort=budget_amount", 422, "sort"),
        ("record_status=archived", 422, "record_status"),
    ],
)
def test_a_list_refuses_what_it_does_not_know(api, world, query, status, field):
    answer = api(world.people.germany_editor).get(f"responses?{query}")

    assert answer.status_code == status
    assert list(answer.get_json()["error"]["fields"]) == [field]


def test_one_response_carries_its_etag_and_an_invisible_one_is_not_found(api, world):
    draft = world.responses.draft

    owner = api(world.people.commission_editor).get(f"responses/{draft.id}")
    other = api(world.people.germany_editor).get(f"responses/{draft.id}")

    assert owner.status_code == 200
    assert owner.headers["ETag"] == f'"{draft.version}"'
    assert owner.get_json()["title"] == "Commission draft programme"
    assert other.status_code == 404


def test_an_editor_records_a_draft_with_the_forms_fields(api, world, db):
    created = api(world.people.commission_editor).post("responses", json=BODY)

    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert created.headers["ETag"] == f'"{record["version"]}"'
    assert record["record_status"] == "draft"
    assert record["owner"]["code"] == "EC-NEAR"
    assert record["budget"] == {"amount": "2500000.00", "currency": "EUR"}
    assert [party["name"] for party in record["donors"]] == [
        "European Commission DG NEAR",
        "Kingdom of Sweden",
    ]
    assert [economy["code"] for economy in record["beneficiaries"]] == ["AL", "ME"]


def test_a_body_is_refused_naming_its_fields_and_a_viewer_may_not_record(api, world, db):
    editor = api(world.people.commission_editor)
    body = {key: value for key, value in BODY.items() if key != "title"}

    refused = editor.post("responses", json={**body, "colour": "red", "pillars": ["NOPE"]})
    unknown_pillar = editor.post("responses", json={**BODY, "pillars": ["NOPE"]})
    viewer = api(world.people.commission_viewer).post("responses", json=BODY)

    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"title", "colour"}
    assert unknown_pillar.status_code == 422
    assert list(unknown_pillar.get_json()["error"]["fields"]) == ["pillars"]
    assert viewer.status_code == 403
    assert count(db) == 3


def test_a_change_names_the_version_it_was_made_on(api, world, db):
    editor = api(world.people.commission_editor)
    path = f"responses/{world.responses.published.id}"
    etag = editor.get(path).headers["ETag"]

    missing = editor.patch(path, json={"instrument": "IPA III"})
    stale = editor.patch(path, json={"instrument": "IPA III"}, headers={"If-Match": '"99"'})
    changed = editor.patch(
        path, json={"instrument": "IPA III", "ends_on": "2027-06-30"}, headers={"If-Match": etag}
    )

    assert missing.status_code == 428
    assert stale.status_code == 412
    assert changed.status_code == 200, changed.get_json()
    record = changed.get_json()
    assert changed.headers["ETag"] == f'"{record["version"]}"' != etag
    assert record["instrument"] == "IPA III"
    assert record["ends_on"] == "2027-06-30"
    # What was not sent stays as it was.
    assert record["title"] == "Commission border programme"
    assert [pillar["code"] for pillar in record["pillars"]] == ["WBCTi"]
    assert record["record_status"] == "published"


def test_a_change_is_checked_with_the_fields_it_keeps(api, world, db):
    response = world.responses.published
    response.starts_on = factories.cycle().starts_on
    response.budget_amount, response.budget_currency = 1000, "EUR"
    response.description = "Training for border guards."
    db.session.commit()
    editor = api(world.people.commission_editor)
    path = f"responses/{response.id}"
    etag = editor.get(path).headers["ETag"]

    before_start = editor.patch(path, json={"ends_on": "2020-01-01"}, headers={"If-Match": etag})
    amount_only = editor.patch(path, json={"budget_amount": "2000"}, headers={"If-Match": etag})
    cleared = editor.patch(
        path,
        json={"description": "", "budget_amount": None, "budget_currency": None},
        headers={"If-Match": amount_only.headers["ETag"]},
    )

    assert before_start.status_code == 422
    assert list(before_start.get_json()["error"]["fields"]) == ["ends_on"]
    assert amount_only.status_code == 200, amount_only.get_json()
    assert amount_only.get_json()["budget"] == {"amount": "2000.00", "currency": "EUR"}
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["description"] == ""
    assert cleared.get_json()["budget"] is None


def test_another_organisation_may_not_change_what_it_sees_nor_find_what_it_does_not(api, world, db):
    other = api(world.people.germany_editor)
    published, draft = world.responses.published, world.responses.draft
    versions = (published.version, draft.version)

    seen = other.patch(
        f"responses/{published.id}", json={"title": "Ours"}, headers={"If-Match": "*"}
    )
    unseen = other.patch(f"responses/{draft.id}", json={"title": "Ours"}, headers={"If-Match": "*"})
    publish = other.post(f"responses/{published.id}/unpublish")
    delete = other.delete(f"responses/{draft.id}", headers={"If-Match": "*"})

    assert (seen.status_code, unseen.status_code) == (403, 404)
    assert (publish.status_code, delete.status_code) == (403, 404)
    assert (stored(db, published).version, stored(db, draft).version) == versions
    assert stored(db, published).title == "Commission border programme"


def test_an_editor_deletes_a_draft_but_not_a_published_or_linked_one(api, world, db):
    editor = api(world.people.commission_editor)
    draft, published = world.responses.draft, world.responses.published
    draft_id = draft.id
    linked = factories.response(world.tenants.commission, title="Linked draft")
    db.session.add_all([linked, factories.support_link(linked, world.needs.albania_validated)])
    db.session.commit()

    missing = editor.delete(f"responses/{draft.id}")
    by_viewer = api(world.people.commission_viewer).delete(
        f"responses/{draft.id}", headers={"If-Match": "*"}
    )
    not_draft = editor.delete(f"responses/{published.id}", headers={"If-Match": "*"})
    still_linked = editor.delete(f"responses/{linked.id}", headers={"If-Match": "*"})
    deleted = editor.delete(f"responses/{draft.id}", headers={"If-Match": f'"{draft.version}"'})

    assert missing.status_code == 428
    assert by_viewer.status_code == 403
    assert not_draft.status_code == 403
    assert "unpublish it first" in not_draft.get_json()["error"]["message"]
    assert still_linked.status_code == 409
    assert deleted.status_code == 204
    assert editor.get(f"responses/{draft_id}").status_code == 404
    db.session.expunge(draft)
    assert db.session.scalar(select(Response).where(Response.id == draft_id)) is None
    assert stored(db, published) is not None and stored(db, linked) is not None
    assert count(db, SupportLink) == 1


def test_owners_publish_and_unpublish_naming_the_version_when_they_wish(api, world, db):
    editor = api(world.people.commission_editor)
    path = f"responses/{world.responses.draft.id}"

    published = editor.post(f"{path}/publish")
    again = editor.post(f"{path}/publish", headers={"If-Match": published.headers["ETag"]})
    stale = editor.post(f"{path}/unpublish", headers={"If-Match": '"1"'})
    unpublished = editor.post(f"{path}/unpublish", headers={"If-Match": published.headers["ETag"]})
    viewer = api(world.people.commission_viewer).post(f"{path}/publish")

    assert published.status_code == 200
    assert published.get_json()["record_status"] == "published"
    assert again.status_code == 409
    assert stale.status_code == 412
    assert unpublished.status_code == 200
    assert unpublished.get_json()["record_status"] == "draft"
    assert unpublished.headers["ETag"] != published.headers["ETag"]
    assert viewer.status_code == 403
    assert stored(db, world.responses.draft).record_status == "draft"


def test_the_owner_proposes_a_link_and_lists_the_links_of_its_response(api, world, db):
    editor = api(world.people.commission_editor)
    response = world.responses.published
    path = f"responses/{response.id}/links"
    need = world.needs.albania_validated

    proposed = editor.post(path, json={"need_id": need.id, "coverage": "full", "note": "All of it"})
    listed = editor.get(f"{path}?per_page=1")

    assert proposed.status_code == 201, proposed.get_json()
    link = proposed.get_json()
    assert proposed.headers["ETag"] == f'"{link["version"]}"'
    assert (link["status"], link["coverage"], link["note"]) == ("proposed", "full", "All of it")
    assert (link["need"]["id"], link["response"]["id"]) == (need.id, response.id)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.get_json()["items"]] == [link["id"]]
    assert listed.get_json()["total"] == 1
    assert 'rel="last"' in listed.headers["Link"]


def test_a_proposal_is_refused_as_the_page_refuses_it_and_changes_nothing(api, world, db):
    editor = api(world.people.commission_editor)
    other = api(world.people.germany_editor)
    published, draft = world.responses.published, world.responses.draft
    need = world.needs.albania_validated
    proposal = {"need_id": need.id, "coverage": "full"}

    unknown = editor.post(
        f"responses/{published.id}/links", json={**proposal, "status": "validated"}
    )
    invisible_need = editor.post(
        f"responses/{published.id}/links",
        json={"need_id": world.needs.albania_draft.id, "coverage": "full"},
    )
    seen = other.post(f"responses/{published.id}/links", json={"need_id": "x"})
    unseen = other.post(f"responses/{draft.id}/links", json=proposal)
    unseen_list = other.get(f"responses/{draft.id}/links")

    assert unknown.status_code == 422
    assert list(unknown.get_json()["error"]["fields"]) == ["status"]
    assert invisible_need.status_code == 422
    assert invisible_need.get_json()["error"]["fields"] == {"need_id": "There is no such need."}
    # 403 before the body is read: the refusal says nothing of how it would be judged.
    assert seen.status_code == 403
    assert (unseen.status_code, unseen_list.status_code) == (404, 404)
    assert count(db, SupportLink) == 0


def test_a_body_is_refused_naming_every_problem_at_once(api, world, db):
    editor = api(world.people.commission_editor)

    refused = editor.post(
        "responses",
        json={**BODY, "title": "t" * 201, "ends_on": "2025-01-01", "donor_names": "n" * 201},
    )

    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"title", "ends_on", "donor_names"}
    assert count(db) == 3
