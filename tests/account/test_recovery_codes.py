"""New recovery codes: copied, printed or downloaded once, never kept in clear."""

from __future__ import annotations

import re

import pyotp
import pytest

from portal.models.base import utc_now
from tests import factories
from tests.conftest import csrf_token

CODE = re.compile(r'class="recovery-code[^"]*">([a-z2-7-]+)<')
KEY = re.compile(r'name="key" value="([^"]+)"')


@pytest.fixture
def ana(db):
    person = factories.user(factories.partner_tenant(), email="ana@al.example")
    db.session.commit()
    return person


def make_new_codes(client):
    """Make new recovery codes; return the page's codes and its download key."""
    page = client.post(
        "/account/recovery-codes",
        data={"csrf_token": csrf_token(client, "/account"), "confirm": "yes"},
    ).get_data(as_text=True)
    return CODE.findall(page), KEY.search(page).group(1), page


def download(client, key):
    return client.post(
        "/account/recovery-codes/download",
        data={"csrf_token": csrf_token(client, "/account"), "key": key},
    )


def test_the_codes_page_offers_copy_print_and_download(login, ana):
    # Before, the page listed the codes with no way to copy, print or download them.
    codes, _key, page = make_new_codes(login(ana))

    textarea = re.search(r"<textarea[^>]*readonly[^>]*>([^<]*)</textarea>", page)
    assert textarea and textarea.group(1).split() == codes
    assert 'for="recovery-codes-text"' in page
    assert "Print" in page and "recovery-codes.css" in page
    assert 'action="/account/recovery-codes/download"' in page
    assert "<script" not in page.split("</main>")[0]


def test_the_download_is_the_codes_just_made_and_only_once(login, ana):
    client = login(ana)
    codes, key, _page = make_new_codes(client)

    first = download(client, key)
    again = download(client, key)

    assert first.status_code == 200
    assert first.mimetype == "text/plain"
    assert first.headers["Content-Disposition"] == (
        'attachment; filename="iisg-recovery-codes.txt"'
    )
    assert first.headers["Cache-Control"] == "no-store"
    assert re.findall(r"^[a-z2-7]{4}(?:-[a-z2-7]{1,4})+$", first.get_data(True), re.M) == codes
    assert "ana@al.example" in first.get_data(as_text=True)
    assert again.status_code == 404


def test_only_the_latest_codes_are_offered(login, ana):
    client = login(ana)
    _old, old_key, _page = make_new_codes(client)
    codes, key, _page = make_new_codes(client)

    assert download(client, old_key).status_code == 404
    # A wrong key used the one chance up: the codes are copied or printed instead.
    assert download(client, key).status_code == 404


def test_nobody_else_downloads_the_codes(login, ana, db):
    bruno = factories.user(ana.tenant, email="bruno@al.example")
    db.session.commit()
    _codes, key, _page = make_new_codes(login(ana))

    # Bruno holds the key but not Ana's session; Ana's other session holds neither.
    assert download(login(bruno), key).status_code == 404
    assert download(login(ana), key).status_code == 404


def test_the_download_needs_the_form(login, ana):
    client = login(ana)
    _codes, key, _page = make_new_codes(client)

    assert client.get("/account/recovery-codes/download").status_code == 405
    refused = client.post("/account/recovery-codes/download", data={"key": key})
    assert refused.status_code == 400


def test_codes_of_a_new_authenticator_are_offered_the_same_way(login, ana):
    client = login(ana)
    page = client.get("/account/2fa").get_data(as_text=True)
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page).group(1)
    shown = client.post(
        "/account/2fa",
        data={
            "csrf_token": csrf_token(client, "/account/2fa"),
            "code": pyotp.TOTP(secret).at(utc_now().timestamp() + 30),
        },
    ).get_data(as_text=True)

    downloaded = download(client, KEY.search(shown).group(1)).get_data(as_text=True)
    assert CODE.findall(shown) and all(code in downloaded for code in CODE.findall(shown))
