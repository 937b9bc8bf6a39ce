"""The shapes of the demonstration records, kept apart from their content."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTenant:
    code: str
    name: str
    kind: str  # partner | member | secretariat
    economy: str | None = None  # partner economy code, partners only


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    tenant: str  # tenant code
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DemoCycle:
    name: str
    starts_on: str  # ISO date
    ends_on: str
    status: str  # open | consolidation | adopted | archived
    submission_deadline: str | None = None
    board_meeting: str | None = None
    adopted_on: str | None = None


@dataclass(frozen=True)
class DemoNeed:
    key: str  # stable within the demo set, e.g. "AL-CT-01"
    cycle: str  # cycle name
    partner: str  # owner tenant code (a partner tenant)
    pillar: str  # WBCTi | WBCSCi | WBBSi
    category: str  # legislative | institutional | operational
    perspective: str  # prevention | response
    priority: str  # high | medium | low
    status: str  # draft | submitted | returned | validated | adopted | withdrawn
    title: str
    description: str
    acquis: tuple[int, ...]  # acquis chapter numbers
    source: str  # strategy or document the need comes from
    previous: str | None = None  # key of the need of an earlier cycle it carries over
    return_comment: str | None = None  # the Secretariat's comment, for returned needs


@dataclass(frozen=True)
class DemoResponse:
    key: str
    owner: str  # tenant code
    title: str
    description: str
    pillars: tuple[str, ...]
    donors: tuple[str, ...]  # tenant codes, or names of organisations that are not tenants
    implementers: tuple[str, ...]  # same convention as donors
    beneficiaries: tuple[str, ...]  # economy codes: AL, BA, XK, ME, MK, RS, REG
    # technical_assistance | training | equipment | twinning | legislative_advice | other
    support_type: str
    instrument: str
    starts_on: str  # ISO date
    ends_on: str | None
    budget_amount: str | None  # decimal as text, e.g. "1250000.00"
    budget_currency: str | None  # ISO 4217, e.g. "EUR"
    implementation_status: str  # planned | ongoing | completed | cancelled
    record_status: str  # draft | published
    visibility: str  # members | restricted
    external_reference: str | None = None


@dataclass(frozen=True)
class DemoLink:
    response: str  # response key
    need: str  # need key
    coverage: str  # full | partial
    status: str  # proposed | confirmed | disputed | validated
    note: str
