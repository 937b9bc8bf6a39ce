"""The gap analysis counts what each viewer may see, by the documented definitions.

A small world is built from a plain description; the expected figures are worked out
from that description in Python, by the README's visibility table and the definitions in
``portal.services.analysis`` - independently of the SQL under test. Everything runs on
SQLite and PostgreSQL, and on PostgreSQL once more with row-level security alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.exceptions import ValidationFailed
from portal.identity import Principal
from portal.identity import act_as_principal as act_as
from portal.models import Need
from portal.services import analysis
from portal.tenancy import set_application_scoping
from tests import factories
from tests.conftest import IN_BOTH_LAYERS

pytestmark = IN_BOTH_LAYERS

TENANTS = {
    # code: (kind, economy)
    "AL-MOI": ("partner", "AL"),
    "RS-MOI": ("partner", "RS"),
    "EC-NEAR": ("member", None),
    "DE-BMI": ("member", None),
    "IISG-SEC": ("secretariat", None),
}
# name: (owner, record status, visibility, beneficiaries, implementation, budget)
RESPONSES = {
    "ec-open": ("EC-NEAR", "published", "members", (), "ongoing", ("1000.00", "EUR")),
    "de-open": ("DE-BMI", "published", "members", (), "planned", ("500.50", "EUR")),
    "de-dollars": ("DE-BMI", "published", "members", (), "ongoing", ("250.00", "USD")),
    "ec-for-serbia": ("EC-NEAR", "published", "restricted", ("RS",), "ongoing", ("2000.00", "EUR")),
    "ec-draft": ("EC-NEAR", "draft", "members", (), "planned", ("300.00", "EUR")),
    "de-cancelled": ("DE-BMI", "published", "members", (), "cancelled", ("700.00", "EUR")),
}
# name: (owner, status, pillar, category, [(response, coverage, link status)])
NEEDS = {
    "al-covered": (
        "AL-MOI",
        "validated",
        "WBCTi",
        "legislative",
        [("ec-open", "full", "confirmed")],
    ),
    "al-partial": (
        "AL-MOI",
        "validated",
        "WBCTi",
        "legislative",
        [("ec-open", "partial", "validated"), ("de-open", "partial", "confirmed")],
    ),
    "al-proposed-only": (
        "AL-MOI",
        "validated",
        "WBCTi",
        "operational",
        [("ec-open", "full", "proposed"), ("de-open", "full", "disputed")],
    ),
    "al-submitted": ("AL-MOI", "submitted", "WBCSCi", "institutional", []),
    "al-returned": ("AL-MOI", "returned", "WBCSCi", "institutional", []),
    "al-draft": ("AL-MOI", "draft", "WBCTi", "legislative", [("ec-open", "full", "confirmed")]),
    "al-withdrawn": ("AL-MOI", "withdrawn", "WBCTi", "legislative", []),
    "al-by-draft-response": (
        "AL-MOI",
        "validated",
        "WBBSi",
        "operational",
        [("ec-draft", "full", "confirmed")],
    ),
    # Addressed by a response only Serbia (its beneficiary), its owner and the
    # Secretariat may see: a gap for everybody else.
    "al-by-restricted": (
        "AL-MOI",
        "adopted",
        "WBBSi",
        "operational",
        [("ec-for-serbia", "full", "confirmed"), ("de-dollars", "partial", "confirmed")],
    ),
    "al-by-cancelled": (
        "AL-MOI",
        "validated",
        "WBBSi",
        "legislative",
        [("de-cancelled", "full", "validated")],
    ),
    "rs-draft": ("RS-MOI", "draft", "WBCTi", "legislative", [("de-open", "full", "confirmed")]),
    "rs-submitted": (
        "RS-MOI",
        "submitted",
        "WBCTi",
        "legislative",
        [("ec-open", "partial", "confirmed"), ("de-open", "full", "confirmed")],
    ),
    "rs-validated": (
        "RS-MOI",
        "validated",
        "WBCTi",
        "institutional",
        [("de-open", "full", "validated"), ("de-dollars", "full", "confirmed")],
    ),
}
VIEWERS = ("AL-MOI", "RS-MOI", "EC-NEAR", "DE-BMI", "IISG-SEC")


@pytest.fixture(autouse=True)
def layers(application_layer):
    set_application_scoping(application_layer)
    yield
    set_application_scoping(True)


def build(db, cycle, tenants, needs=NEEDS, responses=RESPONSES, made=None):
    """Create ``responses`` and ``needs`` (with their links) in ``cycle``; return responses."""
    made = dict(made or {})
    for name, (
        owner,
        record_status,
        visibility,
        beneficiaries,
        progress,
        budget,
    ) in responses.items():
        made[name] = factories.response(
            tenants[owner],
            title=f"Response {name}",
            record_status=record_status,
            visibility=visibility,
            implementation_status=progress,
            budget_amount=Decimal(budget[0]),
            budget_currency=budget[1],
        )
        made[name].beneficiaries = [factories.economy(code) for code in beneficiaries]
        db.session.add(made[name])
    for name, (owner, status, pillar, category, links) in needs.items():
        need = factories.need(
            cycle,
            tenants[owner],
            pillar=pillar,
            title=f"Need {name}",
            status=status,
            category=factories.reference(factories.NeedCategory, category),
        )
        db.session.add(need)
        for response, coverage, link_status in links:
            db.session.add(factories.support_link(made[response], need, coverage, link_status))
    db.session.commit()
    return made


@pytest.fixture
def world(db):
    """The tenants, a user of each, the open cycle with NEEDS, and an older cycle."""
    tenants = {}
    for code, (kind, economy) in TENANTS.items():
        if kind == "partner":
            tenants[code] = factories.partner_tenant(code=code, economy=economy)
        else:
            tenants[code] = factories.member_tenant(code=code, kind=kind)
    people = {
        code: factories.user(tenant, email=f"viewer@{code.lower()}.example")
        for code, tenant in tenants.items()
    }
    cycle = factories.cycle()
    older = factories.cycle(
        name="2024-2025",
        status="consolidation",
        starts_on=date(2024, 10, 1),
        ends_on=date(2025, 3, 31),
    )
    db.session.add_all([cycle, older])
    responses = build(db, cycle, tenants)
    # A need of another cycle, fully addressed, must never show in this one.
    db.session.add(factories.need(older, tenants["AL-MOI"], status="validated", title="Old"))
    db.session.commit()
    # Principals taken now, as the system: a viewer may not read the other viewers' rows.
    principals = {code: Principal.of(person) for code, person in people.items()}
    return {
        "tenants": tenants,
        "people": principals,
        "cycle": cycle,
        "older": older,
        "responses": responses,
    }


@pytest.fixture
def acting_as(db):
    """Return a function making the test act as a principal (or None, the system)."""
    yield act_as
    act_as(None)


# The rules, written out once more in Python for the expected figures.


def need_visible(viewer: str, owner: str, status: str) -> bool:
    if owner == viewer or status in ("validated", "adopted"):
        return True
    return TENANTS[viewer][0] == "secretariat" and status != "draft"


def response_visible(viewer: str, name: str) -> bool:
    owner, record_status, visibility, beneficiaries, _progress, _budget = RESPONSES[name]
    if owner == viewer:
        return True
    if record_status != "published":
        return False
    if TENANTS[viewer][0] == "secretariat" or visibility == "members":
        return True
    return TENANTS[viewer][1] in beneficiaries


def counted_links(viewer: str, name: str) -> list[tuple[str, str]]:
    """Return (response, coverage) of the links that count for ``viewer`` on need ``name``."""
    return [
        (response, coverage)
        for response, coverage, link_status in NEEDS[name][4]
        if link_status in ("confirmed", "validated")
        and response_visible(viewer, response)
        and RESPONSES[response][1] == "published"
        and RESPONSES[response][4] != "cancelled"
    ]


def analysed(viewer: str) -> list[str]:
    return [
        name
        for name, (owner, status, *_rest) in NEEDS.items()
        if status in ("submitted", "returned", "validated", "adopted")
        and need_visible(viewer, owner, status)
    ]


def expected_coverage(viewer: str, name: str) -> str:
    coverages = {coverage for _response, coverage in counted_links(viewer, name)}
    return "covered" if "full" in coverages else "partial" if coverages else "gap"


def expected_matrix(viewer: str, dimension: str) -> dict[tuple[str, str], tuple]:
    cells: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for name in analysed(viewer):
        owner, _status, pillar, category, _links = NEEDS[name]
        column = pillar if dimension == "pillar" else category
        cell = cells[(TENANTS[owner][1], column)]
        cell["needs"] += 1
        cell[
            {"covered": "covered", "partial": "partial", "gap": "gaps"}[
                expected_coverage(viewer, name)
            ]
        ] += 1
    return {
        key: (cell["needs"], cell["covered"], cell["partial"], cell["gaps"])
        for key, cell in cells.items()
    }


def actual_matrix(cycle, dimension: str, matrix=None) -> dict[tuple[str, str], tuple]:
    matrix = matrix or analysis.coverage_matrix(cycle, dimension)
    figures = {}
    for economy in matrix.economies:
        for column in matrix.columns:
            cell = matrix.cell(economy.id, column.id)
            if cell.needs:
                figures[(economy.code, column.code)] = (
                    cell.needs,
                    cell.covered,
                    cell.partial,
                    cell.gaps,
                )
    return figures


def test_coverage_matrix_counts_what_each_viewer_may_see(world, acting_as):
    for viewer in VIEWERS:
        acting_as(world["people"][viewer])
        for dimension in ("pillar", "category"):
            expected = expected_matrix(viewer, dimension)
            assert actual_matrix(world["cycle"], dimension) == expected, (viewer, dimension)


def test_both_matrices_of_the_overview_count_what_each_viewer_may_see(world, acting_as):
    for viewer in VIEWERS:
        acting_as(world["people"][viewer])
        by_pillar, by_category = analysis.coverage_matrices(world["cycle"])
        assert (by_pillar.dimension, by_category.dimension) == ("pillar", "category")
        for matrix in (by_pillar, by_category):
            expected = expected_matrix(viewer, matrix.dimension)
            assert actual_matrix(world["cycle"], matrix.dimension, matrix) == expected, viewer
            assert matrix.total.needs == sum(cell[0] for cell in expected.values()), viewer


def test_viewers_see_different_figures_for_the_same_cycle(world, acting_as):
    figures = {}
    for viewer in ("AL-MOI", "RS-MOI", "IISG-SEC"):
        acting_as(world["people"][viewer])
        figures[viewer] = actual_matrix(world["cycle"], "pillar")

    # Serbia sees neither Albania's submitted nor returned needs; the Secretariat does.
    assert ("AL", "WBCSCi") not in figures["RS-MOI"]
    assert figures["IISG-SEC"][("AL", "WBCSCi")] == (2, 0, 0, 2)
    assert figures["AL-MOI"][("AL", "WBCSCi")] == (2, 0, 0, 2)
    # Albania may not see the response restricted to Serbia: for Albania that need is
    # only partially covered (by the visible dollars); Serbia and the Secretariat see the
    # full coverage.
    assert figures["AL-MOI"][("AL", "WBBSi")] == (3, 0, 1, 2)
    assert figures["IISG-SEC"][("AL", "WBBSi")] == (3, 1, 0, 2)
    assert figures["RS-MOI"][("AL", "WBBSi")] == (3, 1, 0, 2)


def test_a_partner_never_learns_counts_of_another_partners_drafts(world, acting_as, db):
    acting_as(world["people"]["AL-MOI"])
    before = analysis.coverage_matrix(world["cycle"], "pillar")
    before_needs = analysis.needs_in_cell(world["cycle"], coverage="all", per_page=100).total
    before_synergies = analysis.synergies(world["cycle"]).total
    acting_as(None)
    drafts = {
        f"rs-more-draft-{number}": ("RS-MOI", "draft", "WBCTi", "legislative", links)
        for number, links in enumerate(
            [
                [],
                [("ec-open", "full", "confirmed")],
                [("ec-open", "partial", "confirmed"), ("de-open", "full", "validated")],
            ]
        )
    }
    build(db, world["cycle"], world["tenants"], drafts, responses={}, made=world["responses"])

    acting_as(world["people"]["AL-MOI"])
    after = analysis.coverage_matrix(world["cycle"], "pillar")

    assert after.cells == before.cells
    assert analysis.needs_in_cell(world["cycle"], per_page=100).total == before_needs
    assert analysis.synergies(world["cycle"]).total == before_synergies
    # Serbia itself analyses submitted needs only: its own drafts are not counted either.
    acting_as(world["people"]["RS-MOI"])
    serbia = actual_matrix(world["cycle"], "pillar")
    assert serbia[("RS", "WBCTi")] == expected_matrix("RS-MOI", "pillar")[("RS", "WBCTi")]


@pytest.mark.parametrize("coverage", ["all", "gap", "partial", "covered"])
def test_drill_down_lists_exactly_the_needs_of_the_cell(world, acting_as, coverage):
    albania = factories.economy("AL").id
    for viewer in VIEWERS:
        acting_as(world["people"][viewer])

        page = analysis.needs_in_cell(world["cycle"], economy_id=albania, coverage=coverage)

        expected = {
            f"Need {name}": expected_coverage(viewer, name)
            for name in analysed(viewer)
            if NEEDS[name][0] == "AL-MOI" and coverage in ("all", expected_coverage(viewer, name))
        }
        assert {need.title: state for need, state in page.items} == expected, viewer
        assert page.total == len(expected)


def test_drill_down_filters_by_pillar_and_category_and_paginates(world, acting_as):
    acting_as(world["people"]["IISG-SEC"])
    cycle = world["cycle"]
    pillar = factories.reference(factories.Pillar, "WBBSi")
    category = factories.reference(factories.NeedCategory, "operational")

    by_pillar = analysis.needs_in_cell(cycle, pillar_id=pillar.id, per_page=2)
    both = analysis.needs_in_cell(cycle, pillar_id=pillar.id, category_id=category.id)
    second = analysis.needs_in_cell(cycle, pillar_id=pillar.id, page=2, per_page=2)

    assert (by_pillar.total, len(by_pillar.items), by_pillar.pages) == (3, 2, 2)
    assert len(second.items) == 1
    assert {need.title for need, _ in both.items} == {
        "Need al-by-draft-response",
        "Need al-by-restricted",
    }


def test_synergies_are_needs_addressed_by_two_or_more_tenants(world, acting_as):
    for viewer in VIEWERS:
        acting_as(world["people"][viewer])

        page = analysis.synergies(world["cycle"])

        expected = {}
        for name in analysed(viewer):
            owners = {RESPONSES[response][0] for response, _ in counted_links(viewer, name)}
            if len(owners) >= 2:
                expected[f"Need {name}"] = sorted(owners)
        actual = {item.need.title: [tenant.code for tenant in item.tenants] for item in page.items}
        assert actual == expected, viewer
        assert page.total == len(expected)
    # The fixture holds synergies at all, so the comparison above could fail.
    assert expected


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("dimension", ["pillar", "partner"])
def test_funding_sums_budgets_per_currency_once_per_response(world, acting_as, viewer, dimension):
    acting_as(world["people"][viewer])
    finder = analysis.funding_by_pillar if dimension == "pillar" else analysis.funding_by_partner

    actual = {
        (row.code, row.currency): (row.amount, row.responses) for row in finder(world["cycle"])
    }

    pairs = set()
    for name in analysed(viewer):
        owner, _status, pillar, _category, _links = NEEDS[name]
        key = pillar if dimension == "pillar" else TENANTS[owner][1]
        pairs |= {(key, response) for response, _ in counted_links(viewer, name)}
    expected: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for key, response in pairs:
        amount, currency = RESPONSES[response][5]
        total, count = expected.get((key, currency), (Decimal("0.00"), 0))
        expected[(key, currency)] = (total + Decimal(amount), count + 1)
    assert actual == expected


def test_the_open_cycle_is_analysed_unless_another_is_chosen(world, acting_as):
    acting_as(world["people"]["AL-MOI"])

    assert analysis.choose_cycle(None).name == "2026-2027"
    assert analysis.choose_cycle(world["older"].id).name == "2024-2025"
    with pytest.raises(ValidationFailed) as refused:
        analysis.choose_cycle(world["older"].id + 1000)
    assert "cycle" in refused.value.fields


def test_without_an_open_cycle_the_latest_is_analysed(world, acting_as, db):
    world["cycle"].status = "consolidation"
    db.session.add(
        factories.cycle(
            name="2022-2023",
            status="consolidation",
            starts_on=date(2022, 10, 1),
            ends_on=date(2023, 3, 31),
        )
    )
    db.session.commit()
    acting_as(world["people"]["AL-MOI"])

    assert analysis.choose_cycle(None).name == "2026-2027"


def test_an_unknown_pillar_in_a_drill_down_is_refused_by_name(world, acting_as):
    acting_as(world["people"]["AL-MOI"])

    with pytest.raises(ValidationFailed) as refused:
        analysis.cell_references(None, 999_999, None)

    assert set(refused.value.fields) == {"pillar"}


def test_a_page_past_the_end_is_empty_and_still_tells_how_many_there_are(world, acting_as):
    acting_as(world["people"]["IISG-SEC"])
    needs = analysis.needs_in_cell(world["cycle"], per_page=100)
    synergies = analysis.synergies(world["cycle"], per_page=100)

    needs_beyond = analysis.needs_in_cell(world["cycle"], page=99, per_page=100)
    synergies_beyond = analysis.synergies(world["cycle"], page=99, per_page=100)

    assert needs.total == len(needs.items) > 0
    assert (needs_beyond.items, needs_beyond.total) == ([], needs.total)
    assert synergies.total == len(synergies.items) > 0
    assert (synergies_beyond.items, synergies_beyond.total) == ([], synergies.total)


def test_the_trend_gives_each_cycle_the_totals_of_its_matrix_for_each_viewer(world, acting_as):
    for viewer in VIEWERS:
        acting_as(world["people"][viewer])
        trend = analysis.coverage_trend()

        assert [row.cycle.name for row in trend] == ["2024-2025", "2026-2027"], viewer
        for row in trend:
            expected = analysis.coverage_matrix(row.cycle, "pillar").total
            assert vars(row.figures) == vars(expected), (viewer, row.cycle.name)
        # The older cycle's one need is Albania's validated need, which nobody addresses.
        assert (trend[0].figures.needs, trend[0].figures.gaps) == (1, 1), viewer


def test_the_trend_of_a_partner_leaves_out_another_partners_submitted_needs(world, acting_as):
    acting_as(world["people"]["RS-MOI"])
    serbia = analysis.coverage_trend()[-1].figures
    acting_as(world["people"]["IISG-SEC"])
    secretariat = analysis.coverage_trend()[-1].figures

    assert serbia.needs == len(analysed("RS-MOI"))
    assert secretariat.needs == len(analysed("IISG-SEC"))
    assert serbia.needs < secretariat.needs


def test_the_kept_trend_follows_a_committed_change(world, acting_as, db):
    acting_as(world["people"]["IISG-SEC"])
    before = analysis.coverage_trend()[0].figures
    acting_as(None)
    old = db.session.scalar(
        select(Need).where(Need.cycle_id == world["older"].id, Need.title == "Old")
    )
    db.session.add(factories.support_link(world["responses"]["ec-open"], old, "full", "validated"))
    db.session.commit()

    acting_as(world["people"]["IISG-SEC"])
    after = analysis.coverage_trend()[0].figures

    assert (before.gaps, before.covered) == (1, 0)
    assert (after.gaps, after.covered) == (0, 1)
