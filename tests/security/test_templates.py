"""Templates keep to the Content Security Policy: nothing inline for a browser to refuse.

The policy (``script-src 'self'; style-src 'self'``) makes browsers ignore inline
scripts, event handler attributes and ``style`` attributes, so a page that relies on one
silently loses its behaviour or layout; the test client never notices. The browser
story (tests/browser) catches what a page does at run time; this test catches it in
every template, also in pages the story does not open.
"""

from __future__ import annotations

import re

import pytest

from portal import PROJECT_ROOT

TEMPLATES = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
REFUSED_BY_THE_POLICY = {
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "an inline script": re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}
# Jinja statements and comments are not markup (a macro may take an argument named
# ``style``); they are blanked out, keeping their line breaks for the line numbers.
JINJA_STATEMENT = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)


# Markup the policy would refuse, where no policy of the portal's applies to it.
ALLOWED = {
    # A report written as a file stands alone, with its stylesheet in it (a page of the
    # portal links the stylesheet instead); it is read from disk, where no policy holds.
    ("reports/_document.html", "a <style> element"),
}


def markup_of(source: str) -> str:
    """Return the template's source with its Jinja statements and comments blanked out."""
    return JINJA_STATEMENT.sub(lambda match: "\n" * match.group().count("\n"), source)


def test_the_templates_are_found():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=[str(path.relative_to(PROJECT_ROOT)) for path in TEMPLATES]
)
def test_a_template_holds_nothing_the_content_security_policy_refuses(template):
    source = markup_of(template.read_text())

    name = str(template.relative_to(PROJECT_ROOT / "templates"))
    found = [
        f"line {source.count(chr(10), 0, match.start()) + 1}: {what}"
        for what, pattern in REFUSED_BY_THE_POLICY.items()
        if (name, what) not in ALLOWED
        for match in pattern.finditer(source)
    ]

    assert found == []
