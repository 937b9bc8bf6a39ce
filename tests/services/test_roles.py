"""Roles, sessions and user lists: what administrators may do to the people they manage."""

import pytest
from sqlalchemy import select

from portal.exceptions import Conflict, Forbidden, ValidationFailed
from portal.models import User, UserSession
from portal.schemas import parse
from portal.schemas.users import RolesSchema
from portal.services import sessions
from portal.services.users import end_sessions, list_users, set_active, set_roles
from tests import factories

PARTNER_ROLES = ["auditor", "editor", "tenant_admin", "viewer"]


@pytest.fixture
def world(db):
    """The Secretariat with its admin, Albania with three people, Serbia with one."""
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    albania = factories.partner_tenant(code="AL-MOI", economy="AL")
    serbia = factories.partner_tenant(code="RS-MUP", economy="RS")
    people = {
        "admin": factories.user(
            secretariat, email="admin@iisg.example", name="Irena Admin", roles=("admin",)
        ),
        "secretariat_editor": factories.user(
            secretariat, email="editor@iisg.example", name="Sava Editor", roles=("editor",)
        ),
        "albania_admin": factories.user(
            albania, email="admin@mpb.gov.al", name="Besa Hoxha", roles=("tenant_admin", "editor")
        ),
        "albania_editor": factories.user(
            albania, email="editor@mpb.gov.al", name="Ana Kola", roles=("editor",)
        ),
        "albania_viewer": factories.user(
            albania, email="viewer@mpb.gov.al", name="Dritan Leka", roles=("viewer",)
        ),
        "serbia_viewer": factories.user(
            serbia, email="viewer@mup.gov.rs", name="Marko Ilic", roles=("viewer",)
        ),
    }
    db.session.commit()
    return {"secretariat": secretariat, "albania": albania, "serbia": serbia, **people}


def roles_of(db, user):
    """Return the roles ``user`` holds in the database, read as the system."""
    db.session.expire_all()
    return set(db.session.get(User, user.id).roles)


def loaded(user):
    """Load ``user``'s tenant and roles now, while the system is acting (it sees everyone)."""
    assert user.tenant.code and user.roles is not None
    return user


def open_sessions(app, db, user, how_many):
    with app.test_request_context():
        rows = [sessions.start(user.id, "192.0.2.1", "test")[0] for _ in range(how_many)]
    db.session.commit()
    return [row.id for row in rows]


def revoked(db, session_ids):
    db.session.expire_all()
    return [db.session.get(UserSession, row_id).revoked_at is not None for row_id in session_ids]


# set_roles: the Secretariat administrator


def test_a_secretariat_admin_gives_a_partner_user_any_partner_roles(db, world, acting_as):
    acting_as(world["admin"])

    set_roles(world["serbia_viewer"], PARTNER_ROLES)

    acting_as(None)
    assert roles_of(db, world["serbia_viewer"]) == set(PARTNER_ROLES)


def test_a_secretariat_admin_makes_a_secretariat_user_admin(db, world, acting_as):
    acting_as(world["admin"])

    set_roles(world["secretariat_editor"], ["admin", "editor"])

    acting_as(None)
    assert roles_of(db, world["secretariat_editor"]) == {"admin", "editor"}


def test_repeated_roles_are_held_once(db, world):
    set_roles(world["albania_viewer"], ["editor", "editor", "viewer"])

    assert roles_of(db, world["albania_viewer"]) == {"editor", "viewer"}


def test_admin_is_refused_to_a_partner_user_even_by_a_secretariat_admin(db, world, acting_as):
    acting_as(world["admin"])

    with pytest.raises(ValidationFailed) as refused:
        set_roles(world["albania_viewer"], ["admin", "viewer"])

    assert "roles" in refused.value.fields
    db.session.rollback()
    acting_as(None)
    assert roles_of(db, world["albania_viewer"]) == {"viewer"}


@pytest.mark.parametrize("roles", [["owner"], ["viewer", "superuser"], []])
def test_unknown_or_no_roles_are_refused_naming_roles(db, world, acting_as, roles):
    acting_as(world["admin"])

    with pytest.raises(ValidationFailed) as refused:
        set_roles(world["albania_editor"], parse(RolesSchema(), {"roles": roles})["roles"])

    assert "roles" in refused.value.fields
    db.session.rollback()
    acting_as(None)
    assert roles_of(db, world["albania_editor"]) == {"editor"}


