"""Recovery codes: how many, how strong, and how a typed code is read."""

from __future__ import annotations

import re

from portal.security import recovery_codes

BASE32 = re.compile(r"^[a-z2-7]+$")


def test_ten_codes_are_issued_and_no_two_are_alike():
    codes = recovery_codes.new_codes()

    assert len(codes) == 10
    assert len(set(codes)) == 10


def test_each_code_carries_at_least_80_bits():
    for code in recovery_codes.new_codes():
        characters = recovery_codes.normalise(code)

        assert BASE32.match(characters), code
        assert len(characters) * 5 >= 80


def test_codes_differ_from_one_issue_to_the_next():
    first, second = recovery_codes.new_codes(), recovery_codes.new_codes()

    assert not set(first) & set(second)


def test_a_code_is_written_in_short_groups_that_normalise_away():
    code = recovery_codes.new_codes(1)[0]

    assert "-" in code
    assert all(len(group) <= 4 for group in code.split("-"))
    assert "-" not in recovery_codes.normalise(code)


def test_normalise_strips_hyphens_and_spaces_and_lowercases():
    assert recovery_codes.normalise("ABCD-efgh ijkl\tMNOP") == "abcdefghijklmnop"
    assert recovery_codes.normalise(" abcd - EFGH ") == "abcdefgh"


def test_a_code_typed_differently_normalises_to_the_same_value():
    code = recovery_codes.new_codes(1)[0]
    typed = code.upper().replace("-", " ")

    assert recovery_codes.normalise(typed) == recovery_codes.normalise(code)


def test_sealed_codes_open_with_their_key_for_their_holder_only():
    codes = recovery_codes.new_codes()
    sealed, key = recovery_codes.seal(codes, "7:12")

    assert recovery_codes.unseal(sealed, key, "7:12", 600) == codes
    assert recovery_codes.unseal(sealed, key, "7:13", 600) is None
    assert recovery_codes.unseal(sealed, recovery_codes.seal(codes, "7:12")[1], "7:12", 600) is None
    assert recovery_codes.unseal(sealed, "not a key", "7:12", 600) is None
    assert recovery_codes.unseal("", key, "7:12", 600) is None
    assert not any(code in sealed for code in codes)


def test_sealed_codes_expire():
    sealed, key = recovery_codes.seal(recovery_codes.new_codes(), "7:12")

    assert recovery_codes.unseal(sealed, key, "7:12", -1) is None
