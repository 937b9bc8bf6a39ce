"""A list's query count does not grow with the rows it shows (docs/benchmarks.md)."""

from __future__ import annotations

import re

from portal.identity import act_as_principal
from tests import factories

ECONOMIES = ("AL", "BA", "ME", "MK", "RS", "XK")


def query_count(response) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(re.search(r'desc="(\d+) queries"', response.headers["Server-Timing"]).group(1))


def partners_with_needs(db) -> list:
    """Return a partner of each economy, each with a need: entries of six organisations."""
    act_as_principal(None)
    cycle = factories.cycle()
    partners = [factories.partner_tenant(code=f"{code}-MOI", economy=code) for code in ECONOMIES]
    db.session.add_all(factories.need(cycle, partner) for partner in partners)
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    db.session.commit()
    return [partners, secretariat]


def test_a_page_of_the_trail_reads_its_organisations_in_one_query(db, api):
    _, secretariat = partners_with_needs(db)
    auditor = factories.user(secretariat, email="auditor@sec.example", roles=("auditor",))
    db.session.commit()
    client = api(auditor, scope="read")
    # A token's first use is recorded, and the total is kept, before counting queries.
    client.get("audit/entries?table=needs&per_page=1")

    one = client.get("audit/entries?table=needs&per_page=1")
    every = client.get("audit/entries?table=needs&per_page=100")

    assert len({entry["tenant"]["code"] for entry in every.get_json()["items"]}) == 6
    assert query_count(every) == query_count(one)


def test_a_page_of_organisations_reads_their_economies_with_them(db, api):
    _, secretariat = partners_with_needs(db)
    admin = factories.user(secretariat, email="admin@sec.example", roles=("admin",))
    db.session.commit()
    client = api(admin, scope="read")
    # A token's first use is recorded, and the total is kept, before counting queries.
    client.get("tenants?kind=partner&per_page=1")

    one = client.get("tenants?kind=partner&per_page=1")
    every = client.get("tenants?kind=partner&per_page=100")

    assert {tenant["economy"]["code"] for tenant in every.get_json()["items"]} == set(ECONOMIES)
    assert query_count(every) == query_count(one)
