"""Meeting records and compliance pages. Thin: reads through selectors, writes through services.

Access: wrong role → 403; an object outside the user's scope → 404 (its existence is not revealed).
"""

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import access
from branches.access import acting_committee_id, require_acting_committee, role_required, staff_required
from branches.models import AuditEntry, Member, PartyOrganization, PartyOrgKind, Role
from core.errors import attempt
from core.formtokens import once, replay_safe
from core.numbers import whole_number
from core.uploads import private_file_response

from . import compliance, exports, selectors, services, snapshots
from .compliance_rules import FIRST_YEAR, recorded_years
from .forms import AttachmentForm, AttendanceFormSet, MeetingForm, RemoveAttachmentForm
from .models import AttendanceStatus, Meeting, MeetingAttachment, MeetingStatus

ANY_ROLE = (Role.STAFF, Role.SECRETARY, Role.INSPECTOR)
PO_SELECT_LIMIT = 200  # up to this many party organisations the list filters by a menu, beyond it by name


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except (TypeError, ValueError):
        return this_year
    return year if FIRST_YEAR <= year <= this_year + 1 else this_year


def _years():
    return recorded_years()


def _meeting_for(request, pk, *, for_edit=False) -> Meeting:
    """The meeting if the user may see it (edit: record it); else 404 or 403."""
    user = request.user
    if for_edit and not access.has_role_for(user, "meetings.record"):
        raise PermissionDenied
    meeting = get_object_or_404(selectors.meeting_detail_queryset(user), pk=pk)
    if for_edit and not selectors.can_record(user, meeting.party_organization_id):
        raise Http404
    return meeting


def _window(po: PartyOrganization) -> int:
    return services.meeting_settings_for(po.committee_id).edit_window_days


def _is_late(meeting: Meeting, window: int) -> bool:
    return timezone.now() > meeting.edit_deadline(window)


# --- list and detail ---------------------------------------------------------------------


@role_required(*ANY_ROLE)
def meeting_list(request):
    user = request.user
    year = _year(request) if request.GET.get("year") else None
    pos = selectors.party_organizations_with_meetings_visible_to(user).order_by("name")
    po_id = whole_number(request.GET.get("po"))
    type_code = request.GET.get("type", "")[:40]
    status = request.GET.get("status", "")
    if status not in MeetingStatus.values:
        status = ""
    qs = selectors.meeting_list(
        user, year=year, party_organization_id=po_id, meeting_type_code=type_code, status=status
    )
    if user.is_superuser:
        # a superuser sees the meetings of the committee they picked, like staff see their own
        committee_id = require_acting_committee(request)
        pos = pos.filter(committee_id=committee_id)
        qs = qs.filter(party_organization__committee_id=committee_id)
    else:
        committee_id = acting_committee_id(request)
    may_record = access.has_role_for(user, "meetings.record")
    show_po_filter = not may_record
    po_choices, po_chosen = [], ""
    po_search = request.GET.get("po_name", "").strip()[:100] if show_po_filter else ""
    if show_po_filter:
        po_choices = list(pos.values_list("pk", "name")[: PO_SELECT_LIMIT + 1])
        if len(po_choices) > PO_SELECT_LIMIT:
            po_choices = []
        if not po_choices and po_id:
            po_chosen = pos.filter(pk=po_id).values_list("name", flat=True).first() or ""
    if po_search:
        qs = qs.filter(
            Q(party_organization__name__icontains=po_search)
            | Q(partner_organization__name__icontains=po_search)
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    types = selectors.meeting_types_for(committee_id, active_only=False) if committee_id else []
    without_po = request.GET.copy()
    for key in ("page", "po", "po_name"):
        without_po.pop(key, None)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "years": _years(),
            "year": year,
            "show_po_filter": show_po_filter,
            "party_organizations": po_choices,
            "po_id": po_id,
            "po_chosen": po_chosen,
            "po_search": po_search,
            "without_po": without_po.urlencode(),
            "types": types,
            "type_code": type_code,
            "status": status,
            "statuses": MeetingStatus.choices,
            "can_create": may_record,
        },
    )


