"""The dashboard's per-pillar figures count only what every member may read."""

from portal.services.overview import pillar_summary
from tests import factories


def figures():
    return {row.code: (row.needs, row.responses) for row in pillar_summary()}


def test_every_pillar_is_listed_even_without_records(db):
    assert figures() == {"WBCTi": (0, 0), "WBCSCi": (0, 0), "WBBSi": (0, 0)}


def test_only_validated_and_adopted_needs_are_counted(db):
    cycle, albania = factories.cycle(), factories.partner_tenant()
    for number, status in enumerate(("draft", "submitted", "returned", "validated", "adopted")):
        db.session.add(factories.need(cycle, albania, title=f"Need {number}", status=status))
    db.session.add(factories.need(cycle, albania, pillar="WBBSi", status="validated"))
    db.session.commit()

    assert figures()["WBCTi"] == (2, 0)
    assert figures()["WBBSi"] == (1, 0)


def test_only_published_responses_open_to_members_are_counted(db):
    commission = factories.member_tenant()
    cases = [("published", "members"), ("draft", "members"), ("published", "restricted")]
    for number, (record_status, visibility) in enumerate(cases):
        db.session.add(
            factories.response(
                commission,
                pillars=("WBCTi", "WBCSCi"),
                title=f"Programme {number}",
                record_status=record_status,
                visibility=visibility,
            )
        )
    db.session.commit()

    assert figures() == {"WBCTi": (0, 1), "WBCSCi": (0, 1), "WBBSi": (0, 0)}


def test_dashboard_shows_the_figures(login, db):
    albania = factories.partner_tenant()
    db.session.add(factories.need(factories.cycle(), albania, status="adopted"))
    viewer = factories.user(albania)
    db.session.commit()

    page = login(viewer).get("/").get_data(as_text=True)

    assert 'data-pillar="WBCTi" data-figure="needs">1<' in page
    assert 'data-pillar="WBBSi" data-figure="needs">0<' in page
