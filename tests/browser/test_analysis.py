"""Issue 17 in a real browser: the analysis reads at a glance, under the real policy.

What the test client cannot see: which stylesheet rule wins for a cell's background
(Bootstrap's table cells paint their own), and how large a chart's labels come out once
the page lays the chart out.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.worlds import analysis_world

# The band colours of portal/static/analysis.css, as the browser computes them.
BAND_2 = "rgb(252, 239, 199)"  # more than 25% and up to 50% of the needs are gaps
BAND_EMPTY = "rgb(248, 249, 250)"  # no needs at all


def computed(page, selector: str, property_name: str) -> str:
    return page.locator(selector).evaluate(
        f"element => getComputedStyle(element).getPropertyValue('{property_name}')"
    )


def test_the_heat_map_colours_and_hatches_each_cell_by_its_share_of_gaps(
    db, browser_sign_in, browser_problems
):
    world = analysis_world(db)
    page = browser_sign_in(world["people"]["albania"])

    page.goto("/analysis")
    expect(page.get_by_role("heading", name="Coverage by partner and pillar")).to_be_visible()
    albania = '#coverage-by-pillar td[data-cell="AL/WBCTi"]'
    empty = '#coverage-by-pillar td[data-cell="RS/WBCTi"]'

    # One in three of Albania's needs is a gap: the second band, in colour and hatching,
    # and its marker says so without colour.
    assert computed(page, albania, "background-color") == BAND_2
    assert "repeating-linear-gradient" in computed(page, albania, "background-image")
    assert page.locator(f"{albania} .band-marker").inner_text().strip() != ""
    assert computed(page, empty, "background-color") == BAND_EMPTY
    assert browser_problems.reports == []


def test_the_funding_charts_have_readable_labels_and_an_axis(db, browser_sign_in, browser_problems):
    world = analysis_world(db)
    page = browser_sign_in(world["people"]["albania"])

    page.goto("/analysis")
    chart = page.locator("#funding-by-pillar-charts svg.funding-chart").first
    expect(chart).to_be_visible()
    label = chart.locator("text").first.bounding_box()
    bar = chart.locator("rect.bar").first.bounding_box()

    # As laid out on the page, not as written in the SVG: the chart is not shrunk into
    # a narrow column.
    assert label is not None and label["height"] >= 14
    assert bar is not None and bar["height"] >= 24
    expect(chart.locator(".axis-title")).to_contain_text("Amount in EUR")
    assert browser_problems.reports == []
