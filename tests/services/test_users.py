"""Creating and inviting users, and who may do it."""

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from portal.exceptions import Forbidden, ValidationFailed
from portal.models import Invitation, User
from portal.schemas import parse
from portal.schemas.users import UserCreateSchema
from portal.services import users
from tests import factories


def create_user(values: dict) -> users.CreatedUser:
    """Create a user from ``values`` loaded as the page and the command line do."""
    return users.create_user(parse(UserCreateSchema(), values))


@pytest.fixture
def albania(db):
    tenant = factories.partner_tenant()
    db.session.commit()
    return tenant


def count_users(db):
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_tenant_admin_invites_into_their_own_tenant(db, albania, acting_as):
    admin = factories.user(albania, email="admin@mpb.gov.al", roles=("tenant_admin", "editor"))
    db.session.commit()
    acting_as(admin)

    created = create_user(
        {"email": "New.Editor@mpb.gov.al", "tenant": "al-moi", "roles": ["editor"]}
    )

    assert created.user.email == "new.editor@mpb.gov.al"
    assert created.user.tenant_id == albania.id
    assert "/auth/invite/" in created.invitation_link
    assert created.mailed is False


@pytest.mark.parametrize(
    ("tenant_code", "roles"),
    [("RS-MOI", ["editor"]), ("AL-MOI", ["admin"]), ("AL-MOI", ["tenant_admin", "admin"])],
)
def test_a_tenant_admin_cannot_invite_elsewhere_or_above_their_rank(
    db, albania, acting_as, tenant_code, roles
):
    factories.partner_tenant(code="RS-MOI", economy="RS")
    admin = factories.user(albania, email="admin@mpb.gov.al", roles=("tenant_admin", "editor"))
    db.session.commit()
    before = count_users(db)
    acting_as(admin)

    with pytest.raises(Forbidden):
        create_user({"email": "x@mpb.gov.al", "tenant": tenant_code, "roles": roles})

    db.session.rollback()
    acting_as(None)
    assert count_users(db) == before


def test_an_editor_cannot_invite_anyone(db, albania, acting_as):
    editor = factories.user(albania, email="editor@mpb.gov.al", roles=("editor",))
    db.session.commit()
    acting_as(editor)

    with pytest.raises(Forbidden):
        create_user({"email": "x@mpb.gov.al", "tenant": "AL-MOI", "roles": ["viewer"]})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"email": "not-an-address", "tenant": "AL-MOI", "roles": ["viewer"]}, "email"),
        ({"email": "a@b.example", "tenant": "AL-MOI", "roles": []}, "roles"),
        ({"email": "a@b.example", "tenant": "AL-MOI", "roles": ["owner"]}, "roles"),
        ({"email": "a@b.example", "tenant": "ZZ-NONE", "roles": ["viewer"]}, "tenant"),
        ({"email": "a@b.example", "tenant": "AL-MOI", "roles": ["admin"]}, "roles"),
        ({"email": "a@b.example", "roles": ["viewer"]}, "tenant"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(db, albania, values, field):
    with pytest.raises(ValidationFailed) as refused:
        create_user(values)

    assert field in refused.value.fields
    db.session.rollback()
    assert count_users(db) == 0
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 Message accepted"


def test_with_smtp_configured_the_invitation_is_mailed(make_app):
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        app = make_app(SMTP_URL=f"smtp://127.0.0.1:{port}")
        with app.app_context():
            factories.partner_tenant()
            created = create_user(
                {"email": "ana@mpb.gov.al", "tenant": "AL-MOI", "roles": ["viewer"]}
            )
            link = created.invitation_link
    finally:
        server.stop()

    assert created.mailed is True
    ((recipients, message),) = mailbox.messages
    assert recipients == ["ana@mpb.gov.al"]
    assert link in message
