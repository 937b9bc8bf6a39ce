"""Base and field types of the output schemas: one shape of each record for the API and exports."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from marshmallow import Schema, fields, missing

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
CENTS = Decimal("0.01")


class OutputSchema(Schema):
    """Base of every output schema: its fields are dump-only."""

    def on_bind_field(self, field_name, field_obj):
        # A shape for showing records must never take one in: load() refuses every field
        # as unknown, and an API description marks them all read-only.
        field_obj.dump_only = True


def as_utc(value: datetime | str) -> datetime:
    """Return a timestamp as an aware UTC datetime, whether stored aware, naive or as text."""
    # The audit trail keeps its timestamps as RFC 3339 text on SQLite.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _described(field: fields.Field, description: dict) -> None:
    # How the API's OpenAPI document describes the field; the field's own metadata wins.
    field.metadata = {**description, **field.metadata}


class Timestamp(fields.Field):
    """A moment as ISO 8601 text in UTC with microseconds: 2026-11-23T14:30:00.000000Z."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _described(self, {"type": "string", "format": "date-time"})

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else as_utc(value).strftime(TIMESTAMP_FORMAT)


class Money(fields.Field):
    """An amount and its currency from two columns: {"amount": "1250000.00", "currency": "EUR"}."""

    def __init__(self, amount_attribute: str, currency_attribute: str, **kwargs):
        # Null when no amount is recorded.
        kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)
        self.amount_attribute = amount_attribute
        self.currency_attribute = currency_attribute
        _described(
            self,
            {
                "type": "object",
                "properties": {
                    "amount": {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"},
                    "currency": {"type": "string"},
                },
                "required": ["amount", "currency"],
                "additionalProperties": False,
            },
        )

    def get_value(self, obj, attr, accessor=None, default=missing):
        return getattr(obj, self.amount_attribute), getattr(obj, self.currency_attribute)

    def _serialize(self, value, attr, obj, **kwargs):
        amount, currency = value
        if amount is None:
            return None
        # Text keeps every cent exact; a JSON number is a float to most readers.
        return {"amount": format(Decimal(str(amount)).quantize(CENTS), "f"), "currency": currency}


class Grouped(fields.Nested):
    """A nested object made of columns of the record itself (an audit entry's actor)."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj
