"""The analysis pages: matrices readable without colour, drill-down, CSV, refusals."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.analysis.export import neutralise
from tests import factories
from tests.worlds import analysis_world


@pytest.fixture
def world(db):
    """Albania with a covered, a partial and a gap need; Serbia's submitted need; viewers."""
    return analysis_world(db)


def cell(page: str, label: str, figure: str) -> str:
    """Return the figure printed in the matrix cell ``label`` (e.g. AL/WBCTi)."""
    start = page.index(f'data-cell="{label}"')
    marker = f'data-figure="{figure}">'
    value_start = page.index(marker, start) + len(marker)
    return page[value_start : page.index("<", value_start)]


def test_analysis_needs_a_complete_sign_in(client):
    response = client.get("/analysis")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_matrix_prints_every_figure_and_the_gap_share(world, login):
    page = login(world["people"]["albania"]).get("/analysis").get_data(as_text=True)

    assert [cell(page, "AL/WBCTi", name) for name in ("needs", "covered", "partial", "gaps")] == [
        "3",
        "1",
        "1",
        "1",
    ]
    # Readable without colour: the share of gaps is written out, and the band class
    # carries a hatching pattern as well as a colour.
    assert "33% gaps" in page
    assert 'class="coverage-cell coverage-band-2"' in page
    assert 'id="coverage-legend"' in page
    # Nobody else sees Serbia's submitted need; its figures are zero for Albania.
    assert cell(page, "RS/WBCTi", "needs") == "0"
    assert "Serbian submitted need" not in page


def test_the_secretariat_counts_the_submitted_need_albania_cannot(world, login):
    page = login(world["people"]["secretariat"]).get("/analysis").get_data(as_text=True)

    assert cell(page, "RS/WBCTi", "needs") == "1"
    assert cell(page, "all/all", "needs") == "4"


def test_every_matrix_cell_links_to_its_needs(world, login):
    client = login(world["people"]["albania"])
    page = client.get("/analysis").get_data(as_text=True)
    cycle = world["cycle"].id
    albania = factories.economy("AL").id
    pillar = factories.reference(factories.Pillar, "WBCTi").id
    link = (
        f"/analysis/needs?cycle={cycle}&amp;economy={albania}&amp;coverage=gap&amp;pillar={pillar}"
    )

    assert link in page
    listing = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'data-figure="total">1<' in listing
    assert "HYPERLINK" in listing
    assert "Need met in full" not in listing
    assert f'href="/needs/{world["needs"]["gap"].id}"' in listing


def test_drill_down_pages_through_the_needs(world, login):
    client = login(world["people"]["albania"])

    first = client.get("/analysis/needs?coverage=all&per_page=2").get_data(as_text=True)
    second = client.get("/analysis/needs?coverage=all&per_page=2&page=2").get_data(as_text=True)

    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Need met in full" in first and "Need met in full" not in second
    assert "per_page=2" in first  # the next link keeps the filter


def test_synergies_name_the_organisations(world, login):
    page = login(world["people"]["albania"]).get("/analysis/synergies").get_data(as_text=True)

    assert 'data-figure="synergies">1<' in page
    assert "Need met in full" in page
    assert ">DE-BMI</abbr>, <abbr" in page and ">EC-NEAR</abbr>" in page


def test_funding_says_currencies_are_not_converted_and_draws_bars(world, login):
    page = login(world["people"]["albania"]).get("/analysis").get_data(as_text=True)

    assert "never converted" in page
    # The covered need draws on both programmes, the partial one on the EU's: each once.
    assert 'data-funding="WBCTi/EUR">2,200.00<' in page
    assert "<svg" in page and 'class="bar"' in page
    assert "style=" not in page.split("<main", 1)[1]


@pytest.mark.parametrize(
    ("path", "filename", "header"),
    [
        ("/analysis/coverage-by-pillar.csv", "coverage-by-pillar", "partner,pillar,needs"),
        ("/analysis/coverage-by-category.csv", "coverage-by-category", "partner,category,needs"),
        ("/analysis/funding-by-pillar.csv", "funding-by-pillar", "code,name,currency"),
        ("/analysis/funding-by-partner.csv", "funding-by-partner", "code,name,currency"),
        ("/analysis/needs?format=csv&coverage=gap", "needs-gap", "id,title,partner"),
        ("/analysis/synergies?format=csv", "synergies", "id,title,partner"),
    ],
)
def test_each_table_downloads_as_csv(world, login, path, filename, header):
    response = login(world["people"]["albania"]).get(path)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    expected = f'attachment; filename="iisg-2026-2027-{filename}.csv"'
    assert response.headers["Content-Disposition"] == expected
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith(header)


