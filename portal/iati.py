"""IATI activity files (version 2.0x) read as rows of responses.

Members publish their programmes in the International Aid Transparency Initiative's
XML standard. Each ``iati-activity`` becomes one row of the responses import, in the
columns a spreadsheet would have (docs/imports.md has the mapping). What IATI does not
say (the IISG pillar) comes from the activity's DAC sectors where they name one, else
from the pillar the uploader chose for the file, else the row asks for one.

The XML is parsed with DTDs, entities and external references refused (defusedxml):
no billion laughs, no reading of local files.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from portal.spreadsheets import UnreadableFile

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The partners' ISO 3166 codes as IATI writes them (Kosovo as XK).
PARTNER_COUNTRIES = ("AL", "BA", "XK", "ME", "MK", "RS")
# IATI's ActivityStatus codes and the portal's implementation statuses.
ACTIVITY_STATUSES = {
    "1": "planned",  # Pipeline/identification
    "2": "ongoing",  # Implementation
    "3": "ongoing",  # Finalisation: physical activity done, accounts still open
    "4": "completed",  # Closed
    "5": "cancelled",  # Cancelled
    "6": "ongoing",  # Suspended: still an engagement
}
# IATI's OrganisationRole codes the portal keeps.
FUNDING, IMPLEMENTING = "1", "4"
# DAC 5-digit purpose codes (vocabulary 1) and the IISG pillar they belong to.
DAC_PILLARS = {
    "15210": None,  # Security system management and reform: spans the pillars
    "15130": "WBCSCi",  # Legal and judicial development
    "15113": "WBCSCi",  # Anti-corruption organisations and institutions
    "16063": "WBCSCi",  # Narcotics control
    "15240": "WBCSCi",  # Reintegration and small arms and light weapons control
    "15136": "WBBSi",  # Immigration
    "15190": "WBBSi",  # Facilitation of orderly, safe, regular migration
    "33120": "WBBSi",  # Trade facilitation (customs and border crossings)
    "15220": "WBCTi",  # Civilian peace-building, conflict prevention and resolution
    "15230": "WBCTi",  # Participation in international peacekeeping operations
}
# The codes' first three digits (vocabulary 2, DAC 3-digit) are not specific enough.
# More than any budget holds: the portal keeps thirteen digits before the point.
LARGEST_AMOUNT = Decimal("1e13")


@dataclass
class Activity:
    """One activity as a row of the responses import, with what IATI left unsaid."""

    number: int
    values: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def _narrative(element, language: str) -> str:
    """Return the English narrative, else the activity's own language's, else the first."""
    if element is None:
        return ""
    narratives = element.findall("narrative")
    # A narrative without xml:lang is in the activity's language.
    for wanted in ("en", language):
        for narrative in narratives:
            if (narrative.get(XML_LANG) or language) == wanted:
                return (narrative.text or "").strip()
    return (narratives[0].text or "").strip() if narratives else ""


def _dates(activity) -> tuple[str, str]:
    found = {
        kind: value
        for kind, value in (
            (item.get("type"), (item.get("iso-date") or "")[:10])
            for item in activity.findall("activity-date")
        )
        if value
    }
    return found.get("2") or found.get("1", ""), found.get("4") or found.get("3", "")


def _budget(activity, default_currency: str, warnings: list[str]) -> tuple[str, str]:
    """Return the activity's budget and currency: its periods summed, revised over original."""
    periods: dict[tuple[str, str], tuple[str, Decimal, str]] = {}
    for budget in activity.findall("budget"):
        value = budget.find("value")
        if value is None or not (value.text or "").strip():
            continue
        currency = (value.get("currency") or default_currency).strip().upper()
        if not currency:
            warnings.append(
                "A budget has no currency (nor has the activity a default-currency):"
                " the budget is left empty."
            )
            return "", ""
        try:
            amount = Decimal(value.text.strip())
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or abs(amount) >= LARGEST_AMOUNT:
            warnings.append(f"A budget value is not an amount ({value.text.strip()[:40]}).")
            return "", ""
        start, end = budget.find("period-start"), budget.find("period-end")
        period = (
            start.get("iso-date", "") if start is not None else "",
            end.get("iso-date", "") if end is not None else "",
        )
        kind = budget.get("type", "1")
        # A revised budget (type 2) replaces the original (type 1) of the same period.
        if period not in periods or kind == "2" or periods[period][0] != "2":
            periods[period] = (kind, amount, currency)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for _kind, amount, currency in periods.values():
        totals[currency] += amount
    if not totals:
        return "", ""
    if len(totals) > 1:
        warnings.append(
            "The budgets are in several currencies ("
            + ", ".join(sorted(totals))
            + "): the budget is left empty; enter it by hand."
        )
        return "", ""
    [(currency, amount)] = totals.items()
    return format(amount.quantize(Decimal("0.01")), "f"), currency


