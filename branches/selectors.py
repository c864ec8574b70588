"""Reads of the register scoped to a user; what each role may see is decided by `branches.access`."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, IntegerField, Q, QuerySet, Value
from django.utils.translation import gettext as _

from . import access
from . import uscc as uscc_rules
from .models import (
    Division,
    Instructor,
    Member,
    OrgStatus,
    OrgType,
    PartyOrganization,
    SocialOrganization,
    User,
)


def _scoped(qs: QuerySet, user: User, *, committee_path: str, party_org_path: str | None) -> QuerySet:
    return access.scoped(
        qs, user, "register.view", access.Paths(committee=committee_path, party_organization=party_org_path)
    )


def organizations_visible_to(user: User) -> QuerySet[SocialOrganization]:
    return _scoped(
        SocialOrganization.objects.all(),
        user,
        committee_path="committee",
        party_org_path="party_organizations",
    )


def party_organizations_visible_to(user: User) -> QuerySet[PartyOrganization]:
    return _scoped(PartyOrganization.objects.all(), user, committee_path="committee", party_org_path="pk")


def members_visible_to(user: User) -> QuerySet[Member]:
    return _scoped(
        Member.objects.all(),
        user,
        committee_path="party_organization__committee",
        party_org_path="party_organization",
    )


def instructors_visible_to(user: User) -> QuerySet[Instructor]:
    return _scoped(Instructor.objects.all(), user, committee_path="committee", party_org_path=None)


def organization_list(
    user: User,
    *,
    search: str = "",
    org_type: str = "",
    division: str = "",
    status: str = "",
    covered: str = "",
) -> QuerySet[SocialOrganization]:
    qs = organizations_visible_to(user).with_coverage()
    if search:
        search = search.strip()
        qs = qs.filter(Q(name__icontains=search) | Q(uscc__startswith=search.upper()))
    if org_type:
        qs = qs.filter(org_type=org_type)
    if division:
        qs = qs.filter(division_code=division)
    if status:
        qs = qs.filter(status=status)
    if covered == "party":
        qs = qs.filter(has_party_org=True)
    elif covered == "instructor":
        qs = qs.filter(has_party_org=False, has_instructor=True)
    elif covered == "none":
        qs = qs.filter(has_party_org=False, has_instructor=False)
    return qs.order_by("name", "pk")


def party_organization_list(user: User, *, search: str = "") -> QuerySet[PartyOrganization]:
    qs = party_organizations_visible_to(user).annotate(
        full_members=Count("members", filter=Q(members__membership="full"), distinct=True),
        all_members=Count("members", distinct=True),
        org_count=Count("organizations", distinct=True),
    )
    if search:
        qs = qs.filter(name__icontains=search.strip())
    return qs.select_related("parent", "committee").order_by("name", "pk")


# --- Coverage ("两个覆盖") -------------------------------------------------------------------


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class CoverageRow:
    key: str
    label: str
    total: int
    party_covered: int
    work_covered: int

    @property
    def org_rate(self):
        return _rate(self.party_covered, self.total)

    @property
    def work_rate(self):
        return _rate(self.work_covered, self.total)

    @property
    def uncovered(self):
        return self.total - self.work_covered


@dataclass
class CoverageReport:
    overall: CoverageRow
    by_region: list[CoverageRow] = field(default_factory=list)
    by_type: list[CoverageRow] = field(default_factory=list)


def _coverage_cells(qs):
    """Counts per (division, type): one grouped query over the organisations, whatever they number.

    Whether an organisation is covered by a party organisation, and by an instructor, is asked
    once each: an uncorrelated IN subquery in the select list (PostgreSQL builds its hash once),
    grouped by along with division and type; the up to four rows per cell are added up here.
    """
    party = PartyOrganization.organizations.through.objects.filter(partyorganization__is_active=True).values(
        "socialorganization_id"
    )
    instructed = Instructor.organizations.through.objects.filter(instructor__is_active=True).values(
        "socialorganization_id"
    )
    rows = (
        qs.annotate(
            by_party=ExpressionWrapper(Q(pk__in=party), output_field=BooleanField()),
            by_instructor=ExpressionWrapper(Q(pk__in=instructed), output_field=BooleanField()),
        )
        .values("division_code", "org_type", "by_party", "by_instructor")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cells: dict[tuple[str, str], dict] = {}
    for r in rows:
        cell = cells.setdefault(
            (r["division_code"], r["org_type"]),
            {
                "division_code": r["division_code"],
                "org_type": r["org_type"],
                "total": 0,
                "party_covered": 0,
                "work_covered": 0,
            },
        )
        cell["total"] += r["n"]
        cell["party_covered"] += r["n"] if r["by_party"] else 0
        cell["work_covered"] += r["n"] if r["by_party"] or r["by_instructor"] else 0
    return list(cells.values())


def _sum_by(cells, key) -> dict[str, list[int]]:
    sums: dict[str, list[int]] = {}
    for c in cells:
        acc = sums.setdefault(c[key], [0, 0, 0])
        acc[0] += c["total"]
        acc[1] += c["party_covered"]
        acc[2] += c["work_covered"]
    return dict(sorted(sums.items()))


def coverage_report(committee_id: int) -> CoverageReport:
    """组织覆盖率 and 工作覆盖率 for a committee, per region and per type: one aggregate query over
    the organisations (grouped by division and type, summed here) plus one for region names,
    whatever the number of organisations. Deregistered organisations do not count."""
    cells = _coverage_cells(SocialOrganization.objects.filter(committee_id=committee_id).counted())
    regions = _sum_by(cells, "division_code")
    names = dict(Division.objects.filter(code__in=list(regions)).values_list("code", "name"))
    by_region = [CoverageRow(code, names.get(code, code), *counts) for code, counts in regions.items()]
    type_labels = dict(OrgType.choices)
    by_type = [
        CoverageRow(t, str(type_labels.get(t, t)), *counts)
        for t, counts in _sum_by(cells, "org_type").items()
    ]
    overall = CoverageRow(
        "all",
        _("合计"),
        sum(r.total for r in by_region),
        sum(r.party_covered for r in by_region),
        sum(r.work_covered for r in by_region),
    )
    return CoverageReport(overall=overall, by_region=by_region, by_type=by_type)


def uncovered_organizations(committee_id: int) -> QuerySet[SocialOrganization]:
    """Organisations with neither a party organisation nor an instructor (no work coverage)."""
    return (
        SocialOrganization.objects.filter(committee_id=committee_id)
        .counted()
        .with_coverage()
        .filter(has_party_org=False, has_instructor=False)
        .order_by("division_code", "name")
    )


def divisions_in_use(committee_id: int) -> list[tuple[str, str]]:
    codes = list(
        SocialOrganization.objects.filter(committee_id=committee_id)
        .values_list("division_code", flat=True)
        .distinct()
        .order_by("division_code")
    )
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [(c, f"{c} {names.get(c, '')}".strip()) for c in codes]


def regions_of(party_organization_ids) -> dict[int, str]:
    """Region (division code) of each of the party organisations `party_organization_ids` (ids, or
    a queryset of ids): that of its primary organisation, the first it covers by id, as in the
    rating's tallies. One query; a party organisation that covers none is left out."""
    through = (
        PartyOrganization.organizations.through.objects.filter(
            partyorganization_id__in=party_organization_ids
        )
        .order_by("partyorganization_id", "socialorganization_id")
        .values_list("partyorganization_id", "socialorganization__division_code")
    )
    primary: dict[int, str] = {}
    for po_id, division in through:
        primary.setdefault(po_id, division)
    return primary


