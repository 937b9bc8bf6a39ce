"""Configuration from the environment, checked at start-up."""

import json
import re
import stat

import pytest
from flask import request

from portal.config import Config, StartupError, generate_production_keys

PRODUCTION_KEYS = generate_production_keys()


def test_development_defaults_to_sqlite_under_instance(tmp_path):
    settings = Config.from_environment({}, tmp_path)

    assert settings["ENV_NAME"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'iisg.sqlite3'}"


def test_development_keys_are_generated_once_and_reused(tmp_path):
    first = Config.from_environment({}, tmp_path)
    second = Config.from_environment({}, tmp_path)

    keys_file = tmp_path / "development-keys.json"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert set(json.loads(keys_file.read_text())) == set(PRODUCTION_KEYS)
    for name in ("SECRET_KEY", "ENCRYPTION_KEY", "AUDIT_SIGNING_KEY"):
        assert first[name] == second[name]
    assert len(first["ENCRYPTION_KEY"]) == 32


def test_previous_secret_keys_are_read_apart_at_spaces(tmp_path):
    environ = {"IISG_AUDIT_PREVIOUS_SECRET_KEYS": f" {'a' * 32}  {'b' * 40}\n"}

    assert Config.from_environment(environ, tmp_path)["AUDIT_PREVIOUS_SECRET_KEYS"] == (
        "a" * 32,
        "b" * 40,
    )
    assert Config.from_environment({}, tmp_path)["AUDIT_PREVIOUS_SECRET_KEYS"] == ()


def test_keys_from_the_environment_win_over_generated_ones(tmp_path):
    settings = Config.from_environment({"IISG_SECRET_KEY": "s" * 40}, tmp_path)

    assert settings["SECRET_KEY"] == "s" * 40


@pytest.mark.parametrize("missing", sorted(PRODUCTION_KEYS))
def test_production_refuses_to_start_without_each_key(tmp_path, missing):
    environ = {"IISG_ENV": "production", **PRODUCTION_KEYS}
    del environ[missing]

    with pytest.raises(StartupError, match=f"^{missing}: is required when IISG_ENV=production"):
        Config.from_environment(environ, tmp_path)
    assert not (tmp_path / "development-keys.json").exists()


def test_production_starts_with_all_keys(tmp_path):
    environ = {"IISG_ENV": "production", "IISG_BASE_URL": "https://iisg.example", **PRODUCTION_KEYS}

    settings = Config.from_environment(environ, tmp_path)

    assert settings["ENV_NAME"] == "production"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert settings["HSTS"] is True


def test_development_cookies_work_over_plain_http(tmp_path):
    settings = Config.from_environment({}, tmp_path)

    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_a_plain_http_base_url(tmp_path):
    environ = {"IISG_ENV": "production", "IISG_BASE_URL": "http://iisg.example", **PRODUCTION_KEYS}

    with pytest.raises(StartupError, match="IISG_BASE_URL: must be an https:// address"):
        Config.from_environment(environ, tmp_path)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"IISG_ENV": "staging"}, "IISG_ENV: 'staging' is not one of"),
        ({"IISG_LOG_LEVEL": "loud"}, "IISG_LOG_LEVEL: 'LOUD' is not one of"),
        ({"IISG_DATABSE_URL": "sqlite://"}, "did you mean IISG_DATABASE_URL"),
        ({"IISG_DATABASE_URL": "mysql://db/iisg"}, "'mysql' is not supported"),
        ({"IISG_DATABASE_URL": "not a url"}, "IISG_DATABASE_URL: is not a database URL"),
        ({"IISG_DATABASE_URL": "postgresql+asyncpg://h/d"}, "driver 'postgresql+asyncpg'"),
        ({"IISG_DATABASE_URL": "postgresql://h"}, "names no database"),
        ({"IISG_ENCRYPTION_KEY": "c2hvcnQ"}, "IISG_ENCRYPTION_KEY: must decode to 32 bytes"),
        ({"IISG_AUDIT_SIGNING_KEY": "***"}, "IISG_AUDIT_SIGNING_KEY: is not URL-safe base64"),
        ({"IISG_SECRET_KEY": "short"}, "IISG_SECRET_KEY: must be at least 32 characters"),
        (
            {"IISG_AUDIT_PREVIOUS_SECRET_KEYS": "a passphrase with spaces in it, split"},
            "IISG_AUDIT_PREVIOUS_SECRET_KEYS: each secret key must be at least 32 characters",
        ),
        ({"IISG_REDIS_URL": "localhost:6379"}, "IISG_REDIS_URL: must start with redis://"),
        ({"IISG_SMTP_URL": "mail.example:25"}, "IISG_SMTP_URL: must start with smtp://"),
        ({"IISG_BASE_URL": "iisg.example"}, "IISG_BASE_URL: must start with http://"),
        ({"IISG_TRUSTED_PROXIES": "yes"}, "IISG_TRUSTED_PROXIES: 'yes' is not a whole number"),
        ({"IISG_API_RATE_LIMIT": "plenty"}, "IISG_API_RATE_LIMIT: 'plenty' is not a rate limit"),
        ({"IISG_API_RATE_LIMIT": "0 per minute"}, "IISG_API_RATE_LIMIT: '0 per minute' is not"),
    ],
)
def test_unusable_settings_stop_start_up_naming_the_setting(tmp_path, environ, message):
    with pytest.raises(StartupError, match=re.escape(message)) as raised:
        Config.from_environment(environ, tmp_path)

    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "300 per minute"), ("10 per second;  1000 per hour", "10 per second; 1000 per hour")],
)
def test_the_api_rate_limit_is_read_from_the_environment(tmp_path, value, expected):
    environ = {} if value is None else {"IISG_API_RATE_LIMIT": value}

    assert Config.from_environment(environ, tmp_path)["API_RATE_LIMIT"] == expected


