"""Authenticator secrets at rest, and which codes count as right."""

from __future__ import annotations

import base64
import os
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from portal.security import totp
from portal.security.totp import UndecryptableSecret

KEY = bytes(range(32))
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# A fixed moment a few seconds into a time step, so every test sees the same codes.
STEP = 56_666_666
NOW = STEP * totp.STEP_SECONDS + 7


def code_at(step: int, secret: str = SECRET) -> str:
    """Return the code an authenticator shows during ``step``."""
    return pyotp.TOTP(secret, interval=totp.STEP_SECONDS).at(step * totp.STEP_SECONDS)


def test_an_encrypted_secret_decrypts_to_itself():
    stored = totp.encrypt_secret(KEY, 1, SECRET)

    assert totp.decrypt_secret(KEY, 1, stored) == SECRET


def test_a_secret_encrypted_for_one_user_does_not_decrypt_for_another():
    stored = totp.encrypt_secret(KEY, 1, SECRET)

    with pytest.raises(UndecryptableSecret):
        totp.decrypt_secret(KEY, 2, stored)


def test_the_stored_bytes_do_not_hold_the_secret():
    stored = totp.encrypt_secret(KEY, 1, SECRET)

    assert SECRET.encode() not in stored
    assert base64.b32decode(SECRET) not in stored
    assert SECRET[:8].encode() not in stored


def test_encrypting_twice_gives_different_bytes():
    assert totp.encrypt_secret(KEY, 1, SECRET) != totp.encrypt_secret(KEY, 1, SECRET)


def test_a_secret_does_not_decrypt_under_another_key():
    stored = totp.encrypt_secret(KEY, 1, SECRET)

    with pytest.raises(UndecryptableSecret):
        totp.decrypt_secret(os.urandom(32), 1, stored)


def test_tampered_or_foreign_bytes_do_not_decrypt():
    stored = totp.encrypt_secret(KEY, 1, SECRET)
    tampered = stored[:-1] + bytes([stored[-1] ^ 1])

    for bad in (tampered, b"", SECRET.encode(), b"\x02" + stored[1:]):
        with pytest.raises(UndecryptableSecret):
            totp.decrypt_secret(KEY, 1, bad)


def test_a_new_secret_has_160_bits():
    secret = totp.new_secret()

    assert len(base64.b32decode(secret)) == 20
    assert secret != totp.new_secret()


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_code_of_the_previous_current_or_next_step_is_accepted(offset):
    code = code_at(STEP + offset)

    assert totp.matching_step(SECRET, code, now=NOW) == STEP + offset


@pytest.mark.parametrize("offset", [-2, 2, -10])
def test_a_code_two_or_more_steps_away_is_refused(offset):
    code = code_at(STEP + offset)
    assert code not in {code_at(STEP - 1), code_at(STEP), code_at(STEP + 1)}

    assert totp.matching_step(SECRET, code, now=NOW) is None


def test_a_code_from_another_secret_is_refused():
    other = pyotp.random_base32(length=32)
    code = code_at(STEP, other)
    assert code != code_at(STEP)

    assert totp.matching_step(SECRET, code, now=NOW) is None


def test_spaces_around_and_inside_a_right_code_are_forgiven():
    code = code_at(STEP)

    assert totp.matching_step(SECRET, f" {code[:3]} {code[3:]} ", now=NOW) == STEP


@pytest.mark.parametrize(
    "shape",
    [
        lambda code: code[:5] + "a",
        lambda code: code[:5],
        lambda code: code + "0",
        lambda code: "",
        lambda code: "abcdef",
        lambda code: "-" + code[1:],
    ],
    ids=["letter", "five digits", "seven digits", "empty", "letters", "sign"],
)
def test_input_that_is_not_six_digits_is_refused(shape):
    assert totp.matching_step(SECRET, shape(code_at(STEP)), now=NOW) is None


@pytest.mark.parametrize(
    "code",
    ["\u0661\u0662\u0663\u0664\u0665\u0666", "\uff11\uff12\uff13\uff14\uff15\uff16"],
    ids=["arabic-indic digits", "full-width digits"],
)
def test_digits_of_other_scripts_are_refused_rather_than_crashing(code):
    # str.isdigit() is true for these, but no authenticator shows them.
    assert code.isdigit()

    assert totp.matching_step(SECRET, code, now=NOW) is None


def test_the_provisioning_uri_names_the_issuer_and_the_email():
    uri = totp.provisioning_uri(SECRET, "ana@ministry.example")

    parts = urlsplit(uri)
    query = parse_qs(parts.query)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/IISG Database:ana@ministry.example"
    assert query["issuer"] == ["IISG Database"]
    assert query["secret"] == [SECRET]


def test_the_qr_code_is_plain_svg_without_script_or_inline_style():
    svg = totp.qr_code_svg(totp.provisioning_uri(SECRET, "ana@ministry.example"))

    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<script" not in svg.lower()
    assert "style=" not in svg.lower()
    assert "<style" not in svg.lower()
    assert "href" not in svg.lower()
