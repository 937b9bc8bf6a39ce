"""Pages show input again only as far as it is useful, and long addresses are refused.

A refused form is filled in again with at most what each field may hold; a list's
filters, a search box and its page links with at most a short bound; an error message
names a value by its first characters only. An address (path and query string) longer
than the portal serves is refused with 414 before any view, sign-in redirect or query
parsing sees it. So no answer grows with what was sent, and nothing is written.
"""

from __future__ import annotations

import re
import secrets
import time

import pytest
from sqlalchemy import func, select

from portal.limits import quoted
from portal.models import Need, Response, SupportLink, Tenant, User
from tests import factories
from tests.conftest import csrf_token
from tests.needs.cast import VALID_NEED_FORM, albanian_need, build_cast
from tests.responses.test_routes import FORM as RESPONSE_FORM
from tests.worlds import mapping_world

# No page, however much it was sent, should come near this.
SMALL_PAGE = 200_000
# What a page may show of one query-string value.
LONGEST_FILTER = 200
# Just under the longest address the portal serves (8 KiB with the path).
UNDER_THE_CAP = 6_000
# Far over it.
OVER_THE_CAP = 100_000


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


# Refused forms --------------------------------------------------------------------------


def test_a_refused_need_shows_its_description_again_up_to_what_the_field_holds(login, db, cast):
    client = login(cast.people["albania-editor"])
    form = {
        **VALID_NEED_FORM,
        "description": "d" * 300_000,
        "source_reference": "s" * 300_000,
        "title": "t" * 300_000,
        "acquis_chapters": ["24"] * 20_000,
        "csrf_token": csrf_token(client, "/needs"),
    }

    response = client.post("/needs/new", data=form)

    page = small(response)
    assert response.status_code == 422
    assert textarea(page, "description") == "d" * 10_000
    assert longest_run(page, "s") <= 300
    assert longest_run(page, "t") <= 200
    assert count(db, Need) == 0


def test_a_refused_edit_shows_neither_a_forged_version_nor_a_forged_snapshot(login, db, cast):
    need = albanian_need(cast)
    description = need.description
    client = login(cast.people["albania-editor"])
    form = {
        **VALID_NEED_FORM,
        "description": "d" * 300_000,
        "version": "9" * 300_000,
        "opened": "o" * 1_000_000,
        "csrf_token": csrf_token(client, "/needs"),
    }

    response = client.post(f"/needs/{need.id}/edit", data=form)

    page = small(response)
    assert response.status_code == 422
    assert longest_run(page, "9") <= 10
    assert longest_run(page, "o") < 1_000
    db.session.expire_all()
    assert (need.version, need.description) == (1, description)


def test_a_refused_return_shows_the_comment_again_up_to_what_it_may_hold(login, db, cast):
    need = albanian_need(cast, status="submitted")
    client = login(cast.people["secretariat-editor"])
    form = {"comment": "c" * 300_000, "version": "1", "csrf_token": csrf_token(client, "/needs")}

    response = client.post(f"/needs/{need.id}/return", data=form)

    page = small(response)
    assert response.status_code == 422
    assert textarea(page, "comment") == "c" * 2_000
    db.session.expire_all()
    assert (need.status, need.return_comment) == ("submitted", None)


def test_a_refused_response_shows_its_texts_again_up_to_what_each_field_holds(login, db, world):
    client = login(world.people.commission_editor)
    before = count(db, Response)
    form = {
        **RESPONSE_FORM,
        "description": "d" * 300_000,
        "donor_names": "n" * 300_000,
        "implementer_names": "m" * 300_000,
        "budget_amount": "7" * 300_000,
        "budget_currency": "q" * 300_000,
        "starts_on": "z" * 300_000,
        "csrf_token": csrf_token(client, "/responses"),
    }

    response = client.post("/responses", data=form)

    page = small(response)
    assert response.status_code == 422
    assert textarea(page, "description") == "d" * 5_000
    assert textarea(page, "donor_names") == "n" * 2_000
    assert textarea(page, "implementer_names") == "m" * 2_000
    for character in "7qz":
        assert longest_run(page, character) <= 100, character
    assert count(db, Response) == before


def test_unknown_organisations_are_named_by_the_first_of_them_only(login, db, world):
    client = login(world.people.commission_editor)
    before = count(db, Response)
    codes = [f"NO-SUCH-{number:012d}" for number in range(50)]
    form = {**RESPONSE_FORM, "donor_tenants": codes, "csrf_token": csrf_token(client, "/")}

    response = client.post("/responses", data=form)

    page = small(response)
    assert response.status_code == 422
    message = re.search(r'id="donor_tenants-error">([^<]*)<', page).group(1)
    assert message.startswith("Unknown organisation: NO-SUCH-000000000000")
    assert "…" in message
    assert len(message) < 150
    assert codes[-1] not in page
    assert count(db, Response) == before


@pytest.mark.parametrize(("length", "shown"), [(100, 100), (101, 100), (100_000, 100)])
def test_an_error_message_names_at_most_100_characters_of_a_value(length, shown):
    named = quoted("v" * length)

    assert len(named) == shown
    assert named.endswith("…") == (length > 100)


def test_a_refused_link_shows_its_note_again_up_to_what_it_may_hold(login, db, world):
    client = login(world.people.commission_editor)
    response_id = world.responses.published.id
    form = {
        "need_id": str(world.needs.albania_validated.id),
        "coverage": "partial",
        "note": "n" * 300_000,
        "csrf_token": csrf_token(client, "/"),
    }

    response = client.post(f"/responses/{response_id}/links", data=form)

    page = small(response)
    assert response.status_code == 422
    assert textarea(page, "note") == "n" * 2_000
    assert count(db, SupportLink) == 0


