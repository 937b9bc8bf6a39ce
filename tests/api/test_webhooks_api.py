"""The API's webhooks: register (the secret once), read, follow deliveries, remove."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import Webhook
from tests import factories


@pytest.fixture
def admin(db):
    person = factories.user(
        factories.partner_tenant(), email="adm@al.example", roles=("tenant_admin",)
    )
    db.session.commit()
    return person


def test_a_tenant_administrator_registers_reads_and_removes_a_webhook(api, admin):
    client = api(admin)

    created = client.post(
        "webhooks", json={"url": "https://receiver.example/iisg", "events": ["need.*"]}
    )
    hook_id = created.get_json()["id"]
    listed = client.get("webhooks")
    one = client.get(f"webhooks/{hook_id}")
    deliveries = client.get(f"webhooks/{hook_id}/deliveries")
    without = client.delete(f"webhooks/{hook_id}")
    stale = client.delete(f"webhooks/{hook_id}", headers={"If-Match": '"99"'})
    removed = client.delete(f"webhooks/{hook_id}", headers={"If-Match": one.headers["ETag"]})

    assert created.status_code == 201
    assert created.get_json()["secret"].startswith("whsec_")
    assert "secret" not in one.get_json() and "secret_encrypted" not in one.get_json()
    assert listed.get_json()["total"] == 1
    assert one.get_json()["events"] == ["need.*"] and one.headers["ETag"] == '"1"'
    assert deliveries.get_json()["items"] == []
    assert (without.status_code, stale.status_code, removed.status_code) == (428, 412, 204)
    for answer in (created, listed, one, deliveries, without, stale):
        client.check_documented(answer)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://receiver.example/iisg", "events": ["*"]}, "url"),
        ({"url": "https://receiver.example/iisg", "events": []}, "events"),
        ({"url": "https://receiver.example/iisg", "events": ["need.eaten"]}, "events"),
        ({"url": "https://receiver.example/iisg"}, "events"),
    ],
)
def test_a_bad_webhook_is_refused_naming_the_field(api, admin, db, body, field):
    answer = api(admin).post("webhooks", json=body)

    assert answer.status_code == 422
    named = answer.get_json()["error"]["fields"]
    assert any(name == field or name.startswith(f"{field}.") for name in named), named
    assert db.session.scalar(select(Webhook)) is None


def test_who_is_not_a_tenant_administrator_is_refused(api, db, admin):
    editor = factories.user(admin.tenant, email="ed@al.example", roles=("editor",))
    db.session.commit()

    answer = api(editor).post(
        "webhooks", json={"url": "https://receiver.example/iisg", "events": ["*"]}
    )

    assert answer.status_code == 403
    assert db.session.scalar(select(Webhook)) is None


def test_a_read_token_registers_nothing(api, admin, db):
    answer = api(admin, scope="read").post(
        "webhooks", json={"url": "https://receiver.example/iisg", "events": ["*"]}
    )

    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "insufficient_scope"


def test_a_retried_registration_gets_the_webhook_but_never_the_secret_again(api, admin, db):
    from portal.api.idempotency import WITHHELD_TEXT
    from portal.models import IdempotencyKey

    client = api(admin)
    body = {"url": "https://receiver.example/iisg", "events": ["*"]}
    headers = {"Idempotency-Key": "register-once"}

    first = client.post("webhooks", json=body, headers=headers)
    retry = client.post("webhooks", json=body, headers=headers)

    secret = first.get_json()["secret"]
    kept = db.session.scalar(select(IdempotencyKey.body))
    assert secret.startswith("whsec_")
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert retry.get_json()["secret"] == WITHHELD_TEXT
    assert secret not in kept
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 1