@role_required(*ANY_ROLE)
def meeting_detail(request, pk):
    meeting = _meeting_for(request, pk)
    window = _window(meeting.party_organization)
    can_edit = selectors.can_record(request.user, meeting.party_organization_id)
    history = (
        AuditEntry.objects.filter(target_type=Meeting._meta.label_lower, target_id=str(meeting.pk))
        .select_related("actor")
        .order_by("-at", "-pk")[:50]
    )
    attendance = list(meeting.attendance.all())
    tally = {s: sum(1 for a in attendance if a.status == s) for s in AttendanceStatus.values}
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "attendance": attendance,
            "tally": tally,
            "can_edit": can_edit,
            "late": _is_late(meeting, window),
            "window": window,
            "deadline": meeting.edit_deadline(window),
            "backfilled": meeting.is_backfilled(window),
            "history": history,
            "attachment_form": AttachmentForm() if can_edit else None,
        },
    )


# --- create and edit ---------------------------------------------------------------------


def _attendance_initial(members, attendance_by_member, meeting_type, *, creating):
    expected = {m.pk for m in services.expected_members(meeting_type, members)}
    initial = []
    for m in members:
        row = attendance_by_member.get(m.pk)
        if row is not None:
            initial.append({"member": m.pk, "status": row.status, "reason": row.reason})
        else:
            # New record: everyone expected starts as present; the secretary marks who was not there.
            status = AttendanceStatus.PRESENT if creating and m.pk in expected else ""
            initial.append({"member": m.pk, "status": status, "reason": ""})
    return initial, expected


def _entries(formset):
    return [
        services.AttendanceEntry(
            f.cleaned_data["member"], f.cleaned_data["status"], f.cleaned_data.get("reason", "")
        )
        for f in formset.forms
        if f.cleaned_data.get("status")
    ]


def _form_page(request, *, po, meeting=None, meeting_type=None):
    creating = meeting is None
    members = selectors.members_for_attendance(po.pk)
    member_qs = Member.objects.filter(party_organization=po).order_by("role", "name")
    types = selectors.meeting_types_for(po.committee_id)
    if meeting is not None and not meeting.meeting_type.is_active:
        types = types | selectors.meeting_types_for(po.committee_id, active_only=False).filter(
            pk=meeting.meeting_type_id
        )
    window = _window(po)
    late = bool(meeting) and _is_late(meeting, window)
    existing = {a.member_id: a for a in meeting.attendance.all()} if meeting else {}
    mt = meeting.meeting_type if meeting else meeting_type
    initial_rows, expected = _attendance_initial(members, existing, mt, creating=creating)
    if meeting:
        initial = {
            "meeting_type": meeting.meeting_type,
            "starts_at": timezone.localtime(meeting.starts_at),
            "status": meeting.status,
            "place": meeting.place,
            "topic": meeting.topic,
            "host": meeting.host,
            "minutes_taker": meeting.minutes_taker,
            "lecturer": meeting.lecturer,
            "lecture_topic": meeting.lecture_topic,
            "guests": meeting.guests,
            "minutes": meeting.minutes,
        }
    else:
        secretary = next((m for m in members if m.role == "secretary"), None)
        initial = {"meeting_type": meeting_type, "host": secretary, "status": MeetingStatus.HELD}
        date = request.GET.get("date", "")
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError:
            day = None
        if day:
            initial["starts_at"] = dt.datetime.combine(day, dt.time(14, 30))
        if meeting_type is not None and meeting_type.is_lecture and secretary:
            initial["lecturer"] = secretary.name
    kwargs = {"meeting_types": types, "members": member_qs, "late": late, "editing": not creating}
    attendance_errors = []
    if request.method == "POST":
        form = MeetingForm(request.POST, request.FILES, initial=initial, **kwargs)
        formset = AttendanceFormSet(request.POST, initial=initial_rows, prefix="att")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            fields = {k: data[k] for k in services.EDITABLE_FIELDS}
            with (
                attempt(
                    form=form, catch_denied=False, fields_elsewhere={"attendance": attendance_errors}
                ) as outcome,
                once(request, "meetings.meeting") as claim,
            ):
                if creating:
                    meeting = services.meeting_create(
                        party_organization=po,
                        attendance=_entries(formset),
                        uploads=data["attachments"],
                        by=request.user,
                        **fields,
                    )
                    claim.done(reverse("meetings:meeting-detail", args=[meeting.pk]))
                    messages.success(request, _("会议记录已保存。"))
                else:
                    meeting = services.meeting_update(
                        meeting=meeting,
                        by=request.user,
                        reason=data.get("reason", ""),
                        attendance=_entries(formset),
                        uploads=data["attachments"],
                        **fields,
                    )
                    messages.success(request, _("会议记录已修改。"))
            if outcome.ok:
                if meeting.below_quorum:
                    messages.warning(
                        request,
                        _("到会人数未过半（%(p)d/%(e)d），记录已保存，但不计入落实情况。")
                        % {"p": meeting.present_count, "e": meeting.entitled_count},
                    )
                return redirect("meetings:meeting-detail", pk=meeting.pk)
    else:
        form = MeetingForm(initial=initial, **kwargs)
        formset = AttendanceFormSet(initial=initial_rows, prefix="att")
    chosen = (getattr(form, "cleaned_data", None) or {}).get("meeting_type") or mt
    show_lecture = (
        chosen is None
        or chosen.is_lecture
        or bool(form["lecturer"].value())
        or bool(form["lecture_topic"].value())
        or bool(form["lecturer"].errors)
    )
    by_id = {m.pk: m for m in members}
    rows = []
    for i, f in enumerate(formset.forms):
        member = members[i] if i < len(members) else by_id.get(f.initial.get("member"))
        rows.append((f, member, member is not None and member.pk in expected))
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "po": po,
            "meeting": meeting if not creating else None,
            "form": form,
            "formset": formset,
            "rows": rows,
            "attendance_errors": attendance_errors,
            "late": late,
            "window": window,
            "meeting_type": mt,
            "show_lecture": show_lecture,
        },
    )


