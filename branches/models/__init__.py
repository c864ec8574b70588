"""The register's models, by what they hold: the register itself, logins, and records of work."""

from .accounts import Role, User
from .records import AuditEntry, ImportBatch, ImportRows
from .register import (
    Committee,
    Division,
    Instructor,
    InstructorKind,
    Member,
    MemberRole,
    Membership,
    OrgStatus,
    OrgType,
    PartyOrganization,
    PartyOrgKind,
    SocialOrganization,
    SocialOrganizationQuerySet,
    validate_coverage,
)

__all__ = [
    "AuditEntry",
    "Committee",
    "Division",
    "ImportBatch",
    "ImportRows",
    "Instructor",
    "InstructorKind",
    "Member",
    "MemberRole",
    "Membership",
    "OrgStatus",
    "OrgType",
    "PartyOrgKind",
    "PartyOrganization",
    "Role",
    "SocialOrganization",
    "SocialOrganizationQuerySet",
    "User",
    "validate_coverage",
]
