"""Tenants: creating, renaming, (de)activating and listing organisations, and who may."""

import pytest
from sqlalchemy import func, select

from portal.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from portal.models import Tenant
from portal.schemas import parse
from portal.schemas.tenants import TenantCreateSchema, TenantRenameSchema
from portal.services import sessions
from portal.services import tenants as tenant_service
from portal.services.tenants import find_tenant, list_tenants, set_tenant_active
from tests import factories


def create_tenant(values: dict) -> Tenant:
    """Create an organisation from ``values`` loaded as the page and the command line do."""
    return tenant_service.create_tenant(parse(TenantCreateSchema(), values))


def rename_tenant(tenant: Tenant, values: dict) -> Tenant:
    """Rename an organisation with ``values`` loaded as the page does."""
    return tenant_service.rename_tenant(tenant, parse(TenantRenameSchema(), values)["name"])


def count_tenants(db):
    return db.session.scalar(select(func.count()).select_from(Tenant))


def start_sessions(app, db, user, how_many=1):
    """Open ``how_many`` sessions for ``user`` and commit them; return them."""
    with app.test_request_context():
        rows = [sessions.start(user.id, "192.0.2.1", "test")[0] for _ in range(how_many)]
    db.session.commit()
    return rows


def reload(db, row):
    """Return ``row`` as the database now holds it."""
    db.session.expire_all()
    return db.session.get(type(row), row.id)


@pytest.fixture
def secretariat(db):
    tenant = factories.member_tenant(code="IISG-SEC", kind="secretariat", name="IISG Secretariat")
    db.session.commit()
    return tenant


@pytest.fixture
def secretariat_admin(db, secretariat):
    admin = factories.user(secretariat, email="admin@iisg.example", roles=("admin",))
    db.session.commit()
    return admin


# Creating


def test_a_partner_is_created_for_its_economy_with_an_upper_case_code(db):
    tenant = create_tenant(
        {"code": "me-moi", "name": "Ministry of Interior", "kind": "partner", "economy": "me"}
    )

    db.session.expire_all()
    stored = db.session.get(Tenant, tenant.id)
    assert stored.code == "ME-MOI"
    assert stored.name == "Ministry of Interior"
    assert stored.kind == "partner"
    assert stored.economy.code == "ME"
    assert stored.active is True


def test_a_member_is_created_without_an_economy(db):
    tenant = create_tenant({"code": "EC-HOME", "name": "DG HOME", "kind": "member"})

    db.session.expire_all()
    stored = db.session.get(Tenant, tenant.id)
    assert (stored.code, stored.kind, stored.economy) == ("EC-HOME", "member", None)


def test_the_secretariat_is_created_once(db):
    tenant = create_tenant({"code": "IISG-SEC", "name": "IISG Secretariat", "kind": "secretariat"})

    assert tenant.kind == "secretariat"
    assert count_tenants(db) == 1