# set_roles: the tenant administrator


@pytest.mark.parametrize(
    "roles", [["viewer"], ["editor"], ["auditor"], ["tenant_admin"], PARTNER_ROLES]
)
def test_a_tenant_admin_sets_roles_up_to_its_own_in_its_tenant(db, world, acting_as, roles):
    acting_as(world["albania_admin"])

    set_roles(world["albania_viewer"], roles)

    acting_as(None)
    assert roles_of(db, world["albania_viewer"]) == set(roles)


def test_a_tenant_admin_cannot_set_roles_of_another_tenants_user(db, world, acting_as):
    serbian = loaded(world["serbia_viewer"])
    acting_as(world["albania_admin"])

    with pytest.raises(Forbidden):
        set_roles(serbian, ["editor"])

    db.session.rollback()
    acting_as(None)
    assert roles_of(db, serbian) == {"viewer"}


def test_a_tenant_admin_cannot_grant_admin(db, world, acting_as):
    acting_as(world["albania_admin"])

    with pytest.raises(Forbidden):
        set_roles(world["albania_viewer"], ["admin", "viewer"])

    db.session.rollback()
    acting_as(None)
    assert roles_of(db, world["albania_viewer"]) == {"viewer"}


def test_a_secretariat_tenant_admin_cannot_grant_admin_either(db, world, acting_as):
    keeper = factories.user(
        world["secretariat"], email="keeper@iisg.example", roles=("tenant_admin",)
    )
    db.session.commit()
    acting_as(keeper)

    with pytest.raises(Forbidden):
        set_roles(world["secretariat_editor"], ["admin"])

    db.session.rollback()
    acting_as(None)
    assert roles_of(db, world["secretariat_editor"]) == {"editor"}


def test_a_tenant_admin_cannot_change_its_own_roles(db, world, acting_as):
    acting_as(world["albania_admin"])

    with pytest.raises(Forbidden):
        set_roles(world["albania_admin"], ["tenant_admin", "editor", "auditor"])

    db.session.rollback()
    acting_as(None)
    assert roles_of(db, world["albania_admin"]) == {"tenant_admin", "editor"}


@pytest.mark.parametrize("person", ["albania_editor", "secretariat_editor"])
def test_an_editor_cannot_set_anyones_roles(db, world, acting_as, person):
    target = loaded(world["albania_viewer"])
    acting_as(world[person])

    with pytest.raises(Forbidden):
        set_roles(target, ["editor"])

    db.session.rollback()
    acting_as(None)
    assert roles_of(db, target) == {"viewer"}


# One active administrator always remains


def test_the_last_active_admin_keeps_the_admin_role(db, world, acting_as):
    acting_as(world["admin"])

    with pytest.raises(Conflict):
        set_roles(world["admin"], ["editor"])

    db.session.rollback()
    acting_as(None)
    assert roles_of(db, world["admin"]) == {"admin"}


def test_the_system_cannot_remove_the_last_admin_either(db, world):
    with pytest.raises(Conflict):
        set_roles(world["admin"], ["viewer"])

    db.session.rollback()
    assert roles_of(db, world["admin"]) == {"admin"}


def test_with_a_second_admin_one_may_step_down(db, world, acting_as):
    set_roles(world["secretariat_editor"], ["admin", "editor"])
    acting_as(world["admin"])

    set_roles(world["admin"], ["viewer"])

    acting_as(None)
    assert roles_of(db, world["admin"]) == {"viewer"}
    assert roles_of(db, world["secretariat_editor"]) == {"admin", "editor"}


def test_a_disabled_admin_does_not_count_as_the_remaining_one(db, world):
    factories.user(
        world["secretariat"], email="retired@iisg.example", roles=("admin",), active=False
    )
    db.session.commit()

    with pytest.raises(Conflict):
        set_roles(world["admin"], ["viewer"])

    db.session.rollback()
    assert roles_of(db, world["admin"]) == {"admin"}


def test_the_last_active_admin_cannot_be_disabled(app, db, world):
    (session_id,) = open_sessions(app, db, world["admin"], 1)

    with pytest.raises(Conflict):
        set_active("admin@iisg.example", False)

    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(User, world["admin"].id).active is True
    assert revoked(db, [session_id]) == [False]


def test_an_admin_can_be_disabled_while_another_remains(db, world):
    set_roles(world["secretariat_editor"], ["admin"])

    set_active("admin@iisg.example", False)

    db.session.expire_all()
    assert db.session.get(User, world["admin"].id).active is False


