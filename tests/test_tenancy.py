"""The README's visibility table holds for every ORM query, in two independent layers.

Each test runs on SQLite and PostgreSQL with the application layer (``portal.tenancy``),
and once more on PostgreSQL with that layer switched off, where row-level security
alone must give the same answers.
"""

import pytest
from sqlalchemy import func, select, update

from portal.exceptions import NotFound
from portal.models import Need, Response, SupportLink, User, UserSession
from portal.services import sessions
from portal.tenancy import get_visible, set_application_scoping
from tests import factories
from tests.conftest import IN_BOTH_LAYERS

STATUSES = ("draft", "submitted", "returned", "withdrawn", "validated", "adopted")

pytestmark = IN_BOTH_LAYERS


@pytest.fixture(autouse=True)
def layers(application_layer):
    set_application_scoping(application_layer)
    yield
    set_application_scoping(True)


@pytest.fixture
def world(db):
    """Albania's needs in every status, Commission responses of every kind, links, users."""
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    commission = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    needs = {
        status: factories.need(cycle, albania, title=f"Albanian need {status}", status=status)
        for status in STATUSES
    }
    responses = {}
    for record_status in ("draft", "published"):
        for visibility, beneficiary in (("members", None), ("restricted", "AL")):
            response = factories.response(
                commission,
                title=f"{record_status} {visibility}",
                record_status=record_status,
                visibility=visibility,
            )
            response.beneficiaries = [factories.economy(beneficiary)] if beneficiary else []
            responses[(record_status, visibility)] = response
    db.session.add_all([*needs.values(), *responses.values()])
    db.session.flush()
    for need in needs.values():
        for response in responses.values():
            db.session.add(SupportLink(need=need, response=response, coverage="partial"))
    people = {
        "albania": factories.user(albania, email="al@example.org", roles=("editor",)),
        "albania_admin": factories.user(
            albania, email="al-admin@example.org", roles=("tenant_admin",)
        ),
        "serbia": factories.user(serbia, email="rs@example.org", roles=("editor",)),
        "commission": factories.user(commission, email="ec@example.org", roles=("editor",)),
        "secretariat": factories.user(secretariat, email="sec@example.org", roles=("editor",)),
        "admin": factories.user(secretariat, email="admin@example.org", roles=("admin",)),
    }
    db.session.commit()
    return {"needs": needs, "responses": responses, "people": people}


def visible_titles(db, model):
    return set(db.session.scalars(select(model.title)))


@pytest.mark.parametrize(
    ("viewer", "statuses"),
    [
        ("albania", set(STATUSES)),
        ("serbia", {"validated", "adopted"}),
        ("commission", {"validated", "adopted"}),
        ("secretariat", set(STATUSES) - {"draft"}),
    ],
)
def test_needs_visible_to_each_kind_of_tenant(db, world, acting_as, viewer, statuses):
    acting_as(world["people"][viewer])

    assert visible_titles(db, Need) == {f"Albanian need {status}" for status in statuses}


@pytest.mark.parametrize(
    ("viewer", "titles"),
    [
        ("albania", {"published members", "published restricted"}),
        ("serbia", {"published members"}),
        (
            "commission",
            {"draft members", "draft restricted", "published members", "published restricted"},
        ),
        ("secretariat", {"published members", "published restricted"}),
    ],
)
def test_responses_visible_to_each_kind_of_tenant(db, world, acting_as, viewer, titles):
    acting_as(world["people"][viewer])

    assert visible_titles(db, Response) == titles


def test_support_links_need_both_ends_visible(db, world, acting_as):
    acting_as(world["people"]["serbia"])

    links = db.session.scalars(select(SupportLink)).all()

    assert len(links) == 2  # validated and adopted needs x the one members-wide response
    assert {link.response.title for link in links} == {"published members"}


def test_relationship_loads_are_scoped_too(db, world, acting_as):
    acting_as(world["people"]["serbia"])
    need = db.session.scalar(select(Need).where(Need.status == "validated"))
    db.session.expire_all()

    count = db.session.scalar(
        select(func.count()).select_from(SupportLink).where(SupportLink.need_id == need.id)
    )

    assert count == 1


@pytest.mark.parametrize(
    ("viewer", "emails"),
    [
        ("serbia", {"rs@example.org"}),
        ("albania_admin", {"al@example.org", "al-admin@example.org"}),
        ("admin", None),
    ],
)
def test_users_see_themselves_tenant_admins_their_tenant_admins_all(
    db, world, acting_as, viewer, emails
):
    acting_as(world["people"][viewer])

    seen = set(db.session.scalars(select(User.email)))

    assert seen == (emails or {person.email for person in world["people"].values()})


def test_sessions_of_invisible_users_are_invisible(db, world, acting_as, app):
    with app.test_request_context():
        for person in world["people"].values():
            sessions.start(person.id, "192.0.2.1", "test")
        db.session.commit()
    acting_as(world["people"]["serbia"])

    owners = set(db.session.scalars(select(UserSession.user_id)))

    assert owners == {world["people"]["serbia"].id}


@pytest.mark.parametrize("identifier", ["draft", 999_999, "abc", None, "1; drop table needs"])
def test_a_foreign_missing_or_malformed_id_is_simply_not_found(db, world, acting_as, identifier):
    if identifier == "draft":
        identifier = world["needs"]["draft"].id
    acting_as(world["people"]["serbia"])

    with pytest.raises(NotFound, match="There is no such record"):
        get_visible(Need, identifier)


def test_a_bulk_update_cannot_reach_invisible_rows(db, world, acting_as):
    acting_as(world["people"]["secretariat"])

    # Adopted needs are frozen by the database itself (portal/freeze.py), for everyone.
    db.session.execute(update(Need).where(Need.status != "adopted").values(priority="low"))
    db.session.commit()
    acting_as(None)

    changed = set(db.session.scalars(select(Need.status).where(Need.priority == "low")))
    assert changed == set(STATUSES) - {"draft", "adopted"}
