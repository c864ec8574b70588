"""Reads of meeting records, scoped to the user. One filter decides who sees which meetings:

- committee staff: every meeting of their committee (read-only on the site);
- branch secretary: the meetings of their own party organisation (and they record them);
- inspector: read-only, the meetings of the party organisations assigned to them for inspection
  (the rating app tells the access policy which those are; meetings does not import it);
- anyone else: nothing (views answer 404 for objects outside the scope, 403 for a wrong role).
"""

from django.db.models import Prefetch, Q, QuerySet

from branches import access
from branches.models import Member, PartyOrganization, User

from .models import Attendance, Meeting, MeetingStatus, MeetingType


def _scope(user: User, *, po_path: str, committee_path: str) -> Q | None:
    return access.scope(
        user, "meetings.view", access.Paths(committee=committee_path, party_organization=po_path)
    )


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """A joint activity is seen by whoever may see either of its branches (once: both paths are
    foreign keys, so no row repeats)."""
    q = _scope(user, po_path="party_organization", committee_path="party_organization__committee")
    if q is None:
        return Meeting.objects.none()
    partner = _scope(user, po_path="partner_organization", committee_path="partner_organization__committee")
    if partner is not None:
        q |= partner
    return Meeting.objects.filter(q)


def of_branch(party_organization_id: int) -> Q:
    """The meetings that are part of a branch's organisational life: its own and the joint
    activities it took part in."""
    return Q(party_organization_id=party_organization_id) | Q(partner_organization_id=party_organization_id)


def party_organizations_with_meetings_visible_to(user: User) -> QuerySet[PartyOrganization]:
    """Party organisations whose meetings and compliance `user` may see."""
    q = _scope(user, po_path="pk", committee_path="committee")
    return PartyOrganization.objects.none() if q is None else PartyOrganization.objects.filter(q)


def can_record(user: User, party_organization_id: int) -> bool:
    """Only the branch secretary records and edits their own party organisation's meetings."""
    return access.can(user, "meetings.record", access.Target(None, party_organization_id))


def meeting_list(
    user: User,
    *,
    year: int | None = None,
    party_organization_id: int | None = None,
    meeting_type_code: str = "",
    status: str = "",
) -> QuerySet[Meeting]:
    qs = meetings_visible_to(user).select_related(
        "party_organization", "partner_organization", "meeting_type"
    )
    if year:
        from .compliance import year_bounds

        start, end = year_bounds(year)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    if party_organization_id:
        qs = qs.filter(of_branch(party_organization_id))
    if meeting_type_code:
        qs = qs.filter(meeting_type__code=meeting_type_code)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_at", "-pk")


def meeting_detail_queryset(user: User) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related(
            "party_organization__committee",
            "partner_organization",
            "meeting_type",
            "host",
            "minutes_taker",
            "created_by",
            "updated_by",
        )
        .prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.order_by("pk")),
            "attachments",
        )
    )


def meetings_of_year(party_organization_id: int, year: int) -> QuerySet[Meeting]:
    from .compliance import year_bounds

    start, end = year_bounds(year)
    return (
        Meeting.objects.filter(of_branch(party_organization_id), starts_at__gte=start, starts_at__lt=end)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("meeting_type")
        .order_by("starts_at", "pk")
    )


def meeting_types_for(committee_id: int, *, active_only: bool = True) -> QuerySet[MeetingType]:
    qs = MeetingType.objects.filter(committee_id=committee_id)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("sort_order", "pk")


def members_for_attendance(party_organization_id: int) -> list[Member]:
    """Members in the order the attendance form lists them: branch committee first."""
    order = {"secretary": 0, "committee_member": 1, "member": 2}
    members = list(Member.objects.filter(party_organization_id=party_organization_id))
    return sorted(members, key=lambda m: (order.get(m.role, 9), m.name, m.pk))


def meetings_for_evidence(party_organization_id: int, year: int, meeting_type_codes) -> QuerySet[Meeting]:
    """Held meetings of a branch in `year` of the given types: what a secretary can attach as
    evidence to a rating indicator linked to those types (callers check the user's access)."""
    from .compliance import year_bounds

    start, end = year_bounds(year)
    return (
        Meeting.objects.filter(
            of_branch(party_organization_id),
            status=MeetingStatus.HELD,
            meeting_type__code__in=list(meeting_type_codes),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("meeting_type")
        .order_by("starts_at", "pk")
    )
