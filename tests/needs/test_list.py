"""The needs list's sorting, numbered pages, "my organisation" filter and export links."""

import json
import re

import pytest

from portal.models import Need
from tests import factories
from tests.link_support import links_in
from tests.needs.cast import albanian_need


def titles_in_order(response) -> list[str]:
    return re.findall(r'<a href="/needs/\d+">([^<]+)</a>', response.get_data(as_text=True))


def four_needs(cast) -> None:
    """Albanian needs whose title, priority and status each sort differently."""
    albanian_need(cast, "draft", title="Bravo", priority="low")
    albanian_need(cast, "validated", title="Delta", priority="high")
    albanian_need(cast, "submitted", title="Alpha", priority="medium")
    albanian_need(cast, "returned", title="Charlie", priority="high")


RANK = {"high": 0, "medium": 1, "low": 2}


@pytest.mark.parametrize("field", ["code", "title", "priority", "status"])
def test_the_list_sorts_by_each_column_both_ways(login, db, cast, field):
    four_needs(cast)
    client = login(cast.people["albania-editor"])
    needs = db.session.query(Need).all()

    def value(need):
        return RANK[need.priority] if field == "priority" else getattr(need, field)

    expected = [need.title for need in sorted(needs, key=lambda need: (value(need), need.id))]
    descending = [
        need.title for need in sorted(needs, key=lambda need: (value(need), need.id), reverse=True)
    ]

    assert titles_in_order(client.get(f"/needs?sort={field}")) == expected
    assert titles_in_order(client.get(f"/needs?sort=-{field}")) == descending


def test_ties_are_broken_by_the_id_so_pages_neither_repeat_nor_skip(login, db, cast):
    for _ in range(7):
        albanian_need(cast, title="Same title", priority="high")
    client = login(cast.people["albania-editor"])
    ids = sorted(need.id for need in db.session.query(Need))

    def ids_of(query):
        body = client.get(f"/needs?{query}").get_data(as_text=True)
        return [int(found) for found in re.findall(r'<a href="/needs/(\d+)">', body)]

    for sort in ("title", "priority"):
        pages = [ids_of(f"sort={sort}&per_page=3&page={number}") for number in (1, 2, 3)]
        assert sum(pages, []) == ids
        pages = [ids_of(f"sort=-{sort}&per_page=3&page={number}") for number in (1, 2, 3)]
        assert sum(pages, []) == ids[::-1]


@pytest.mark.parametrize("sort", ["password", "-tenant_id", "--title", "title;drop"])
def test_an_unknown_sort_is_refused_naming_the_field(login, cast, sort):
    client = login(cast.people["albania-viewer"])

    page = client.get("/needs", query_string={"sort": sort})
    as_json = client.get(
        "/needs", query_string={"sort": sort}, headers={"Accept": "application/json"}
    )
    export = client.get("/needs/export", query_string={"sort": sort, "format": "csv"})

    assert page.status_code == 422
    assert 'id="sort-error"' in page.get_data(as_text=True)
    assert "Sort by one of: id, code, title" in page.get_data(as_text=True)
    assert as_json.status_code == 422
    assert "sort" in as_json.get_json()["error"]["fields"]
    assert export.status_code == 422


def test_column_headers_toggle_the_sort_keeping_the_filters(login, cast):
    four_needs(cast)
    client = login(cast.people["albania-editor"])

    body = client.get("/needs?sort=title&priority=high&page=1").get_data(as_text=True)

    header = body[body.index("<thead>") : body.index("</thead>")]
    sorted_header = re.search(r'<th scope="col" aria-sort="ascending">(.*?)</th>', header, re.S)
    assert sorted_header and "Title" in sorted_header.group(1)
    assert header.count("aria-sort") == 1
    # The columns that sort and are not sorted say so too, before they are used.
    unsorted = header.count('<span class="sort-mark" aria-hidden="true"> ↕</span>')
    assert unsorted == header.count('class="sort-link"') - 1 >= 3
    links = links_in(body, "<thead>", "</thead>")
    assert {"sort": ["-title"], "priority": ["high"]} in links
    assert {"sort": ["code"], "priority": ["high"]} in links
    descending = client.get("/needs?sort=-title").get_data(as_text=True)
    assert 'aria-sort="descending"' in descending
    assert {"sort": ["title"]} in links_in(descending, "<thead>", "</thead>")


