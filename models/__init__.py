"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

# followups: registers the follow-up tables (import them from models.followup)
import models.followup  # noqa: F401
from models.audit import AuditLog
from models.calendar import CalendarYear
from models.department import Department
from models.enterprise import Enterprise
from models.feed import FeedToken  # feeds
from models.generation import QuietDayGeneration  # scale
from models.idempotency import IdempotencyKey  # hardening
from models.inspection import Inspection
from models.jurisdiction import Jurisdiction
from models.meeting import (
    Invitation,
    Meeting,
    MeetingSeries,
    MinutesIssue,
    MinutesRevision,
    Notice,
    meeting_departments,
    meeting_hosts,
)
from models.policy import PolicyException, QuietDayPolicy, policy_enterprises
from models.refusal import InspectionRefusal  # refusals
from models.user import ApiToken, User, UserSession  # UserSession: hardening

__all__ = [
    "ApiToken",
    "AuditLog",
    "CalendarYear",
    "Department",
    "Enterprise",
    "FeedToken",  # feeds
    "IdempotencyKey",  # hardening
    "Inspection",
    "InspectionRefusal",  # refusals
    "Jurisdiction",
    "PolicyException",
    "QuietDayGeneration",  # scale
    "QuietDayPolicy",
    "User",
    "UserSession",  # hardening
    "policy_enterprises",
]

# meetings
__all__ += [
    "Invitation",
    "Meeting",
    "MeetingSeries",
    "MinutesIssue",
    "MinutesRevision",
    "Notice",
    "meeting_departments",
    "meeting_hosts",
]