def test_names_are_stored_without_surrounding_spaces(db):
    tenant = create_tenant({"code": "EC-HOME", "name": "  DG HOME  ", "kind": "member"})

    assert tenant.name == "DG HOME"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "ME-MOI", "name": "Ministry", "kind": "partner"}, "economy"),
        ({"code": "ME-MOI", "name": "Ministry", "kind": "partner", "economy": ""}, "economy"),
        ({"code": "ME-MOI", "name": "Ministry", "kind": "partner", "economy": "ZZ"}, "economy"),
        ({"code": "EC-HOME", "name": "DG HOME", "kind": "member", "economy": "ME"}, "economy"),
        ({"code": "AL-MOI", "name": "Ministry", "kind": "partner", "economy": "AL"}, "code"),
        ({"code": "al-moi", "name": "Ministry", "kind": "partner", "economy": "AL"}, "code"),
        ({"code": "SEC-2", "name": "Second Secretariat", "kind": "secretariat"}, "kind"),
        ({"code": "ME MOI", "name": "Ministry", "kind": "member"}, "code"),
        ({"code": "M", "name": "Ministry", "kind": "member"}, "code"),
        ({"code": "-MOI", "name": "Ministry", "kind": "member"}, "code"),
        ({"code": "ME_MOI", "name": "Ministry", "kind": "member"}, "code"),
        ({"code": "A" * 21, "name": "Ministry", "kind": "member"}, "code"),
        ({"code": "", "name": "Ministry", "kind": "member"}, "code"),
        ({"name": "Ministry", "kind": "member"}, "code"),
        ({"code": "EC-HOME", "name": "", "kind": "member"}, "name"),
        ({"code": "EC-HOME", "name": "x" * 201, "kind": "member"}, "name"),
        ({"code": "EC-HOME", "kind": "member"}, "name"),
        ({"code": "EC-HOME", "name": "DG HOME", "kind": "agency"}, "kind"),
        ({"code": "EC-HOME", "name": "DG HOME"}, "kind"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(db, values, field):
    factories.partner_tenant(code="AL-MOI", economy="AL")
    factories.member_tenant(code="IISG-SEC", kind="secretariat")
    db.session.commit()
    before = count_tenants(db)

    with pytest.raises(ValidationFailed) as refused:
        create_tenant(values)

    assert field in refused.value.fields
    db.session.rollback()
    assert count_tenants(db) == before


def test_a_name_of_only_spaces_is_refused(db):
    with pytest.raises(ValidationFailed) as refused:
        create_tenant({"code": "EC-HOME", "name": "   ", "kind": "member"})

    assert "name" in refused.value.fields
    db.session.rollback()
    assert count_tenants(db) == 0


def test_a_name_of_200_characters_is_accepted(db):
    tenant = create_tenant({"code": "EC-HOME", "name": "x" * 200, "kind": "member"})

    assert len(tenant.name) == 200


# Renaming


def test_renaming_changes_the_name_only(db):
    tenant = factories.partner_tenant(code="AL-MOI", economy="AL", name="Old name")
    db.session.commit()

    rename_tenant(tenant, {"name": "  Ministry of Interior of Albania "})

    db.session.expire_all()
    stored = db.session.get(Tenant, tenant.id)
    assert stored.name == "Ministry of Interior of Albania"
    assert (stored.code, stored.economy.code) == ("AL-MOI", "AL")


@pytest.mark.parametrize("values", [{"name": ""}, {"name": "x" * 201}, {}, {"name": "   "}])
def test_renaming_to_an_unusable_name_is_refused_and_keeps_the_old_one(db, values):
    tenant = factories.partner_tenant(code="AL-MOI", economy="AL", name="Old name")
    db.session.commit()

    with pytest.raises(ValidationFailed) as refused:
        rename_tenant(tenant, values)

    assert "name" in refused.value.fields
    db.session.rollback()
    assert db.session.get(Tenant, tenant.id).name == "Old name"


# Finding


def test_a_tenant_is_found_by_its_code_in_any_case(db):
    tenant = factories.partner_tenant(code="AL-MOI", economy="AL")
    db.session.commit()

    assert find_tenant(" al-moi ") == tenant


def test_an_unknown_code_is_not_found(db):
    with pytest.raises(NotFound):
        find_tenant("NOPE")


# Deactivating and activating


def test_deactivating_a_tenant_ends_every_live_session_of_its_users(app, db):
    albania = factories.partner_tenant(code="AL-MOI", economy="AL")
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    ana = factories.user(albania, email="ana@mpb.gov.al")
    besa = factories.user(albania, email="besa@mpb.gov.al", roles=("tenant_admin",))
    marko = factories.user(serbia, email="marko@mup.gov.rs")
    db.session.commit()
    albanian = start_sessions(app, db, ana, 2) + start_sessions(app, db, besa)
    serbian = start_sessions(app, db, marko)

    ended = set_tenant_active(albania, False)

    assert ended == 3
    for row in albanian:
        stored = reload(db, row)
        assert stored.revoked_at is not None
        assert stored.revoked_reason == "tenant_disabled"
    assert reload(db, serbian[0]).revoked_at is None
    assert db.session.get(Tenant, albania.id).active is False
    assert db.session.get(Tenant, serbia.id).active is True


def test_sessions_already_ended_are_not_counted_again(app, db):
    albania = factories.partner_tenant(code="AL-MOI", economy="AL")
    ana = factories.user(albania, email="ana@mpb.gov.al")
    db.session.commit()
    old, live = start_sessions(app, db, ana, 2)
    sessions.revoke(old, "logout")
    db.session.commit()

    ended = set_tenant_active(albania, False)

    assert ended == 1
    assert reload(db, old).revoked_reason == "logout"
    assert reload(db, live).revoked_reason == "tenant_disabled"


def test_a_deactivated_tenant_can_be_activated_again(app, db):
    albania = factories.partner_tenant(code="AL-MOI", economy="AL", active=False)
    db.session.commit()

    ended = set_tenant_active(albania, True)

    assert ended == 0
    db.session.expire_all()
    assert db.session.get(Tenant, albania.id).active is True


def test_activating_ends_no_sessions(app, db):
    albania = factories.partner_tenant(code="AL-MOI", economy="AL")
    ana = factories.user(albania, email="ana@mpb.gov.al")
    db.session.commit()
    (row,) = start_sessions(app, db, ana)

    assert set_tenant_active(albania, True) == 0
    assert reload(db, row).revoked_at is None


def test_the_secretariat_cannot_be_deactivated(app, db, secretariat_admin):
    secretariat = secretariat_admin.tenant
    (row,) = start_sessions(app, db, secretariat_admin)

    with pytest.raises(Conflict):
        set_tenant_active(secretariat, False)

    db.session.rollback()
    assert db.session.get(Tenant, secretariat.id).active is True
    assert reload(db, row).revoked_at is None


# Listing


@pytest.fixture
def directory(db):
    """Tenants of every kind, with names to search in."""
    factories.member_tenant(code="IISG-SEC", kind="secretariat", name="IISG Secretariat")
    factories.partner_tenant(code="AL-MOI", economy="AL", name="Ministry of Interior")
    factories.partner_tenant(code="ME-MOI", economy="ME", name="Ministarstvo unutrašnjih poslova")
    factories.partner_tenant(code="RS-MUP", economy="RS", name="Police Directorate")
    factories.member_tenant(code="EC-HOME", name="DG Migration and Home Affairs")
    db.session.commit()


def codes(page):
    return [tenant.code for tenant in page.items]


def test_all_tenants_are_listed_secretariat_first_then_by_kind_and_code(db, directory):
    page = list_tenants()

    assert codes(page) == ["IISG-SEC", "AL-MOI", "ME-MOI", "RS-MUP", "EC-HOME"]
    assert page.total == 5


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("me-moi", ["ME-MOI"]),
        ("MOI", ["AL-MOI", "ME-MOI"]),
        ("interior", ["AL-MOI"]),
        ("POLICE directorate", ["RS-MUP"]),
        ("  home ", ["EC-HOME"]),
        ("nothing like it", []),
    ],
)
def test_the_search_matches_code_or_name_in_any_case(db, directory, search, expected):
    page = list_tenants(search)

    assert codes(page) == expected
    assert page.total == len(expected)


