"""The need form: every problem named at once, in a summary linking each field."""

import re

from tests.conftest import csrf_token
from tests.needs.test_pages import GOOD


def test_the_summary_names_each_field_with_its_label_and_links_to_it(login, cast):
    client = login(cast.people["albania-editor"])

    answer = client.post(
        "/needs/new",
        data={
            **GOOD,
            "title": "",
            "priority": "urgent",
            "acquis_chapters": ["twenty"],
            "csrf_token": csrf_token(client, "/needs/new"),
        },
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    box = re.search(r'<div[^>]*id="error-summary".*?</div>', page, re.S).group(0)
    assert 'role="alert"' in box
    links = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box))
    assert links["title"].startswith("Title:") and "cannot be blank" in links["title"]
    assert links["priority"].startswith("Priority:")
    [chapter] = [anchor for anchor in links if anchor.startswith("chapter-")]
    assert links[chapter].startswith("Acquis chapters:")
    for anchor in links:
        assert f'id="{anchor}"' in page
    assert re.search(r'<select[^>]*id="priority"[^>]*aria-describedby="priority-error"', page, re.S)
    assert re.search(r'<fieldset[^>]*aria-describedby="acquis_chapters-error"', page)
