"""Fixtures shared by the administration tests."""

import pytest

from tests import factories


@pytest.fixture
def admin(db):
    """A Secretariat administrator."""
    person = factories.user(
        factories.member_tenant(code="IISG-SEC", kind="secretariat"),
        email="admin@sec.example",
        roles=("admin",),
    )
    db.session.commit()
    return person
