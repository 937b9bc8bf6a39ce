"""The application layer's off switch is real: without it SQLite filters nothing.

This is what makes the row-level-security-only runs in test_tenancy.py meaningful.
"""

import pytest
from sqlalchemy import select

from portal.models import Need
from portal.tenancy import set_application_scoping
from tests import factories

pytestmark = pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)


def test_with_the_application_layer_off_sqlite_filters_nothing(db, acting_as):
    albania = factories.partner_tenant()
    serbian = factories.user(factories.partner_tenant(code="RS-MOI", economy="RS"))
    db.session.add(factories.need(factories.cycle(), albania, status="draft"))
    db.session.commit()
    acting_as(serbian)

    set_application_scoping(False)
    try:
        unscoped = db.session.scalars(select(Need.title)).all()
    finally:
        set_application_scoping(True)
    scoped = db.session.scalars(select(Need.title)).all()

    assert len(unscoped) == 1
    assert scoped == []
