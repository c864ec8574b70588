"""Which kinds of notice each role can receive (for the e-mail preference page)."""

from branches.models import Role

from .models import Kind

BY_ROLE = {
    Role.STAFF: [
        Kind.TALLY_READY,
        Kind.SUBMISSIONS_OVERDUE,
        Kind.OBJECTION_FILED,
        Kind.RECTIFICATION_OVERDUE,
        Kind.PLAQUE_RETURN_OVERDUE,
        Kind.WEEKLY_DIGEST,
        Kind.EXPORT_READY,
    ],
    Role.SECRETARY: [
        Kind.CYCLE_OPENED,
        Kind.DEADLINE_NEAR,
        Kind.SUBMISSION_RETURNED,
        Kind.RESULTS_PUBLISHED,
        Kind.AWARD,
        Kind.RECTIFICATION_DUE,
        Kind.RECTIFICATION_ISSUED,
        Kind.RECTIFICATION_SENT_BACK,
        Kind.RECTIFICATION_BRANCH_OVERDUE,
        Kind.MEETING_GAP,
    ],
    Role.INSPECTOR: [Kind.INSPECTION_ASSIGNED, Kind.INSPECTION_DEADLINE],
}


def kinds_for(user) -> list[str]:
    if user.is_superuser and not user.role:
        return [k.value for k in Kind]
    return [k.value for k in BY_ROLE.get(user.role, [])]
