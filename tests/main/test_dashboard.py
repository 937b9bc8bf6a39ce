"""The dashboard tells each user what needs their attention, and links to it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.models.base import utc_now
from tests import factories
from tests.worlds import analysis_world


@pytest.fixture
def world(db):
    """Albania and Serbia with returned, stale and linked needs; a member and the Secretariat."""
    today = utc_now().date()
    cycle = factories.cycle(submission_deadline=today + timedelta(days=10))
    cycle.starts_on, cycle.ends_on = today - timedelta(days=30), today + timedelta(days=150)
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    commission = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    long_ago = utc_now() - timedelta(days=400)
    needs = {
        "returned": factories.need(
            cycle,
            albania,
            status="returned",
            title="Albanian returned need",
            return_comment="Name the strategy this need comes from.",
        ),
        "serbian returned": factories.need(
            cycle, serbia, status="returned", title="Serbian returned need"
        ),
        "stale": factories.need(
            cycle, albania, status="validated", title="Albanian dusty need", updated_at=long_ago
        ),
        "stale adopted": factories.need(
            cycle, albania, status="adopted", title="Albanian adopted need", updated_at=long_ago
        ),
        "fresh": factories.need(cycle, albania, status="validated", title="Albanian fresh need"),
        "serbian": factories.need(cycle, serbia, status="validated", title="Serbian open need"),
        "submitted": factories.need(
            cycle, serbia, status="submitted", title="Serbian submitted need"
        ),
        "draft": factories.need(cycle, albania, status="draft", title="Albanian draft need"),
    }
    programme = factories.response(
        commission, title="Commission programme", record_status="published"
    )
    dusty = factories.response(
        commission,
        title="Commission dusty programme",
        record_status="published",
        implementation_status="ongoing",
        updated_at=long_ago,
    )
    finished = factories.response(
        commission,
        title="Commission finished programme",
        record_status="published",
        implementation_status="completed",
        updated_at=long_ago,
    )
    draft = factories.response(commission, title="Commission draft programme")
    db.session.add_all([*needs.values(), programme, dusty, finished, draft])
    links = {
        "proposed": factories.support_link(programme, needs["fresh"], "full", "proposed"),
        "confirmed": factories.support_link(programme, needs["stale"], "partial", "confirmed"),
        "serbian": factories.support_link(programme, needs["serbian"], "full", "proposed"),
    }
    db.session.add_all(links.values())
    people = {
        "albania": factories.user(albania, email="al@example.org", roles=("editor",)),
        "commission": factories.user(commission, email="ec@example.org", roles=("editor",)),
        "secretariat": factories.user(secretariat, email="sec@example.org", roles=("editor",)),
    }
    db.session.commit()
    return {
        "people": people,
        "needs": needs,
        "links": links,
        "programme": programme,
        "dusty": dusty,
    }


def attention_of(page: str) -> str:
    start = page.index('id="attention"')
    return page[start : page.index("</section>", start)]


def test_a_partner_sees_its_returned_needs_with_the_comment(world, login):
    page = attention_of(login(world["people"]["albania"]).get("/").get_data(as_text=True))

    assert f'href="/needs/{world["needs"]["returned"].id}">Albanian returned need' in page
    assert "Name the strategy this need comes from." in page
    assert 'data-attention="returned_needs">1<' in page
    assert "Serbian returned need" not in page


def test_a_partner_sees_links_waiting_for_its_confirmation(world, login):
    page = attention_of(login(world["people"]["albania"]).get("/").get_data(as_text=True))

    assert 'data-attention="links_to_confirm">1<' in page
    assert f'href="/responses/{world["programme"].id}">Commission programme' in page
    assert f'href="/needs/{world["needs"]["fresh"].id}">Albanian fresh need' in page
    # Not the link Albania already confirmed, nor Serbia's pending one.
    assert "Serbian open need" not in page
    assert "links_to_validate" not in page


def test_the_count_of_many_links_waiting_follows_every_new_one(world, login, db):
    """Past the first ten the total is kept between visits, and a new link moves it."""
    from portal.services.overview import ATTENTION_LIMIT

    albania = world["needs"]["fresh"].tenant
    cycle = world["needs"]["fresh"].cycle
    needs = [
        factories.need(cycle, albania, status="validated", title=f"Albanian need {number}")
        for number in range(ATTENTION_LIMIT + 2)
    ]
    db.session.add_all(needs)
    db.session.add_all(
        factories.support_link(world["programme"], need, "full", "proposed") for need in needs[1:]
    )
    db.session.commit()
    client = login(world["people"]["albania"])
    waiting = ATTENTION_LIMIT + 2  # the fixture's one, and eleven more

    for _visit in range(2):
        page = attention_of(client.get("/").get_data(as_text=True))
        assert f'data-attention="links_to_confirm">{waiting}<' in page
    db.session.add(factories.support_link(world["programme"], needs[0], "full", "proposed"))
    db.session.commit()

    page = attention_of(client.get("/").get_data(as_text=True))
    assert f'data-attention="links_to_confirm">{waiting + 1}<' in page


def test_a_partner_sees_its_needs_unchanged_for_a_year_but_not_adopted_ones(world, login):
    page = attention_of(login(world["people"]["albania"]).get("/").get_data(as_text=True))

    assert 'data-attention="stale_needs">1<' in page
    assert "Albanian dusty need" in page
    assert "Albanian adopted need" not in page


def test_a_member_sees_its_running_responses_unchanged_for_a_year(world, login):
    page = attention_of(login(world["people"]["commission"]).get("/").get_data(as_text=True))

    assert 'data-attention="stale_responses">1<' in page
    assert f'href="/responses/{world["dusty"].id}">Commission dusty programme' in page
    assert "Commission finished programme" not in page
    assert "returned_needs" not in page


def test_the_secretariat_sees_confirmed_links_to_validate(world, login):
    page = attention_of(login(world["people"]["secretariat"]).get("/").get_data(as_text=True))

    assert 'data-attention="links_to_validate">1<' in page
    assert "Albanian dusty need" in page
    assert "links_to_confirm" not in page


def test_the_secretariat_sees_submitted_needs_to_validate_and_where_to_do_it(world, login):
    page = attention_of(login(world["people"]["secretariat"]).get("/").get_data(as_text=True))

    assert 'data-attention="needs_to_validate">1<' in page
    assert f'href="/needs/{world["needs"]["submitted"].id}">Serbian submitted need' in page
    assert 'href="/needs?status=submitted"' in page
    # What waits for the Secretariat is not a partner's draft.
    assert "Albanian draft need" not in page


def test_each_organisation_sees_its_own_drafts_and_no_one_elses(world, login):
    albania = attention_of(login(world["people"]["albania"]).get("/").get_data(as_text=True))
    commission = attention_of(login(world["people"]["commission"]).get("/").get_data(as_text=True))

    assert 'data-attention="draft_needs">1<' in albania
    assert "Albanian draft need" in albania and "needs_to_validate" not in albania
    assert 'data-attention="draft_responses">1<' in commission
    assert "Commission draft programme" in commission
    assert "Albanian draft need" not in commission


def test_everyone_sees_the_open_cycles_deadline_and_days_left(world, login):
    page = attention_of(login(world["people"]["commission"]).get("/").get_data(as_text=True))

    assert 'data-figure="days-left">10<' in page
    deadline = (utc_now().date() + timedelta(days=10)).isoformat()
    assert deadline in page


def test_a_passed_deadline_says_how_long_ago(world, login, db):
    cycle = world["needs"]["fresh"].cycle
    cycle.submission_deadline = utc_now().date() - timedelta(days=3)
    cycle.starts_on = utc_now().date() - timedelta(days=60)
    db.session.commit()

    page = attention_of(login(world["people"]["albania"]).get("/").get_data(as_text=True))

    assert 'data-figure="days-late">3<' in page


def test_with_nothing_waiting_the_dashboard_says_so(db, login):
    viewer = factories.user(factories.member_tenant(), email="calm@example.org")
    db.session.commit()

    page = attention_of(login(viewer).get("/").get_data(as_text=True))

    assert "Nothing is waiting for you." in page
    assert "No needs mapping cycle is open." in page


def headline_of(page: str) -> str:
    start = page.index('id="headline"')
    return page[start : page.index("</section>", start)]


def test_the_headline_figures_are_each_readers_own_and_link_to_where_to_act(db, login):
    analysed = analysis_world(db)
    cycle = analysed["cycle"].id

    albania = headline_of(login(analysed["people"]["albania"]).get("/").get_data(as_text=True))
    secretariat = headline_of(
        login(analysed["people"]["secretariat"]).get("/").get_data(as_text=True)
    )

    # Albania counts its three needs (one covered, one gap) and has a proposed link to
    # confirm; the Secretariat also counts Serbia's submitted need, a gap, and has it
    # and the two confirmed links to validate.
    assert 'data-headline="covered-share">33%<' in albania
    assert 'data-headline="gaps">1<' in albania
    assert 'data-headline="waiting">1<' in albania
    assert 'data-headline="covered-share">25%<' in secretariat
    assert 'data-headline="gaps">2<' in secretariat
    assert 'data-headline="waiting">3<' in secretariat
    assert "submitted needs and confirmed support links to validate" in secretariat
    assert "needs returned to you and support links to confirm" in albania
    for headline in (albania, secretariat):
        assert f'href="/analysis?cycle={cycle}"' in headline
        assert f'href="/analysis/needs?cycle={cycle}&amp;coverage=gap"' in headline
        assert 'href="#attention"' in headline


def test_without_a_cycle_the_headline_says_there_is_nothing_to_analyse(db, login):
    viewer = factories.user(factories.member_tenant(), email="early@example.org")
    db.session.commit()

    page = headline_of(login(viewer).get("/").get_data(as_text=True))

    assert "No needs mapping cycle to analyse yet" in page
    assert 'data-headline="waiting">0<' in page
