"""Public pages, no login: the 公示 of a cycle, the objection form, certificate verification.

Safe for anonymous visitors: they show what the notice makes public (organisations, party
organisation, proposed star level) and nothing else — no member names, no objectors' contacts,
no scores. Input is bounded by the forms; the rate limit per address and the refusal of a
duplicate text are the service's (ratings.outcomes.objections.objection_file). Against bots the
objection form has a honeypot field and, from an address's second objection on, a CAPTCHA drawn
here (django-simple-captcha). The address is core.clientip's: the visitor's, behind the
configured proxies. Unknown certificates all get the same plain answer.
"""

import re
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from branches.models import SocialOrganization
from core.clientip import client_ip
from core.errors import attempt
from core.formtokens import once, refuse_replay, replay_safe
from core.numbers import whole_number

from ..models import Award, Cycle, Objection, Submission, level_name
from ..outcomes.objections import objection_file, objection_needs_captcha, objection_public_status
from ..outcomes.publication import NOTICE_CACHE_SECONDS, listed_results, public_notice_cache_key
from .forms_results import ObjectionForm, VerifyLookupForm

PUBLIC_STATES = (Cycle.Status.PUBLISHED, Cycle.Status.FINAL)
SESSION_KEY = "objection_received"


def _public_cycle(pk) -> Cycle:
    """Only published (or final) cycles have a public page; any other pk is a 404."""
    return get_object_or_404(Cycle.objects.select_related("committee"), pk=pk, status__in=PUBLIC_STATES)


def notice_state(cycle: Cycle, today=None) -> str:
    """ "open", "not_started" or "ended" — the same test as ratings.outcomes.publication.notice_is_open."""
    today = today or timezone.localdate()
    if cycle.status == Cycle.Status.FINAL or cycle.notice_ends_on is None or today > cycle.notice_ends_on:
        return "ended"
    if today < cycle.notice_starts_on:
        return "not_started"
    return "open"


def _closed_message(state: str) -> str:
    if state == "not_started":
        return _("公示期未开始，暂不受理异议。")
    return _("公示期已结束，不再受理异议。")


NOTICE_PAGE_SIZE = 50
# The whole list, to print (?all=1): every row on one page, up to this many (a committee has a few
# thousand branches at most); a longer list is paged by this size, and its printout says so.
NOTICE_WHOLE_PAGE_SIZE = 5000
MAX_QUERY = 50


def _notice_listing(cycle: Cycle, state: str, q: str, page_number: str, *, whole: bool = False) -> str:
    """One page of the public list, rendered; cached (see ratings.outcomes.publication). `whole`:
    the list to print, all of it on one page."""
    # Any write to the cycle's submissions (levels recomputed, a result reopened, the admin) adds
    # a row to their history: its latest id is part of the key, so such a write is never missed.
    version = Submission.history.filter(cycle_id=cycle.pk).aggregate(m=Max("history_id"))["m"]
    key = public_notice_cache_key(cycle.pk, version, state, get_language(), page_number, q, whole)
    listing = cache.get(key)
    if listing is not None:
        return listing  # a SafeString, rendered (and escaped) by the template below
    results = listed_results(cycle).annotate(
        n_upheld=Count("objections", filter=Q(objections__state=Objection.State.UPHELD), distinct=True)
    )
    total = None
    if q:
        total = results.count()
        in_orgs = SocialOrganization.objects.filter(
            party_organizations=OuterRef("party_organization_id"), name__icontains=q
        )
        results = results.filter(Q(party_organization__name__icontains=q) | Q(Exists(in_orgs)))
    page = Paginator(results, NOTICE_WHOLE_PAGE_SIZE if whole else NOTICE_PAGE_SIZE).get_page(page_number)
    for r in page:
        r.stars = "★" * (r.proposed_level or 0)
    q_query = urlencode({"q": q}) if q else ""
    whole_query = urlencode({"all": 1, **({"q": q} if q else {})})
    listing = render_to_string(
        "ratings/public/_notice_list.html",
        {
            "cycle": cycle,
            "page": page,
            "state": state,
            "q": q,
            "total": page.paginator.count if total is None else total,
            "query": whole_query if whole else q_query,  # what the page links keep
            "q_query": q_query,
            "whole": whole,
            "whole_query": whole_query,
        },
    )
    cache.set(key, listing, NOTICE_CACHE_SECONDS)
    return listing


