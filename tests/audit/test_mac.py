"""The MAC of an entry: what it covers, and how keys are told apart."""

import pytest

from audit import mac
from audit.canonical import ENTRY_FIELDS

VALUES = (41, 7, 918273, "2026-03-02T09:15:00.250112Z", "needs", "12", "U", "{}", "{}")
VALUES += ('["title"]', None, 31, "user", "jonas@example.org", 7, "5f0c", "192.0.2.10", None)
KEY = mac.MacKey.from_secret("s" * 40)


def test_every_field_counts():
    made = KEY.mac(VALUES)
    for index in range(len(ENTRY_FIELDS)):
        changed = list(VALUES)
        changed[index] = "changed"
        assert KEY.mac(changed) != made, ENTRY_FIELDS[index]


def test_a_null_is_not_an_empty_text():
    changed = list(VALUES)
    changed[10] = ""

    assert KEY.mac(changed) != KEY.mac(VALUES)


def test_an_integer_stored_as_text_is_the_same_value():
    # SQLite's column affinity may turn one into the other between writing and reading.
    as_text = [str(value) if isinstance(value, int) else value for value in VALUES]

    assert KEY.mac(as_text) == KEY.mac(VALUES)


def test_an_entry_has_exactly_its_fields():
    with pytest.raises(ValueError, match="18 fields"):
        mac.message(VALUES[:-1])


def test_each_secret_key_makes_its_own_key_id_and_mac():
    other = mac.MacKey.from_secret("t" * 40)
    keys = mac.keys_from_secrets(["s" * 40, "t" * 40])

    assert other.key_id != KEY.key_id
    assert mac.problem(keys, VALUES, other.mac(VALUES)) is None
    assert mac.problem(keys, VALUES, KEY.mac(VALUES)) is None
    assert "none of the secret keys" in mac.problem({KEY.key_id: KEY}, VALUES, other.mac(VALUES))
    assert mac.problem(keys, VALUES, None) == "it carries no MAC"
    made = KEY.mac(VALUES)
    altered = made[:-1] + ("1" if made[-1] == "0" else "0")
    assert mac.problem(keys, VALUES, altered) == "its MAC does not verify"
