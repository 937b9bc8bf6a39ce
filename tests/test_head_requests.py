"""HEAD answers as GET does, without the body: uptime checks and link checkers use it."""

from __future__ import annotations

import pytest

from tests import factories


def pages(app):
    """Return the addresses of the pages that take no argument (the API has its own)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/api/")
    )


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_every_page_answers_head_as_it_answers_get(app, db, client, login, signed_in):
    if signed_in:
        person = factories.user(factories.partner_tenant(), roles=("editor",))
        db.session.commit()
        client = login(person)
    differences = {}
    for path in pages(app):
        got, head = client.get(path), client.head(path)
        if head.status_code != got.status_code or head.data:
            differences[path] = (got.status_code, head.status_code, len(head.data))

    # /auth/login answered 422 to HEAD: an uptime check saw the portal down.
    assert differences == {}
    assert "/auth/login" in pages(app)


def test_head_on_a_workbook_closes_its_temporary_file(app, db, login, monkeypatch):
    """A HEAD sends no chunk of the workbook: the file must be closed all the same."""
    import io

    from portal import views

    opened = []

    def written(sheets):
        output = io.BytesIO(b"PK workbook")
        opened.append(output)
        return output

    monkeypatch.setattr(views, "write_xlsx", written)
    person = factories.user(factories.partner_tenant(), roles=("editor",))
    db.session.commit()
    client = login(person)

    answer = client.head("/needs/export?format=xlsx")
    answer.close()

    assert answer.status_code == 200 and answer.data == b""
    assert len(opened) == 1 and opened[0].closed