# end_sessions


def test_a_tenant_admin_ends_every_session_of_a_user_of_its_tenant(app, db, world, acting_as):
    ended_ids = open_sessions(app, db, world["albania_editor"], 2)
    kept_ids = open_sessions(app, db, world["albania_viewer"], 1)
    acting_as(world["albania_admin"])

    ended = end_sessions(world["albania_editor"])

    acting_as(None)
    assert ended == 2
    assert revoked(db, ended_ids) == [True, True]
    assert revoked(db, kept_ids) == [False]
    reasons = db.session.scalars(
        select(UserSession.revoked_reason).where(UserSession.id.in_(ended_ids))
    )
    assert set(reasons) == {"ended_by_administrator"}


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("albania_editor", "albania_viewer"),
        ("albania_viewer", "albania_editor"),
        ("albania_admin", "serbia_viewer"),
    ],
)
def test_only_a_manager_of_the_user_ends_its_sessions(app, db, world, acting_as, actor, target):
    session_ids = open_sessions(app, db, world[target], 2)
    # Loaded after the commit above, which expires everything: once the tenant admin
    # acts, row-level security would hide this foreign row from a refresh.
    victim = loaded(world[target])
    acting_as(world[actor])

    with pytest.raises(Forbidden):
        end_sessions(victim)

    db.session.rollback()
    acting_as(None)
    assert revoked(db, session_ids) == [False, False]


# list_users


def emails(page):
    return [user.email for user in page.items]


ALL_EMAILS = sorted(
    [
        "admin@iisg.example",
        "editor@iisg.example",
        "admin@mpb.gov.al",
        "editor@mpb.gov.al",
        "viewer@mpb.gov.al",
        "viewer@mup.gov.rs",
    ]
)
ALBANIAN_EMAILS = ["admin@mpb.gov.al", "editor@mpb.gov.al", "viewer@mpb.gov.al"]


def test_an_admin_lists_every_user(db, world, acting_as):
    acting_as(world["admin"])

    page = list_users(None)

    assert emails(page) == ALL_EMAILS
    assert page.total == 6


def test_an_admin_lists_the_users_of_one_tenant(db, world, acting_as):
    acting_as(world["admin"])

    page = list_users(world["albania"])

    assert emails(page) == ALBANIAN_EMAILS
    assert page.total == 3


def test_a_tenant_admin_lists_its_own_tenant(db, world, acting_as):
    acting_as(world["albania_admin"])

    page = list_users(world["albania"])

    assert emails(page) == ALBANIAN_EMAILS


@pytest.mark.parametrize("tenant", ["serbia", "secretariat", None])
def test_a_tenant_admin_cannot_list_other_tenants_or_all(db, world, acting_as, tenant):
    acting_as(world["albania_admin"])

    with pytest.raises(Forbidden):
        list_users(world[tenant] if tenant else None)


@pytest.mark.parametrize("person", ["albania_editor", "albania_viewer", "secretariat_editor"])
def test_a_user_without_an_admin_role_cannot_list_users(db, world, acting_as, person):
    own_tenant = world[person].tenant
    acting_as(world[person])

    with pytest.raises(Forbidden):
        list_users(own_tenant)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("EDITOR@", ["editor@iisg.example", "editor@mpb.gov.al"]),
        ("mup.gov", ["viewer@mup.gov.rs"]),
        ("besa", ["admin@mpb.gov.al"]),
        ("KOLA", ["editor@mpb.gov.al"]),
        ("nobody", []),
        ("%", []),
        ("_", []),
    ],
)
def test_the_user_search_matches_email_or_name(db, world, acting_as, search, expected):
    acting_as(world["admin"])

    page = list_users(None, search)

    assert emails(page) == expected
    assert page.total == len(expected)


def test_a_tenant_admins_search_stays_in_its_tenant(db, world, acting_as):
    acting_as(world["albania_admin"])

    page = list_users(world["albania"], "editor")

    assert emails(page) == ["editor@mpb.gov.al"]


def test_users_are_listed_in_pages(db, world, acting_as):
    acting_as(world["admin"])

    first = list_users(None, per_page=4)
    second = list_users(None, page=2, per_page=4)

    assert emails(first) + emails(second) == ALL_EMAILS
    assert (first.total, first.pages, first.has_next) == (6, 2, True)
    assert second.has_next is False