@role_required(Role.SECRETARY)
@replay_safe
def meeting_create(request):
    po = get_object_or_404(PartyOrganization, pk=request.user.party_organization_id)
    types = selectors.meeting_types_for(po.committee_id)
    code = request.GET.get("type", "")[:40]
    meeting_type = types.filter(code=code).first() if code else None
    if meeting_type is None and request.method == "GET":
        branch = compliance.branch_compliance(po.pk, timezone.localdate().year)
        states = {t.rule.code: t for t in branch.types}
        return render(
            request,
            "meetings/meeting_type_choice.html",
            {
                "po": po,
                "types": [(t, states.get(t.code)) for t in types],
            },
        )
    return _form_page(request, po=po, meeting_type=meeting_type)


@role_required(Role.SECRETARY)
@replay_safe
def meeting_edit(request, pk):
    meeting = _meeting_for(request, pk, for_edit=True)
    return _form_page(request, po=meeting.party_organization, meeting=meeting)


# --- attachments -------------------------------------------------------------------------


@role_required(Role.SECRETARY)
@require_POST
@replay_safe
def attachment_add(request, pk):
    meeting = _meeting_for(request, pk, for_edit=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("meetings:meeting-detail", pk=meeting.pk)
    with attempt(request, catch_denied=False) as outcome, once(request, "meetings.attachment") as claim:
        claim.done(reverse("meetings:meeting-detail", args=[meeting.pk]))
        services.meeting_update(
            meeting=meeting,
            by=request.user,
            reason=form.cleaned_data["reason"],
            uploads=form.cleaned_data["files"],
        )
    if outcome.ok:
        messages.success(request, _("已上传 %(n)d 个文件。") % {"n": len(form.cleaned_data["files"])})
    return redirect("meetings:meeting-detail", pk=meeting.pk)


def _attachment_for(request, pk, *, for_edit=False) -> MeetingAttachment:
    attachment = get_object_or_404(MeetingAttachment.objects.only("pk", "meeting_id"), pk=pk)
    meeting = _meeting_for(request, attachment.meeting_id, for_edit=for_edit)
    return get_object_or_404(MeetingAttachment, pk=pk, meeting=meeting)


@role_required(*ANY_ROLE)
def attachment_download(request, pk):
    attachment = _attachment_for(request, pk)
    return private_file_response(
        attachment.file, content_type=attachment.content_type, name=attachment.original_name
    )


@role_required(Role.SECRETARY)
@require_POST
def attachment_remove(request, pk):
    attachment = _attachment_for(request, pk, for_edit=True)
    form = RemoveAttachmentForm(request.POST)
    form.is_valid()
    with attempt(request, catch_denied=False) as outcome:
        services.meeting_attachment_remove(
            attachment=attachment, by=request.user, reason=form.cleaned_data.get("reason", "")
        )
    if outcome.ok:
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name})
    return redirect("meetings:meeting-detail", pk=attachment.meeting_id)


