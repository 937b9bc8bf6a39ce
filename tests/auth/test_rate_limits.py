"""Per-address limits on the sign-in endpoints count failures only."""

import os

import pytest
import redis

from portal.extensions import limiter
from tests import factories
from tests.conftest import AuthActions

REDIS_URL = os.environ.get("IISG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Tests that count in the shared Redis run in one process of a parallel run, one at a
# time, since resetting the limiter empties the counters of every process.
pytestmark = pytest.mark.xdist_group("redis")


def failed_sign_in(app, number):
    return AuthActions(app).password_step(
        app.test_client(), f"nobody{number}@ministry.example", "wrong password"
    )


@pytest.fixture
def strict_app(make_app):
    return make_app(LOGIN_RATE_LIMIT="3 per 15 minutes")


def test_an_address_is_refused_after_too_many_failures(strict_app):
    answers = [failed_sign_in(strict_app, number).status_code for number in range(4)]

    assert answers == [401, 401, 401, 429]


def test_successful_sign_ins_do_not_count_against_the_address(strict_app):
    with strict_app.app_context():
        from portal.extensions import db

        person = factories.user(factories.member_tenant())
        db.session.commit()
        email = person.email
    actions = AuthActions(strict_app)

    answers = [actions.password_step(strict_app.test_client(), email).status_code for _ in range(5)]

    assert answers == [302] * 5


def redis_or_skip():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis at {REDIS_URL} does not answer (REQUIRE_REDIS=1): {error}")
        pytest.skip(f"Redis at {REDIS_URL} does not answer: {error}")
    return client


def test_with_redis_configured_the_counts_live_in_redis(make_app):
    store = redis_or_skip()
    app = make_app(LOGIN_RATE_LIMIT="3 per 15 minutes", RATELIMIT_STORAGE_URI=REDIS_URL)
    limiter.reset()

    answers = [failed_sign_in(app, number).status_code for number in range(4)]

    # Any app server pointed at the same Redis reads these same counters.
    keys = [key.decode() for key in store.keys("*")]
    assert answers == [401, 401, 401, 429]
    assert any("127.0.0.1" in key for key in keys)
    limiter.reset()


# No Redis listens on port 1: a Redis that went away, as far as the portal can tell.
AWAY = "iisg+redis://127.0.0.1:1/0"


def test_without_redis_the_limits_count_in_each_server_and_say_so(make_app):
    from structlog.testing import capture_logs

    app = make_app(LOGIN_RATE_LIMIT="3 per 15 minutes", RATELIMIT_STORAGE_URI=AWAY)
    with app.app_context():
        from portal.extensions import db

        person = factories.user(factories.member_tenant())
        db.session.commit()
        email = person.email

    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    with capture_logs() as logs:
        answers = [failed_sign_in(app, number).status_code for number in range(4)]
        signed_in = AuthActions(app).password_step(elsewhere, email)

    # Never unlimited: the fourth failure is refused, counted in this server's memory;
    # never everyone refused: the right password, from another address, goes through.
    assert answers == [401, 401, 401, 429]
    events = [entry["event"] for entry in logs]
    assert events.count("rate_limit_storage_unreachable") == 1
    assert signed_in.status_code == 302
    limiter.reset()


def test_shared_counting_resumes_when_redis_answers_again(monkeypatch):
    from portal import shared_counts

    store = redis_or_skip()
    counts = shared_counts.RedisOrServerStorage(shared_counts.storage_uri(REDIS_URL))
    counts.reset()
    counts._gone(ConnectionError("Redis went away"))

    counts.incr("sign-in/203.0.113.9", 900)
    assert store.keys("*203.0.113.9*") == []  # counted in memory meanwhile
    monkeypatch.setattr(shared_counts, "RECHECK_SECONDS", 0.0)
    counts.incr("sign-in/203.0.113.9", 900)

    assert counts.away_since is None
    assert len(store.keys("*203.0.113.9*")) == 1  # in Redis again, for every server
    counts.reset()
