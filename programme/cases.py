"""典型经验 case library: staff draft a good-practice case of a branch, send it to review, publish
it (or send it back), and withdraw it when it no longer stands. Published cases are public (no
personal data: the branch, its region, the indicators, the text and the photos); a secretary is
shown the cases that fit the indicators where their branch lost the most points.

Edges (`EDGES`): submit {draft} → in review; publish {in review} → published; send back
{in review} → draft; withdraw {in review, published} → withdrawn. Content is edited in draft."""

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import Division, PartyOrganization, User
from branches.selectors import regions_of
from branches.services import audit_record
from core.locking import locked
from core.uploads import IMAGES, sniff
from ratings.models import Cycle, FinalScore, Indicator, Status

from .models import Case, CasePhoto

State = Case.State
EDGES = {
    "submit": ({State.DRAFT}, State.IN_REVIEW),
    "publish": ({State.IN_REVIEW}, State.PUBLISHED),
    "send_back": ({State.IN_REVIEW}, State.DRAFT),
    "withdraw": ({State.IN_REVIEW, State.PUBLISHED}, State.WITHDRAWN),
}
MAX_PHOTOS = 9
# Results may inform what a branch is shown only once they are out (公示 or final): a reviewed
# result of a cycle still in review is not yet the branch's to know.
RESULTS_OUT = (Cycle.Status.PUBLISHED, Cycle.Status.FINAL)


def indicators_for(committee_id: int) -> QuerySet[Indicator]:
    """The indicators a case can illustrate: those of the committee's latest rating cycle's rubric."""
    cycle = Cycle.objects.filter(committee_id=committee_id).order_by("-year").first()
    if cycle is None:
        return Indicator.objects.none()
    return Indicator.objects.filter(category__rubric_id=cycle.rubric_id).order_by(
        "category__order", "order", "pk"
    )


def _check(case: Case, indicators) -> None:
    errors = {}
    if not (case.title or "").strip():
        errors["title"] = _("请填写标题。")
    if not (case.text or "").strip():
        errors["text"] = _("请填写正文。")
    if case.party_organization.committee_id != case.committee_id:
        errors["party_organization"] = _("须是本综合党委的党组织。")
    allowed = set(indicators_for(case.committee_id).values_list("pk", flat=True))
    if any(i.pk not in allowed for i in indicators):
        errors["indicators"] = _("请选择本综合党委测评标准中的指标。")
    if errors:
        raise ValidationError(errors)


def case_create(
    *, committee_id: int, party_organization: PartyOrganization, title: str, text: str, indicators, by: User
) -> Case:
    """Staff draft a case of one of their committee's branches."""
    case = Case(
        committee_id=committee_id,
        party_organization=party_organization,
        title=(title or "").strip(),
        text=(text or "").strip(),
        created_by=by,
    )
    access.require(by, "programme.manage", case)
    indicators = list(indicators)
    _check(case, indicators)
    case.full_clean()
    with transaction.atomic():
        case.save()
        case.indicators.set(indicators)
        audit_record(actor=by, action="case.create", target=case, after={"title": case.title})
    return case


def case_update(*, case: Case, title: str, text: str, party_organization, indicators, by: User) -> Case:
    """Staff edit a draft."""
    access.require(by, "programme.manage", case)
    indicators = list(indicators)
    with transaction.atomic():
        case = locked(case)
        if case.state != State.DRAFT:
            raise ValidationError(_("只有草稿可以修改；请先退回修改。"))
        before = {"title": case.title, "text": case.text[:200]}
        case.title, case.text = (title or "").strip(), (text or "").strip()
        case.party_organization = party_organization
        _check(case, indicators)
        case.full_clean()
        case.save()
        case.indicators.set(indicators)
        audit_record(
            actor=by,
            action="case.update",
            target=case,
            before=before,
            after={"title": case.title, "text": case.text[:200]},
        )
    return case


