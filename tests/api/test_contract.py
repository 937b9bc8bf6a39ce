"""The rules every API endpoint shares (§7), shown on the needs: errors, lists, versions."""

from __future__ import annotations

import re

import pytest

from portal.models import Need
from tests import factories


@pytest.fixture
def albania(db):
    """Albania's editor, with needs of the open cycle in two statuses."""
    cycle = factories.cycle()
    tenant = factories.partner_tenant()
    editor = factories.user(tenant, email="editor@al.example", roles=("editor",))
    needs = [
        factories.need(cycle, tenant, title=f"Need {number}", status="draft") for number in range(5)
    ]
    db.session.add_all(needs)
    db.session.commit()
    return {"editor": editor, "needs": needs, "cycle": cycle}


def error_of(response) -> dict:
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_without_a_valid_token_the_api_answers_401_in_the_envelope(client):
    for headers in ({}, {"Authorization": "Bearer iisg_not-a-token"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/needs", headers=headers)

        assert response.status_code == 401
        assert error_of(response)["fields"] == {
            "Authorization": "Missing, unknown, expired or revoked token."
        }


def test_a_list_answers_a_page_with_its_total_and_link_header(api, albania):
    response = api(albania["editor"]).get("needs?per_page=2&page=2&sort=title")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 5)
    assert [need["title"] for need in body["items"]] == ["Need 2", "Need 3"]
    links = dict(
        (relation, url)
        for url, relation in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    )
    assert set(links) == {"first", "prev", "next", "last"}
    assert links["next"].endswith("per_page=2&sort=title&page=3")
    assert links["last"].endswith("page=3")
    assert links["first"].endswith("page=1")


def test_sorting_descending_and_by_an_unknown_field(api, albania):
    client = api(albania["editor"])

    titles = [need["title"] for need in client.get("needs?sort=-title").get_json()["items"]]
    refused = client.get("needs?sort=password")

    assert titles == sorted(titles, reverse=True)
    assert refused.status_code == 422
    assert "sort" in error_of(refused)["fields"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("per_page=101", 422, "per_page"),
        ("page=0", 422, "page"),
        ("page=x", 422, "page"),
        ("status=lost", 422, "status"),
        ("colour=red", 400, "colour"),
        ("cycle=2026-2027&colour=red&size=9", 400, "size"),
    ],
)
def test_bad_list_parameters_are_named(api, albania, query, status, field):
    response = api(albania["editor"]).get(f"needs?{query}")

    assert response.status_code == status
    assert field in error_of(response)["fields"]


def test_a_record_carries_its_version_as_a_strong_etag(api, albania):
    need = albania["needs"][0]

    response = api(albania["editor"]).get(f"needs/{need.id}")

    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{need.version}"'
    assert response.get_json()["version"] == need.version


def test_a_change_without_if_match_is_428_and_with_a_stale_one_412(api, albania, db):
    client = api(albania["editor"])
    need = albania["needs"][0]

    missing = client.patch(f"needs/{need.id}", json={"title": "Changed"})
    stale = client.patch(
        f"needs/{need.id}", json={"title": "Changed"}, headers={"If-Match": '"99"'}
    )
    stale_delete = client.delete(f"needs/{need.id}", headers={"If-Match": '"99"'})

    assert missing.status_code == 428
    assert "If-Match" in error_of(missing)["fields"]
    assert stale.status_code == 412
    assert error_of(stale)["fields"] == {"If-Match": f'The current ETag is "{need.version}".'}
    assert stale_delete.status_code == 412
    db.session.expire_all()
    assert db.session.get(Need, need.id).title == "Need 0"


def test_a_change_with_the_current_etag_is_saved_and_answers_the_next_one(api, albania, db):
    client = api(albania["editor"])
    need = albania["needs"][0]
    etag = client.get(f"needs/{need.id}").headers["ETag"]

    saved = client.patch(f"needs/{need.id}", json={"title": "Changed"}, headers={"If-Match": etag})
    again = client.patch(f"needs/{need.id}", json={"title": "Twice"}, headers={"If-Match": etag})

    assert saved.status_code == 200
    assert saved.get_json()["title"] == "Changed"
    assert saved.headers["ETag"] != etag
    assert again.status_code == 412
    db.session.expire_all()
    assert db.session.get(Need, need.id).title == "Changed"


