"""A list's previous and next steps link only to pages that exist."""

from __future__ import annotations

import re

import pytest

from portal.pagination import Page
from tests import factories


@pytest.fixture
def three_needs(db):
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    for number in range(3):
        db.session.add(factories.need(cycle, albania, title=f"Need number {number}"))
    viewer = factories.user(albania, roles=("viewer", "auditor"))
    db.session.commit()
    return viewer


def page_links(body: str) -> list[str]:
    navigation = body[body.index('<nav aria-label="Pages">') :]
    navigation = navigation[: navigation.index("</nav>")]
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', navigation)]


@pytest.mark.parametrize("listing", ["/needs?per_page=1", "/audit?per_page=1"])
def test_the_first_and_last_pages_link_nowhere_beyond(three_needs, login, listing):
    client = login(three_needs)
    first = client.get(listing).get_data(as_text=True)
    links = page_links(first)
    last_number = int(re.search(r"Page 1 of (\d+)", first).group(1))
    last = client.get(f"{listing}&page={last_number}").get_data(as_text=True)

    # Page 1 had a disabled "Previous" linking to page 0, which answered 422.
    assert links and all("page=0" not in link for link in links)
    assert all(f"page={last_number + 1}" not in link for link in page_links(last))
    for link in links + page_links(last):
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize(
    ("number", "pages", "numbers"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
        (10, 10, [1, None, 8, 9, 10]),
    ],
)
def test_a_pager_numbers_the_first_last_and_nearby_pages(number, pages, numbers):
    # None is an ellipsis; a gap of one page shows that page instead.
    assert Page(items=[], number=number, per_page=1, total=pages).numbers == numbers