def test_csv_cells_cannot_run_as_spreadsheet_formulas(world, login):
    response = login(world["people"]["albania"]).get("/analysis/needs?format=csv&coverage=gap")

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_neutralise_makes_formula_starts_text(text):
    assert neutralise(text) == "'" + text


def test_neutralise_leaves_plain_text_and_numbers_alone():
    assert neutralise("Border police") == "Border police"
    assert neutralise(-5) == -5


def test_the_coverage_csv_holds_the_viewers_figures(world, login):
    response = login(world["people"]["albania"]).get("/analysis/coverage-by-pillar.csv")

    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    albania = next(row for row in rows if row["partner"] == "AL" and row["pillar"] == "WBCTi")
    serbia = next(row for row in rows if row["partner"] == "RS" and row["pillar"] == "WBCTi")
    assert (
        albania["needs"],
        albania["covered"],
        albania["partially covered"],
        albania["gaps"],
    ) == (
        "3",
        "1",
        "1",
        "1",
    )
    assert serbia["needs"] == "0"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cycle=abc", "cycle"),
        ("cycle=0", "cycle"),
        ("cycle=999999", "cycle"),
        ("coverage=nobody", "coverage"),
        ("pillar=999999", "pillar"),
        ("economy=-3", "economy"),
        ("category=x", "category"),
        ("page=0", "page"),
        ("per_page=1000", "per_page"),
        ("format=xlsx", "format"),
    ],
)
def test_bad_query_parameters_are_refused_naming_the_field(world, login, query, field):
    response = login(world["people"]["albania"]).get(
        f"/analysis/needs?{query}", headers={"Accept": "application/json"}
    )

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_without_any_cycle_the_page_says_so(db, login):
    viewer = factories.user(factories.member_tenant())
    db.session.commit()
    client = login(viewer)

    assert "There is no needs mapping cycle yet" in client.get("/analysis").get_data(as_text=True)
    assert client.get("/analysis/needs").status_code == 404
    assert client.get("/analysis/coverage-by-pillar.csv").status_code == 404


def test_navigation_offers_the_analysis(world, login):
    page = login(world["people"]["commission"]).get("/").get_data(as_text=True)

    assert 'href="/analysis"' in page


PATHS = ["/analysis", "/analysis/needs", "/analysis/synergies", "/analysis/coverage-by-pillar.csv"]
VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["all", "gap", "partial", "covered", "csv", "html", "1", "", "1.5", "1e3"]),
)
QUERIES = st.dictionaries(
    st.sampled_from(
        ["cycle", "economy", "pillar", "category", "coverage", "page", "per_page", "format"]
    ),
    VALUES,
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), query=QUERIES)
def test_any_query_string_gets_a_page_or_a_refusal_never_an_error(world, login, path, query):
    response = world_client(world, login).get(path, query_string=query)

    status = response.status_code
    assert status == 200 or 400 <= status < 500, (path, query, status)


_CLIENTS: dict[int, object] = {}


def world_client(world, login):
    """Sign in once per world: Hypothesis reuses the function's fixtures across examples."""
    key = id(world)
    if key not in _CLIENTS:
        _CLIENTS.clear()
        _CLIENTS[key] = login(world["people"]["albania"])
    return _CLIENTS[key]


def test_the_drill_down_and_the_csvs_show_each_needs_code(world, login):
    client = login(world["people"]["albania"])

    page = client.get("/analysis/needs?coverage=all").get_data(as_text=True)
    drilled = client.get("/analysis/needs?format=csv&coverage=all").get_data(as_text=True)
    synergies = client.get("/analysis/synergies?format=csv").get_data(as_text=True)

    assert '<td class="text-nowrap need-code">2026-AL-WBCTi-001</td>' in page
    rows = list(csv.DictReader(io.StringIO(drilled.lstrip("\ufeff"))))
    assert {row["title"]: row["need code"] for row in rows}["Need met in full"] == (
        "2026-AL-WBCTi-001"
    )
    [synergy] = list(csv.DictReader(io.StringIO(synergies.lstrip("\ufeff"))))
    assert (synergy["title"], synergy["need code"]) == ("Need met in full", "2026-AL-WBCTi-001")


