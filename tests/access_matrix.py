"""What every URL answers every role: the table tests/test_access_matrix.py checks.

One entry per URL pattern of the project (its name, or its route when it has none), no more, no
less. An entry says how to build the URL from the world (tests/access_world.py: the rows of the
secretary's own branch and the own committee) and what each role gets:

    Url(kwargs, get="<10 answers>", post="<10 answers>" or None, put="<10 answers>" or None,
        params=…, token={"get": "<10 answers>", …})

The answers are in the order of ROLES:

    anonymous  no_role  secretary  other_secretary  inspector  other_inspector  staff  other_staff  superuser  province

(no_role: logged in, with no role in any committee; province: the province's 两新工委, assigned the
own committee.)

    200 …   the status code
    L       a redirect to the login page (the site's, or the admin's for the admin); on GET it
            names the page asked for as `next`
    R       any other redirect (to the committee switcher, back to the page with a message …)

`post` is an empty POST: given for every page that changes something. Whoever may not GET a page
(L, 403, 404) must get L, R, 403, 404 or 405 on POST too — never a form with errors.

`put` is a PUT with an empty JSON body, for the API's score writes: whoever may not write gets 401,
403 or 404; whoever may gets 400, 409 or 428 (the body is refused) — never a 2xx, never a 500.

Every API route (`api:…`) is asked a second time with the role's personal API token instead of the
session (GET, and the POST and PUT the entry has): the answers must be the same. Where a token
gets something else on purpose, `token` says what, per method, with the reason beside it.

An entry `"<name>#<variant>"` asks the same URL about another row (another branch's, another
committee's, one not published): every URL has its plain entry, and may have variants.

The admin's entries are made from ADMIN_MODELS below (one line per registered model) with the
answers of its profile.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.access_world import ROLES

OUTSIDER_POST = {"L", "R", "403", "404", "405"}
OUTSIDER_PUT = {"401", "403", "404"}
WRITER_BAD_PUT = {"400", "409", "428"}


@dataclass(frozen=True)
class Url:
    kwargs: Callable | None = None  # world → reverse() kwargs (a path for an unnamed route)
    get: str = ""
    post: str | None = None
    params: Callable | None = None  # world → query parameters of the GET
    put: str | None = None
    token: dict[str, str] | None = None  # method → answers with a token, where they differ on purpose

    @property
    def get_codes(self) -> list[str]:
        return _codes(self.get)

    @property
    def post_codes(self) -> list[str]:
        return _codes(self.post)

    @property
    def put_codes(self) -> list[str]:
        return _codes(self.put)

    def methods(self) -> dict[str, str]:
        """method → the session's answers, for the methods the entry has."""
        found = {"get": self.get, "post": self.post, "put": self.put}
        return {method: spec for method, spec in found.items() if spec is not None}

    def token_codes(self, method: str) -> list[str]:
        """The answers to a token: the session's, unless `token` says otherwise."""
        return _codes((self.token or {}).get(method) or self.methods()[method])

    def path(self, name: str, world) -> str:
        name = name.split("#")[0]
        found = self.kwargs(world) if self.kwargs else None
        if "/" in name:  # an unnamed route: kwargs gives the path
            return found
        if isinstance(found, list):  # a regex route with positional groups
            return reverse(name, args=found)
        return reverse(name, kwargs=found)

    def query(self, world) -> dict:
        return self.params(world) if self.params else {}


def _codes(spec: str) -> list[str]:
    codes = spec.split()
    assert len(codes) == len(ROLES), f"{spec!r}: one answer per role ({len(ROLES)})"
    return codes


def pk(attr: str, key: str = "pk"):
    """kwargs {key: world.<attr>.pk}."""
    return lambda w: {key: getattr(w, attr).pk}


def _review_session(w):
    from django.utils import timezone

    from ratings.models import ReviewSession

    return ReviewSession.objects.get_or_create(
        cycle=w.cycle,
        defaults={
            "held_on": timezone.localdate(),
            "chair": "甲",
            "members": "甲\n乙\n丙",
            "created_by": w.staff,
        },
    )[0]


def _compliance_snapshot(w):
    from meetings.snapshots import committee_snapshot

    return committee_snapshot(w.committee.pk, w.cycle.year)


def _api_token(w):
    from api.models import ApiToken
    from api.tokens import token_create

    return ApiToken.objects.filter(user=w.secretary).first() or token_create(user=w.secretary, name="矩阵")[0]


def _captcha_key(w):
    from captcha.models import CaptchaStore

    return {"key": CaptchaStore.generate_key()}


