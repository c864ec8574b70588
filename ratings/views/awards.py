"""命名、证书、牌匾: awards, their certificates and plaques (staff; the branch secretary downloads
their own certificate), and downgrade or revocation."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.access import staff_required
from core.errors import attempt
from core.uploads import made_file_response, private_file_response

from ..models import Award, AwardEvent, Cycle, RatingSettings, level_name
from ..outcomes import awards as award_services
from ..outcomes import certificates
from ..workflow.selectors import cycles_visible_to
from .forms_results import AwardDowngradeForm, AwardFilterForm, AwardRevokeForm, PlaqueForm
from .outcome_access import (
    PAGE_SIZE,
    award_for,
    is_committee_staff,
    outcomes_scoped,
    staff_or_secretary,
)


def _award_filter(qs, state: str, plaque: str):
    today = timezone.localdate()
    if state == "valid":
        qs = qs.filter(Award.in_force_q(today), state=Award.State.VALID)
    elif state == "expired":
        qs = qs.filter(state=Award.State.VALID).exclude(Award.in_force_q(today))
    elif state:
        qs = qs.filter(state=state)
    if plaque == "not_made":
        qs = qs.filter(plaque__made_on__isnull=True)
    elif plaque == "not_delivered":
        qs = qs.filter(plaque__made_on__isnull=False, plaque__delivered_on__isnull=True)
    elif plaque == "delivered":
        qs = qs.filter(plaque__delivered_on__isnull=False)
    elif plaque == "return_due":
        qs = qs.filter(plaque__return_due_on__isnull=False, plaque__returned_on__isnull=True)
    elif plaque == "returned":
        qs = qs.filter(plaque__returned_on__isnull=False)
    return qs


@staff_required
@require_GET
def award_list(request):
    cycles = list(cycles_visible_to(request.user).exclude(status=Cycle.Status.DRAFT).order_by("-year"))
    form = AwardFilterForm(request.GET or None, cycles=cycles)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = outcomes_scoped(Award.objects.all(), request.user, committee_path="cycle__committee")
    if filters.get("cycle"):
        qs = qs.filter(cycle_id=filters["cycle"])
    qs = _award_filter(qs, filters.get("state", ""), filters.get("plaque", ""))
    qs = qs.select_related("party_organization", "cycle", "plaque").order_by("-cycle__year", "seq")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ratings/results/award_list.html",
        {
            "form": form,
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
            "cycle": next((c for c in cycles if c.pk == filters.get("cycle")), None),
        },
    )


def _render_award(request, award, *, downgrade_form=None, revoke_form=None, plaque_form=None, status=200):
    plaque = award.plaque
    can_change = award.state != Award.State.REVOKED and award.public_state != "expired"
    return render(
        request,
        "ratings/results/award_detail.html",
        {
            "award": award,
            "plaque": plaque,
            "orgs": list(award.party_organization.organizations.values_list("name", flat=True)),
            "events": list(award.events.select_related("by").order_by("at", "pk")),
            "grounds": award_services.GROUNDS,
            "can_change": can_change,
            "downgrade_form": downgrade_form or AwardDowngradeForm(award=award, prefix="down"),
            "revoke_form": revoke_form or AwardRevokeForm(prefix="revoke"),
            "plaque_form": plaque_form
            or PlaqueForm(initial={f: getattr(plaque, f) for f in PlaqueForm.FIELDS}),
            "verify_url": reverse("ratings:verify", args=[award.token]),
        },
        status=status,
    )


@staff_required
@require_GET
def award_detail(request, pk):
    return _render_award(request, award_for(request, pk))


def _plaque_consequence(award) -> str:
    plaque = getattr(award, "plaque", None)
    if plaque and plaque.delivered_on and not plaque.returned_on:
        days = RatingSettings.for_committee(award.cycle.committee_id).plaque_return_days
        return _("牌匾已于 %(on)s 授予，须在 %(days)d 天内（%(due)s 前）退回。") % {
            "on": plaque.delivered_on,
            "days": days,
            "due": timezone.localdate() + dt.timedelta(days=days),
        }
    if plaque and plaque.returned_on:
        return _("牌匾已于 %(on)s 退回。") % {"on": plaque.returned_on}
    return _("牌匾尚未授予，不再授牌。")


def _confirm_change(request, award, form, *, action, title, consequences):
    """The confirmation of a downgrade or revocation: what it does, with what the user typed kept in
    hidden fields; a chosen file cannot be carried over, so the evidence is chosen here."""
    evidence = form["evidence"]
    chosen = form.cleaned_data.get("evidence")
    return render(
        request,
        "ratings/results/confirm.html",
        {
            "cycle": award.cycle,
            "back_url": reverse("ratings:award-detail", args=[award.pk]),
            "back_label": award.certificate_no,
            "action_url": reverse(action, args=[award.pk]),
            "title": title,
            "fields": {
                form[name].html_name: form.data.get(form[name].html_name, "")
                for name in form.fields
                if name != "evidence"
            },
            "file_field": evidence,
            "file_note": _("请在此重新选择依据材料（已选择：%(name)s）。") % {"name": chosen.name}
            if chosen
            else _("如有依据材料，可在此选择。"),
            "consequences": consequences,
            "button": title,
        },
    )


@staff_required
@require_POST
def award_downgrade(request, pk):
    """Dynamic management: lower the star during its validity, with grounds, reason and evidence."""
    award = award_for(request, pk)
    form = AwardDowngradeForm(request.POST, request.FILES, award=award, prefix="down")
    if form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") != "1":
            return _confirm_change(
                request,
                award,
                form,
                action="ratings:award-downgrade",
                title=_("确认降级"),
                consequences=[
                    _("%(po)s 的星级将由%(before)s降为%(after)s（事由：%(grounds)s）。")
                    % {
                        "po": award.party_organization,
                        "before": level_name(award.level),
                        "after": level_name(data["to_level"]),
                        "grounds": award_services.GROUNDS[data["grounds"]],
                    },
                    _("证书 %(number)s 及牌匾上的%(before)s不再有效，公开核验页面即时显示%(after)s。")
                    % {
                        "number": award.certificate_no,
                        "before": level_name(award.level),
                        "after": level_name(data["to_level"]),
                    },
                    _("降级不能撤销。"),
                ],
            )
        with attempt(form=form) as outcome:
            award = award_services.award_downgrade(
                award=award,
                to_level=data["to_level"],
                grounds=data["grounds"],
                reason=data["reason"],
                by=request.user,
                evidence=data["evidence"] or None,
            )
        if outcome.ok:
            messages.success(
                request, _("已降为%(level)s，核验页面即时显示。") % {"level": level_name(award.level)}
            )
            return redirect("ratings:award-detail", pk=award.pk)
    return _render_award(request, award, downgrade_form=form)


@staff_required
@require_POST
def award_revoke(request, pk):
    """Revoke the star; a delivered plaque must be returned within the committee's period."""
    award = award_for(request, pk)
    form = AwardRevokeForm(request.POST, request.FILES, prefix="revoke")
    if form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") != "1":
            return _confirm_change(
                request,
                award,
                form,
                action="ratings:award-revoke",
                title=_("确认撤销命名"),
                consequences=[
                    _("%(po)s 的%(level)s命名将被撤销（事由：%(grounds)s），星级变为“已撤销”。")
                    % {
                        "po": award.party_organization,
                        "level": level_name(award.level),
                        "grounds": award_services.GROUNDS[data["grounds"]],
                    },
                    _("证书 %(number)s 作废，公开核验页面即时显示“已撤销”，支部书记不能再下载证书。")
                    % {"number": award.certificate_no},
                    _plaque_consequence(award),
                    _("撤销不能恢复。"),
                ],
            )
        with attempt(form=form) as outcome:
            award = award_services.award_revoke(
                award=award,
                grounds=data["grounds"],
                reason=data["reason"],
                by=request.user,
                evidence=data["evidence"] or None,
            )
        if outcome.ok:
            messages.success(request, _("星级命名已撤销，核验页面即时显示“已撤销”。"))
            return redirect("ratings:award-detail", pk=award.pk)
    return _render_award(request, award, revoke_form=form)