@pytest.mark.parametrize("wildcard", ["%", "_", "M%I", "A_-MOI"])
def test_wildcards_in_the_search_are_taken_literally(db, directory, wildcard):
    page = list_tenants(wildcard)

    assert codes(page) == []
    assert page.total == 0


def test_a_search_for_a_percent_sign_finds_the_name_holding_it(db, directory):
    factories.member_tenant(code="EC-100", name="100% Commission")
    factories.member_tenant(code="EC-ALL", name="Every_thing Agency")
    db.session.commit()

    assert codes(list_tenants("%")) == ["EC-100"]
    assert codes(list_tenants("_")) == ["EC-ALL"]


def test_tenants_are_listed_in_pages(db, directory):
    first = list_tenants(per_page=2)
    last = list_tenants(page=3, per_page=2)

    assert codes(first) == ["IISG-SEC", "AL-MOI"]
    assert (first.total, first.pages, first.has_next, first.has_previous) == (5, 3, True, False)
    assert codes(last) == ["EC-HOME"]
    assert (last.total, last.pages, last.has_next, last.has_previous) == (5, 3, False, True)


def test_a_page_of_a_search_counts_only_the_matches(db, directory):
    page = list_tenants("moi", per_page=1)

    assert codes(page) == ["AL-MOI"]
    assert (page.total, page.pages, page.has_next) == (2, 2, True)