def chart_of(page: str, key: str, currency: str) -> str:
    """Return the SVG of the funding chart ``key`` (pillar or partner) in ``currency``."""
    start = page.index(f'data-chart="{key}/{currency}"')
    return page[page.rindex("<svg", 0, start) : page.index("</svg>", start)]


def test_each_currency_has_a_chart_with_its_own_labelled_scale(world, login, db):
    swiss = factories.member_tenant(code="CH-SECO")
    programme = factories.response(
        swiss,
        title="Swiss programme",
        record_status="published",
        budget_amount=1_750_000,
        budget_currency="CHF",
    )
    db.session.add(programme)
    db.session.add(
        factories.support_link(programme, world["needs"]["partial"], "full", "validated")
    )
    db.session.commit()

    page = login(world["people"]["albania"]).get("/analysis").get_data(as_text=True)

    francs, euros = chart_of(page, "pillar", "CHF"), chart_of(page, "pillar", "EUR")
    # Each chart's axis is labelled in its own currency and ends at a round figure above
    # its largest amount: 1.75 M CHF on a scale to 2 M, 2,200 EUR on one to 2,500.
    assert 'class="axis-title"' in francs and "Amount in CHF" in francs
    assert ">2 M</text>" in francs and ">1.75 M</text>" in francs
    assert "Amount in EUR" in euros and ">2,500</text>" in euros
    assert "CHF" not in euros
    # Said in words too: the charts are not on one scale.
    assert "Each currency has a chart and a scale of its own" in page
    # Each chart has a text alternative naming every bar.
    assert ": 1,750,000.00 CHF from 1 response" in francs


@pytest.mark.parametrize(
    "path", ["/analysis", "/analysis/needs?coverage=gap", "/analysis/synergies"]
)
def test_every_analysis_page_links_to_the_synergies_in_its_navigation(world, login, path):
    page = login(world["people"]["albania"]).get(path).get_data(as_text=True)

    start = page.index('<nav aria-label="Analysis"')
    navigation = page[start : page.index("</nav>", start)]
    cycle = world["cycle"].id
    assert f'href="/analysis/synergies?cycle={cycle}"' in navigation
    assert f'href="/analysis?cycle={cycle}"' in navigation
    assert f'href="/analysis/needs?cycle={cycle}&amp;coverage=gap"' in navigation


def test_each_cell_shows_one_figure_linking_to_its_gaps_with_the_breakdown_for_all(world, login):
    page = login(world["people"]["albania"]).get("/analysis").get_data(as_text=True)

    start = page.index('data-cell="AL/WBCTi"')
    cell_markup = page[start : page.index("</td>", start)]
    assert cell_markup.count("<a ") == 1
    assert 'class="visually-hidden"' in cell_markup
    assert 'title="3 needs: 1 covered, 1 partially covered, 1 gap (33% gaps)"' in cell_markup


def test_the_trend_shows_each_cycles_coverage_as_the_reader_counts_it(world, login, db):
    older = factories.cycle(
        name="2024-2025",
        status="consolidation",
        starts_on=date(2024, 10, 1),
        ends_on=date(2025, 3, 31),
    )
    db.session.add(older)
    db.session.add(
        factories.need(older, world["needs"]["covered"].tenant, status="validated", title="Old")
    )
    db.session.commit()

    albania = login(world["people"]["albania"]).get("/analysis").get_data(as_text=True)

    start = albania.index('id="coverage-trend"')
    trend = albania[start : albania.index("</table>", start)]
    assert trend.index("2024-2025") < trend.index("2026-2027")
    assert 'data-trend="2024-2025/needs">1<' in trend
    assert 'data-trend="2024-2025/gaps">1<' in trend
    assert 'data-trend="2026-2027/needs">3<' in trend
    assert 'data-trend="2026-2027/covered-share">33%<' in trend
