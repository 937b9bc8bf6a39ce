"""The needs list, drafting and editing, the detail page and carry-over, in the browser."""

import re

import pytest
from sqlalchemy import func, select

from portal.models import AcquisChapter, Need, NeedCategory, Perspective
from tests import factories
from tests.conftest import csrf_token
from tests.needs.cast import albanian_need

GOOD = {
    "pillar": "WBCSCi",
    "category": "institutional",
    "perspective": "response",
    "title": "Set up an asset recovery office",
    "description": "Confiscated assets are not traced across borders.",
    "acquis_chapters": ["24"],
    "source_reference": "Strategy against organised crime 2024-2028",
    "priority": "high",
}


def count_needs(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Need))


def queries(response) -> int:
    return int(re.search(r'desc="(\d+) queries"', response.headers["Server-Timing"]).group(1))


def titles(response) -> set[str]:
    return set(re.findall(r'<a href="/needs/\d+">([^<]+)</a>', response.get_data(as_text=True)))


def test_a_partner_editor_drafts_a_need(login, db, cast):
    client = login(cast.people["albania-editor"])

    response = client.post(
        "/needs/new", data={**GOOD, "csrf_token": csrf_token(client, "/needs/new")}
    )

    need = db.session.scalar(select(Need))
    assert response.headers["Location"] == f"/needs/{need.id}"
    assert (need.status, need.tenant_id, need.cycle_id) == (
        "draft",
        cast.albania.id,
        cast.open_cycle.id,
    )
    assert [chapter.number for chapter in need.acquis_chapters] == [24]
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Set up an asset recovery office" in page and "Strategy against organised crime" in page


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"title": ""}, "title", "cannot be blank"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"description": "   "}, "description", "cannot be blank"),
        ({"source_reference": "s" * 301}, "source_reference", "at most 300"),
        ({"pillar": ""}, "pillar", "Choose a pillar"),
        ({"pillar": "NOPE"}, "pillar", "There is no pillar NOPE"),
        ({"priority": "urgent"}, "priority", "high, medium or low"),
        ({"acquis_chapters": ["99"]}, "acquis_chapters", "There is no acquis chapter 99"),
        ({"acquis_chapters": ["twenty"]}, "acquis_chapters", "whole number"),
        ({"title": "bad\x00title"}, "title", "control characters"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    login, db, cast, change, field, reason
):
    client = login(cast.people["albania-editor"])

    response = client.post(
        "/needs/new", data={**GOOD, **change, "csrf_token": csrf_token(client, "/needs/new")}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and reason in page
    assert "Set up an asset recovery office" in page or field == "title"
    assert count_needs(db) == 0


@pytest.mark.parametrize("seat", ["albania-viewer", "secretariat-editor", "member-editor"])
def test_only_partner_editors_draft_needs(login, db, cast, seat):
    client = login(cast.people[seat])

    assert client.get("/needs/new").status_code == 403
    refused = client.post("/needs/new", data={**GOOD, "csrf_token": csrf_token(client, "/needs")})
    assert refused.status_code == 403
    assert count_needs(db) == 0
    assert 'href="/needs/new"' not in client.get("/needs").get_data(as_text=True)


def test_no_need_is_drafted_without_an_open_cycle(login, db, cast):
    cast.open_cycle.status = "consolidation"
    db.session.commit()
    client = login(cast.people["albania-editor"])

    response = client.post("/needs/new", data={**GOOD, "csrf_token": csrf_token(client, "/needs")})

    assert response.status_code == 403
    assert "while a cycle is open" in response.get_data(as_text=True)
    assert count_needs(db) == 0


def test_the_owner_edits_a_draft(login, db, cast):
    need = albanian_need(cast)
    client = login(cast.people["albania-editor"])
    form = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    opened = re.search(r'name="opened" value="([^"]*)"', form).group(1)

    response = client.post(
        f"/needs/{need.id}/edit",
        data={
            **GOOD,
            "version": "1",
            "opened": opened,
            "csrf_token": csrf_token(client, "/needs"),
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert (need.title, need.priority, need.version) == (GOOD["title"], "high", 2)


def open_edit_form(client, need_id) -> dict:
    """Return the edit form's hidden fields, as a browser would post them back."""
    page = client.get(f"/needs/{need_id}/edit").get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    return {key: value.replace("&#34;", '"').replace("&amp;", "&") for key, value in hidden.items()}


def test_a_stale_save_is_refused_showing_what_changed_and_keeping_the_input(login, db, cast):
    need = albanian_need(cast, title="Align the criminal code")
    second = factories.user(cast.albania, email="second@albania.example", roles=("editor",))
    db.session.commit()
    first_client = login(cast.people["albania-editor"])
    second_client = login(second)
    first_form = open_edit_form(first_client, need.id)
    second_form = open_edit_form(second_client, need.id)

    saved = second_client.post(
        f"/needs/{need.id}/edit",
        data={**GOOD, **second_form, "title": "Align the criminal code with the directive"},
    )
    refused = first_client.post(
        f"/needs/{need.id}/edit",
        data={**GOOD, **first_form, "description": "My careful rewrite of the description."},
    )

    assert saved.status_code == 302
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Someone else saved this need" in page
    assert "when you opened the page it was “Align the criminal code”" in page
    assert "now it is “Align the criminal code with the directive”" in page
    assert "My careful rewrite of the description." in page
    db.session.expire_all()
    assert need.title == "Align the criminal code with the directive"
    assert need.description != "My careful rewrite of the description."
    # Having seen the change, the first editor saves again from the form they were given.
    again = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    retry = {key: value.replace("&#34;", '"').replace("&amp;", "&") for key, value in again}
    resaved = first_client.post(
        f"/needs/{need.id}/edit",
        data={**GOOD, **retry, "description": "My careful rewrite of the description."},
    )
    assert resaved.status_code == 302
    db.session.expire_all()
    assert need.description == "My careful rewrite of the description."


def test_a_stale_action_is_refused_showing_what_changed(login, db, cast):
    need = albanian_need(cast, title="Original title")
    second = factories.user(cast.albania, email="second@albania.example", roles=("editor",))
    db.session.commit()
    first_client = login(cast.people["albania-editor"])
    detail = first_client.get(f"/needs/{need.id}").get_data(as_text=True)
    submit_form = re.search(rf'action="/needs/{need.id}/submit".*?</form>', detail, re.S).group(0)
    hidden = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', submit_form))
    hidden = {key: value.replace("&#34;", '"') for key, value in hidden.items()}
    second_client = login(second)
    second_client.post(
        f"/needs/{need.id}/edit",
        data={**GOOD, **open_edit_form(second_client, need.id), "title": "Changed title"},
    )

    refused = first_client.post(f"/needs/{need.id}/submit", data=hidden)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "it was “Original title”" in page and "now it is “Changed title”" in page
    db.session.expire_all()
    assert need.status == "draft"


def test_the_list_filters_by_every_field(login, db, cast):
    chapter_24 = db.session.scalar(select(AcquisChapter).where(AcquisChapter.number == 24))
    albanian_need(cast, "draft", title="Border drones", pillar="WBBSi", priority="high")
    albanian_need(
        cast,
        "submitted",
        title="Witness protection law",
        pillar="WBCSCi",
        category=factories.reference(NeedCategory, "operational"),
        perspective=factories.reference(Perspective, "response"),
        acquis_chapters=[chapter_24],
        priority="low",
    )
    albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title="Old 100% need_x")
    serbian = factories.need(
        cast.open_cycle, cast.serbia, status="validated", title="Serbian CT law"
    )
    db.session.add(serbian)
    db.session.commit()
    client = login(cast.people["albania-editor"])

    def listed(**query):
        response = client.get("/needs", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return titles(response)

    assert listed() == {
        "Border drones",
        "Witness protection law",
        "Old 100% need_x",
        "Serbian CT law",
    }
    assert listed(cycle="2021-2022") == {"Old 100% need_x"}
    assert listed(pillar="WBBSi") == {"Border drones"}
    assert listed(partner="RS") == {"Serbian CT law"}
    assert listed(category="operational") == {"Witness protection law"}
    assert listed(perspective="response") == {"Witness protection law"}
    assert listed(status="submitted") == {"Witness protection law"}
    assert listed(priority="high") == {"Border drones"}
    assert listed(chapter="24") == {"Witness protection law"}
    assert listed(q="WITNESS") == {"Witness protection law"}
    assert listed(q="100%") == {"Old 100% need_x"}
    assert listed(q="0%") == {"Old 100% need_x"}
    assert listed(q="d_x") == {"Old 100% need_x"}
    assert listed(q="%") == {"Old 100% need_x"}
    assert listed(q="_") == {"Old 100% need_x"}
    assert listed(pillar="WBBSi", status="submitted") == set()
    assert listed(cycle="", pillar="") == listed()


def test_another_partner_sees_only_shared_needs_in_the_list(login, cast):
    for status in ("draft", "submitted", "validated"):
        albanian_need(cast, status, title=f"Albanian {status} need")
    client = login(cast.people["serbia-editor"])

    assert titles(client.get("/needs")) == {"Albanian validated need"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"chapter": "x"}, "chapter"),
        ({"chapter": "99"}, "chapter"),
        ({"cycle": "1999-2000"}, "cycle"),
        ({"pillar": "WBXX"}, "pillar"),
        ({"partner": "FR"}, "partner"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(login, cast, query, field):
    client = login(cast.people["albania-viewer"])

    response = client.get("/needs", query_string=query)

    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_a_bad_filter_is_named_in_json_too(login, cast):
    client = login(cast.people["albania-viewer"])

    response = client.get("/needs?status=lost", headers={"Accept": "application/json"})

    assert response.status_code == 422


def test_the_list_pages_through_the_needs(login, cast):
    for number in range(7):
        albanian_need(cast, title=f"Need number {number}")
    client = login(cast.people["albania-editor"])

    first = client.get("/needs?per_page=5&status=draft")
    second = client.get("/needs?per_page=5&page=2&status=draft")

    assert len(titles(first)) == 5 and len(titles(second)) == 2
    assert titles(first).isdisjoint(titles(second))
    links = re.findall(r'href="/needs\?([^"]*)"', first.get_data(as_text=True))
    assert any(
        set(link.split("&amp;")) == {"page=2", "per_page=5", "status=draft"} for link in links
    )


def test_the_list_costs_the_same_queries_for_many_rows(login, db, cast):
    chapters = list(db.session.scalars(select(AcquisChapter)))[:2]
    albanian_need(cast, acquis_chapters=chapters)
    client = login(cast.people["albania-editor"])
    few = queries(client.get("/needs"))
    for number in range(20):
        albanian_need(cast, title=f"Need {number}", acquis_chapters=chapters)

    many = client.get("/needs")

    assert len(titles(many)) == 21
    assert queries(many) == few


def test_the_detail_page_shows_lineage_and_support(login, db, cast):
    old = albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title="Old border need")
    new = albanian_need(cast, "draft", title="Border need, again", previous_need=old)
    client = login(cast.people["albania-editor"])

    old_page = client.get(f"/needs/{old.id}").get_data(as_text=True)
    new_page = client.get(f"/needs/{new.id}").get_data(as_text=True)

    assert f'href="/needs/{new.id}">Border need, again</a>' in old_page
    assert f'href="/needs/{old.id}">Old border need</a>' in new_page
    assert 'id="support-heading">Support</h2>' in new_page
    assert "can no longer change" in old_page


def test_other_partners_do_not_see_the_lineage_to_a_draft(login, cast):
    old = albanian_need(cast, "adopted", cycle=cast.adopted_cycle, title="Old border need")
    albanian_need(cast, "draft", title="Secret successor", previous_need=old)
    client = login(cast.people["serbia-editor"])

    page = client.get(f"/needs/{old.id}").get_data(as_text=True)

    assert "Old border need" in page and "Secret successor" not in page


@pytest.mark.parametrize("need_id", ["0", "abc", "99999", "99999999999999999999999"])
def test_an_unknown_need_is_not_found(login, cast, need_id):
    client = login(cast.people["albania-editor"])

    assert client.get(f"/needs/{need_id}").status_code == 404
    assert client.get(f"/needs/{need_id}/edit").status_code == 404
