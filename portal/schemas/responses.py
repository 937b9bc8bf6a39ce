"""Input for responses: the record form, and the filters of the responses list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate, validates_schema

from portal.models.response import (
    IMPLEMENTATION_STATUSES,
    RECORD_STATUSES,
    SUPPORT_TYPES,
    VISIBILITIES,
)
from portal.schemas import BoundedList, InputSchema
from portal.schemas.forms import REQUIRED, FormSchema, ListQuerySchema, printable, text
from portal.schemas.versions import VersionedSchema

# ISO 4217 codes of the currencies in use (funds, metals and test codes left out): an
# amount in anything else cannot be compared or summed, so it is refused.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK
    JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
    MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
    PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST
    XAF XCD XOF XPF YER ZAR ZMW ZWL
    """.split()
)
# The currencies IISG members report in most, offered first in the form.
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK")
# Numeric(15, 2): thirteen digits before the decimal point.
LARGEST_BUDGET = Decimal("9999999999999.99")
THOUSANDS = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
# As long as the name of one donor or implementer may be (response_parties.name).
LONGEST_PARTY_NAME = 200
PARTY_FIELDS = ("donor_tenants", "donor_names", "implementer_tenants", "implementer_names")


def _choice(choices, default=None) -> fields.String:
    check = validate.OneOf(choices, error="Choose one of: " + ", ".join(choices) + ".")
    if default is None:
        return fields.String(required=True, validate=check, error_messages=REQUIRED)
    return fields.String(load_default=default, validate=check)


def _codes(label: str, length: int = 20) -> BoundedList:
    return BoundedList(
        fields.String(validate=[validate.Length(max=length, error=f"Unknown {label}."), printable]),
        load_default=list,
        longest=50,
        too_long=f"Choose at most 50 {label}s.",
    )


def _one_name_per_line(value: str) -> None:
    """Refuse a name of another organisation longer than the database keeps."""
    if any(len(" ".join(line.split())) > LONGEST_PARTY_NAME for line in value.splitlines()):
        raise ValidationError(f"Use at most {LONGEST_PARTY_NAME} characters per name.")


def _party_names() -> fields.String:
    field = text(2000)
    field.validators.append(_one_name_per_line)
    return field


