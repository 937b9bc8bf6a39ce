"""The administration pages: admins manage organisations and users, tenant admins their own."""

import re

import pytest
from sqlalchemy import func, select

from portal.models import Tenant, User, UserSession
from tests import factories
from tests.conftest import csrf_token
from tests.statement_support import count_statements


@pytest.fixture
def people(db):
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    found = {
        "admin": factories.user(secretariat, email="admin@sec.example", roles=("admin",)),
        "albania_admin": factories.user(
            albania, email="admin@al.example", roles=("tenant_admin", "editor")
        ),
        "albania_editor": factories.user(albania, email="editor@al.example", roles=("editor",)),
        "serbia_editor": factories.user(serbia, email="editor@rs.example", roles=("editor",)),
    }
    db.session.commit()
    return found


def post(client, path, form_page, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_page)})


def test_an_admin_lists_and_searches_organisations(login, people):
    client = login(people["admin"])

    everything = client.get("/admin/tenants").get_data(as_text=True)
    searched = client.get("/admin/tenants?q=rs-").get_data(as_text=True)

    assert "AL-MOI" in everything and "RS-MOI" in everything and "IISG-SEC" in everything
    assert "RS-MOI" in searched and "AL-MOI" not in searched


# A tenant admin lists its own users, but may not list the organisations at all.
@pytest.mark.parametrize(
    ("path", "for_a_tenant_admin"), [("/admin/tenants", 403), ("/admin/users", 422)]
)
def test_a_bad_page_of_a_list_is_refused_naming_it(login, people, path, for_a_tenant_admin):
    admin = login(people["admin"])
    tenant_admin = login(people["albania_admin"])

    refused = admin.get(f"{path}?page=0")

    assert refused.status_code == 422
    assert "Pages start at 1." in refused.get_data(as_text=True)
    assert tenant_admin.get(f"{path}?page=0").status_code == for_a_tenant_admin


def test_an_admin_creates_an_organisation(login, people, db):
    client = login(people["admin"])

    response = post(
        client,
        "/admin/tenants",
        "/admin/tenants",
        code="me-moi",
        name="Ministry of Interior of Montenegro",
        kind="partner",
        economy="ME",
    )

    assert response.status_code == 302
    created = db.session.scalar(select(Tenant).where(Tenant.code == "ME-MOI"))
    assert created.economy.code == "ME"
    assert response.headers["Location"] == f"/admin/tenants/{created.id}"


# The code is refused by the form's schema, the missing economy by the service.
@pytest.mark.parametrize(
    ("code", "economy", "field"), [("ME-MOI", "", "economy"), ("ME MOI", "ME", "code")]
)
def test_a_bad_organisation_is_refused_naming_the_field(login, people, db, code, economy, field):
    client = login(people["admin"])
    before = db.session.scalar(select(func.count()).select_from(Tenant))

    response = post(
        client,
        "/admin/tenants",
        "/admin/tenants",
        code=code,
        name="Montenegro",
        kind="partner",
        economy=economy,
    )

    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == before


def test_an_organisation_is_renamed_and_a_blank_name_is_refused(login, people, db):
    client = login(people["admin"])
    albania = people["albania_editor"].tenant
    page = f"/admin/tenants/{albania.id}"

    renamed = post(client, f"{page}/name", page, name="  Ministry of the Interior ")
    blank = post(client, f"{page}/name", page, name="   ")

    assert renamed.status_code == 302
    assert blank.status_code == 422
    assert 'id="name-error"' in blank.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Tenant, albania.id).name == "Ministry of the Interior"


def test_deactivating_an_organisation_ends_its_users_sessions(login, people, db):
    albanian = login(people["albania_editor"])
    client = login(people["admin"])
    albania = people["albania_editor"].tenant

    page = f"/admin/tenants/{albania.id}"
    post(client, f"{page}/active", page, active="0", confirm="yes")

    assert albanian.get("/").headers["Location"].startswith("/auth/login")
    db.session.expire_all()
    assert db.session.get(Tenant, albania.id).active is False


def test_the_secretariat_cannot_be_deactivated(login, people, db):
    client = login(people["admin"])
    secretariat = people["admin"].tenant

    response = post(
        client,
        f"/admin/tenants/{secretariat.id}/active",
        "/admin/tenants",
        active="0",
        confirm="yes",
    )

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Tenant, secretariat.id).active is True


@pytest.mark.parametrize("person", ["albania_editor", "serbia_editor"])
def test_people_without_an_admin_role_are_refused(login, people, person):
    client = login(people[person])

    for path in ("/admin", "/admin/users", "/admin/tenants"):
        assert client.get(path).status_code == 403


def test_a_tenant_admin_manages_only_its_own_tenant(login, people):
    client = login(people["albania_admin"])

    listing = client.get("/admin/users").get_data(as_text=True)
    foreign = client.get(f"/admin/users/{people['serbia_editor'].id}")

    assert client.get("/admin/tenants").status_code == 403
    assert "editor@al.example" in listing
    assert "editor@rs.example" not in listing and "admin@sec.example" not in listing
    assert foreign.status_code == 404
    assert "editor@rs.example" not in foreign.get_data(as_text=True)


@pytest.mark.parametrize("identifier", ["999999", "abc", "1%20OR%201=1"])
def test_unknown_or_malformed_user_ids_are_not_found(login, people, identifier):
    client = login(people["admin"])

    assert client.get(f"/admin/users/{identifier}").status_code == 404


def test_a_tenant_admin_sets_roles_but_not_above_its_own(login, people, db):
    client = login(people["albania_admin"])
    editor = people["albania_editor"]
    page = f"/admin/users/{editor.id}"

    allowed = post(client, f"{page}/roles", page, roles=["editor", "auditor"])
    refused = post(client, f"{page}/roles", page, roles=["admin"])

    assert allowed.status_code == 302
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, editor.id).roles == {"editor", "auditor"}


@pytest.mark.parametrize(
    ("roles", "reason"),
    [([], "Give the user at least one role."), (["owner"], "Roles are: ")],
)
def test_no_role_or_an_unknown_one_is_refused_naming_the_roles(login, people, db, roles, reason):
    client = login(people["admin"])
    editor = people["albania_editor"]
    page = f"/admin/users/{editor.id}"

    response = post(client, f"{page}/roles", page, roles=roles)

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="roles-error"' in text and reason in text
    db.session.expire_all()
    assert db.session.get(User, editor.id).roles == {"editor"}


def test_an_invitation_to_a_bad_address_is_refused_naming_it(login, people, db):
    client = login(people["albania_admin"])

    response = post(
        client,
        "/admin/users/new",
        "/admin/users/new",
        email="not-an-address",
        name="New Colleague",
        roles=["viewer"],
    )

    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(User.email == "not-an-address")) == 0


def test_a_tenant_admin_invites_into_its_own_tenant(login, people, db):
    client = login(people["albania_admin"])

    response = post(
        client,
        "/admin/users/new",
        "/admin/users/new",
        email="new@al.example",
        name="New Colleague",
        tenant="RS-MOI",
        roles=["viewer"],
    )

    link = re.search(r'id="invitation-link"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert link and "/auth/invite/" in link.group(1)
    invited = db.session.scalar(select(User).where(User.email == "new@al.example"))
    assert invited.tenant.code == "AL-MOI"


def test_an_admin_ends_a_users_sessions_and_disables_them(login, people, db):
    serbian = login(people["serbia_editor"])
    client = login(people["admin"])
    page = f"/admin/users/{people['serbia_editor'].id}"

    post(client, f"{page}/end-sessions", page, confirm="yes")

    assert serbian.get("/").headers["Location"].startswith("/auth/login")
    live = db.session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == people["serbia_editor"].id, UserSession.revoked_at.is_(None))
    )
    assert live == 0


def add_users_of_their_own_organisations(db, first: int, count: int) -> None:
    """Add ``count`` users, each of an organisation of its own and holding two roles."""
    for number in range(first, first + count):
        tenant = factories.member_tenant(code=f"MEMBER-{number:02d}")
        factories.user(tenant, email=f"person{number}@member.example", roles=("viewer", "editor"))
    db.session.commit()


def test_the_list_of_users_takes_as_many_statements_for_25_rows_as_for_5(login, people, db):
    client = login(people["admin"])
    listed = {}
    counted = {}

    for total in (5, 25):
        present = db.session.scalar(select(func.count()).select_from(User))
        add_users_of_their_own_organisations(db, present, total - present)
        counted[total] = count_statements(
            db.engine, lambda total=total: listed.update({total: client.get("/admin/users")})
        )

    assert [listed[total].status_code for total in (5, 25)] == [200, 200]
    assert "25 users" in listed[25].get_data(as_text=True)
    assert counted[25] == counted[5]