def _support_type(activity) -> str:
    # IATI's aid types D01/D02 are experts and other technical assistance.
    aid = activity.find("default-aid-type")
    code = (aid.get("code") or "") if aid is not None else ""
    return "technical_assistance" if code.startswith("D") else "other"


def _pillar(activity, default_pillar: str | None, warnings: list[str]) -> str:
    pillars, codes = set(), []
    for sector in activity.findall("sector"):
        if (sector.get("vocabulary") or "1") != "1":
            continue
        code = (sector.get("code") or "").strip()
        codes.append(code)
        if DAC_PILLARS.get(code):
            pillars.add(DAC_PILLARS[code])
    if pillars:
        return ";".join(sorted(pillars))
    if default_pillar:
        named = f" (sectors {', '.join(codes)})" if codes else ""
        warnings.append(f"No sector names a pillar{named}: the file's pillar is used.")
        return default_pillar
    return ""


def read_activities(content: bytes, default_pillar: str | None = None) -> list[Activity]:
    """Return the activities of an IATI activity file, as rows of the responses import."""
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UnreadableFile(
            "the XML declares a DTD or entities, which are refused; remove them."
        ) from None
    except SyntaxError as error:  # ParseError
        raise UnreadableFile(f"it is not well-formed XML ({error}).") from None
    if root.tag != "iati-activities":
        raise UnreadableFile(
            f"it is XML but not an IATI activity file (its root is <{root.tag[:40]}>)."
        )
    version = root.get("version") or ""
    if not version.startswith("2.0"):
        raise UnreadableFile(
            f"it is IATI version {version or 'unknown'}; activity files of version 2.0x are read."
        )
    activities = []
    for number, activity in enumerate(root.findall("iati-activity"), start=1):
        language = activity.get(XML_LANG) or activity.get("default-language") or "en"
        warnings: list[str] = []
        parties = {FUNDING: [], IMPLEMENTING: []}
        for organisation in activity.findall("participating-org"):
            role = organisation.get("role")
            if role in parties:
                name = _narrative(organisation, language) or (organisation.get("ref") or "")
                if name.strip():
                    parties[role].append(name.strip())
        countries = [
            (country.get("code") or "").strip().upper()
            for country in activity.findall("recipient-country")
        ]
        partners = [code for code in countries if code in PARTNER_COUNTRIES]
        if not partners:
            warnings.append("No Western Balkans partner is among its recipient countries.")
        status = activity.find("activity-status")
        code = status.get("code") if status is not None else None
        starts_on, ends_on = _dates(activity)
        amount, currency = _budget(activity, activity.get("default-currency") or "", warnings)
        descriptions = activity.findall("description")
        general = next((item for item in descriptions if item.get("type", "1") == "1"), None)
        identifier = activity.find("iati-identifier")
        values = {
            "external_reference": (identifier.text or "").strip() if identifier is not None else "",
            "title": _narrative(activity.find("title"), language),
            "description": _narrative(general, language),
            "pillars": _pillar(activity, default_pillar, warnings),
            "donors": ";".join(parties[FUNDING]),
            "implementers": ";".join(parties[IMPLEMENTING]),
            "beneficiaries": ";".join(dict.fromkeys(partners)),
            "support_type": _support_type(activity),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "budget_amount": amount,
            "budget_currency": currency,
            "implementation_status": ACTIVITY_STATUSES.get(code or "", "planned"),
        }
        if code is None:
            warnings.append("It has no activity-status: recorded as planned.")
        activities.append(Activity(number, values, warnings))
    if not activities:
        raise UnreadableFile("the IATI file holds no activities.")
    return activities
