"""The gap analysis through the API: the pages' figures, as each caller may see them."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.worlds import analysis_world


@pytest.fixture
def world(db):
    return analysis_world(db)


def cell_of(matrix: dict, economy: str, column: str) -> dict:
    row = next(row for row in matrix["rows"] if row["economy"]["code"] == economy)
    return next(cell for cell in row["cells"] if cell["column"]["code"] == column)


def figures(cell: dict) -> tuple:
    return tuple(cell[name] for name in ("needs", "covered", "partial", "gaps", "gap_share"))


def test_coverage_counts_what_the_caller_may_see(world, api):
    client = api(world["people"]["albania"])

    response = client.get("analysis/coverage")

    client.check_documented(response)
    body = response.get_json()

    assert body["cycle"] == {"id": world["cycle"].id, "name": "2026-2027"}
    by_pillar = body["by_pillar"]
    albania = cell_of(by_pillar, "AL", "WBCTi")
    assert albania["column"] == {"code": "WBCTi", "name": albania["column"]["name"]}
    assert figures(albania) == (3, 1, 1, 1, 33)
    # Serbia's submitted need is not Albania's to see: its cell is empty, not missing.
    assert figures(cell_of(by_pillar, "RS", "WBCTi")) == (0, 0, 0, 0, 0)
    kosovo = next(row for row in by_pillar["rows"] if row["economy"]["code"] == "XK")
    assert kosovo["economy"]["name"] == "Kosovo*"
    assert by_pillar["total"]["needs"] == 3
    totals = {cell["column"]["code"]: cell["needs"] for cell in by_pillar["totals"]}
    assert totals["WBCTi"] == 3
    assert figures(cell_of(body["by_category"], "AL", "legislative")) == (3, 1, 1, 1, 33)


def test_the_secretariat_counts_the_submitted_need(world, api):
    body = api(world["people"]["secretariat"]).get("analysis/coverage").get_json()

    assert figures(cell_of(body["by_pillar"], "RS", "WBCTi")) == (1, 0, 0, 1, 100)
    assert body["by_pillar"]["total"]["needs"] == 4


def test_gaps_list_the_needs_nobody_addresses(world, api):
    client = api(world["people"]["albania"])

    response = client.get("analysis/gaps")

    client.check_documented(response)
    body = response.get_json()
    gap = world["needs"]["gap"]
    assert (body["total"], [item["id"] for item in body["items"]]) == (1, [gap.id])
    assert body["items"][0] == {
        "id": gap.id,
        "code": gap.code,
        "title": '=HYPERLINK("http://evil.example")',
        "status": "validated",
        "priority": gap.priority,
        "cycle": {"id": world["cycle"].id, "name": "2026-2027"},
        "owner": {"code": "AL-MOI", "name": "Ministry AL-MOI", "kind": "partner"},
        "economy": {"code": "AL", "name": "Albania"},
        "pillar": body["items"][0]["pillar"],
        "category": {"code": "legislative", "name": body["items"][0]["category"]["name"]},
    }
    assert body["items"][0]["pillar"]["code"] == "WBCTi"
    assert "Link" in response.headers


def test_gaps_filter_by_codes_and_page(world, api):
    client = api(world["people"]["secretariat"])

    serbian = client.get("analysis/gaps?economy=RS").get_json()
    elsewhere = client.get("analysis/gaps?pillar=WBBSi").get_json()
    first = client.get("analysis/gaps?per_page=1")
    unknown = client.get("analysis/gaps?economy=ZZ&category=nothing")

    assert [item["title"] for item in serbian["items"]] == ["Serbian submitted need"]
    assert elsewhere["total"] == 0
    assert first.get_json()["total"] == 2 and len(first.get_json()["items"]) == 1
    assert 'page=2>; rel="next"' in first.headers["Link"]
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {
        "economy": "There is no partner economy ZZ.",
        "category": "There is no category nothing.",
    }


def test_synergies_name_the_organisations(world, api):
    client = api(world["people"]["albania"])

    response = client.get("analysis/synergies")

    client.check_documented(response)
    body = response.get_json()

    assert body["total"] == 1
    (synergy,) = body["items"]
    assert synergy["need"]["id"] == world["needs"]["covered"].id
    assert [tenant["code"] for tenant in synergy["tenants"]] == ["DE-BMI", "EC-NEAR"]
    assert set(synergy["tenants"][0]) == {"code", "name", "kind"}


def test_funding_gives_amounts_as_text_with_their_currency(world, api):
    client = api(world["people"]["albania"])

    response = client.get("analysis/funding")

    client.check_documented(response)
    body = response.get_json()

    # The covered need draws on both programmes, the partial one on the EU's: each once.
    assert [
        (row["pillar"]["code"], row["budget"], row["responses"]) for row in body["by_pillar"]
    ] == [("WBCTi", {"amount": "2200.00", "currency": "EUR"}, 2)]
    assert [(row["economy"], row["budget"]["amount"]) for row in body["by_partner"]] == [
        ({"code": "AL", "name": "Albania"}, "2200.00")
    ]


def test_funding_names_an_economy_as_the_pages_do(world, api, db):
    kosovo = factories.partner_tenant(code="XK-MIA", economy="XK")
    need = factories.need(world["cycle"], kosovo, status="validated", title="Kosovo need")
    programme = world["responses"]["programme"]
    db.session.add_all([need, factories.support_link(programme, need, "full", "confirmed")])
    db.session.commit()

    body = api(world["people"]["secretariat"]).get("analysis/funding").get_json()

    assert {"code": "XK", "name": "Kosovo*"} in [row["economy"] for row in body["by_partner"]]


def test_a_cycle_is_chosen_by_its_name(world, api, db):
    older = factories.cycle(
        name="2024-2025",
        status="consolidation",
        starts_on=date(2024, 10, 1),
        ends_on=date(2025, 3, 31),
    )
    db.session.add(older)
    db.session.commit()
    client = api(world["people"]["albania"])

    chosen = client.get("analysis/coverage?cycle=2024-2025").get_json()
    default = client.get("analysis/funding").get_json()
    unknown = client.get("analysis/synergies?cycle=1999-2000")

    assert chosen["cycle"]["name"] == "2024-2025"
    assert chosen["by_pillar"]["total"]["needs"] == 0
    assert default["cycle"]["name"] == "2026-2027"
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {"cycle": "There is no cycle 1999-2000."}
    client.check_documented(unknown)


@pytest.mark.parametrize("endpoint", ["coverage", "gaps", "synergies", "funding"])
def test_each_analysis_refuses_an_unknown_parameter(world, api, endpoint):
    response = api(world["people"]["commission"]).get(f"analysis/{endpoint}?dimension=pillar")

    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"dimension"}


def test_without_any_cycle_there_is_nothing_to_analyse(db, api):
    person = factories.user(factories.member_tenant(), email="ec@example.org")
    db.session.commit()

    response = api(person).get("analysis/coverage")

    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == (
        "There is no needs mapping cycle to analyse yet."
    )
