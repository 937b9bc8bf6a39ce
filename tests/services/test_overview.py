"""The dashboard's per-pillar figures count exactly what the viewer may see."""

import pytest

from portal.identity import Principal, act_as_principal
from portal.services import analysis
from portal.services.overview import headline, pillar_summary
from tests import factories

STATUSES = ("draft", "submitted", "returned", "withdrawn", "validated", "adopted")


def figures():
    return {row.code: (row.needs, row.responses) for row in pillar_summary()}


@pytest.fixture
def world(db):
    """Albania's needs in every status, and the European Commission's responses."""
    cycle, albania = factories.cycle(), factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    commission = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    for number, status in enumerate(STATUSES):
        db.session.add(factories.need(cycle, albania, title=f"Need {number}", status=status))
    cases = [
        ("published", "members", []),
        ("draft", "members", []),
        ("published", "restricted", ["AL"]),
    ]
    for number, (record_status, visibility, beneficiaries) in enumerate(cases):
        response = factories.response(
            commission,
            title=f"Programme {number}",
            record_status=record_status,
            visibility=visibility,
        )
        response.beneficiaries = [factories.economy(code) for code in beneficiaries]
        db.session.add(response)
    viewers = {
        "albania": factories.user(albania, email="al@example.org"),
        "serbia": factories.user(serbia, email="rs@example.org"),
        "commission": factories.user(commission, email="ec@example.org"),
        "secretariat": factories.user(secretariat, email="sec@example.org"),
    }
    db.session.commit()
    return viewers


def test_every_pillar_is_listed_even_without_records(db):
    assert figures() == {"WBCTi": (0, 0), "WBCSCi": (0, 0), "WBBSi": (0, 0)}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        # Own drafts and all; the published response open to members; the restricted
        # one because Albania benefits from it.
        ("albania", (6, 2)),
        # Only validated and adopted needs; only the members-wide published response.
        ("serbia", (2, 1)),
        # The owner of every response sees its drafts too.
        ("commission", (2, 3)),
        # Everything Albania has submitted, whatever became of it; all published.
        ("secretariat", (5, 2)),
    ],
)
def test_each_viewer_counts_only_what_it_may_see(world, acting_as, viewer, expected):
    acting_as(world[viewer])

    assert figures()["WBCTi"] == expected
    assert figures()["WBBSi"] == (0, 0)


def test_dashboard_shows_the_figures_of_the_signed_in_viewer(world, login):
    page = login(world["serbia"]).get("/").get_data(as_text=True)

    assert 'data-pillar="WBCTi" data-figure="needs">2<' in page
    assert 'data-pillar="WBCTi" data-figure="responses">1<' in page


def test_the_headline_is_the_analysis_total_of_the_default_cycle_for_each_viewer(world, acting_as):
    # Principals taken now, as the system: a viewer may not read the other viewers' rows.
    principals = {name: Principal.of(world[name]) for name in ("albania", "serbia", "secretariat")}
    counted = {}
    for viewer, principal in principals.items():
        act_as_principal(principal)
        found = headline()

        assert found.cycle == analysis.choose_cycle(None)
        assert vars(found.figures) == vars(analysis.coverage_matrix(found.cycle).total)
        counted[viewer] = found.figures.needs
    # Albania counts its own submitted and returned needs, Serbia only the validated and
    # adopted ones; the Secretariat every need sent to it.
    assert counted == {"albania": 4, "serbia": 2, "secretariat": 4}
