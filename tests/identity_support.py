"""What the tests of the signed identity share: two partners, and setting settings.

Each such test acts as someone outside the portal (a psql session), through the
``as_app_role`` and ``as_owner`` engines of tests/conftest.py.
"""

from sqlalchemy import text

from portal.extensions import db as database
from tests import factories


def two_partners(albanian_role: str = "editor") -> dict:
    """Add Albania (an adopted need and a draft) and Serbia, with a user each."""
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    adopted = factories.need(cycle, albania, title="Adopted need", status="adopted")
    draft = factories.need(cycle, albania, title="Albanian draft", status="draft")
    database.session.add_all([adopted, draft])
    people = {
        "albania": factories.user(albania, email="al@example.org", roles=(albanian_role,)),
        "serbia": factories.user(serbia, email="rs@example.org", roles=("editor",)),
    }
    database.session.commit()
    return {**people, "adopted": adopted.id, "draft": draft.id}


def set_settings(connection, settings: dict[str, str]) -> None:
    """Set transaction-local settings, one by one, as a client would."""
    for name, value in settings.items():
        connection.execute(
            text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )
