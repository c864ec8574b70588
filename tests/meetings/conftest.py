"""Meetings fixtures: a branch with a known membership and a helper that records through the service."""

import pytest

from branches.models import MemberRole, Membership
from meetings import services
from tests import factories
from tests.factories import beijing, meeting_type


@pytest.fixture
def branch(committee):
    """A 党支部 with a secretary, two 支委委员, three members and two 预备党员 (8 people):
    支部党员大会 entitles the 6 full members to vote, 支委会 the 3 committee members."""
    po = factories.PartyOrganizationFactory(committee=committee, name="测试基金会党支部")
    people = [
        ("书记甲", MemberRole.SECRETARY, Membership.FULL),
        ("支委乙", MemberRole.COMMITTEE_MEMBER, Membership.FULL),
        ("支委丙", MemberRole.COMMITTEE_MEMBER, Membership.FULL),
        ("党员丁", MemberRole.MEMBER, Membership.FULL),
        ("党员戊", MemberRole.MEMBER, Membership.FULL),
        ("党员己", MemberRole.MEMBER, Membership.FULL),
        ("预备庚", MemberRole.MEMBER, Membership.PROBATIONARY),
        ("预备辛", MemberRole.MEMBER, Membership.PROBATIONARY),
    ]
    for name, role, membership in people:
        factories.MemberFactory(party_organization=po, name=name, role=role, membership=membership)
    return po


@pytest.fixture
def members(branch):
    """Members of `branch` by name."""
    return {m.name: m for m in branch.members.all()}


@pytest.fixture
def branch_secretary(branch):
    return factories.SecretaryUserFactory(party_organization=branch, username="branch-secretary")


@pytest.fixture
def record(branch, members, branch_secretary):
    """`record(code, when, present=[names] | "all", **fields)` → a meeting created through the service.

    Names not listed as present are recorded absent; `excused={name: reason}` marks leave."""

    def _record(code, when, *, present="all", excused=None, po=None, by=None, **fields):
        po = po or branch
        people = {m.name: m for m in po.members.all()}
        excused = excused or {}
        attendance = []
        for name, m in people.items():
            if name in excused:
                attendance.append(services.AttendanceEntry(m.pk, "excused", excused[name]))
            elif present == "all" or name in present:
                attendance.append(services.AttendanceEntry(m.pk, "present"))
            else:
                attendance.append(services.AttendanceEntry(m.pk, "absent"))
        mt = meeting_type(po.committee, code)
        defaults = {"place": "党员活动室", "topic": f"{mt.name}测试", "status": "held"}
        if mt.is_lecture:
            defaults |= {"lecturer": "书记甲", "lecture_topic": "党课题目"}
        defaults.update(fields)
        starts_at = beijing(*when) if isinstance(when, tuple) else when
        return services.meeting_create(
            party_organization=po,
            meeting_type=mt,
            starts_at=starts_at,
            attendance=attendance,
            by=by or branch_secretary,
            **defaults,
        )

    return _record
