"""Input of the bulk actions: the records chosen on a list, each with the version it showed."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import ValidationError, fields, validate, validates

from portal.schemas import BoundedList
from portal.schemas.forms import FormSchema, text
from portal.versions import LARGEST_VERSION

# The most records one bulk action takes: a list page shows at most 100 rows, and a
# selection of thousands would hold the write lock for long.
MOST_SELECTED = 200
LARGEST_ID = 2**31 - 1
SELECTION_FORMAT = "Each choice is a record's number and version, as the list sends them."


@dataclass(frozen=True)
class Selected:
    """One chosen record: its id, and the version the list showed it at."""

    id: int
    version: int


class SelectedRecord(fields.Field):
    """A chosen record, sent by a checkbox as ``ID:VERSION`` (``12:3``)."""

    default_error_messages = {"invalid": SELECTION_FORMAT}

    def _deserialize(self, value, attr, data, **kwargs) -> Selected:
        if not isinstance(value, str) or len(value) > 25:
            raise self.make_error("invalid")
        record_id, colon, version = value.strip().partition(":")
        if not colon or not record_id.isdigit() or not version.isdigit():
            raise self.make_error("invalid")
        # isdigit() takes other scripts' digits too; only ASCII numbers name records.
        if not (record_id.isascii() and version.isascii()):
            raise self.make_error("invalid")
        selected = Selected(int(record_id), int(version))
        if not (1 <= selected.id <= LARGEST_ID and 1 <= selected.version <= LARGEST_VERSION):
            raise self.make_error("invalid")
        return selected


class BulkSelectionSchema(FormSchema):
    """The records chosen on a list for one action, and the list to go back to."""

    selected = BoundedList(
        SelectedRecord(),
        required=True,
        longest=MOST_SELECTED,
        too_long=f"Choose at most {MOST_SELECTED} records at once.",
        validate=validate.Length(min=1, error="Choose at least one record."),
        error_messages={"required": "Choose at least one record."},
    )
    # Where the list was (its filters and page); checked by ``safe_next`` before use.
    next = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates("selected")
    def each_once(self, value: list[Selected], **kwargs) -> None:
        """Refuse a record chosen twice: one action per record, said once."""
        seen: set[int] = set()
        for selected in value:
            if selected.id in seen:
                raise ValidationError(f"Record {selected.id} is chosen twice; choose it once.")
            seen.add(selected.id)


class BulkReturnSchema(BulkSelectionSchema):
    """Needs chosen to be returned to their owners, with one comment for all of them."""

    blank_refused = frozenset({"comment"})
    comment = text(2000, required=True)