def case_transition(*, case: Case, edge: str, by: User) -> Case:
    """One step of the case's review: submit, publish, send back or withdraw."""
    access.require(by, "programme.manage", case)
    sources, target = EDGES[edge]
    with transaction.atomic():
        case = locked(case)
        if case.state not in sources:
            raise ValidationError(
                _("典型经验当前状态为“%(state)s”，不能进行此操作。") % {"state": case.get_state_display()}
            )
        before = case.state
        case.state = target
        if target == State.PUBLISHED:
            case.published_at = timezone.now()
        case.save(update_fields=["state", "published_at"])
        audit_record(
            actor=by, action=f"case.{edge}", target=case, before={"state": before}, after={"state": target}
        )
    return case


def case_photo_add(*, case: Case, upload, by: User) -> CasePhoto:
    """Staff add a photo to a draft: checked by content and re-encoded (core.uploads)."""
    access.require(by, "programme.manage", case)
    with transaction.atomic():
        case = locked(case)
        if case.state != State.DRAFT:
            raise ValidationError(_("只有草稿可以添加照片。"))
        if case.photos.count() >= MAX_PHOTOS:
            raise ValidationError(_("每篇典型经验最多 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        mime = sniff(upload, IMAGES)
        photo = CasePhoto(case=case, original_name=upload.name[:200], content_type=mime, size=upload.size)
        photo.file.save(upload.name, upload, save=False)
        try:
            photo.save()
            audit_record(actor=by, action="case.photo_add", target=case, after={"file": photo.original_name})
        except BaseException:
            photo.file.storage.delete(photo.file.name)
            raise
    return photo


# --- reads --------------------------------------------------------------------------------------


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Staff: every case of their committee, in any state."""
    paths = access.Paths(committee="committee")
    return access.scoped(Case.objects.all(), user, "programme.manage", paths)


def published_cases() -> QuerySet[Case]:
    return (
        Case.objects.filter(state=State.PUBLISHED)
        .select_related("party_organization")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("category__order", "order", "pk")),
            Prefetch("photos", queryset=CasePhoto.objects.order_by("pk")),
        )
        .order_by("-published_at", "-pk")
    )


def public_filters() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(indicators, regions) that published cases have, as (value, label) choices: three queries."""
    indicators = dict(
        Indicator.objects.filter(
            pk__in=Case.indicators.through.objects.filter(case__state=State.PUBLISHED).values("indicator_id")
        )
        .order_by("code")
        .values_list("code", "title")
    )
    pos = Case.objects.filter(state=State.PUBLISHED).values_list("party_organization_id", flat=True)
    codes = sorted(set(regions_of(pos).values()) - {""})
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return (
        [(code, f"{code} {title}") for code, title in indicators.items()],
        [(code, names.get(code, code)) for code in codes],
    )


def filter_public(qs: QuerySet[Case], *, indicator: str = "", region: str = "") -> QuerySet[Case]:
    if indicator:
        qs = qs.filter(indicators__code=indicator).distinct()
    if region:
        covered = PartyOrganization.organizations.through.objects.filter(
            socialorganization__division_code=region
        )
        qs = qs.filter(party_organization_id__in=covered.values("partyorganization_id"))
    return qs


def weakest_codes(party_organization_id: int, n: int = 3) -> list[str]:
    """The codes of the indicators where the branch lost the most points in its latest reviewed
    result of a cycle whose results are out — published or final (one query)."""
    rows = (
        FinalScore.objects.filter(
            submission__party_organization_id=party_organization_id,
            submission__status=Status.REVIEWED,
            submission__cycle__status__in=RESULTS_OUT,
        )
        .select_related("indicator", "submission__cycle")
        .order_by("-submission__cycle__year")
    )
    latest_year, lost = None, Counter()
    for fs in rows:
        year = fs.submission.cycle.year
        if latest_year is None:
            latest_year = year
        if year != latest_year:
            break
        lost[fs.indicator.code] += float(fs.indicator.max_score - fs.score)
    return [code for code, points in lost.most_common() if points > 0][:n]


def cases_for_branch(party_organization_id: int, committee_id: int, limit: int = 5) -> list[Case]:
    """Published cases of the committee that illustrate the branch's weakest indicators."""
    codes = weakest_codes(party_organization_id)
    if not codes:
        return []
    qs = (
        published_cases()
        .filter(committee_id=committee_id, indicators__code__in=codes)
        .exclude(party_organization_id=party_organization_id)
        .distinct()
    )
    return list(qs[:limit])