@require_GET
def public_notice(request, pk):
    """The public list, 50 a page, searchable by the name of the party organisation or of the
    social organisation it is in; with ?all=1, the whole list on one page, to print."""
    cycle = _public_cycle(pk)
    state = notice_state(cycle)
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    page = whole_number(request.GET.get("page"), digits=6)
    page_number = "1" if page is None else str(page)
    whole = request.GET.get("all") == "1"
    return render(
        request,
        "ratings/public/notice.html",
        {
            "cycle": cycle,
            "committee": cycle.committee,
            "listing": _notice_listing(cycle, state, q, page_number, whole=whole),
            "q": q,
            "state": state,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@replay_safe
def public_objection(request, pk, submission_pk):
    """异议: against one listed result, while the notice is open."""
    cycle = _public_cycle(pk)
    submission = get_object_or_404(listed_results(cycle), pk=submission_pk)
    state = notice_state(cycle)
    context = {"cycle": cycle, "committee": cycle.committee, "submission": submission, "state": state}
    if state != "open":
        context["closed_message"] = _closed_message(state)
        return render(
            request,
            "ratings/public/objection_form.html",
            context,
            status=409 if request.method == "POST" else 200,
        )
    if request.method == "POST":
        refuse_replay(request)  # a double click is sent to the first POST's result, CAPTCHA or not
    ip = client_ip(request)
    form = ObjectionForm(
        request.POST or None, request.FILES or None, with_captcha=objection_needs_captcha(ip)
    )
    status = 200
    if request.method == "POST" and form.is_bot():
        # Refused, and stored nowhere; the message does not say why. A fresh form, with the CAPTCHA.
        form = ObjectionForm(with_captcha=True)
        context["refused"] = _("本次提交未能受理，请重新填写后再提交。")
        status = 400
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with attempt(form=form, catch_denied=False) as outcome, once(request, "ratings.objection") as claim:
            objection = objection_file(
                submission=submission,
                reason=data["reason"],
                name=data["name"],
                contact=data["contact"],
                files=data["files"],
                ip=ip,
            )
            claim.done(reverse("ratings:public-objection-received"))
        if outcome.ok:
            request.session[SESSION_KEY] = {
                "reference": objection.reference,
                "cycle": cycle.pk,
                "party_organization": submission.party_organization.name,
            }
            return redirect("ratings:public-objection-received")
        status = _refusal_status(outcome.error)
    context["form"] = form
    return render(request, "ratings/public/objection_form.html", context, status=status)


def _refusal_status(exc: ValidationError) -> int:
    """Field errors are the objector's to fix (200); a refusal of the whole objection is a 429
    when it came too often, else a 409."""
    if hasattr(exc, "error_dict"):
        return 200
    if getattr(exc, "code", None) == "rate_limited":
        return 429
    return 409  # e.g. the period closed while the form was open


@never_cache
@require_GET
def public_objection_received(request):
    """The confirmation with the reference number (kept in the visitor's session, not in the URL)."""
    received = request.session.get(SESSION_KEY)
    cycle = None
    if received:
        cycle = Cycle.objects.filter(pk=received.get("cycle"), status__in=PUBLIC_STATES).first()
    return render(request, "ratings/public/objection_received.html", {"received": received, "cycle": cycle})


@never_cache
@require_GET
def public_objection_status(request):
    """The objector looks the outcome up by the reference number given on filing."""
    reference = request.GET.get("reference", "")[:40].strip()
    found = objection_public_status(reference, ip=client_ip(request)) if reference else None
    return render(
        request,
        "ratings/public/objection_status.html",
        {"reference": reference, "found": found, "searched": bool(reference)},
    )


# --- Certificate verification ------------------------------------------------------------------

_BRACKETS = str.maketrans(
    {
        "[": "〔",
        "]": "〕",
        "【": "〔",
        "】": "〕",
        "(": "〔",
        ")": "〕",
        "（": "〔",
        "）": "〕",
        "［": "〔",
        "］": "〕",
        "﹝": "〔",
        "﹞": "〕",
    }
)
MAX_TOKEN = 64


def _awards():
    return Award.objects.select_related("cycle__committee", "party_organization").prefetch_related(
        "party_organization__organizations"
    )


def certificate_by_number(raw: str):
    """The award a certificate number names (spaces and ASCII brackets forgiven), or None: what
    the public verification page and the public API look up."""
    number = re.sub(r"\s+", "", raw or "").translate(_BRACKETS)
    if not number or len(number) > 100:
        return None
    return _awards().filter(certificate_no=number).first()


def last_followup(award):
    """The latest closed follow-up check of an award, shown with the certificate, or None."""
    return (
        award.followups.exclude(state="open").order_by("-closed_at", "-pk").only("state", "closed_at").first()
    )


def _render_verification(request, award, *, searched: bool):
    """One template for both ways in; an unknown certificate is always the same plain 404."""
    context = {"award": award, "searched": searched, "form": VerifyLookupForm()}
    if award is not None:
        context["orgs"] = [o.name for o in award.party_organization.organizations.all()]
        award.stars = "★" * award.level
        award.level_name = level_name(award.level)
        award.awarded_level_name = level_name(award.awarded_level)
        context["followup"] = last_followup(award)
    response = render(
        request, "ratings/public/verify.html", context, status=404 if searched and award is None else 200
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def verify(request, token):
    """Where the certificate's QR code points: the certificate as it stands now."""
    award = None
    if len(token) <= MAX_TOKEN and re.fullmatch(r"[A-Za-z0-9_-]+", token):
        award = _awards().filter(token=token).first()
    return _render_verification(request, award, searched=True)


@never_cache
@require_GET
def verify_lookup(request):
    """Look a certificate up by its number (e.g. 川社二党委星〔2023〕第001号)."""
    form = VerifyLookupForm(request.GET or None)
    number = ""
    if form.is_valid():
        number = re.sub(r"\s+", "", form.cleaned_data["no"]).translate(_BRACKETS)
    elif form.is_bound:
        return _render_verification(
            request, None, searched=True
        )  # over-long input: not found, like any other
    if not number:
        return _render_verification(request, None, searched=False)
    return _render_verification(request, certificate_by_number(number), searched=True)
