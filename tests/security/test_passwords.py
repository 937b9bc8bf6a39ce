"""Password policy and hashing: what a user may choose and how it is stored."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files

import flask
import pytest
from argon2 import PasswordHasher

from portal.security import passwords
from portal.security.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordRejected,
    check_policy,
    hash_password,
    needs_rehash,
    normalise,
    spend_verification_time,
    verify_password,
)

EMAIL = "ana.kovacevic@moi.gov.al"
TENANT = "AL-MOI"
# Long, uncommon, and shares nothing with EMAIL or TENANT.
GOOD = "plum orchard under thin rain"


@pytest.fixture
def fast_hashing() -> Iterator[flask.Flask]:
    """Push an app context whose argon2 cost is low enough for tests to run quickly."""
    app = flask.Flask(__name__)
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=8192, ARGON2_PARALLELISM=1)
    with app.app_context():
        yield app


def reason_for(password: str, *, email: str = EMAIL, tenant_code: str | None = TENANT) -> str:
    """Return the reason the policy gives for refusing ``password``."""
    with pytest.raises(PasswordRejected) as refused:
        check_policy(password, email=email, tenant_code=tenant_code)
    return refused.value.reason


def test_eleven_characters_are_refused_and_twelve_accepted():
    assert reason_for("x7#kq!vb2zp") == "Use at least 12 characters."
    assert check_policy("x7#kq!vb2zpw", email=EMAIL, tenant_code=TENANT) == "x7#kq!vb2zpw"


def test_length_is_counted_in_characters_not_bytes():
    # Twelve two-byte letters: 24 bytes in UTF-8, but twelve characters.
    password = "žćčđšžćčđšžć"
    assert len(password.encode()) == 24

    assert check_policy(password, email=EMAIL, tenant_code=TENANT) == password


def test_128_characters_accepted_and_129_refused_never_truncated(fast_hashing):
    longest = "q" * (MAX_LENGTH - 1) + "a"
    differs_only_at_the_end = "q" * (MAX_LENGTH - 1) + "b"

    assert check_policy(longest, email=EMAIL, tenant_code=TENANT) == longest
    assert reason_for(longest + "z") == "Use at most 128 characters."
    stored = hash_password(longest)
    assert verify_password(stored, longest)
    assert not verify_password(stored, differs_only_at_the_end)


def test_unicode_is_normalised_nfkc(fast_hashing):
    # Full-width letters and the "ﬁ" ligature are what some keyboards and input methods send.
    typed = "ｐｌｕｍ ｏｒｃｈａｒｄ ﬁne rain"
    nfkc_form = "plum orchard fine rain"
    assert normalise(typed) == nfkc_form

    assert check_policy(typed, email=EMAIL, tenant_code=TENANT) == nfkc_form
    assert verify_password(hash_password(nfkc_form), typed)
    assert verify_password(hash_password(typed), nfkc_form)


def test_length_is_checked_after_normalisation():
    # "㍻" is one character that NFKC spells as two ("平成").
    assert check_policy("㍻" * 6, email=EMAIL, tenant_code=TENANT) == "平成" * 6
    assert reason_for("㍻" * 5 + "x") == "Use at least 12 characters."


@pytest.mark.parametrize(
    "password", ["password1234", "Password1234", "QWERTYUIOPASDFGH", "1q2w3e4r5t6y", "welcome2024!"]
)
def test_common_passwords_are_refused_with_the_reason(password):
    assert reason_for(password) == "This password is too common; choose another."


@pytest.mark.parametrize(
    "password",
    [
        "my name is ana.kovacevic ok",
        "ANA.KOVACEVIC-rules-here",
        "kovacevic plum orchard",
        "PlumKovacevicOrchard",
    ],
)
def test_password_containing_email_name_is_refused(password):
    assert reason_for(password) == "The password must not contain your email name."


def test_short_parts_of_the_email_name_are_allowed():
    # "ana" is a part of three letters: too short to refuse every password containing it.
    assert check_policy("banana orchard in rain", email=EMAIL, tenant_code=TENANT)


def test_short_email_name_is_only_refused_when_three_characters_or_more():
    assert reason_for("plum joe orchard", email="joe@example.org") == (
        "The password must not contain your email name."
    )
    assert check_policy("plum jo orchard rain", email="jo@example.org", tenant_code=None)


@pytest.mark.parametrize(
    "password", ["plum al-moi orchard", "plum AL-MOI orchard", "plumalmoiorchard", "ALMOI in rain!"]
)
def test_password_containing_tenant_code_is_refused(password):
    assert reason_for(password) == "The password must not contain your organisation's code."


def test_no_tenant_code_means_no_tenant_check():
    assert check_policy("plum al-moi orchard", email=EMAIL, tenant_code=None)


def test_no_composition_rules():
    # No digits, no capitals, no symbols: long and uncommon is enough.
    assert check_policy(GOOD, email=EMAIL, tenant_code=TENANT) == GOOD


def test_any_characters_are_allowed():
    password = "ключ 🔑 \t  ٣٤٥ <script>'\""
    assert check_policy(password, email=EMAIL, tenant_code=TENANT) == password


def test_hash_is_argon2id(fast_hashing):
    stored = hash_password(GOOD)

    assert stored.startswith("$argon2id$")
    assert GOOD not in stored
    assert "m=8192,t=1,p=1" in stored


def test_same_password_hashes_differently_each_time(fast_hashing):
    assert hash_password(GOOD) != hash_password(GOOD)


def test_verify_is_true_for_the_right_password(fast_hashing):
    assert verify_password(hash_password(GOOD), GOOD) is True


@pytest.mark.parametrize(
    "corrupt",
    ["", "not a hash", "$argon2id$v=19$m=8192,t=1,p=1$", "$2b$12$abcdefghijklmnopqrstuv"],
)
def test_verify_is_false_for_wrong_password_and_corrupt_hash(fast_hashing, corrupt):
    stored = hash_password(GOOD)

    assert verify_password(stored, GOOD + "!") is False
    assert verify_password(stored, GOOD.upper()) is False
    assert verify_password(corrupt, GOOD) is False
    assert verify_password(stored[:-4] + "AAAA", GOOD) is False


def test_needs_rehash_when_parameters_grow(fast_hashing):
    stored = hash_password(GOOD)
    assert needs_rehash(stored) is False

    fast_hashing.config["ARGON2_TIME_COST"] = 2
    assert needs_rehash(stored) is True

    fast_hashing.config["ARGON2_TIME_COST"] = 1
    fast_hashing.config["ARGON2_MEMORY_COST"] = 16384
    assert needs_rehash(stored) is True


def test_needs_rehash_for_an_unreadable_hash(fast_hashing):
    assert needs_rehash("not a hash") is True


def test_defaults_apply_outside_an_app_context():
    cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    default = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(GOOD)

    assert needs_rehash(cheap) is True
    assert needs_rehash(default) is False


def test_unknown_user_costs_one_verification_with_the_configured_parameters(
    fast_hashing, monkeypatch
):
    checked = []
    real_verify = PasswordHasher.verify

    def recording_verify(self, password_hash, password):
        checked.append(password_hash)
        return real_verify(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", recording_verify)

    assert spend_verification_time(GOOD) is None
    spend_verification_time("another guess at it")

    assert len(checked) == 2
    assert checked[0] == checked[1]
    assert checked[0].startswith("$argon2id$v=19$m=8192,t=1,p=1$")


def test_common_list_is_large_long_and_lowercase():
    text = files("portal.security").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    entries = [line for line in text.splitlines() if line]

    assert len(entries) >= 1500
    assert all(len(entry) >= MIN_LENGTH for entry in entries)
    assert all(entry == entry.lower() for entry in entries)
    assert all(entry == normalise(entry) for entry in entries)
    assert frozenset(entries) == passwords._common_passwords()
