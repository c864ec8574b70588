"""两个覆盖 on a hand-computed register, and pages whose query count does not grow with their rows."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import selectors
from branches.models import OrgStatus, OrgType, PartyOrganization, PartyOrgKind
from tests import factories

pytestmark = pytest.mark.django_db

A, P, F = OrgType.ASSOCIATION, OrgType.PRIVATE_NON_ENTERPRISE, OrgType.FOUNDATION
WUHOU, JINJIANG, MIANYANG = "510107", "510104", "510700"


@pytest.fixture
def register(committee, other_committee):
    """Ten counted organisations of `committee`, and some that must not count.

    name  type  region   coverage                                   组织覆盖 工作覆盖
    A1    社团  武侯区    own 党支部 (and an instructor as well)        yes      yes
    A2    基金  武侯区    own 党支部                                    yes      yes
    A3    民非  锦江区    联合党支部 J                                   yes      yes
    A4    民非  锦江区    联合党支部 J                                   yes      yes
    A5    社团  绵阳市    联合党支部 J                                   yes      yes
    A6    社团  绵阳市    instructor only                               no       yes
    A7    基金  锦江区    liaison only                                  no       yes
    A8    社团  武侯区    nothing (on the abnormal list: still counts)  no       no
    A9    民非  绵阳市    only a revoked (inactive) 党支部               no       no
    A10   基金  绵阳市    only an instructor no longer in post          no       no
    D     社团  武侯区    own 党支部, but deregistered: not counted
    """

    def org(name, org_type, division, **kw):
        return factories.SocialOrganizationFactory(
            committee=committee, name=name, org_type=org_type, division=division, **kw
        )

    o = {
        "A1": org("A1", A, WUHOU),
        "A2": org("A2", F, WUHOU),
        "A3": org("A3", P, JINJIANG),
        "A4": org("A4", P, JINJIANG),
        "A5": org("A5", A, MIANYANG),
        "A6": org("A6", A, MIANYANG),
        "A7": org("A7", F, JINJIANG),
        "A8": org("A8", A, WUHOU, status=OrgStatus.ABNORMAL),
        "A9": org("A9", P, MIANYANG),
        "A10": org("A10", F, MIANYANG),
        "D": org("D", A, WUHOU, status=OrgStatus.DEREGISTERED),
    }
    branch = factories.PartyOrganizationFactory
    branch(committee=committee, organizations=[o["A1"]])
    branch(committee=committee, organizations=[o["A2"]])
    branch(committee=committee, kind=PartyOrgKind.JOINT_BRANCH, organizations=[o["A3"], o["A4"], o["A5"]])
    branch(committee=committee, organizations=[o["A9"]], is_active=False)
    branch(committee=committee, organizations=[o["D"]])
    factories.InstructorFactory(committee=committee, organizations=[o["A1"], o["A6"]])
    factories.InstructorFactory(committee=committee, kind="liaison", organizations=[o["A7"]])
    factories.InstructorFactory(committee=committee, organizations=[o["A10"]], is_active=False)
    # Another committee's organisations, covered and not, change nothing here.
    foreign = factories.SocialOrganizationFactory.create_batch(3, committee=other_committee, division=WUHOU)
    branch(committee=other_committee, organizations=[foreign[0]])
    return o


def _rows(rows):
    return {r.key: (r.label, r.total, r.party_covered, r.work_covered, r.org_rate, r.work_rate) for r in rows}


def test_overall_rates(committee, register):
    overall = selectors.coverage_report(committee.pk).overall
    assert (overall.total, overall.party_covered, overall.work_covered, overall.uncovered) == (10, 5, 7, 3)
    assert overall.org_rate == Decimal("50.0")
    assert overall.work_rate == Decimal("70.0")


def test_rates_per_region(committee, register):
    assert _rows(selectors.coverage_report(committee.pk).by_region) == {
        JINJIANG: ("锦江区", 3, 2, 3, Decimal("66.7"), Decimal("100.0")),
        WUHOU: ("武侯区", 3, 2, 2, Decimal("66.7"), Decimal("66.7")),
        MIANYANG: ("绵阳市", 4, 1, 2, Decimal("25.0"), Decimal("50.0")),
    }


def test_rates_per_type(committee, register):
    assert _rows(selectors.coverage_report(committee.pk).by_type) == {
        A: ("社会团体", 4, 2, 3, Decimal("50.0"), Decimal("75.0")),
        P: ("民办非企业单位（社会服务机构）", 3, 2, 2, Decimal("66.7"), Decimal("66.7")),
        F: ("基金会", 3, 1, 2, Decimal("33.3"), Decimal("66.7")),
    }


def test_the_uncovered_list(committee, register):
    assert [o.name for o in selectors.uncovered_organizations(committee.pk)] == ["A8", "A10", "A9"]


def test_the_other_committee_sees_only_its_own(other_committee, register):
    overall = selectors.coverage_report(other_committee.pk).overall
    assert (overall.total, overall.party_covered, overall.work_covered) == (3, 1, 1)


def test_an_empty_committee_has_no_rate(committee):
    overall = selectors.coverage_report(committee.pk).overall
    assert (overall.total, overall.org_rate, overall.work_rate) == (0, None, None)


def test_the_coverage_page_shows_the_figures(staff_client, register):
    response = staff_client.get(reverse("branches:coverage"))
    assert response.status_code == 200
    html = response.content.decode()
    overall = html.split('id="coverage-overall"')[1].split("</div>\n<h2>")[0]
    assert "50.0%" in overall and "5/10" in overall
    assert "70.0%" in overall and "7/10" in overall
    uncovered = html.split('id="uncovered"')[1].split("</table>")[0]
    for name in ("A8", "A9", "A10"):
        assert f">{name}</a>" in uncovered
    for name in ("A1", "A6", "A7", "D"):
        assert f">{name}</a>" not in uncovered
    assert "锦江区" in html and "100.0%" in html


def test_the_home_page_shows_the_overall_rates_to_staff(staff_client, register):
    html = staff_client.get(reverse("home")).content.decode()
    assert "50.0%" in html and "70.0%" in html


# --- the query count does not grow with the number of rows ----------------------------------------


def _grow_register(committee, start, stop):
    """Organisations i in [start, stop): a quarter each with own branch, joint branch, instructor,
    nothing; types and regions rotate; branches have members and a parent."""
    parent = factories.PartyOrganizationFactory(
        committee=committee, kind=PartyOrgKind.COMMITTEE, name=f"上级党委{start}"
    )
    types, regions = [A, P, F], [WUHOU, JINJIANG, MIANYANG, "510000"]
    pending_joint = []
    for i in range(start, stop):
        org = factories.SocialOrganizationFactory(
            committee=committee,
            org_type=types[i % 3],
            division=regions[i % 4],
            is_trade_association=i % 5 == 0,
        )
        kind = i % 4
        if kind == 0:
            factories.PartyOrganizationFactory(
                committee=committee, organizations=[org], parent=parent, with_members=3
            )
        elif kind == 1:
            pending_joint.append(org)
            if len(pending_joint) == 2:
                factories.PartyOrganizationFactory(
                    committee=committee,
                    kind=PartyOrgKind.JOINT_BRANCH,
                    organizations=pending_joint,
                    with_members=2,
                )
                pending_joint = []
        elif kind == 2:
            factories.InstructorFactory(committee=committee, organizations=[org])


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name",
    ["branches:coverage", "branches:organization-list", "branches:party-organization-list", "home"],
)
def test_page_queries_do_not_grow_with_the_register(staff_client, committee, url_name):
    url = reverse(url_name)
    _grow_register(committee, 0, 5)
    small = _count(staff_client, url)
    _grow_register(committee, 5, 60)
    large = _count(staff_client, url)
    assert small == large, f"{url}: {small} queries with 5 organisations, {large} with 60"
    # 13: the staff home counts the waiting and failed outbox messages (one grouped query).
    assert large <= (13 if url_name == "home" else 12)


@pytest.mark.parametrize("query", ["?covered=none", "?org_type=foundation", f"?division={WUHOU}", "?q=测试"])
def test_filtered_organisation_list_queries_do_not_grow(staff_client, committee, query):
    url = reverse("branches:organization-list") + query
    _grow_register(committee, 0, 8)
    small = _count(staff_client, url)
    _grow_register(committee, 8, 80)
    assert _count(staff_client, url) == small


def test_party_organisation_detail_queries_do_not_grow_with_members(staff_client, committee):
    po = factories.PartyOrganizationFactory(committee=committee, with_members=2)
    url = reverse("branches:party-organization-detail", args=[po.pk])
    small = _count(staff_client, url)
    factories.MemberFactory.create_batch(40, party_organization=po)
    assert _count(staff_client, url) == small


def test_a_party_organisations_region_is_that_of_its_primary_organisation(committee):
    first = factories.SocialOrganizationFactory(committee=committee, division=JINJIANG)
    second = factories.SocialOrganizationFactory(committee=committee, division=WUHOU)
    joint = factories.PartyOrganizationFactory(
        committee=committee, kind=PartyOrgKind.JOINT_BRANCH, organizations=[second, first]
    )
    own = factories.PartyOrganizationFactory(committee=committee, organizations=[second])
    none = factories.PartyOrganizationFactory(committee=committee, organizations=[])
    ids = [joint.pk, own.pk, none.pk]
    with CaptureQueriesContext(connection) as queries:
        regions = selectors.regions_of(ids)
    assert regions == {joint.pk: JINJIANG, own.pk: WUHOU} and len(queries) == 1  # the first by id
    # ids or a queryset of ids
    assert selectors.regions_of(PartyOrganization.objects.filter(pk=own.pk).values("pk")) == {own.pk: WUHOU}


def test_the_coverage_workbook_has_the_regions_and_the_types(committee, register):
    from openpyxl import load_workbook

    from ratings.reports import xlsx as reports

    report = selectors.coverage_report(committee.pk)
    wb = load_workbook(io.BytesIO(reports.coverage_xlsx(report)))
    by_region, by_type = wb.worksheets
    rows = list(by_region.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 + len(report.by_region) and len(list(by_type.iter_rows(min_row=2))) == len(
        report.by_type
    )
    overall = report.overall
    assert (
        rows[0][:3] == (overall.label, overall.total, overall.party_covered)
        and rows[0][6] == overall.uncovered
    )
