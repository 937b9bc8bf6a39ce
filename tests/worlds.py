"""A small IISG for the responses and support links tests: who is who, and their records."""

from types import SimpleNamespace

from tests import factories


def mapping_world(db) -> SimpleNamespace:
    """Partners with needs, members with responses, the Secretariat; editors and viewers."""
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS", name="Serbian Ministry")
    commission = factories.member_tenant(name="European Commission DG NEAR")
    germany = factories.member_tenant(code="DE-GIZ", name="GIZ")
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    needs = {
        "albania_validated": factories.need(
            cycle, albania, title="Albanian border surveillance", status="validated"
        ),
        "albania_draft": factories.need(cycle, albania, title="Albanian draft need"),
        "albania_submitted": factories.need(
            cycle, albania, title="Albanian submitted need", status="submitted"
        ),
        "serbia_validated": factories.need(
            cycle, serbia, title="Serbian forensic laboratory", status="validated"
        ),
    }
    db.session.add_all(needs.values())
    published = factories.response(
        commission, title="Commission border programme", record_status="published"
    )
    draft = factories.response(commission, title="Commission draft programme")
    restricted = factories.response(
        commission,
        title="Commission restricted programme",
        record_status="published",
        visibility="restricted",
    )
    restricted.beneficiaries = [factories.economy("AL")]
    db.session.add_all([published, draft, restricted])
    people = SimpleNamespace(
        commission_editor=factories.user(commission, email="ed@ec.example", roles=("editor",)),
        commission_viewer=factories.user(commission, email="view@ec.example"),
        germany_editor=factories.user(germany, email="ed@giz.example", roles=("editor",)),
        albania_editor=factories.user(albania, email="ed@al.example", roles=("editor",)),
        albania_viewer=factories.user(albania, email="view@al.example"),
        serbia_editor=factories.user(serbia, email="ed@rs.example", roles=("editor",)),
        secretariat_editor=factories.user(secretariat, email="ed@sec.example", roles=("editor",)),
        secretariat_admin=factories.user(secretariat, email="admin@sec.example", roles=("admin",)),
    )
    db.session.commit()
    return SimpleNamespace(
        cycle=cycle,
        tenants=SimpleNamespace(
            albania=albania,
            serbia=serbia,
            commission=commission,
            germany=germany,
            secretariat=secretariat,
        ),
        needs=SimpleNamespace(**needs),
        responses=SimpleNamespace(published=published, draft=draft, restricted=restricted),
        people=people,
    )


def switch_to(acting_as, db, person) -> None:
    """Act as ``person``, reloading them as the system (another principal may not see them)."""
    acting_as(None)
    db.session.expire_all()
    acting_as(db.session.get(type(person), person.id))


def analysis_world(db) -> dict:
    """Albania with a covered, a partial and a gap need; Serbia's submitted need; viewers.

    The covered need is addressed by two organisations' programmes (a synergy); a third
    need is only claimed by a proposed link, so it stays a gap.
    """
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    commission = factories.member_tenant()
    germany = factories.member_tenant(code="DE-BMI")
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    programme = factories.response(
        commission,
        title="EU programme",
        record_status="published",
        budget_amount=1500,
        budget_currency="EUR",
    )
    bilateral = factories.response(
        germany,
        title="German programme",
        record_status="published",
        budget_amount=700,
        budget_currency="EUR",
    )
    needs = {
        "covered": factories.need(cycle, albania, status="validated", title="Need met in full"),
        "partial": factories.need(cycle, albania, status="validated", title="Need met in part"),
        "gap": factories.need(
            cycle, albania, status="validated", title='=HYPERLINK("http://evil.example")'
        ),
        "serbian": factories.need(
            cycle, serbia, status="submitted", title="Serbian submitted need"
        ),
    }
    db.session.add_all([programme, bilateral, *needs.values()])
    db.session.add_all(
        [
            factories.support_link(programme, needs["covered"], "full", "validated"),
            factories.support_link(bilateral, needs["covered"], "partial", "confirmed"),
            factories.support_link(programme, needs["partial"], "partial", "confirmed"),
            factories.support_link(bilateral, needs["gap"], "full", "proposed"),
        ]
    )
    people = {
        "albania": factories.user(albania, email="al@example.org"),
        "commission": factories.user(commission, email="ec@example.org"),
        "secretariat": factories.user(secretariat, email="sec@example.org"),
    }
    db.session.commit()
    responses = {"programme": programme, "bilateral": bilateral}
    return {"cycle": cycle, "people": people, "needs": needs, "responses": responses}


def audit_world(db) -> dict:
    """An Albanian and a Serbian need; Albania's auditor and editor, the Secretariat's auditor."""
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    albanian_need = factories.need(cycle, albania, title="Albanian border surveillance")
    serbian_need = factories.need(cycle, serbia, title="Serbian witness protection")
    db.session.add_all([albanian_need, serbian_need])
    found = {
        "albanian_auditor": factories.user(albania, email="auditor@al.example", roles=("auditor",)),
        "albanian_editor": factories.user(albania, email="editor@al.example", roles=("editor",)),
        "secretariat_auditor": factories.user(
            secretariat, email="auditor@rcc.example", roles=("auditor",)
        ),
    }
    db.session.commit()
    found["albanian_need"] = albanian_need
    found["serbian_need"] = serbian_need
    return found
