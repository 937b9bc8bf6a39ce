"""The domain model: one module per aggregate, all importable from here."""

from portal.models.audit import AuditEntry, ChainLink, Checkpoint
from portal.models.base import Base
from portal.models.cycle import Cycle
from portal.models.data_import import DataImport
from portal.models.idempotency import IdempotencyKey
from portal.models.job import Job
from portal.models.need import Need, need_acquis_chapters
from portal.models.publication import Publication
from portal.models.reference import (
    AcquisChapter,
    NeedCategory,
    PartnerEconomy,
    Perspective,
    Pillar,
)
from portal.models.report_file import ReportFile
from portal.models.response import (
    Response,
    ResponseParty,
    response_beneficiaries,
    response_pillars,
)
from portal.models.session import ApiToken, Invitation, RecoveryCode, UserSession
from portal.models.support_link import SupportLink
from portal.models.tenant import Tenant
from portal.models.user import User, UserRole
from portal.models.verification import AuditVerification
from portal.models.webhook import Webhook, WebhookCursor, WebhookDelivery

__all__ = [
    "AcquisChapter",
    "ApiToken",
    "AuditEntry",
    "AuditVerification",
    "Base",
    "ChainLink",
    "Checkpoint",
    "Cycle",
    "DataImport",
    "IdempotencyKey",
    "Invitation",
    "Job",
    "Need",
    "NeedCategory",
    "PartnerEconomy",
    "Perspective",
    "Pillar",
    "Publication",
    "RecoveryCode",
    "ReportFile",
    "Response",
    "ResponseParty",
    "SupportLink",
    "Tenant",
    "User",
    "UserRole",
    "UserSession",
    "Webhook",
    "WebhookCursor",
    "WebhookDelivery",
    "need_acquis_chapters",
    "response_beneficiaries",
    "response_pillars",
]