# Who may


def call_every_function(tenant):
    """Return each tenant service function bound to harmless arguments."""
    return {
        "create_tenant": lambda: create_tenant(
            {"code": "XK-MOI", "name": "Ministry", "kind": "partner", "economy": "XK"}
        ),
        "find_tenant": lambda: find_tenant(tenant.code),
        "rename_tenant": lambda: rename_tenant(tenant, {"name": "Renamed"}),
        "deactivate": lambda: set_tenant_active(tenant, False),
        "activate": lambda: set_tenant_active(tenant, True),
        "list_tenants": lambda: list_tenants(),
    }


FUNCTIONS = list(call_every_function(None))


@pytest.fixture
def people(db, secretariat):
    """A user of each kind who is not a Secretariat administrator, and the partner."""
    albania = factories.partner_tenant(code="AL-MOI", economy="AL", name="Ministry of Interior")
    commission = factories.member_tenant(code="EC-HOME")
    everyone = {
        "partner_tenant_admin": factories.user(
            albania, email="admin@mpb.gov.al", roles=("tenant_admin", "editor", "auditor")
        ),
        "partner_viewer": factories.user(albania, email="viewer@mpb.gov.al"),
        "secretariat_editor": factories.user(
            secretariat, email="editor@iisg.example", roles=("editor", "viewer")
        ),
        "secretariat_tenant_admin": factories.user(
            secretariat, email="ta@iisg.example", roles=("tenant_admin", "auditor")
        ),
        # Whoever slipped this role past the services, outside the Secretariat it is no admin.
        "member_holding_admin": factories.user(
            commission, email="admin@ec.example", roles=("admin",)
        ),
    }
    db.session.commit()
    return albania, everyone


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(
    "person",
    [
        "partner_tenant_admin",
        "partner_viewer",
        "secretariat_editor",
        "secretariat_tenant_admin",
        "member_holding_admin",
    ],
)
def test_nobody_but_a_secretariat_admin_manages_tenants(db, people, acting_as, person, function):
    albania, everyone = people
    before = count_tenants(db)
    acting_as(everyone[person])

    with pytest.raises(Forbidden):
        call_every_function(albania)[function]()

    db.session.rollback()
    acting_as(None)
    db.session.expire_all()
    stored = db.session.get(Tenant, albania.id)
    assert (stored.name, stored.active) == ("Ministry of Interior", True)
    assert count_tenants(db) == before


def test_a_secretariat_admin_manages_tenants(app, db, secretariat_admin, acting_as):
    albania = factories.partner_tenant(code="AL-MOI", economy="AL")
    ana = factories.user(albania, email="ana@mpb.gov.al")
    db.session.commit()
    (row,) = start_sessions(app, db, ana)
    acting_as(secretariat_admin)

    created = create_tenant(
        {"code": "xk-moi", "name": "Ministry", "kind": "partner", "economy": "XK"}
    )
    found = find_tenant("AL-MOI")
    rename_tenant(found, {"name": "Ministry of Interior"})
    ended = set_tenant_active(found, False)
    listed = list_tenants()

    assert created.code == "XK-MOI"
    assert found.id == albania.id
    assert ended == 1
    assert codes(listed) == ["IISG-SEC", "AL-MOI", "XK-MOI"]
    acting_as(None)
    db.session.expire_all()
    stored = db.session.get(Tenant, albania.id)
    assert (stored.name, stored.active) == ("Ministry of Interior", False)
    assert reload(db, row).revoked_at is not None