# --- the site's own pages -------------------------------------------------------------------------
# fmt: off
URLS: dict[str, Url] = {
    # project
    "home": Url(get="200 200 200 200 200 200 200 200 200 200"),  # the public front door, or the work page
    "committee-switch": Url(get="L 403 403 403 403 403 403 403 200 403", post="L 403 403 403 403 403 403 403 200 403"),
    "login": Url(get="200 200 200 200 200 200 200 200 200 200", post="200 200 200 200 200 200 200 200 200 200"),
    "logout": Url(get="405 405 405 405 405 405 405 405 405 405", post="L L L L L L L L L L"),
    "set_language": Url(get="R R R R R R R R R R", post="R R R R R R R R R R"),
    "healthz": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "readyz": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "metrics": Url(get="404 404 404 404 404 404 404 404 404 404"),  # only METRICS_ALLOWED_IPS, whoever logs in
    # the register
    "branches:organization-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "branches:organization-create": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 400 400 400 403"),
    "branches:organization-edit": Url(pk("org"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "branches:party-organization-create": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 400 400 400 403"),
    "branches:party-organization-edit": Url(pk("po"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "branches:member-create": Url(pk("po", "po_pk"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "branches:member-edit": Url(lambda w: {"po_pk": w.po.pk, "pk": w.po.members.first().pk}, get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "branches:member-remove": Url(lambda w: {"po_pk": w.po.pk, "pk": w.po.members.first().pk}, get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "branches:instructor-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "branches:instructor-create": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 400 400 400 403"),
    "branches:instructor-edit": Url(pk("instructor"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    # the CAPTCHA of the public objection form, drawn locally
    "captcha-image": Url(_captcha_key, get="200 200 200 200 200 200 200 200 200 200"),
    "captcha-image-2x": Url(_captcha_key, get="200 200 200 200 200 200 200 200 200 200"),
    "captcha-audio": Url(_captcha_key, get="404 404 404 404 404 404 404 404 404 404"),  # no audio CAPTCHA
    "captcha-refresh": Url(get="404 404 404 404 404 404 404 404 404 404"),  # only for script requests
    "branches:organization-detail": Url(pk("org"), get="L 403 200 404 403 403 200 404 200 403"),
    "branches:party-organization-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "branches:party-organization-detail": Url(pk("po"), get="L 403 200 404 403 403 200 404 200 403"),
    "branches:coverage": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "branches:import": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 200 200 200 403"),
    "branches:import-template": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "branches:import-batch": Url(pk("import_batch"), get="L 403 403 403 403 403 200 404 200 403"),
    "branches:import-confirm": Url(pk("import_batch"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    # the rating: the secretary's self-assessment
    "ratings:my-cycles": Url(get="L 403 200 200 403 403 403 403 403 403"),
    "ratings:self-assessment": Url(pk("sub"), get="L 403 200 404 403 403 403 403 403 403"),
    "ratings:self-score-save": Url(lambda w: {"pk": w.sub.pk, "indicator_id": w.indicator.pk}, get="L 403 405 405 403 403 403 403 403 403", post="L 403 200 404 403 403 403 403 403 403"),
    "ratings:evidence-upload": Url(lambda w: {"pk": w.sub.pk, "indicator_id": w.indicator.pk}, get="L 403 405 405 403 403 403 403 403 403", post="L 403 200 404 403 403 403 403 403 403"),
    "ratings:evidence-attach-meeting": Url(lambda w: {"pk": w.sub.pk, "indicator_id": w.indicator.pk}, get="L 403 405 405 403 403 403 403 403 403", post="L 403 200 404 403 403 403 403 403 403"),
    "ratings:submission-submit": Url(pk("sub"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 200 404 403 403 403 403 403 403"),
    "ratings:evidence-delete": Url(pk("evidence"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 R 404 403 403 403 403 403 403"),
    "ratings:evidence-file": Url(pk("evidence"), get="L 404 200 404 200 404 200 404 200 404"),
    # the rating: staff
    "ratings:cycle-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "ratings:cycle-create": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 200 200 200 403"),
    "ratings:cycle-detail": Url(pk("cycle"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:cycle-open": Url(pk("cycle"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:cycle-exclude": Url(pk("cycle"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:cycle-exclusion-remove": Url(lambda w: {"pk": w.results_cycle.pk, "exclusion_pk": w.exclusion.pk}, get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:queue": Url(pk("cycle"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:submission-detail": Url(pk("sub"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:submission-return": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:submission-accept": Url(pk("sub"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 200 404 200 403"),  # GET: the confirmation
    "ratings:submission-extend": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:assign-inspector": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:unassign-inspector": Url(pk("assignment"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    # the rating: inspectors
    "ratings:inspections": Url(get="L 403 403 403 200 200 403 403 403 403"),
    "ratings:inspector-manifest": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "ratings:inspector-service-worker": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "ratings:inspection": Url(pk("assignment"), get="L 403 403 403 200 404 403 403 403 403"),
    "ratings:inspection-score-save": Url(pk("assignment"), get="L 403 403 403 405 405 403 403 403 403", post="L 403 403 403 200 404 403 403 403 403"),
    "ratings:inspection-photo-upload": Url(pk("assignment"), get="L 403 403 403 405 405 403 403 403 403", post="L 403 403 403 200 404 403 403 403 403"),
    "ratings:inspection-photo-remove": Url(pk("photo"), get="L 403 403 403 405 405 403 403 403 403", post="L 403 403 403 R 404 403 403 403 403"),
    "ratings:inspection-sign-off": Url(pk("assignment"), get="L 403 403 403 405 405 403 403 403 403", post="L 403 403 403 R 404 403 403 403 403"),
    "ratings:inspection-veto-raise": Url(pk("assignment"), get="L 403 403 403 405 405 403 403 403 403", post="L 403 403 403 200 404 403 403 403 403"),
    # the rating: central review
    "ratings:review": Url(pk("sub"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:review-final-score": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:review-adjustment": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:review-veto-raise": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:review-veto-decide": Url(lambda w: {"pk": w.vetoed_sub.pk, "veto_pk": w.veto.pk}, get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:review-complete": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:submission-reopen": Url(pk("sub"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:audit-log": Url(pk("sub"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:review-sessions": Url(pk("cycle"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "ratings:review-session": Url(lambda w: {"pk": _review_session(w).pk}, get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "ratings:photo-file": Url(pk("photo"), get="L 404 404 404 200 404 200 404 200 404"),
    # the rating: dashboard, tallies, exports
    "ratings:dashboard": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "ratings:tally-recompute": Url(pk("results_cycle"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:tally-run-status": Url(pk("tally_run"), get="L 403 403 403 403 403 200 404 200 403"),
    # whole-cycle downloads in the background: start (a job, or join the one at work), its page,
    # its status for the page's script, the file, and the user's own list
    "ratings:export-start": Url(lambda w: {"pk": w.results_cycle.pk, "kind": "results_xlsx"}, get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:export-start#unknown-kind": Url(lambda w: {"pk": w.results_cycle.pk, "kind": "nothing"}, get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 404 404 404 403"),
    "ratings:export-job": Url(pk("export_job"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:export-job-status": Url(pk("export_job"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:export-download": Url(pk("export_job"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:export-download#not-ready": Url(pk("queued_export_job"), get="L 403 403 403 403 403 R 404 R 403"),
    "ratings:export-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "ratings:export-coverage": Url(get="L 403 403 403 403 403 200 200 200 403"),
    # the rating: rubrics
    "ratings:rubric-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "ratings:rubric-import": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 200 200 200 403"),
    "ratings:rubric-detail": Url(pk("rubric"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:rubric-export": Url(pk("rubric"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:rubric-copy": Url(pk("rubric"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    # the public: 公示, objections, certificate check
    "ratings:public-notice": Url(pk("results_cycle"), get="200 200 200 200 200 200 200 200 200 200"),
    "ratings:public-objection": Url(lambda w: {"pk": w.results_cycle.pk, "submission_pk": w.results_sub.pk}, get="200 200 200 200 200 200 200 200 200 200", post="409 409 409 409 409 409 409 409 409 409"),
    "ratings:public-objection-received": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "ratings:public-objection-status": Url(get="200 200 200 200 200 200 200 200 200 200", post="405 405 405 405 405 405 405 405 405 405"),
    "ratings:verify-lookup": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "ratings:verify": Url(lambda w: {"token": w.award.token}, get="200 200 200 200 200 200 200 200 200 200"),
    # the rating: results, objections, awards, rectification, history
    "ratings:results-index": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "ratings:cycle-results": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:cycle-publish": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:results-finalize": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:objection-list": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:export-start#certificates": Url(lambda w: {"pk": w.results_cycle.pk, "kind": "certificates_zip"}, get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:objection-detail": Url(pk("objection"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:objection-investigate": Url(pk("objection"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:objection-reject": Url(pk("objection"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:objection-uphold": Url(pk("objection"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:objection-attachment": Url(pk("objection_attachment"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:award-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "ratings:award-detail": Url(pk("award"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:award-downgrade": Url(pk("award"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:award-revoke": Url(pk("award"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:plaque-update": Url(pk("award"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:followup": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "ratings:followup-check": Url(pk("followup_check"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "ratings:followup-report": Url(pk("award"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "ratings:followup-visit": Url(pk("followup_check"), get="L 403 403 403 200 404 403 403 403 403", post="L 403 403 403 400 404 403 403 403 403"),
    "ratings:promotion": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "ratings:promotion-speaker-add": Url(pk("results_cycle"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 400 404 400 403"),
    "ratings:promotion-speaker-move": Url(pk("speaker"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:promotion-speaker-remove": Url(pk("speaker"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:promotion-hand-over": Url(pk("award"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:promotion-pdf": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:promotion-docx": Url(pk("results_cycle"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:certificate-pdf": Url(pk("award"), get="L 403 200 404 403 403 200 404 200 403"),
    "ratings:award-evidence": Url(pk("award_event"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:rectification-list": Url(get="L 403 200 200 403 403 200 200 200 403"),
    "ratings:rectification-create": Url(pk("results_sub"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:rectification-detail": Url(pk("item"), get="L 403 200 404 403 403 200 404 200 403"),
    "ratings:rectification-answer": Url(pk("item"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 200 404 403 403 403 403 403 403"),
    "ratings:rectification-verify": Url(pk("item"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 R 404 R 403"),
    "ratings:rectification-send-back": Url(pk("item"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 200 404 200 403"),
    "ratings:rectification-evidence": Url(pk("rectification_evidence"), get="L 403 200 404 403 403 200 404 200 403"),
    "ratings:branch-history": Url(pk("po"), get="L 403 200 404 403 403 200 404 200 403"),
    # meetings
    "meetings:meeting-list": Url(get="L 403 200 200 200 200 200 200 200 403"),
    "meetings:meeting-create": Url(get="L 403 200 200 403 403 403 403 403 403", post="L 403 200 200 403 403 403 403 403 403"),
    "meetings:meeting-detail": Url(pk("meeting"), get="L 403 200 404 200 404 200 404 200 403"),
    "meetings:meeting-edit": Url(pk("meeting"), get="L 403 200 404 403 403 403 403 403 403", post="L 403 200 404 403 403 403 403 403 403"),
    "meetings:attachment-add": Url(pk("meeting"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 R 404 403 403 403 403 403 403"),
    "meetings:attachment-download": Url(pk("meeting_attachment"), get="L 403 200 404 200 404 200 404 200 403"),
    "meetings:attachment-remove": Url(pk("meeting_attachment"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 R 404 403 403 403 403 403 403"),
    "meetings:compliance-overview": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "meetings:compliance-export": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "meetings:compliance-branch": Url(pk("po", "po_id"), get="L 403 200 404 200 404 200 404 200 403"),
    "programme:pairing-list": Url(get="L 403 200 200 403 403 200 200 200 403"),
    "programme:pairing-create": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 400 400 400 403"),
    "programme:pairing-detail": Url(pk("pairing"), get="L 403 200 404 403 403 200 404 200 403"),
    "programme:pairing-edit": Url(pk("pairing"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "programme:pairing-end": Url(pk("pairing"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "programme:joint-activity-create": Url(pk("pairing"), get="L 403 200 404 403 403 403 403 403 403", post="L 403 400 404 403 403 403 403 403 403"),
    "programme:plan-list": Url(get="L 403 200 200 403 403 200 200 200 403"),
    "programme:plans-generate": Url(get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 400 400 400 403"),
    "programme:plan-detail": Url(pk("plan"), get="L 403 200 404 403 403 200 404 200 403"),
    "programme:plan-action-add": Url(pk("plan"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 400 404 403 403 403 403 403 403"),
    "programme:plan-commit": Url(pk("plan"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 R 404 403 403 403 403 403 403"),
    "programme:plan-action-done": Url(pk("plan_action"), get="L 403 405 405 403 403 403 403 403 403", post="L 403 R 404 403 403 403 403 403 403"),
    "programme:case-library": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "programme:case-public": Url(pk("case"), get="200 200 200 200 200 200 200 200 200 200"),
    "programme:case-photo": Url(pk("case_photo"), get="200 200 200 200 200 200 200 200 200 200"),
    "programme:case-list": Url(get="L 403 403 403 403 403 200 200 200 403"),
    "programme:case-create": Url(get="L 403 403 403 403 403 200 200 200 403", post="L 403 403 403 403 403 400 400 400 403"),
    "programme:case-manage": Url(pk("case"), get="L 403 403 403 403 403 200 404 200 403"),
    "programme:case-edit": Url(pk("case"), get="L 403 403 403 403 403 200 404 200 403", post="L 403 403 403 403 403 400 404 400 403"),
    "programme:case-transition": Url(pk("case"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 400 404 400 403"),
    "programme:case-photo-add": Url(pk("case"), get="L 403 403 403 403 403 405 405 405 403", post="L 403 403 403 403 403 400 404 400 403"),
    # notifications
    "notifications:inbox": Url(get="L 200 200 200 200 200 200 200 200 200"),
    "notifications:open": Url(pk("notification"), get="L 404 200 404 404 404 404 404 404 404"),
    "notifications:read": Url(pk("notification"), get="L 405 405 405 405 405 405 405 405 405", post="L 404 R 404 404 404 404 404 404 404"),
    "notifications:mark-all-read": Url(get="L 405 405 405 405 405 405 405 405 405", post="L R R R R R R R R R"),
    "notifications:preferences": Url(get="L 200 200 200 200 200 200 200 200 200", post="L R R R R R R R R R"),
    "api:schema": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "api:docs": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "api:redoc": Url(get="200 200 200 200 200 200 200 200 200 200"),
    "api:not-found": Url(get="404 404 404 404 404 404 404 404 404 404", post="404 404 404 404 404 404 404 404 404 404"),
    "api:committee-list": Url(get="401 200 200 200 200 200 200 200 200 200", post="401 405 405 405 405 405 405 405 405 405"),
    "api:committee-detail": Url(pk("committee"), get="401 404 200 200 200 404 200 404 200 404"),
    "api:organization-list": Url(get="401 200 200 200 200 200 200 200 200 200", post="401 405 405 405 405 405 405 405 405 405"),
    "api:organization-detail": Url(pk("org"), get="401 404 200 404 404 404 200 404 200 404"),
    "api:party-organization-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:party-organization-detail": Url(pk("po"), get="401 404 200 404 404 404 200 404 200 404"),
    "api:member-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:member-detail": Url(lambda w: {"pk": w.po.members.first().pk}, get="401 404 200 404 404 404 200 404 200 404"),
    "api:instructor-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:instructor-detail": Url(pk("instructor"), get="401 404 404 404 404 404 200 404 200 404"),
    "api:cycle-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:cycle-detail": Url(pk("cycle"), get="401 404 200 200 200 404 200 404 200 404"),  # a branch (either: both have a submission in it), the assigned inspector
    "api:rubric-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:rubric-detail": Url(pk("rubric"), get="401 404 200 200 200 404 200 404 200 404"),  # the rubric of their cycle
    "api:submission-list": Url(get="401 200 200 200 200 200 200 200 200 200", post="401 405 405 405 405 405 405 405 405 405"),
    "api:submission-detail": Url(pk("sub"), get="401 404 200 404 200 404 200 404 200 404"),
    "api:inspection-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:inspection-detail": Url(pk("assignment"), get="401 404 404 404 200 404 404 404 404 404"),
    "api:award-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:award-detail": Url(pk("award"), get="401 404 200 404 404 404 200 404 200 404"),
    "api:tally-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:tally-detail": Url(lambda w: {"pk": w.results_cycle.tally.pk}, get="401 404 404 404 404 404 200 404 200 404"),
    "api:compliance-snapshot-list": Url(get="401 200 200 200 200 200 200 200 200 200"),
    "api:compliance-snapshot-detail": Url(lambda w: {"pk": _compliance_snapshot(w).pk}, get="401 404 404 404 404 404 200 404 200 404"),
    "api:public-cycle-list": Url(get="200 200 200 200 200 200 200 200 200 200", post="405 405 405 405 405 405 405 405 405 405"),
    "api:public-cycle-detail": Url(pk("results_cycle"), get="200 200 200 200 200 200 200 200 200 200"),
    "api:public-result-list": Url(pk("results_cycle", "cycle_pk"), get="200 200 200 200 200 200 200 200 200 200"),
    "api:public-certificate": Url(get="400 400 400 400 400 400 400 400 400 400", post="405 405 405 405 405 405 405 405 405 405"),  # without ?no=
    "api:inspection-score": Url(lambda w: {"pk": w.assignment.pk, "indicator_id": w.indicator.pk}, get="401 403 403 403 200 404 403 403 403 403", post="401 403 403 403 405 405 403 403 403 403", put="401 403 403 403 428 404 403 403 403 403"),
    "api:inspection-photos": Url(pk("assignment"), get="401 403 403 403 405 405 403 403 403 403", post="401 403 403 403 400 404 403 403 403 403"),
    "api:inspection-sign-off": Url(pk("assignment"), get="401 403 403 403 405 405 403 403 403 403", post="401 403 403 403 200 404 403 403 403 403"),  # all scored: signs
    "api:self-score": Url(lambda w: {"pk": w.sub.pk, "indicator_id": w.indicator.pk}, get="401 403 200 404 403 403 403 403 403 403", post="401 403 405 405 403 403 403 403 403 403", put="401 403 428 404 403 403 403 403 403 403"),
    "api:evidence": Url(pk("sub"), get="401 403 405 405 403 403 403 403 403 403", post="401 403 400 404 403 403 403 403 403 403"),
    "api:submit": Url(pk("sub"), get="401 403 405 405 403 403 403 403 403 403", post="401 403 409 404 403 403 403 403 403 403"),
    "account:profile": Url(get="L 200 200 200 200 200 200 200 200 200", post="L 400 400 400 400 400 400 400 400 400"),
    "account:token-revoke": Url(lambda w: {"pk": _api_token(w).pk}, get="L 405 405 405 405 405 405 405 405 405", post="L 404 R 404 404 404 404 404 404 404"),
    # the admin site itself
    "admin:index": Url(get="L L L L L L 200 200 200 L"),
    "admin:login": Url(get="200 200 200 200 200 200 R R R 200", post="200 200 200 200 200 200 200 200 200 200"),
    "admin:logout": Url(get="R R R R R R 405 405 405 R", post="R R R R R R L L L R"),
    "admin:password_change": Url(get="L L L L L L 200 200 200 L", post="L L L L L L 200 200 200 L"),
    "admin:password_change_done": Url(get="L L L L L L 200 200 200 L"),
    "admin:jsi18n": Url(get="L L L L L L 200 200 200 L"),
    "admin/(?P<url>.*)$": Url(lambda w: "/admin/no-such-page/", get="L L L L L L 404 404 404 L"),  # the admin's catch-all
    "admin:auth_user_password_change": Url(lambda w: {"id": w.secretary.pk}, get="L L L L L L 200 404 200 L", post="L L L L L L 200 404 200 L"),
    "admin:app_list": Url(lambda w: {"app_label": "branches"}, get="L L L L L L 200 200 200 L"),
    "admin:autocomplete": Url(get="L L L L L L 200 200 200 L", params=lambda w: {
        "app_label": "branches", "model_name": "partyorganization", "field_name": "organizations", "term": ""}),
    "admin:view_on_site": Url(lambda w: {
        "content_type_id": ContentType.objects.get_for_model(w.po).pk, "object_id": w.po.pk}, get="L L L L L L 404 404 404 L"),  # no model has a page of its own to go to
    "province:overview": Url(get="L 403 403 403 403 403 403 403 200 200"),
    "province:committee": Url(pk("committee"), get="L 403 403 403 403 403 403 403 200 200"),
    "province:cycle-results": Url(pk("results_cycle"), get="L 403 403 403 403 403 403 403 200 200"),
    "province:users": Url(get="L 403 403 403 403 403 403 403 200 403"),
    "province:user-committees": Url(lambda w: {"pk": w.users["province"].pk}, get="L 403 403 403 403 403 403 403 200 403", post="L 403 403 403 403 403 403 403 400 403"),
    "province:committee#not-assigned": Url(pk("other_committee"), get="L 403 403 403 403 403 403 403 200 404"),
    "province:cycle-results#not-published": Url(pk("cycle"), get="L 403 403 403 403 403 403 403 404 404"),
    # the same URLs about other rows
    "branches:organization-detail#other-committee": Url(pk("other_org"), get="L 403 404 404 403 403 404 200 200 403"),
    "branches:party-organization-detail#other-committee": Url(pk("other_committee_po"), get="L 403 404 404 403 403 404 200 200 403"),
    "ratings:self-assessment#other-branch": Url(pk("other_sub"), get="L 403 404 200 403 403 403 403 403 403"),
    "ratings:submission-detail#other-branch": Url(pk("other_sub"), get="L 403 403 403 403 403 200 404 200 403"),
    "ratings:public-notice#not-published": Url(pk("cycle"), get="404 404 404 404 404 404 404 404 404 404"),
    "ratings:public-objection#not-published": Url(lambda w: {"pk": w.cycle.pk, "submission_pk": w.sub.pk}, get="404 404 404 404 404 404 404 404 404 404", post="404 404 404 404 404 404 404 404 404 404"),
    "ratings:verify#unknown": Url(lambda w: {"token": "0" * 32}, get="404 404 404 404 404 404 404 404 404 404"),
    "meetings:meeting-detail#other-committee": Url(pk("other_meeting"), get="L 403 404 404 404 404 404 200 200 403"),
    "meetings:attachment-download#other-committee": Url(pk("other_meeting_attachment"), get="L 403 404 404 404 404 404 200 200 403"),
    "meetings:compliance-branch#other-committee": Url(pk("other_committee_po", "po_id"), get="L 403 404 404 404 404 404 200 200 403"),
    "admin:branches_partyorganization_change#other-committee": Url(lambda w: {"object_id": w.other_committee_po.pk}, get="L L L L L L R 200 200 L", post="L L L L L L R 200 200 L"),
    "admin:meetings_meeting_change#other-committee": Url(lambda w: {"object_id": w.other_meeting.pk}, get="L L L L L L R 200 200 L", post="L L L L L L 403 403 403 L"),  # read-only: 403 whatever the id
    "admin:auth_user_password_change#other-committee": Url(lambda w: {"id": w.users["other_staff"].pk}, get="L L L L L L 404 200 200 L", post="L L L L L L 404 200 200 L"),
    "api:organization-detail#other-committee": Url(pk("other_org"), get="401 404 404 404 404 404 404 200 200 404"),
    "api:party-organization-detail#other-committee": Url(pk("other_committee_po"), get="401 404 404 404 404 404 404 200 200 404"),
    "api:cycle-detail#without-their-submission": Url(pk("results_cycle"), get="401 404 200 404 404 404 200 404 200 404"),  # the other branch and the inspector have nothing in it
    "api:submission-detail#other-branch": Url(pk("other_sub"), get="401 404 404 200 404 404 200 404 200 404"),
    "api:self-score#other-branch": Url(lambda w: {"pk": w.other_sub.pk, "indicator_id": w.indicator.pk}, get="401 403 404 200 403 403 403 403 403 403", put="401 403 404 428 403 403 403 403 403 403"),
    "api:public-cycle-detail#not-published": Url(pk("cycle"), get="404 404 404 404 404 404 404 404 404 404"),
    "api:public-result-list#not-published": Url(pk("cycle", "cycle_pk"), get="200 200 200 200 200 200 200 200 200 200"),  # an empty list
    "programme:case-public#draft": Url(pk("draft_case"), get="404 404 404 404 404 404 404 404 404 404"),
    "programme:case-photo#draft": Url(pk("draft_case_photo"), get="404 404 404 404 404 404 200 404 200 404"),
    "notifications:open#someone-elses": Url(pk("staff_notification"), get="L 404 404 404 404 404 200 404 404 404"),
}
# fmt: on

# --- the admin's model pages ------------------------------------------------------------------------
# Per registered model: the row its change/history/delete pages open, and its profile (below).


def _group(w):
    return Group.objects.get_or_create(name="访问矩阵")[0]


ADMIN_MODELS: dict[str, tuple[Callable, str]] = {
    "auth.group": (_group, "superuser_only"),
    "branches.committee": (lambda w: w.committee, "committee_settings"),
    "branches.division": (lambda w: w.division, "shared_lookup"),
    "branches.socialorganization": (lambda w: w.org, "register"),
    "branches.partyorganization": (lambda w: w.po, "register"),
    "branches.member": (lambda w: w.po.members.first(), "register"),
    "branches.instructor": (lambda w: w.instructor, "register"),
    "branches.user": (lambda w: w.secretary, "register"),
    "branches.importbatch": (lambda w: w.import_batch, "import_batch"),
    "branches.auditentry": (lambda w: w.audit_entry, "audit_log"),
    "ratings.rubric": (lambda w: w.rubric, "frozen_rubric"),
    "ratings.rubriccategory": (lambda w: w.indicator.category, "frozen_rubric"),
    "ratings.indicator": (lambda w: w.indicator, "frozen_rubric"),
    "ratings.ratingsettings": (lambda w: w.rating_settings, "rating_settings"),
    "ratings.cycle": (lambda w: w.cycle, "open_cycle"),
    "ratings.inspectorconflict": (lambda w: w.conflict, "register"),
    "ratings.submission": (lambda w: w.sub, "workflow_record"),
    "ratings.indicatorscore": (lambda w: w.sub.scores.first(), "workflow_record"),
    "ratings.inspectionscore": (lambda w: w.assignment.scores.first(), "workflow_record"),
    "ratings.finalscore": (lambda w: w.results_sub.final_scores.first(), "workflow_record"),
    "meetings.meetingtype": (lambda w: w.meeting.meeting_type, "meeting_type"),
    "meetings.meetingsettings": (lambda w: w.meeting_settings, "committee_settings"),
    "meetings.meeting": (lambda w: w.meeting, "meeting_record"),
    "notifications.notification": (lambda w: w.notification, "notification"),
    "programme.programmesettings": (lambda w: w.programme_settings, "committee_settings"),
    "starfire.loginattempt": (lambda w: _login_attempt(w), "login_records"),
    "starfire.loginfailure": (lambda w: _login_failure(w), "login_records"),
}

# A profile: the answers of each admin page of a model — (GET, empty POST) — with the same columns
# as above. Only staff (is_staff) reach the admin: everyone else is sent to its login page. Staff
# of the other committee find the own committee's row "does not exist" (R: back to the index),
# exactly as for an id never used; staff of the own committee get what the model's admin allows.
NOBODY = "L L L L L L 403 403 403 L"
SUPERUSER = "L L L L L L 403 403 200 L"
STAFF_AND_SUPERUSER = "L L L L L L 200 200 200 L"  # a list or an add form: each sees their own committee
OWN_ROW = "L L L L L L 200 R 200 L"
OWN_ROW_READ_ONLY = ("L L L L L L 200 R 200 L", NOBODY)
NO_HISTORY = "L L L L L L 404 404 404 L"  # no historical row to show


def _profile(changelist=STAFF_AND_SUPERUSER, add=None, change=None, delete=None, history=OWN_ROW,
             simple_history=OWN_ROW, redirect="L L L L L L R R R L"):  # fmt: skip
    return {
        "changelist": (changelist, None),
        "add": add or (STAFF_AND_SUPERUSER, STAFF_AND_SUPERUSER),
        "change": change or (OWN_ROW, OWN_ROW),
        "delete": delete or (OWN_ROW, OWN_ROW),
        "history": (history, None),
        "simple_history": (simple_history, None),
        "redirect": (redirect, None),
    }


PROFILES: dict[str, dict[str, tuple[str, str | None]]] = {
    # the register and the 回避 register: staff keep their committee's rows
    "register": _profile(),
    # groups and permissions: superusers only
    "superuser_only": _profile(
        changelist=SUPERUSER,
        add=(SUPERUSER, SUPERUSER),
        change=(SUPERUSER, SUPERUSER),
        delete=(SUPERUSER, SUPERUSER),
        history=SUPERUSER,
    ),
    # a committee's own settings: staff edit them, only a superuser creates or deletes one
    "committee_settings": _profile(add=(SUPERUSER, SUPERUSER), delete=(SUPERUSER, SUPERUSER)),
    # 行政区划: one table for every committee, staff read it, superusers keep it
    "shared_lookup": _profile(
        add=(SUPERUSER, SUPERUSER),
        change=(STAFF_AND_SUPERUSER, SUPERUSER),
        delete=(SUPERUSER, SUPERUSER),
        history=STAFF_AND_SUPERUSER,
        simple_history=NO_HISTORY,
    ),
    # imports are made on the import page; the admin shows and deletes them
    "import_batch": _profile(add=(NOBODY, NOBODY), change=OWN_ROW_READ_ONLY),
    # the audit log is append-only: read, never added, changed or deleted; it has no row history
    "audit_log": _profile(
        add=(NOBODY, NOBODY), change=OWN_ROW_READ_ONLY, delete=(NOBODY, NOBODY), simple_history=NO_HISTORY
    ),
    # a rubric in use is frozen: its pages are read-only, and it cannot be deleted
    "frozen_rubric": _profile(
        change=(OWN_ROW, "L L L L L L 403 R 403 L"), delete=("L L L L L L 403 R 403 L",) * 2
    ),
    # one per committee: the own committee has its settings already, the other may still add its own
    "rating_settings": _profile(add=("L L L L L L 403 200 200 L",) * 2, delete=(SUPERUSER, SUPERUSER)),
    # an opened cycle is edited, never deleted
    "open_cycle": _profile(delete=("L L L L L L 403 R 403 L",) * 2),
    # submissions and scores change only through the procedure's services
    "workflow_record": _profile(add=(NOBODY, NOBODY), change=OWN_ROW_READ_ONLY, delete=(NOBODY, NOBODY)),
    # meeting types: staff keep their committee's, only a superuser deletes one
    "meeting_type": _profile(delete=(SUPERUSER, SUPERUSER)),
    # meeting records are the secretary's: staff read them, only a superuser deletes one
    "meeting_record": _profile(add=(NOBODY, NOBODY), change=OWN_ROW_READ_ONLY, delete=(SUPERUSER, SUPERUSER)),
    # login throttling records: superusers read and unlock; nobody adds or changes them by hand
    "login_records": _profile(
        changelist=SUPERUSER,
        add=(NOBODY, NOBODY),
        change=(SUPERUSER, NOBODY),
        delete=(NOBODY, NOBODY),  # unlocking is an action on the list, never a deletion by hand
        history=SUPERUSER,
        simple_history=NO_HISTORY,
        redirect="L L L L L L R R R L",
    ),
    # notices are sent by the app: staff read and delete them, no history
    "notification": _profile(add=(NOBODY, NOBODY), change=OWN_ROW_READ_ONLY, simple_history=NO_HISTORY),
}
NO_ROW_HISTORY = {"auth.group", "starfire.loginattempt", "starfire.loginfailure"}


def _login_attempt(w):
    from starfire.models import LoginAttempt

    return LoginAttempt.objects.get_or_create(
        username="nobody",
        ip_address="192.0.2.1",
        defaults={"failures_since_start": 1, "user_agent": "t", "http_accept": "*/*", "path_info": "/login/"},
    )[0]


def _login_failure(w):
    from django.utils import timezone

    from starfire.models import LoginFailure

    return LoginFailure.objects.first() or LoginFailure.objects.create(
        username="nobody",
        ip_address="192.0.2.1",
        user_agent="t",
        http_accept="*/*",
        path_info="/login/",
        attempt_time=timezone.now(),
    )  # models without django-simple-history's admin pages


def _history_id(obj) -> int:
    """The first historical row of `obj`; 1 where it has none (the page then says so)."""
    first = obj.history.order_by("history_id").first() if hasattr(obj, "history") else None
    return first.history_id if first is not None else 1


def _admin_entries() -> dict[str, Url]:
    entries = {}
    for label, (row, profile) in ADMIN_MODELS.items():
        app, model = label.split(".")
        for view, (get, post) in PROFILES[profile].items():
            if view == "simple_history" and label in NO_ROW_HISTORY:
                continue
            if view in ("changelist", "add"):
                kwargs = None
            elif view == "simple_history":
                kwargs = lambda w, row=row: [row(w).pk, _history_id(row(w))]  # noqa: E731
            elif view == "redirect":
                kwargs = lambda w, row=row, app=app, model=model: f"/admin/{app}/{model}/{row(w).pk}/"  # noqa: E731
            else:
                kwargs = lambda w, row=row: {"object_id": row(w).pk}  # noqa: E731
            key = (
                f"admin/{app}/{model}/<path:object_id>/"
                if view == "redirect"
                else f"admin:{app}_{model}_{view}"
            )
            entries[key] = Url(kwargs, get=get, post=post)
    return entries


URLS.update(_admin_entries())
