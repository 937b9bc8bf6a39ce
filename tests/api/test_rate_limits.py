"""The API's calls are limited per token (per address without one), shared through Redis."""

from __future__ import annotations

import uuid

import pytest

from portal.extensions import limiter
from portal.identity import act_as_principal
from portal.services import api_tokens
from tests import factories
from tests.auth.test_rate_limits import REDIS_URL, redis_or_skip

# Tests that count in the shared Redis run in one process of a parallel run, one at a
# time, since resetting the limiter empties the counters of every process.
pytestmark = pytest.mark.xdist_group("redis")

LIMIT = "3 per minute"


@pytest.fixture
def person(db):
    person = factories.user(factories.member_tenant(), roles=("viewer",))
    db.session.commit()
    return person


def token_of(app, person, name="script") -> str:
    with app.app_context():
        act_as_principal(None)
        _token, secret = api_tokens.create(person, {"name": name, "days": 30, "scope": "read"})
    return secret


def call(app, secret: str | None = None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return app.test_client().get("/api/v1/me", headers=headers)


def statuses(app, secret, times):
    return [call(app, secret).status_code for _ in range(times)]


def test_a_token_over_the_limit_is_refused_in_the_envelope_with_retry_after(make_app, person):
    app = make_app(API_RATE_LIMIT=LIMIT)
    secret = token_of(app, person)

    answers = [call(app, secret) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.get_json() == {
        "error": {
            "code": "rate_limited",
            "message": refused.get_json()["error"]["message"],
            "fields": {},
        }
    }
    assert "3 per 1 minute" in refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_each_token_counts_on_its_own(make_app, person):
    app = make_app(API_RATE_LIMIT=LIMIT)
    first, second = token_of(app, person, "first"), token_of(app, person, "second")

    assert statuses(app, first, 3) == [200] * 3
    assert statuses(app, second, 3) == [200] * 3
    assert statuses(app, first, 1) == [429]
    assert statuses(app, second, 1) == [429]


def test_calls_without_a_token_count_by_address_apart_from_the_tokens(make_app, person):
    app = make_app(API_RATE_LIMIT=LIMIT)
    secret = token_of(app, person)

    assert statuses(app, None, 4) == [401, 401, 401, 429]
    assert statuses(app, "iisg_not-a-token", 1) == [429]
    assert statuses(app, secret, 1) == [200]


def test_the_limit_is_counted_once_however_many_apps_were_built(make_app, person):
    # The API's blueprints are built once per process and registered on every app.
    make_app(API_RATE_LIMIT=LIMIT)
    app = make_app(API_RATE_LIMIT=LIMIT)
    secret = token_of(app, person)

    assert statuses(app, secret, 4) == [200, 200, 200, 429]


def test_app_servers_sharing_redis_share_the_count(make_app, person, monkeypatch):
    store = redis_or_skip()
    # This test's own keys: nothing else in the database is read or removed. The limiter
    # keeps the first prefix any app configured, so it starts from none and gets it back.
    prefix = f"iisg-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(limiter, "_key_prefix", "")
    settings = {
        "API_RATE_LIMIT": LIMIT,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    try:
        first = make_app(**settings)
        secret = token_of(first, person)
        assert statuses(first, secret, 2) == [200, 200]
        # A second server (its own app, its own connection to Redis) reads the same count.
        second = make_app(**settings)

        assert statuses(second, secret, 2) == [200, 429]
        assert store.keys(f"*{prefix}*")
    finally:
        keys = store.keys(f"*{prefix}*")
        if keys:
            store.delete(*keys)