@staff_required
@require_POST
def plaque_update(request, pk):
    """牌匾登记: made, delivered (by whom, received by), returned."""
    award = award_for(request, pk)
    form = PlaqueForm(request.POST)
    if form.is_valid():
        changes = form.changes(award.plaque)
        if not changes:
            messages.info(request, _("牌匾登记没有变化。"))
            return redirect("ratings:award-detail", pk=award.pk)
        with attempt(form=form) as outcome:
            award_services.plaque_update(plaque=award.plaque, by=request.user, **changes)
        if outcome.ok:
            messages.success(request, _("牌匾登记已保存。"))
            return redirect("ratings:award-detail", pk=award.pk)
    return _render_award(request, award, plaque_form=form)


@staff_or_secretary
@require_GET
def certificate_pdf(request, pk):
    """The certificate as PDF: committee staff, and the branch's own secretary."""
    award = award_for(request, pk, secretary_too=True)
    if not is_committee_staff(request.user) and award.state == Award.State.REVOKED:
        messages.error(request, _("该星级命名已撤销，证书不能再下载。"))
        return redirect("ratings:branch-history", pk=award.party_organization_id)
    pdf = certificates.certificate_pdf(award, site_url=settings.SITE_URL)
    return made_file_response(pdf, f"{award.certificate_no}.pdf", "application/pdf")


@staff_required
@require_GET
def award_evidence(request, pk):
    event = get_object_or_404(
        outcomes_scoped(
            AwardEvent.objects.exclude(evidence=""), request.user, committee_path="award__cycle__committee"
        ),
        pk=pk,
    )
    return private_file_response(
        event.evidence, content_type="application/octet-stream", name=event.evidence_name or "evidence"
    )