class Money(fields.Field):
    """A budget amount: a plain decimal number, at least 0, at most two decimal places."""

    default_error_messages = {
        "invalid": "Enter the amount as a number, e.g. 1500000 or 1500000.50.",
        "negative": "A budget cannot be negative.",
        "too_large": "That amount is too large.",
        "places": "Use at most two decimal places.",
        "comma": "Use a point for decimals and commas only between thousands: 1,500,000.50.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
            raise self.make_error("invalid")
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if "," in text:
            # Commas only as thousands separators (1,500,000.50): "1500,50" could mean
            # either, and a budget must never be read ten or a hundred times too large.
            if not THOUSANDS.fullmatch(text):
                raise self.make_error("comma")
            text = text.replace(",", "")
        # Only digits and one point: no exponents, NaN, infinities or signs but minus.
        body = text[1:] if text.startswith("-") else text
        if not body or not body.replace(".", "", 1).isdecimal() or not body.isascii():
            raise self.make_error("invalid")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if amount < 0:
            raise self.make_error("negative")
        if amount > LARGEST_BUDGET:
            raise self.make_error("too_large")
        if amount != amount.quantize(Decimal("0.01")):
            raise self.make_error("places")
        return amount.quantize(Decimal("0.01"))


class ResponseSchema(FormSchema):
    """The fields of a response, as the form and the API send them."""

    blank_refused = frozenset({"title"})
    title = text(200, required=True)
    description = text(5000)
    pillars = BoundedList(
        fields.String(validate=[validate.Length(max=20, error="Unknown pillar."), printable]),
        required=True,
        longest=20,
        too_long="Choose at most 20 pillars.",
        validate=validate.Length(min=1, error="Choose at least one pillar."),
        error_messages={**REQUIRED, "required": "Choose at least one pillar."},
    )
    donor_tenants = _codes("organisation")
    donor_names = _party_names()
    implementer_tenants = _codes("organisation")
    implementer_names = _party_names()
    beneficiaries = _codes("economy")
    support_type = _choice(SUPPORT_TYPES)
    instrument = text(100)
    starts_on = fields.Date(
        load_default=None, allow_none=True, error_messages={"invalid": "Enter a date."}
    )
    ends_on = fields.Date(
        load_default=None, allow_none=True, error_messages={"invalid": "Enter a date."}
    )
    budget_amount = Money(load_default=None, allow_none=True)
    budget_currency = fields.String(load_default=None, allow_none=True, validate=printable)
    implementation_status = _choice(IMPLEMENTATION_STATUSES, "planned")
    visibility = _choice(VISIBILITIES, "members")
    external_reference = text(100)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def consistent(self, data, original_data=None, **kwargs):
        """Refuse an end before the start, and an amount without a known currency.

        Runs even when other fields are refused, so that a form names every problem at
        once; a check whose fields are not both valid is left to their own messages.
        """
        problems: dict[str, list[str]] = {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            problems["ends_on"] = ["The end date cannot be before the start date."]
        currency = data.get("budget_currency")
        if currency is not None:
            currency = currency.strip().upper()
            if currency not in CURRENCIES:
                problems["budget_currency"] = [
                    "Unknown currency: use an ISO 4217 code such as EUR or USD."
                ]
            data["budget_currency"] = currency
        amount_given = _given(data, original_data, "budget_amount")
        currency_given = _given(data, original_data, "budget_currency")
        if amount_given and not currency_given:
            problems["budget_currency"] = ["Give the budget's currency."]
        if currency_given and not amount_given:
            problems["budget_amount"] = ["Give the amount, or leave the currency empty."]
        if problems:
            raise ValidationError(problems)


def _given(data: Mapping, original_data: Mapping | None, name: str) -> bool:
    """Return whether ``name`` was given: loaded with a value, or sent but refused."""
    if data.get(name) is not None:
        return True
    if name in data or not isinstance(original_data, Mapping):
        return False
    sent = original_data.get(name)
    return sent is not None and not (isinstance(sent, str) and not sent.strip())


class ResponseEditSchema(ResponseSchema, VersionedSchema):
    """A change to an existing response, from the version the editor started from."""


class PartiesNamed(InputSchema):
    """What the response form adds: a response names at least one donor or implementer.

    Who funds and who carries out a programme is what the gaps and overlaps are read by;
    a person recording one always knows at least one of them. The API and imports do not
    refuse it: records brought over from other systems may lack both.
    """

    @validates_schema(skip_on_field_errors=False)
    def names_a_party(self, data, **kwargs):
        """Refuse a response naming neither a donor nor an implementer."""
        if all(name in data and not data[name] for name in PARTY_FIELDS):
            raise ValidationError(
                "Name at least one donor or an implementer: tick an IISG organisation, "
                "or type the name of another one.",
                "donor_tenants",
            )


class ResponseFormSchema(ResponseSchema, PartiesNamed):
    """A new response, as the record form sends it."""


class ResponseEditFormSchema(ResponseEditSchema, PartiesNamed):
    """A change to a response, as the edit form sends it."""


class ResponseListQuerySchema(ListQuerySchema):
    """Query-string filters of the responses list."""

    q = text(100)
    pillar = fields.String(
        load_default=None,
        validate=[validate.Length(max=20, error="Use at most 20 characters."), printable],
    )
    donor = fields.String(
        load_default=None,
        validate=[validate.Length(max=200, error="Use at most 200 characters."), printable],
    )
    implementer = fields.String(
        load_default=None,
        validate=[validate.Length(max=200, error="Use at most 200 characters."), printable],
    )
    beneficiary = fields.String(
        load_default=None,
        validate=[validate.Length(max=20, error="Use at most 20 characters."), printable],
    )
    implementation_status = fields.String(
        load_default=None,
        validate=validate.OneOf(IMPLEMENTATION_STATUSES, error="Unknown implementation status."),
    )
    record_status = fields.String(
        load_default=None,
        validate=validate.OneOf(RECORD_STATUSES, error="Unknown record status."),
    )
    active_from = fields.Date(load_default=None, error_messages={"invalid": "Enter a date."})
    active_to = fields.Date(load_default=None, error_messages={"invalid": "Enter a date."})
    starts_from = fields.Date(load_default=None, error_messages={"invalid": "Enter a date."})
    starts_to = fields.Date(load_default=None, error_messages={"invalid": "Enter a date."})

    @validates_schema
    def ranges_in_order(self, data, **kwargs):
        """Refuse a date range that ends before it starts."""
        for start, end in (("active_from", "active_to"), ("starts_from", "starts_to")):
            if data.get(start) and data.get(end) and data[end] < data[start]:
                raise ValidationError("The range ends before it starts.", end)
