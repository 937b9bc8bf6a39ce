"""A token's scope: ``read`` reads and changes nothing, ``write`` also changes records."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import Need
from tests.api.conftest import NEW_NEED


def needs_as_they_are(db) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        select(Need.id, Need.title, Need.status, Need.version).order_by(Need.id)
    ).all()


def test_a_read_token_reads(api, editor, draft):
    reader = api(editor, scope="read")

    listed = reader.get("needs")
    one = reader.get(f"needs/{draft.id}")

    assert listed.status_code == 200
    assert [item["id"] for item in listed.get_json()["items"]] == [draft.id]
    assert one.status_code == 200
    assert one.headers["ETag"] == f'"{draft.version}"'


def create(client, need_id, etag):
    return client.post("needs", json=NEW_NEED)


def change(client, need_id, etag):
    return client.patch(f"needs/{need_id}", json={"title": "Changed"}, headers={"If-Match": etag})


def delete(client, need_id, etag):
    return client.delete(f"needs/{need_id}", headers={"If-Match": etag})


def submit(client, need_id, etag):
    return client.post(f"needs/{need_id}/submit", headers={"If-Match": etag})


@pytest.mark.parametrize("attempt", [create, change, delete, submit])
def test_a_read_token_changes_nothing(api, db, editor, draft, attempt):
    reader = api(editor, scope="read")
    etag = reader.get(f"needs/{draft.id}").headers["ETag"]
    before = needs_as_they_are(db)

    response = attempt(reader, draft.id, etag)

    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_scope"
    assert error["fields"] == {"Authorization": "The token's scope is read."}
    assert needs_as_they_are(db) == before


def test_a_write_token_creates_changes_and_deletes(api, db, editor, draft):
    writer = api(editor, scope="write")

    created = writer.post("needs", json=NEW_NEED)
    etag = writer.get(f"needs/{draft.id}").headers["ETag"]
    changed = writer.patch(
        f"needs/{draft.id}", json={"title": "Changed"}, headers={"If-Match": etag}
    )
    deleted = writer.delete(f"needs/{draft.id}", headers={"If-Match": changed.headers["ETag"]})

    assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
    assert changed.get_json()["title"] == "Changed"
    db.session.expire_all()
    assert db.session.scalar(select(Need.title)) == NEW_NEED["title"]
    assert db.session.scalar(select(func.count()).select_from(Need)) == 1