def test_page_numbers_keep_the_filters_and_the_sort(login, cast):
    for number in range(12):
        albanian_need(cast, title=f"Need {number:02}")
    client = login(cast.people["albania-editor"])

    body = client.get("/needs?status=draft&sort=-title&per_page=1&page=6").get_data(as_text=True)

    links = links_in(body, '<nav aria-label="Pages">', "</nav>")
    numbers = sorted({int(link["page"][0]) for link in links})
    assert numbers == [1, 4, 5, 7, 8, 12]
    for link in links:
        assert link["status"] == ["draft"] and link["sort"] == ["-title"]
        assert link["per_page"] == ["1"]
    navigation = body[body.index('<nav aria-label="Pages">') :]
    assert navigation.count("…") == 2
    assert (
        'aria-current="page"><span class="page-link"><span class="visually-hidden">Page </span>6<'
        in navigation
    )
    last = client.get("/needs?status=draft&sort=-title&per_page=1&page=12")
    assert titles_in_order(last) == ["Need 00"]


def test_my_organisation_shows_only_the_readers_own_needs(login, db, cast):
    albanian_need(cast, "validated", title="Albanian ministry need")
    albanian_need(cast, "draft", title="Albanian ministry draft")
    police = factories.partner_tenant(code="AL-POL", economy="AL", name="Albanian State Police")
    db.session.add(factories.need(cast.open_cycle, police, status="validated", title="Police need"))
    db.session.add(
        factories.need(cast.open_cycle, cast.serbia, status="validated", title="Serbian need")
    )
    db.session.add(factories.need(cast.open_cycle, cast.serbia, title="Serbian draft"))
    db.session.commit()
    albania = login(cast.people["albania-editor"])

    everything = albania.get("/needs").get_data(as_text=True)
    mine = albania.get("/needs?mine=1&sort=title")

    assert 'id="mine-filter"' in everything
    assert titles_in_order(mine) == ["Albanian ministry draft", "Albanian ministry need"]
    serbia = login(cast.people["serbia-editor"])
    assert titles_in_order(serbia.get("/needs?mine=1&sort=-status")) == [
        "Serbian need",
        "Serbian draft",
    ]
    # Sorting never reveals what scoping hides: Serbia sees no Albanian draft whatever the order.
    for sort in ("status", "-status", "title", "-code", "priority"):
        shown = titles_in_order(serbia.get(f"/needs?sort={sort}"))
        assert sorted(shown) == [
            "Albanian ministry need",
            "Police need",
            "Serbian draft",
            "Serbian need",
        ]


def test_my_organisation_is_not_offered_to_who_owns_no_needs(login, cast):
    member = login(cast.people["member-editor"])

    assert 'id="mine-filter"' not in member.get("/needs").get_data(as_text=True)


def test_the_export_links_carry_exactly_the_filters_and_the_sort(login, cast):
    four_needs(cast)
    client = login(cast.people["albania-editor"])

    body = client.get("/needs?priority=high&sort=-title&mine=1&per_page=10&page=1").get_data(
        as_text=True
    )

    links = links_in(body, 'id="export-links"', "</p>")
    assert [link.pop("format") for link in links] == [["csv"], ["xlsx"], ["json"]]
    for link in links:
        assert link == {"priority": ["high"], "sort": ["-title"], "mine": ["1"]}


def test_the_export_holds_exactly_the_rows_the_list_shows_in_its_order(login, db, cast):
    four_needs(cast)
    db.session.add(
        factories.need(cast.open_cycle, cast.serbia, status="validated", title="Serbian need")
    )
    db.session.commit()
    client = login(cast.people["albania-editor"])
    query = "sort=title&mine=1"

    listed = titles_in_order(client.get(f"/needs?{query}&per_page=2"))
    listed += titles_in_order(client.get(f"/needs?{query}&per_page=2&page=2"))
    exported = client.get(f"/needs/export?{query}&format=json")

    assert exported.status_code == 200
    assert [row["title"] for row in json.loads(exported.get_data(as_text=True))] == listed
    assert listed == ["Alpha", "Bravo", "Charlie", "Delta"]


def test_the_search_finds_needs_by_their_organisation_too(login, db, cast):
    albanian_need(cast, "validated", title="Albanian need")
    db.session.add(
        factories.need(cast.open_cycle, cast.serbia, status="validated", title="Serbian need")
    )
    db.session.add(factories.need(cast.open_cycle, cast.serbia, title="Serbian draft"))
    db.session.commit()
    client = login(cast.people["albania-editor"])

    # "Serbian Ministry" owns both Serbian needs; its draft stays unseen.
    assert titles_in_order(client.get("/needs?q=serbian MINISTRY")) == ["Serbian need"]