def test_database_url_password_is_not_echoed_when_refused(tmp_path):
    with pytest.raises(StartupError) as raised:
        Config.from_environment({"IISG_DATABASE_URL": "mysql://u:hunter2@db/x"}, tmp_path)

    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg_3(tmp_path, scheme):
    settings = Config.from_environment({"IISG_DATABASE_URL": f"{scheme}://u@db/iisg"}, tmp_path)

    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/iisg"


@pytest.mark.parametrize(("proxies", "address"), [(1, "198.51.100.7"), (0, "127.0.0.1")])
def test_forwarded_addresses_count_only_behind_trusted_proxies(make_app, proxies, address):
    app = make_app(TRUSTED_PROXIES=proxies)
    seen = []
    app.add_url_rule("/auth/whoami", "auth.whoami", lambda: seen.append(request.remote_addr) or "")

    app.test_client().get("/auth/whoami", headers={"X-Forwarded-For": "198.51.100.7"})

    assert seen == [address]


def test_request_bodies_are_capped_at_two_mebibytes_unless_configured(tmp_path):
    default = Config.from_environment({}, tmp_path)
    configured = Config.from_environment({"IISG_MAX_FORM_BYTES": "1048576"}, tmp_path)

    assert default["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert configured["MAX_CONTENT_LENGTH"] == 1024 * 1024
    with pytest.raises(StartupError, match="IISG_MAX_FORM_BYTES: '1000' is not a whole number"):
        Config.from_environment({"IISG_MAX_FORM_BYTES": "1000"}, tmp_path)


def test_sqlite_waits_five_seconds_for_a_busy_database_unless_configured(tmp_path):
    default = Config.from_environment({}, tmp_path)
    configured = Config.from_environment({"IISG_SQLITE_BUSY_TIMEOUT_SECONDS": "30"}, tmp_path)

    assert default["SQLITE_BUSY_TIMEOUT_SECONDS"] == 5
    assert configured["SQLITE_BUSY_TIMEOUT_SECONDS"] == 30
    with pytest.raises(StartupError, match="IISG_SQLITE_BUSY_TIMEOUT_SECONDS: '0' is not"):
        Config.from_environment({"IISG_SQLITE_BUSY_TIMEOUT_SECONDS": "0"}, tmp_path)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("IISG_AUDIT_SEAL_EVERY_MINUTES", "0", "not a whole number of at least 1"),
        ("IISG_AUDIT_SEAL_EVERY_MINUTES", "61", "does not divide an hour"),
        ("IISG_AUDIT_SEAL_EVERY_MINUTES", "7", "does not divide an hour"),
        ("IISG_AUDIT_VERIFY_AT", "3am", "not a time of day as HH:MM"),
        ("IISG_AUDIT_VERIFY_AT", "24:00", "not a time of day as HH:MM"),
        ("IISG_AUDIT_VERIFY_AT", "03:7", "not a time of day as HH:MM"),
        ("IISG_DIGEST_AT", "6", "not a time of day as HH:MM"),
        ("IISG_QUEUE_FILE", "queue.sqlite3", "not an absolute path"),
        ("IISG_RESPONSE_ROUND_ON", "02-30", "not a day of the year as MM-DD"),
        ("IISG_RESPONSE_ROUND_ON", "3-1", "not a day of the year as MM-DD"),
        ("IISG_RESPONSE_ROUND_ON", "\u0660\u0663-\u0660\u0661", "not a day of the year as MM-DD"),
        ("IISG_RESPONSE_ROUND_REMINDER_DAYS", "0", "not a whole number of at least 1"),
        ("IISG_RESPONSE_ROUND_REMINDER_DAYS", "91", "more than 90"),
    ],
)
def test_a_background_work_setting_out_of_range_stops_the_start_naming_it(
    tmp_path, name, value, reason
):
    with pytest.raises(StartupError) as refused:
        Config.from_environment({name: value}, tmp_path)

    assert name in str(refused.value) and reason in str(refused.value)


def test_background_work_settings_are_read_from_the_environment(tmp_path):
    settings = Config.from_environment(
        {
            "IISG_AUDIT_SEAL_EVERY_MINUTES": "10",
            "IISG_AUDIT_VERIFY_AT": "22:30",
            "IISG_QUEUE_FILE": str(tmp_path / "queue.db"),
            "IISG_DIGEST_AT": "07:30",
            "IISG_RESPONSE_ROUND_ON": "02-29",
            "IISG_RESPONSE_ROUND_REMINDER_DAYS": "30",
        },
        tmp_path,
    )

    assert settings["AUDIT_SEAL_EVERY_MINUTES"] == 10
    assert settings["AUDIT_VERIFY_AT"] == (22, 30)
    assert settings["QUEUE_FILE"] == str(tmp_path / "queue.db")
    assert settings["DIGEST_AT"] == (7, 30)
    assert settings["RESPONSE_ROUND_ON"] == (2, 29)
    assert settings["RESPONSE_ROUND_REMINDER_DAYS"] == 30