def test_a_refused_cycle_shows_the_board_meeting_again_up_to_what_it_may_hold(login, db, cast):
    cycle = cast.open_cycle
    cycle.status = "consolidation"
    db.session.commit()
    client = login(cast.people["secretariat-admin"])
    form = {
        "status": "adopted",
        "version": str(cycle.version),
        "board_meeting": "b" * 300_000,
        "adopted_on": "a" * 300_000,
        "csrf_token": csrf_token(client, "/admin/cycles"),
    }

    response = client.post(f"/admin/cycles/{cycle.id}/status", data=form)

    page = small(response)
    assert response.status_code == 422
    assert longest_run(page, "b") == 200
    assert longest_run(page, "a") <= 100
    db.session.expire_all()
    assert cycle.status == "consolidation"


def test_a_refused_invitation_shows_the_name_again_up_to_what_it_may_hold(login, db, cast):
    client = login(cast.people["secretariat-admin"])
    before = count(db, User)
    form = {
        "email": "e" * 300_000,
        "name": "n" * 300_000,
        "tenant": "t" * 300_000,
        "roles": ["viewer"] * 50_000,
        "csrf_token": csrf_token(client, "/admin/users/new"),
    }

    response = client.post("/admin/users/new", data=form)

    page = small(response)
    assert response.status_code == 422
    assert longest_run(page, "n") == 200
    assert longest_run(page, "e") <= 254
    assert longest_run(page, "t") <= 20
    assert count(db, User) == before


def test_a_refused_organisation_shows_its_fields_again_up_to_what_they_may_hold(login, db, cast):
    client = login(cast.people["secretariat-admin"])
    before = count(db, Tenant)
    form = {name: name[0] * 300_000 for name in ("code", "name", "kind", "economy")}

    response = client.post(
        "/admin/tenants", data={**form, "csrf_token": csrf_token(client, "/admin/tenants")}
    )

    page = small(response)
    assert response.status_code == 422
    assert longest_run(page, "n") == 200
    assert longest_run(page, "c") <= 100
    assert count(db, Tenant) == before


# Lists and their filters ----------------------------------------------------------------


def test_a_refused_needs_filter_shows_at_most_a_short_search(login, cast):
    client = login(cast.people["albania-viewer"])

    response = client.get("/needs", query_string={"q": "q" * UNDER_THE_CAP, "cycle": "c" * 1_000})

    page = small(response)
    assert response.status_code == 422
    assert 0 < longest_run(page, "q") <= LONGEST_FILTER
    assert longest_run(page, "c") <= 20


def test_a_refused_responses_filter_shows_at_most_short_values(login, world):
    client = login(world.people.commission_viewer)
    query = {"q": "q" * 1_500, "donor": "d" * 1_500, "implementer": "m" * 1_500}

    response = client.get("/responses", query_string={**query, "active_from": "a" * 1_500})

    page = small(response)
    assert response.status_code == 422
    for character in "qdm":
        assert 0 < longest_run(page, character) <= LONGEST_FILTER, character
    assert longest_run(page, "a") <= 100


def test_a_refused_audit_filter_shows_at_most_short_values(login, auditor):
    client = login(auditor)
    query = {name: name[0] * 1_200 for name in ("tenant", "actor", "record", "request")}

    response = client.get("/audit", query_string={**query, "since": "s" * 1_200})

    page = small(response)
    assert response.status_code == 422
    for name in query:
        assert longest_run(page, name[0]) <= LONGEST_FILTER, name
    assert longest_run(page, "s") <= 100


def test_the_audit_pages_links_carry_only_the_filters_it_knows(login, auditor):
    client = login(auditor)

    response = client.get(
        "/audit", query_string={"per_page": "1", "table": "users", "stray": "z" * 5_000}
    )

    page = small(response)
    assert response.status_code == 200
    assert "Next" in page and "format=csv" in page
    assert "stray" not in page
    assert "table=users" in page


def test_the_moment_of_a_record_is_shown_again_only_in_part(login, auditor, cast):
    client = login(auditor)
    person = cast.people["albania-editor"]

    response = client.get(f"/audit/records/users/{person.id}", query_string={"at": "9" * 5_000})

    page = small(response)
    assert response.status_code == 422
    assert longest_run(page, "9") <= 100


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


# Where to go after signing in -----------------------------------------------------------


def test_a_long_page_to_come_back_to_is_not_carried_through_sign_in(client):
    response = client.get("/needs?q=" + "q" * UNDER_THE_CAP)

    assert response.status_code == 302
    assert len(response.headers["Location"]) < 2_500
    assert "q" * 2_000 not in response.headers["Location"]


def test_a_long_page_to_come_back_to_is_not_kept_in_the_session_cookie(client):
    # Random text, which the session cookie's compression cannot shrink.
    target = "/needs?q=" + secrets.token_urlsafe(5_000)[: UNDER_THE_CAP - 100]

    response = client.get("/auth/login", query_string={"next": target})

    assert response.status_code == 200
    cookies = response.headers.getlist("Set-Cookie")
    # Browsers drop a cookie over 4,096 bytes: the sign-in would then be lost.
    assert all(len(cookie) < 4_096 for cookie in cookies), [len(cookie) for cookie in cookies]


def test_a_long_page_to_come_back_to_is_not_shown_on_the_confirmation_page(login, cast):
    client = login(cast.people["albania-viewer"])

    response = client.get("/account/confirm", query_string={"next": "/needs?q=" + "q" * 5_000})

    page = small(response)
    assert response.status_code == 200
    assert longest_run(page, "q") < 2_000
