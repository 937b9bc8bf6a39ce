"""Input of the search across needs and responses."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from portal.full_text import LONGEST_WORD, MOST_WORDS, words
from portal.schemas import NotBlank
from portal.schemas.forms import ListQuerySchema, printable

LONGEST_SEARCH = 200
SEARCH_KINDS = ("needs", "responses")


def _has_words(value: str) -> str:
    """Refuse a search with no word in it, too many words, or a word too long to be one."""
    found = words(value)
    if not found:
        raise ValidationError("Type a word or a code to search for: letters or digits.")
    if len(found) > MOST_WORDS:
        raise ValidationError(f"Use at most {MOST_WORDS} words.")
    if any(len(word) > LONGEST_WORD for word in found):
        raise ValidationError(f"Use words of at most {LONGEST_WORD} letters or digits.")
    return value


class SearchQuerySchema(ListQuerySchema):
    """The search box: the words, which kind of record to list, and the page.

    Without ``q`` the page only offers the box; a blank ``q`` is refused, as is one with
    no word in it (only punctuation), too many words or too many characters.
    """

    blank_refused = frozenset({"q"})
    q = fields.String(
        load_default=None,
        validate=[
            validate.Length(max=LONGEST_SEARCH, error=f"Use at most {LONGEST_SEARCH} characters."),
            printable,
            NotBlank("Type a word or a code to search for."),
            _has_words,
        ],
    )
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(SEARCH_KINDS, error="Choose needs or responses."),
    )
