"""The hashed document: RFC 8785 bytes under fixed type rules, the same on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from audit import tables
from audit.canonical import (
    ENTRY_FIELDS,
    GENESIS,
    CanonicalError,
    _fast_bytes,
    canonical_bytes,
    canonical_text_bytes,
    canonical_value,
    entry_hash,
    timestamp_text,
)
from audit.chain import document_text
from tests.audit.chain_support import as_owner

# --- RFC 8785 test vectors ------------------------------------------------------------


def test_keys_sort_by_utf16_code_units_as_rfc_8785_requires():
    # The key-ordering vector of RFC 8785, section 3.2.3.
    document = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected_order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]

    written = canonical_bytes(document).decode()

    assert list(json.loads(written)) == expected_order
    assert canonical_text_bytes(json.dumps(document)) == written.encode()


def test_strings_are_escaped_as_rfc_8785_requires():
    # From the RFC's section 3.2.2.2 example: only quote, backslash and controls escaped.
    document = {"string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/"}

    expected = b'{"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'

    assert canonical_bytes(document) == expected
    assert canonical_text_bytes(json.dumps(document)) == expected


def test_integers_beyond_two_to_the_53_become_strings():
    largest = 2**53 - 1

    written = canonical_bytes({"small": largest, "big": largest + 1, "negative": -largest - 1})

    assert (
        written
        == b'{"big":"9007199254740992","negative":"-9007199254740992","small":9007199254740991}'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("125000.50", '"125000.50"'),  # exact decimal text, trailing zero kept
        ("1e2", "100"),  # an exponent without a fraction is an integer
        ("1.50e1", '"15.0"'),
        ("1.5E-7", '"0.00000015"'),
        ("-0.0", '"0.0"'),  # no negative zero
        ("-0", "0"),
        ("12345678901234567890", '"12345678901234567890"'),
    ],
)
def test_numbers_follow_the_type_rules(text, expected):
    assert canonical_text_bytes(f'{{"n":{text}}}') == f'{{"n":{expected}}}'.encode()


def test_timestamps_are_utc_with_microseconds_and_z():
    moment = datetime(2026, 11, 23, 23, 40, 40, 5, tzinfo=timezone(timedelta(hours=2)))

    assert timestamp_text(moment) == "2026-11-23T21:40:40.000005Z"
    assert canonical_value({"at": moment}) == {"at": "2026-11-23T21:40:40.000005Z"}


@pytest.mark.parametrize("value", [1.5, b"bytes", datetime(2026, 1, 1), Decimal("NaN"), object()])
def test_values_without_a_canonical_form_are_refused(value):
    with pytest.raises(CanonicalError):
        canonical_bytes({"value": value})


def test_non_numbers_in_json_text_are_refused():
    with pytest.raises(CanonicalError):
        canonical_text_bytes('{"n": NaN}')


def test_an_entry_hash_chains_onto_the_previous_hash():
    first = entry_hash(GENESIS, {"id": 1})
    second = entry_hash(first, {"id": 1})

    assert len(first) == 32
    assert first != second
    assert entry_hash(GENESIS, canonical_bytes({"id": 1})) == first


# --- Properties -----------------------------------------------------------------------

keys = st.text(min_size=0, max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
    | st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=20,
)
objects = st.dictionaries(keys, documents, max_size=6)


def _decimal_literal(value) -> str:
    return format(value, "f")


def _write_json(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}: {_write_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_write_json(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return _decimal_literal(value)
    return json.dumps(value)


@settings(max_examples=300, deadline=None)
@given(objects)
def test_the_fast_path_writes_the_same_bytes_as_the_reference(document):
    assert canonical_text_bytes(_write_json(document)) == canonical_bytes(document)


@settings(max_examples=200, deadline=None)
@given(objects, st.randoms())
def test_canonical_bytes_do_not_depend_on_key_order(document, random):
    keys_in_order = list(document)
    random.shuffle(keys_in_order)
    shuffled = {key: document[key] for key in keys_in_order}

    assert canonical_bytes(shuffled) == canonical_bytes(document)


@settings(max_examples=200, deadline=None)
@given(objects)
def test_canonical_bytes_survive_a_json_round_trip(document):
    written = canonical_bytes(document)

    # What an auditor's tools do with an export line: read it as JSON, write it again.
    assert rfc8785.dumps(json.loads(written)) == written
    assert canonical_text_bytes(written.decode()) == written


# --- The orjson path against the rfc8785 package --------------------------------------

# Strings where JSON writers differ: every control character, the characters RFC 8785
# leaves as they are, and keys that sort differently by code point and by UTF-16 unit.
ODD_STRINGS = [
    "".join(map(chr, range(0x20))) + "\x7f",
    '"\\/:\u2028\u2029',
    "\ufb33",
    "\uffff",
    "\U0001f600",
    "\u00e9\u0451",
    "a:b",
]
json_strings = st.text(max_size=12) | st.sampled_from(ODD_STRINGS)
exact_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | json_strings
)
plain_values = st.recursive(
    exact_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_strings, inner, max_size=4),
    max_leaves=20,
)
plain_objects = st.dictionaries(json_strings, plain_values, max_size=6)
# How the text may be written: by each database, by an auditor's tools.
writers = st.sampled_from(
    [
        json.dumps,  # non-ASCII and controls escaped, surrogate pairs beyond the BMP
        lambda value: json.dumps(value, ensure_ascii=False),
        lambda value: json.dumps(value, ensure_ascii=False, indent=1),
        lambda value: orjson.dumps(value).decode(),
    ]
)


def _beyond_the_bmp(document) -> bool:
    return any(ord(character) > 0xFFFF for character in json.dumps(document, ensure_ascii=False))


@settings(max_examples=500, deadline=None)
@given(plain_objects, writers)
def test_the_orjson_path_writes_the_rfc8785_packages_bytes(document, write):
    text = write(document)
    expected = rfc8785.dumps(document)

    # It must step aside beyond the Basic Multilingual Plane, where keys may sort
    # otherwise, and where the text escapes a colon or a digit (how it sees a key named
    # twice); everywhere else it must be taken, and right.
    taken = not _beyond_the_bmp(document) and "\\u003" not in text
    assert _fast_bytes(text) == (expected if taken else None)
    assert canonical_text_bytes(text) == expected


@settings(max_examples=300, deadline=None)
@given(objects)
def test_the_orjson_path_never_differs_from_the_reference(document):
    # With decimals and integers beyond 2**53, which the type rules rewrite.
    written = _fast_bytes(_write_json(document))

    assert written is None or written == canonical_bytes(document)


@settings(max_examples=300, deadline=None)
@given(plain_objects, json_strings, plain_values, st.booleans())
def test_a_key_named_twice_is_refused_at_the_top_or_nested(document, key, value, nested):
    members = [f"{json.dumps(name)}:{json.dumps(item)}" for name, item in document.items()]
    members += [f"{json.dumps(key)}:{json.dumps(value)}"] * 2
    text = "{" + ",".join(members) + "}"
    if nested:
        text = f'{{"outer":{text}}}'

    assert _fast_bytes(text) is None
    with pytest.raises(CanonicalError):
        canonical_text_bytes(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":"1","a":"\\u003a"}',  # an escaped colon making up for the dropped member's
        '{"a":"\\u003A:","a":"::"}',
        '{"k":{"a":{},"a":[]}}',
    ],
)
def test_a_key_named_twice_is_refused_whatever_its_strings_hold(text):
    with pytest.raises(CanonicalError):
        canonical_text_bytes(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"n":[1,2.5]}',
        '{"n":[{"m":-0.0}]}',
        '{"n":1e2}',
        '{"n":{"m":18446744073709551616}}',  # beyond 64 bits orjson reads a float
        '{"n":[9007199254740992]}',
        '{"n":"\\ud800"}',
        '[{"n":1}]',
    ],
)
def test_the_orjson_path_steps_aside_for_numbers_and_text_it_may_not_write(text):
    assert _fast_bytes(text) is None


# --- Through either database ----------------------------------------------------------


def _stored_entry() -> dict:
    return {
        "tenant_id": 7,
        "transaction_id": 2**62 + 5,
        "recorded_at": datetime(2026, 11, 23, 21, 40, 40, 123456, tzinfo=UTC),
        "table_name": "needs",
        "row_key": "12",
        "operation": "U",
        "old_row": {"title": "Café – \u00ab\u0001\u00bb", "amount": Decimal("125000.50"), "n": 3},
        "new_row": {"title": "Grenze \U0001f6c2", "amount": Decimal("0.10"), "n": 2**60},
        "changed_columns": ["amount", "n", "title"],
        "event": None,
        "actor_id": 3,
        "actor_kind": "user",
        "actor_label": "ana@ministry.example",
        "actor_tenant_id": 7,
        "request_id": "a1b2",
        "client_address": "192.0.2.1",
        "reason": "line one\nline two",
    }


def test_an_entry_read_back_from_the_database_hashes_as_written(db, database_owner_url):
    entry = _stored_entry()
    images = ("old_row", "new_row", "changed_columns")
    with as_owner(database_owner_url) as owner:
        postgres = owner.dialect.name == "postgresql"
        values = {**entry, **{name: _write_json(entry[name]) for name in images}}
        if not postgres:
            values["recorded_at"] = timestamp_text(entry["recorded_at"])
        placeholders = [
            f"CAST(:{name} AS jsonb)" if postgres and name in images else f":{name}"
            for name in values
        ]
        entry_id = owner.execute(
            text(
                f"INSERT INTO audit_entries ({', '.join(values)})"
                f" VALUES ({', '.join(placeholders)}) RETURNING id"
            ),
            values,
        ).scalar_one()
        stored = owner.execute(
            select(document_text(owner.dialect.name)).where(tables.entries.c.id == entry_id)
        ).scalar_one()

    expected = canonical_bytes({**entry, "id": entry_id})

    assert canonical_text_bytes(stored) == expected
    assert sorted(json.loads(stored)) == sorted(ENTRY_FIELDS)
    assert entry_hash(GENESIS, canonical_text_bytes(stored)) == entry_hash(GENESIS, expected)
