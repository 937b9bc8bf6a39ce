"""Reading cycles, organisations and reference lists through the API."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories


@pytest.fixture
def world(db):
    """Three cycles, partners, a member and the Secretariat; a viewer and an administrator."""
    db.session.add_all(
        [
            factories.cycle(
                name="2022-2023",
                status="adopted",
                starts_on=date(2022, 10, 1),
                ends_on=date(2023, 3, 31),
                board_meeting="6th IISG Board Meeting, Sarajevo",
                adopted_on=date(2023, 3, 20),
            ),
            factories.cycle(
                name="2024-2025",
                status="consolidation",
                starts_on=date(2024, 10, 1),
                ends_on=date(2025, 3, 31),
            ),
            factories.cycle(submission_deadline=date(2027, 1, 31)),
        ]
    )
    albania = factories.partner_tenant()
    factories.partner_tenant(code="XK-MIA", economy="XK", name="Kosovo ministry")
    commission = factories.member_tenant(name="European Commission DG NEAR")
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    people = {
        "viewer": factories.user(albania, email="view@al.example"),
        "partner_admin": factories.user(albania, email="admin@al.example", roles=("tenant_admin",)),
        "member": factories.user(commission, email="view@ec.example"),
        "admin": factories.user(secretariat, email="admin@sec.example", roles=("admin",)),
    }
    db.session.commit()
    return people


def names(body) -> list[str]:
    return [item["name"] for item in body["items"]]


def test_cycles_are_listed_newest_first_for_everyone(world, api):
    client = api(world["member"])

    response = client.get("cycles")

    assert response.status_code == 200
    client.check_documented(response)
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 25, 3)
    assert names(body) == ["2026-2027", "2024-2025", "2022-2023"]
    adopted = body["items"][2]
    assert set(adopted) == {
        "id",
        "version",
        "name",
        "status",
        "starts_on",
        "ends_on",
        "submission_deadline",
        "board_meeting",
        "adopted_on",
        "created_at",
    }
    assert (adopted["status"], adopted["adopted_on"], adopted["submission_deadline"]) == (
        "adopted",
        "2023-03-20",
        None,
    )
    assert body["items"][0]["submission_deadline"] == "2027-01-31"
    assert body["items"][0]["created_at"].endswith("Z")


def test_cycles_filter_by_status_and_sort_by_name(world, api):
    client = api(world["viewer"])

    adopted = client.get("cycles?status=adopted").get_json()
    by_name = client.get("cycles?sort=name").get_json()
    refused = client.get("cycles?status=forgotten")

    assert names(adopted) == ["2022-2023"]
    assert names(by_name) == ["2022-2023", "2024-2025", "2026-2027"]
    assert refused.status_code == 422
    assert "status" in refused.get_json()["error"]["fields"]


def test_a_list_pages_with_a_link_header(world, api):
    response = api(world["viewer"]).get("cycles?sort=name&per_page=1&page=2")

    body = response.get_json()
    assert (names(body), body["page"], body["per_page"], body["total"]) == (["2024-2025"], 2, 1, 3)
    links = response.headers["Link"]
    assert 'page=1>; rel="first"' in links
    assert 'page=1>; rel="prev"' in links
    assert 'page=3>; rel="next"' in links
    assert 'page=3>; rel="last"' in links
    assert "sort=name&per_page=1&page=3" in links


def test_one_cycle_carries_its_version_as_etag(world, api, db):
    client = api(world["viewer"])
    listed = client.get("cycles?status=open").get_json()["items"][0]

    response = client.get(f"cycles/{listed['id']}")
    missing = client.get("cycles/999999")

    assert response.status_code == 200
    assert response.get_json() == listed
    assert response.headers["ETag"] == f'"{listed["version"]}"'
    assert missing.status_code == 404
    client.check_documented(response)
    client.check_documented(missing)
    assert missing.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "cycles?colour=red",
        "cycles/1?colour=red",
        "tenants?colour=red",
        "reference/pillars?colour=red",
    ],
)
def test_an_unknown_parameter_is_refused_by_name(world, api, path):
    client = api(world["admin"])

    response = client.get(path)

    assert response.status_code == 400
    client.check_documented(response)
    assert response.get_json()["error"]["fields"] == {
        "colour": "This endpoint takes no such parameter."
    }


def test_the_secretariat_administrator_lists_organisations(world, api):
    client = api(world["admin"])

    everyone = client.get("tenants").get_json()
    partners = client.get("tenants?kind=partner&sort=-code").get_json()
    kosovo = client.get("tenants?economy=xk").get_json()
    found = client.get("tenants?q=commission").get_json()
    unknown = client.get("tenants?economy=ZZ")

    codes = [item["code"] for item in everyone["items"]]
    assert codes == ["AL-MOI", "EC-NEAR", "IISG-SEC", "XK-MIA"]
    assert [item["code"] for item in partners["items"]] == ["XK-MIA", "AL-MOI"]
    assert kosovo["items"] == [
        {
            "id": kosovo["items"][0]["id"],
            "code": "XK-MIA",
            "name": "Kosovo ministry",
            "kind": "partner",
            "economy": {"code": "XK", "name": "Kosovo*"},
            "active": True,
            "created_at": kosovo["items"][0]["created_at"],
        }
    ]
    assert [item["code"] for item in found["items"]] == ["EC-NEAR"]
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {"economy": "There is no economy ZZ."}
    client.check_documented(client.get("tenants?active=true&sort=-created_at"))


@pytest.mark.parametrize("person", ["viewer", "partner_admin", "member"])
def test_only_the_secretariat_administrator_lists_organisations(world, api, person):
    client = api(world[person])

    # Refused before the parameters are read, as the pages do.
    for path in ("tenants", "tenants?colour=red", "tenants?kind=nobody"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "forbidden"


def test_each_reference_list_names_its_items(world, api):
    client = api(world["member"])

    pillars = client.get("reference/pillars").get_json()
    categories = client.get("reference/need-categories").get_json()
    perspectives = client.get("reference/perspectives").get_json()
    chapters = client.get("reference/acquis-chapters?per_page=100").get_json()
    economies = client.get("reference/economies").get_json()

    assert [item["code"] for item in pillars["items"]] == ["WBCTi", "WBCSCi", "WBBSi"]
    assert set(pillars["items"][0]) == {"code", "name", "description"}
    assert {item["code"] for item in categories["items"]} == {
        "legislative",
        "institutional",
        "operational",
    }
    assert set(categories["items"][0]) == {"code", "name"}
    assert {item["code"] for item in perspectives["items"]} == {"prevention", "response"}
    numbers = [item["number"] for item in chapters["items"]]
    assert 24 in numbers and numbers == sorted(numbers)
    assert set(chapters["items"][0]) == {"number", "title"}
    assert chapters["total"] == len(chapters["items"])
    kosovo = next(item for item in economies["items"] if item["code"] == "XK")
    albania = next(item for item in economies["items"] if item["code"] == "AL")
    assert kosovo["name"] == "Kosovo*" and "UNSCR 1244" in kosovo["footnote"]
    assert albania == {"code": "AL", "name": "Albania", "footnote": None}
    for name in ("pillars", "need-categories", "perspectives", "acquis-chapters", "economies"):
        client.check_documented(client.get(f"reference/{name}"))


def test_a_reference_list_pages_like_any_list(world, api):
    response = api(world["viewer"]).get("reference/pillars?per_page=2&page=2")

    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 3)
    assert [item["code"] for item in body["items"]] == ["WBBSi"]
    assert 'rel="prev"' in response.headers["Link"]


def test_an_unknown_reference_list_is_not_found(world, api):
    client = api(world["viewer"])

    response = client.get("reference/colours")

    assert response.status_code == 404
    client.check_documented(response)
    error = response.get_json()["error"]
    assert error["code"] == "not_found"
    assert "pillars, need-categories, perspectives, acquis-chapters, economies" in error["message"]