ORG_STATUS_CHOICES = OrgStatus.choices


def uscc_registered(codes: list[str], committee_id: int) -> tuple[set[str], set[str]]:
    """Which of `codes` are registered: (in this committee, in any other). Only for deciding what
    to refuse; the second set is never shown to the user (see `uscc.not_importable_here`)."""
    here: set[str] = set()
    elsewhere: set[str] = set()
    for i in range(0, len(codes), 900):  # stay under SQLite's parameter limit
        for code, owner in SocialOrganization.objects.filter(uscc__in=codes[i : i + 900]).values_list(
            "uscc", "committee_id"
        ):
            (here if owner == committee_id else elsewhere).add(code)
    return here, elsewhere


def uscc_taken_message(code: str, committee_id: int | None) -> str:
    """What to say about a code that is registered already, without naming another committee."""
    if SocialOrganization.objects.filter(uscc=code, committee_id=committee_id).exists():
        return uscc_rules.registered_here(code)
    return uscc_rules.not_importable_here()


# The star level is the rating's; it tells the register how to read it (see ratings.apps), so the
# register lists show it without importing upwards.
_level_sources: list = []


def register_level_source(source) -> None:
    """`source()` returns an expression giving a party organisation's current star level (the row
    is the queryset's, `OuterRef("pk")`), or None when it has none in force."""
    if source not in _level_sources:
        _level_sources.append(source)


def with_star_level(qs: QuerySet) -> QuerySet:
    """`qs` (party organisations) annotated with `star_level`."""
    expression = _level_sources[0]() if _level_sources else Value(None, output_field=IntegerField())
    return qs.annotate(star_level=expression)