# --- compliance --------------------------------------------------------------------------


@role_required(*ANY_ROLE)
def compliance_branch(request, po_id):
    po = get_object_or_404(
        selectors.party_organizations_with_meetings_visible_to(request.user).select_related("committee"),
        pk=po_id,
    )
    year = _year(request)
    branch = compliance.branch_compliance(po.pk, year)
    meetings = list(selectors.meetings_of_year(po.pk, year))
    by_month = {m: [] for m in range(1, 13)}
    for meeting in meetings:
        by_month[timezone.localtime(meeting.starts_at, compliance.local_tz()).month].append(meeting)
    months = [(cell, by_month[cell.month]) for cell in branch.months]
    return render(
        request,
        "meetings/compliance_branch.html",
        {
            "po": po,
            "year": year,
            "years": _years(),
            "compliance": branch,
            "months": months,
            "can_record": selectors.can_record(request.user, po.pk),
        },
    )


SORTS = {
    "gaps": (lambda b: (-b["gaps"], b["name"]), _("缺口最多")),
    "rate": (lambda b: (b["rate"] if b["rate"] is not None else 101, b["name"]), _("达标率最低")),
    "name": (lambda b: (b["name"],), _("名称")),
}
OVERVIEW_PAGE_SIZE = 50


def _filtered_branches(rows: list[dict], *, region: str, kind: str, q: str) -> list[dict]:
    if region:
        rows = [b for b in rows if b["region"] == region]
    if kind:
        rows = [b for b in rows if b["kind"] == kind]
    if q:
        rows = [b for b in rows if q in b["name"]]
    return rows


@staff_required
def compliance_overview(request):
    """The committee's heat map and gap ranking, from the stored snapshot; worst first, filtered
    by region, kind of party organisation and name, 50 a page."""
    committee_id = require_acting_committee(request)
    year = _year(request)
    snapshot = snapshots.committee_snapshot(committee_id, year)
    summary = snapshot.summary
    sort = request.GET.get("sort", "gaps")
    if sort not in SORTS:
        sort = "gaps"
    regions = summary["regions"]
    region = request.GET.get("region", "")
    if region not in {code for code, _label in regions}:
        region = ""
    kind = request.GET.get("kind", "")
    if kind not in PartyOrgKind.values:
        kind = ""
    q = request.GET.get("q", "").strip()[:50]
    rows = sorted(_filtered_branches(snapshot.branches, region=region, kind=kind, q=q), key=SORTS[sort][0])
    page = Paginator(rows, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [snapshots.BranchRow.from_data(b) for b in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "meetings/compliance_overview.html",
        {
            "year": year,
            "years": _years(),
            "snapshot": snapshot,
            "summary": summary,
            "page": page,
            "ranking": page.object_list,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "sort": sort,
            "sorts": [(k, v[1]) for k, v in SORTS.items()],
            "regions": regions,
            "region": region,
            "kinds": PartyOrgKind.choices,
            "kind": kind,
            "q": q,
            "filtered": bool(region or kind or q),
            "months": range(1, 13),
        },
    )


@staff_required
def compliance_export(request):
    committee_id = require_acting_committee(request)
    year = _year(request)
    branches = compliance.committee_compliance(committee_id, year)
    content = exports.compliance_workbook(branches, year)
    response = HttpResponse(content, content_type=exports.XLSX)
    name = _("三会一课落实情况-%(y)d.xlsx") % {"y": year}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
