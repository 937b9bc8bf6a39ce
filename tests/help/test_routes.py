"""The help pages: the glossary and a page per section, for signed-in users only."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from portal.help.glossary import TERMS
from portal.help.routes import SECTIONS
from tests import factories

HELP_PAGES = ["/help", "/help/glossary", *(f"/help/{section}" for section in SECTIONS)]


@pytest.fixture
def viewer(db):
    person = factories.user(factories.partner_tenant())
    db.session.commit()
    return person


@pytest.mark.parametrize("path", HELP_PAGES)
def test_help_pages_answer_the_signed_in(login, viewer, path):
    response = login(viewer).get(path)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<main" in body and "<h1" in body
    assert '<nav class="col-md-3 mb-4" aria-label="Help pages">' in body


@pytest.mark.parametrize("path", HELP_PAGES)
def test_help_pages_send_the_signed_out_to_sign_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_the_glossary_has_an_entry_for_every_term_and_no_other(login, viewer):
    # Before the help pages, /help/glossary answered 404.
    body = login(viewer).get("/help/glossary").get_data(as_text=True)

    entries = re.findall(r'<dt id="([^"]+)"', body)
    assert sorted(entries) == sorted(TERMS)
    assert len(entries) == len(set(entries))


def test_every_glossary_link_of_the_pages_points_at_an_entry(login, viewer):
    client = login(viewer)
    entries = set(re.findall(r'<dt id="([^"]+)"', client.get("/help/glossary").get_data(True)))

    for path in HELP_PAGES:
        anchors = re.findall(r'href="/help/glossary#([^"]+)"', client.get(path).get_data(True))
        assert set(anchors) <= entries, path


@pytest.mark.parametrize("name", sorted(TERMS))
def test_the_term_macro_links_each_term_to_its_glossary_entry(app, name):
    with app.test_request_context():
        link = render_template_string(
            '{% from "help/_term.html" import term %}{{ term(name, "the label") }}', name=name
        )

    assert link == f'<a class="glossary-term" href="/help/glossary#{name}">the label</a>'


def test_the_term_macro_refuses_a_term_the_glossary_lacks(app):
    with app.test_request_context(), pytest.raises(KeyError, match="no term 'lexicon'"):
        render_template_string('{% from "help/_term.html" import term %}{{ term("lexicon", "x") }}')


def test_the_navigation_links_to_help(login, viewer):
    body = login(viewer).get("/").get_data(as_text=True)

    assert 'href="/help">Help</a>' in body
    assert 'href="/help/glossary"' in login(viewer).get("/help").get_data(as_text=True)


def test_a_record_page_links_its_terms_to_the_glossary(login, db):
    """Where the IISG's own terms label a record, they link to what they mean."""
    albania = factories.partner_tenant()
    member = factories.member_tenant()
    need = factories.need(factories.cycle(), albania, status="validated")
    response = factories.response(member, record_status="published", visibility="restricted")
    response.beneficiaries = [need.tenant.economy]
    person = factories.user(albania)
    db.session.add_all([need, response])
    db.session.commit()
    client = login(person)

    need_page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    response_page = client.get(f"/responses/{response.id}").get_data(as_text=True)

    linked = set(re.findall(r'href="/help/glossary#([^"]+)"', need_page))
    assert {"pillar", "category", "perspective", "priority", "acquis-chapters"} <= linked
    assert 'href="/help/glossary#restricted-visibility"' in response_page
