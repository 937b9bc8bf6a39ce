"""A POST named by an Idempotency-Key is acted on once; its retries get the first answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import Cycle, IdempotencyKey, Need
from portal.models.base import utc_now
from portal.services import needs as need_service
from tests import factories
from tests.api.conftest import NEW_NEED

KEY = "5b0e6a52-0d8c-4f0e-9a51-retry"


def post_need(client, key: str | None = KEY, body=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post("needs", json=body or NEW_NEED, headers=headers)


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def error_of(response) -> tuple[int, str, dict]:
    error = response.get_json()["error"]
    return response.status_code, error["code"], error["fields"]


def test_a_retry_is_given_the_first_answer_and_nothing_is_made_twice(api, db, editor):
    writer = api(editor)

    first = post_need(writer)
    retry = post_need(writer)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Content-Type"] == "application/json"
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(db, Need) == 1


def test_without_a_key_each_post_acts_and_nothing_is_kept(api, db, editor):
    writer = api(editor)

    answers = [post_need(writer, key=None).status_code for _ in range(2)]

    assert answers == [201, 201]
    assert count(db, Need) == 2
    assert count(db, IdempotencyKey) == 0


def test_a_retried_workflow_step_is_answered_without_acting_again(api, db, editor, draft):
    writer = api(editor)
    etag = writer.get(f"needs/{draft.id}").headers["ETag"]
    headers = {"If-Match": etag, "Idempotency-Key": "submit-once"}

    first = writer.post(f"needs/{draft.id}/submit", headers=headers)
    retry = writer.post(f"needs/{draft.id}/submit", headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.get_json() == first.get_json()
    db.session.expire_all()
    assert db.session.get(Need, draft.id).version == first.get_json()["version"]


@pytest.mark.parametrize(
    "other_request",
    [
        lambda client, need_id: post_need(client, body={**NEW_NEED, "title": "Another need"}),
        lambda client, need_id: client.post(
            f"needs/{need_id}/submit", headers={"Idempotency-Key": KEY}
        ),
    ],
    ids=["other body", "other path"],
)
def test_a_key_used_for_another_request_is_refused(api, db, editor, draft, other_request):
    writer = api(editor)
    post_need(writer)

    refused = other_request(writer, draft.id)

    assert error_of(refused)[:2] == (422, "idempotency_key_reused")
    assert set(error_of(refused)[2]) == {"Idempotency-Key"}
    assert count(db, Need) == 2  # the draft and the first POST's need
    db.session.expire_all()
    assert db.session.get(Need, draft.id).status == "draft"


def test_keys_are_each_users_own(api, db, editor):
    colleague = factories.user(
        factories.partner_tenant(code="RS-MOI", economy="RS"),
        email="editor@mup.gov.rs",
        roles=("editor",),
    )
    db.session.commit()

    mine = post_need(api(editor))
    theirs = post_need(api(colleague))

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert count(db, Need) == 2


@pytest.mark.parametrize(
    ("age", "replayed"),
    [(timedelta(hours=23, minutes=59), True), (timedelta(hours=24, minutes=1), False)],
    ids=["within a day", "after a day"],
)
def test_a_key_names_its_request_for_a_day(api, db, editor, age, replayed):
    writer = api(editor)
    post_need(writer)
    db.session.execute(update(IdempotencyKey).values(created_at=utc_now() - age))
    db.session.commit()

    again = post_need(writer)

    assert again.status_code == 201
    assert ("Idempotent-Replayed" in again.headers) is replayed
    assert count(db, Need) == (1 if replayed else 2)
    # An expired key was purged; the new request keeps its own.
    assert count(db, IdempotencyKey) == 1


def test_an_answer_that_is_not_a_success_frees_the_key_for_a_retry(api, db, editor):
    writer = api(editor)
    db.session.execute(update(Cycle).values(status="consolidation"))
    db.session.commit()

    refused = post_need(writer)

    assert refused.status_code == 403
    assert count(db, IdempotencyKey) == 0
    db.session.execute(update(Cycle).values(status="open"))
    db.session.commit()

    retry = post_need(writer)

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert count(db, Need) == 1


def test_a_failure_of_the_portal_frees_the_key_for_a_retry(api, db, editor, monkeypatch):
    writer = api(editor)

    def broken(data):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(need_service, "create_need", broken)
    failed = post_need(writer)
    monkeypatch.undo()

    assert failed.status_code == 500
    assert count(db, IdempotencyKey) == 0
    assert post_need(writer).status_code == 201
    assert count(db, Need) == 1


def test_a_request_still_being_answered_is_refused(api, db, editor):
    writer = api(editor)
    post_need(writer)
    # As if the first request were still being answered: claimed, its answer not kept.
    db.session.execute(
        update(IdempotencyKey).values(completed_at=None, status=None, body=None, headers=None)
    )
    db.session.commit()

    retry = post_need(writer)

    assert error_of(retry) == (
        409,
        "idempotency_key_in_use",
        {"Idempotency-Key": "Wait for the first request's answer, or retry later."},
    )
    assert count(db, Need) == 1


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "The key is empty."),
        ("k" * 201, "Use at most 200 characters."),
        ("retry\x01one", "Remove the control characters from the key."),
        ("retry\x7fone", "Remove the control characters from the key."),
    ],
    ids=["empty", "too long", "control character", "delete character"],
)
def test_a_malformed_key_is_refused_naming_the_header(api, db, editor, key, reason):
    response = post_need(api(editor), key=key)

    assert error_of(response) == (400, "bad_request", {"Idempotency-Key": reason})
    assert count(db, Need) == 0
    assert count(db, IdempotencyKey) == 0


def test_the_longest_key_is_taken(api, db, editor):
    writer = api(editor)

    answers = [post_need(writer, key="k" * 200).status_code for _ in range(2)]

    assert answers == [201, 201]
    assert count(db, Need) == 1


def test_a_read_token_claims_no_key(api, db, editor):
    refused = post_need(api(editor, scope="read"))

    assert error_of(refused)[:2] == (403, "insufficient_scope")
    assert count(db, IdempotencyKey) == 0
