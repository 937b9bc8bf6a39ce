"""The links partial, as a need's page will include it: the responses that address it."""

from flask import render_template

from portal.services import support_links
from tests import factories
from tests.worlds import mapping_world


def test_a_needs_page_lists_its_links_with_the_partners_buttons(app, db, acting_as):
    world = mapping_world(db)
    need = world.needs.albania_validated
    db.session.add_all(
        [
            factories.support_link(world.responses.published, need, note="Both crossings"),
            factories.support_link(world.responses.draft, need),
        ]
    )
    db.session.commit()
    acting_as(world.people.albania_editor)

    with app.test_request_context("/needs/1"):
        links = support_links.links_for_need(need.id)
        html = render_template(
            "support_links/_links.html",
            links=links,
            link_actions=support_links.allowed_actions(links),
            side="need",
            next_url=f"/needs/{need.id}",
        )

    assert "Commission border programme" in html and "Both crossings" in html
    assert "Commission draft programme" not in html
    assert f'action="/responses/links/{links[0].id}/confirm"' in html
    assert "Dispute the link" in html
    assert "/withdraw" not in html and "/validate" not in html
    assert f'name="next" value="/needs/{need.id}"' in html
