"""Pages show input again only as far as it is useful, and long addresses are refused.

A refused form is filled in again with at most what each field may hold; a list's
filters, a search box and its page links with at most a short bound; an error message
names a value by its first characters only. An address (path and query string) longer
than the portal serves is refused with 414 before any view, sign-in redirect or query
parsing sees it. So no answer grows with what was sent, and nothing is written.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from portal.models import Need
from tests import factories
from tests.conftest import csrf_token
from tests.needs.cast import VALID_NEED_FORM, build_cast
from tests.worlds import mapping_world

# No page, however much it was sent, should come near this.
SMALL_PAGE = 200_000
# What a page may show of one query-string value.
LONGEST_FILTER = 200
# Just under the longest address the portal serves (8 KiB with the path).
UNDER_THE_CAP = 6_000
# Far over it.
OVER_THE_CAP = 100_000

RESPONSE_FORM = {
    "title": "Integrated border management in the Western Balkans",
    "description": "Equipment and training.",
    "pillars": ["WBBSi"],
    "donor_tenants": ["EC-NEAR"],
    "donor_names": "Kingdom of Sweden",
    "implementer_tenants": ["DE-GIZ"],
    "beneficiaries": ["AL", "ME"],
    "support_type": "equipment",
    "instrument": "IPA III",
    "starts_on": "2026-01-01",
    "ends_on": "2027-12-31",
    "budget_amount": "2500000",
    "budget_currency": "EUR",
    "implementation_status": "ongoing",
    "visibility": "members",
    "external_reference": "XI-IATI-EC_NEAR-2026/7",
}


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def world(db):
    return mapping_world(db)


@pytest.fixture
def auditor(db, cast):
    person = factories.user(
        cast.people["secretariat-admin"].tenant, email="auditor@sec.example", roles=("auditor",)
    )
    db.session.commit()
    return person


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def textarea(page: str, name: str) -> str:
    """Return what the textarea called ``name`` holds."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return match.group(1)


def longest_run(page: str, character: str) -> int:
    """Return the length of the longest run of ``character`` in ``page``."""
    return max((len(run) for run in re.findall(f"{re.escape(character)}+", page)), default=0)


def small(response) -> str:
    """Return the page, having checked it stayed small whatever was sent."""
    body = response.get_data()
    assert len(body) < SMALL_PAGE, f"{len(body):,} bytes"
    return body.decode()


# Long addresses ------------------------------------------------------------------------


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def test_a_huge_search_is_refused_quickly_as_too_long(login, cast):
    client = login(cast.people["albania-viewer"])

    response, seconds = timed(lambda: client.get("/needs?q=" + "q" * OVER_THE_CAP))

    page = small(response)
    assert response.status_code == 414
    assert response.mimetype == "text/html"
    assert "The address is too long" in page and "at most 8 KiB" in page
    assert longest_run(page, "q") < 100
    assert seconds < 2


def test_many_repeated_filters_are_refused_quickly_as_too_long(login, cast):
    client = login(cast.people["albania-viewer"])

    response, seconds = timed(lambda: client.get("/needs?" + "&".join(["status=draft"] * 10_000)))

    small(response)
    assert response.status_code == 414
    assert seconds < 2


def test_a_huge_address_is_refused_before_the_sign_in_redirect(client):
    response = client.get("/needs?q=" + "q" * OVER_THE_CAP)

    page = small(response)
    assert response.status_code == 414
    assert "Location" not in response.headers
    assert longest_run(page, "q") < 100


def test_a_huge_path_is_refused_as_too_long(login, auditor):
    client = login(auditor)

    response = client.get("/audit/records/needs/" + "7" * OVER_THE_CAP)

    small(response)
    assert response.status_code == 414


def test_a_huge_address_is_refused_in_json_for_the_api(client):
    response = client.get("/api/v1/me?x=" + "x" * OVER_THE_CAP)

    assert response.status_code == 414
    error = response.get_json()["error"]
    assert error["code"] == "address_too_long"
    assert "at most 8 KiB" in error["message"]
    assert len(response.get_data()) < 1_000


def test_a_form_sent_to_a_huge_address_is_refused_and_writes_nothing(login, db, cast):
    client = login(cast.people["albania-editor"])
    form = {**VALID_NEED_FORM, "csrf_token": csrf_token(client, "/needs")}

    response = client.post("/needs/new?x=" + "x" * OVER_THE_CAP, data=form)

    assert response.status_code == 414
    assert count(db, Need) == 0


@pytest.mark.parametrize(("size", "status"), [(8 * 1024, 200), (8 * 1024 + 1, 414)])
def test_the_path_and_query_string_together_may_take_8_kib(client, size, status):
    path = "/healthz"
    query = "x=" + "x" * (size - len(path) - len("x="))

    assert client.get(f"{path}?{query}").status_code == status


def test_an_address_under_the_cap_is_served(login, cast):
    client = login(cast.people["albania-viewer"])

    response = client.get("/needs?status=draft&stray=" + "z" * UNDER_THE_CAP)

    assert response.status_code == 200
    assert "stray" not in small(response)
