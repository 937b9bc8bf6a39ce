"""The responses list's sorting, numbered pages, "my organisation" filter and export links."""

import json
import re

import pytest

from portal.models import Response, ResponseParty
from portal.services.responses import SORTABLE
from tests import factories
from tests.link_support import links_in


def titles_in_order(response) -> list[str]:
    return re.findall(r'<a href="/responses/\d+">([^<]+)</a>', response.get_data(as_text=True))


def add_responses(db, world) -> None:
    """The Commission's responses in every implementation status, and one of GIZ."""
    for title, status in (
        ("Bravo programme", "completed"),
        ("Alpha programme", "planned"),
        ("Delta programme", "ongoing"),
        ("Charlie programme", "cancelled"),
    ):
        db.session.add(
            factories.response(
                world.tenants.commission,
                title=title,
                implementation_status=status,
                record_status="published",
            )
        )
    db.session.add(
        factories.response(world.tenants.germany, title="GIZ programme", record_status="published")
    )
    db.session.commit()


@pytest.mark.parametrize("field", SORTABLE)
def test_the_list_sorts_by_each_column_both_ways(login, db, world, field):
    add_responses(db, world)
    client = login(world.people.commission_editor)
    shown = set(titles_in_order(client.get("/responses?per_page=100")))
    responses = [item for item in db.session.query(Response) if item.title in shown]

    def key(item):
        return (getattr(item, field), item.id)

    expected = [item.title for item in sorted(responses, key=key)]
    descending = [item.title for item in sorted(responses, key=key, reverse=True)]

    assert titles_in_order(client.get(f"/responses?sort={field}")) == expected
    assert titles_in_order(client.get(f"/responses?sort=-{field}")) == descending


def test_ties_are_broken_by_the_id_so_pages_neither_repeat_nor_skip(login, db, world):
    for _ in range(5):
        db.session.add(
            factories.response(world.tenants.germany, title="Same", record_status="published")
        )
    db.session.commit()
    client = login(world.people.germany_editor)
    ids = sorted(item.id for item in db.session.query(Response).filter_by(title="Same"))

    def ids_of(query):
        body = client.get(f"/responses?mine=1&{query}").get_data(as_text=True)
        return [int(found) for found in re.findall(r'<a href="/responses/(\d+)">', body)]

    for sort in ("title", "implementation_status"):
        pages = [ids_of(f"sort={sort}&per_page=2&page={number}") for number in (1, 2, 3)]
        assert sum(pages, []) == ids
        pages = [ids_of(f"sort=-{sort}&per_page=2&page={number}") for number in (1, 2, 3)]
        assert sum(pages, []) == ids[::-1]


@pytest.mark.parametrize("sort", ["budget_amount", "-tenant_id", "--title"])
def test_an_unknown_sort_is_refused_naming_the_field(login, world, sort):
    client = login(world.people.germany_editor)

    page = client.get("/responses", query_string={"sort": sort})
    export = client.get("/responses/export", query_string={"sort": sort, "format": "json"})

    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert 'id="sort-error"' in body and "Sort by one of: id, title" in body
    assert export.status_code == 422


def test_column_headers_toggle_the_sort_keeping_the_filters(login, db, world):
    add_responses(db, world)
    client = login(world.people.commission_editor)

    body = client.get("/responses?sort=-title&pillar=WBCTi").get_data(as_text=True)

    header = body[body.index("<thead>") : body.index("</thead>")]
    assert header.count('aria-sort="descending"') == 1 and 'aria-sort="ascending"' not in header
    links = links_in(body, "<thead>", "</thead>")
    assert {"sort": ["title"], "pillar": ["WBCTi"]} in links
    assert {"sort": ["implementation_status"], "pillar": ["WBCTi"]} in links


def test_page_numbers_keep_the_filters_and_the_sort(login, db, world):
    for number in range(9):
        db.session.add(
            factories.response(
                world.tenants.germany, title=f"GIZ {number}", record_status="published"
            )
        )
    db.session.commit()
    client = login(world.people.germany_editor)

    body = client.get("/responses?q=giz&sort=title&per_page=1").get_data(as_text=True)

    links = links_in(body, '<nav aria-label="Pages">', "</nav>")
    assert sorted({int(link["page"][0]) for link in links}) == [2, 3, 9]
    for link in links:
        assert link["q"] == ["giz"] and link["sort"] == ["title"] and link["per_page"] == ["1"]


def test_my_organisation_shows_only_the_readers_own_responses(login, db, world):
    add_responses(db, world)
    giz = login(world.people.germany_editor)

    everything = giz.get("/responses").get_data(as_text=True)
    mine = giz.get("/responses?mine=1")

    assert 'id="mine-filter"' in everything and "Commission border programme" in everything
    assert titles_in_order(mine) == ["GIZ programme"]
    commission = login(world.people.commission_editor)
    own = titles_in_order(commission.get("/responses?mine=1&per_page=100"))
    assert "GIZ programme" not in own and "Commission draft programme" in own
    # Sorting never reveals what scoping hides: GIZ never sees the Commission's draft.
    for sort in SORTABLE:
        assert "Commission draft programme" not in titles_in_order(
            giz.get(f"/responses?sort=-{sort}&per_page=100")
        )
    secretariat = login(world.people.secretariat_editor)
    assert 'id="mine-filter"' not in secretariat.get("/responses").get_data(as_text=True)


def test_the_export_links_carry_exactly_the_filters_and_the_sort(login, world):
    client = login(world.people.germany_editor)

    body = client.get(
        "/responses?pillar=WBCTi&sort=title&mine=1&active_from=2026-01-01&per_page=10"
    ).get_data(as_text=True)

    links = links_in(body, 'id="export-links"', "</p>")
    assert [link.pop("format") for link in links] == [["csv"], ["xlsx"], ["json"]]
    for link in links:
        assert link == {
            "pillar": ["WBCTi"],
            "sort": ["title"],
            "mine": ["1"],
            "active_from": ["2026-01-01"],
        }


def test_the_export_holds_exactly_the_rows_the_list_shows_in_its_order(login, db, world):
    add_responses(db, world)
    client = login(world.people.commission_editor)
    query = "sort=-implementation_status&mine=1&record_status=published"

    listed = titles_in_order(client.get(f"/responses?{query}&per_page=100"))
    exported = client.get(f"/responses/export?{query}&format=json")

    assert exported.status_code == 200
    assert [row["title"] for row in json.loads(exported.get_data(as_text=True))] == listed
    assert "GIZ programme" not in listed and len(listed) == 6


def test_the_search_finds_responses_by_their_organisations_too(login, db, world):
    add_responses(db, world)
    db.session.add(
        ResponseParty(response=world.responses.published, role="donor", name="Kingdom of Sweden")
    )
    db.session.commit()
    client = login(world.people.albania_viewer)

    assert titles_in_order(client.get("/responses?q=sweden")) == ["Commission border programme"]
    # The owner's name, "European Commission DG NEAR", is in none of its titles.
    assert set(titles_in_order(client.get("/responses?q=dg near"))) == {
        "Commission border programme",
        "Commission restricted programme",
        "Alpha programme",
        "Bravo programme",
        "Charlie programme",
        "Delta programme",
    }