@pytest.mark.parametrize(
    ("send", "status", "code", "field"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "bad_request", "body"),
        (
            {"data": "title=x", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
            "Content-Type",
        ),
        ({"json": {"title": "x", "colour": "red"}}, 422, "validation_failed", "colour"),
        ({"json": {"title": 12}}, 422, "validation_failed", "title"),
        ({"json": {"acquis_chapters": "24"}}, 422, "validation_failed", "acquis_chapters"),
        ({"json": {"title": "   "}}, 422, "validation_failed", "title"),
        ({"json": ["title"]}, 422, "validation_failed", "_schema"),
        ({"json": {"priority": "urgent"}}, 422, "validation_failed", "priority"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field_and_changes_nothing(
    api, albania, db, send, status, code, field
):
    need = albania["needs"][0]

    response = api(albania["editor"]).patch(
        f"needs/{need.id}", headers={"If-Match": f'"{need.version}"'}, **send
    )

    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert field in error_of(response)["fields"]
    db.session.expire_all()
    assert db.session.get(Need, need.id).version == need.version


def test_a_huge_body_is_413_in_the_envelope(api, albania, app):
    need = albania["needs"][0]
    limit = app.config["MAX_CONTENT_LENGTH"]

    response = api(albania["editor"]).patch(
        f"needs/{need.id}",
        data='{"title": "' + "x" * limit + '"}',
        content_type="application/json",
        headers={"If-Match": "*"},
    )

    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"


def test_what_the_caller_may_not_see_is_404_before_its_body_is_judged(api, albania, db):
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS", name="Serbian Ministry")
    hidden = factories.need(albania["cycle"], serbia, title="Serbian draft", status="draft")
    db.session.add(hidden)
    db.session.commit()
    client = api(albania["editor"])

    for response in (
        client.get(f"needs/{hidden.id}"),
        client.patch(f"needs/{hidden.id}", json={"colour": 1}),
        client.post(f"needs/{hidden.id}/return", json={}),
        client.delete(f"needs/{hidden.id}"),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_what_the_caller_sees_but_may_not_change_is_403(api, albania, db):
    viewer = factories.user(albania["needs"][0].tenant, email="viewer@al.example")
    db.session.commit()
    need = albania["needs"][0]

    response = api(viewer).patch(f"needs/{need.id}", json={"title": "x"}, headers={"If-Match": "*"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_a_draft_is_deleted_and_a_submitted_need_is_not(api, albania, db):
    client = api(albania["editor"])
    draft, other = albania["needs"][0].id, albania["needs"][1].id
    submitted = client.post(f"needs/{other}/submit")

    deleted = client.delete(f"needs/{draft}", headers={"If-Match": '"1"'})
    refused = client.delete(f"needs/{other}", headers={"If-Match": "*"})

    assert submitted.status_code == 200
    assert deleted.status_code == 204
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Need, draft) is None
    assert db.session.get(Need, other).status == "submitted"


def test_the_document_describes_every_operation_its_errors_and_headers(api, albania, client):
    document = api(albania["editor"]).get("openapi.json").get_json()

    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            statuses = set(operation["responses"])
            assert {"401", "403", "429"} <= statuses, (method, path)
            if method in ("patch", "delete"):
                assert "If-Match" in names and {"412", "428"} <= statuses, (method, path)
            if method == "post":
                assert "Idempotency-Key" in names, (method, path)
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    single = document["paths"]["/api/v1/needs/{need_id}"]["get"]["responses"]["200"]
    assert "ETag" in single["headers"]
    listing = document["paths"]["/api/v1/needs"]["get"]["responses"]["200"]
    assert "Link" in listing["headers"]


def test_the_reference_page_shows_every_operation_from_local_assets_only(login, db, client):
    person = factories.user(factories.member_tenant(), roles=("viewer",))
    db.session.commit()
    browser = login(person)

    page = browser.get("/api/v1/docs")
    document = browser.get("/api/v1/openapi.json").get_json()

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path, item in document["paths"].items():
        for method in set(item) - {"parameters"}:
            assert f"{method.upper()}</span> {path}" in html
    assert "<script" not in html.split("</main>")[0].split("<main", 1)[-1]
    assert not re.search(r'(src|href)="https?://', html)
    # Not signed in: the sign-in page, as for any other page; the document itself, 401.
    assert client.get("/api/v1/docs").status_code == 302
    assert client.get("/api/v1/openapi.json").status_code == 401


@pytest.mark.parametrize("path", ["me", "needs/{id}", "needs/{id}/submit"])
def test_an_operation_without_parameters_refuses_any_it_is_sent(api, albania, path):
    client = api(albania["editor"])
    need = albania["needs"][0]
    url = path.format(id=need.id) + "?verbose=1"

    response = client.post(url) if path.endswith("submit") else client.get(url)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"verbose": "This endpoint takes no such parameter."}
    assert client.get(f"needs/{need.id}").get_json()["status"] == "draft"
