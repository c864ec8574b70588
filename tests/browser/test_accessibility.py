"""axe-core on every main page, for each role, on desktop and phone: no serious or critical
violation; and a handful of key pages once more with the interface in English. axe comes bundled
with axe-playwright-python; nothing is downloaded at run time.

The first world is small and built here; the second is the access matrix's (tests/access_world.py),
which holds one row of every kind a page can show (pairings, plans, cases, objections, follow-up
checks, exports, the province's view …), so its pages are named as the matrix names them."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ratings.models import Award, InspectionAssignment, Status, Submission
from ratings.workflow import cycle_setup, onsite, precheck, self_assessment
from tests import factories
from tests.browser.conftest import CHROMIUM_ARGS, VIEWPORTS  # noqa: F401
from tests.ratings.conftest import finalize_results, make_results_cycle

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


@pytest.fixture
def world(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    staff = factories.StaffUserFactory(committee=committee, username="a11y-staff")
    finished = finalize_results(make_results_cycle(committee, staff), staff)
    po = factories.PartyOrganizationFactory(committee=committee, name="无障碍测试党支部", with_members=4)
    secretary = factories.SecretaryUserFactory(party_organization=po, username="a11y-secretary")
    inspector = factories.InspectorUserFactory(committee=committee, username="a11y-inspector")
    other_inspector = factories.InspectorUserFactory(committee=committee, username="a11y-inspector2")
    other_po = factories.PartyOrganizationFactory(committee=committee, with_members=3)
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(
            committee=committee, rubric=factories.make_rubric(committee), year=timezone.localdate().year
        ),
        by=staff,
    )
    open_sub = Submission.objects.get(cycle=cycle, party_organization=po)
    accepted = Submission.objects.get(cycle=cycle, party_organization=other_po)
    other_secretary = factories.SecretaryUserFactory(party_organization=other_po, username="a11y-sec2")
    for ind in cycle.rubric.indicators():
        self_assessment.self_score_save(
            submission=accepted, indicator_id=ind.pk, score=ind.max_score, comment="", by=other_secretary
        )
        if ind.evidence_required:
            self_assessment.evidence_add(
                submission=accepted, indicator_id=ind.pk, upload=factories.png_upload(), by=other_secretary
            )
    self_assessment.submission_submit(submission=accepted, by=other_secretary)
    precheck.submission_accept(submission=accepted, by=staff)
    for who in (inspector, other_inspector):
        onsite.inspector_assign(submission=accepted, inspector=who, by=staff)
    assignment = InspectionAssignment.objects.get(submission=accepted, inspector=inspector)
    award = Award.objects.filter(cycle=finished.cycle).first()
    return {
        "users": {"staff": staff, "secretary": secretary, "inspector": inspector},
        "open_sub": open_sub,
        "accepted": accepted,
        "assignment": assignment,
        "cycle": cycle,
        "finished": finished.cycle,
        "award": award,
        "po": po,
    }


def _pages(w):
    return {
        "anonymous": [
            "/",
            reverse("login"),
            reverse("ratings:public-notice", args=[w["finished"].pk]),
            reverse("ratings:verify-lookup"),
            reverse("ratings:verify", args=[w["award"].token]),
        ],
        "staff": [
            "/",
            reverse("branches:organization-list"),
            reverse("branches:party-organization-list"),
            reverse("branches:coverage"),
            reverse("branches:import"),
            reverse("ratings:cycle-list"),
            reverse("ratings:queue", args=[w["cycle"].pk]),
            reverse("ratings:submission-detail", args=[w["accepted"].pk]),
            reverse("ratings:review", args=[w["accepted"].pk]),
            reverse("ratings:review-sessions", args=[w["cycle"].pk]),
            reverse("ratings:dashboard"),
            reverse("ratings:results-index"),
            reverse("ratings:cycle-results", args=[w["finished"].pk]),
            reverse("ratings:award-list"),
            reverse("ratings:award-detail", args=[w["award"].pk]),
            reverse("ratings:rectification-list"),
            reverse("meetings:compliance-overview"),
            reverse("notifications:inbox"),
        ],
        "secretary": [
            "/",
            reverse("ratings:self-assessment", args=[w["open_sub"].pk]),
            reverse("meetings:meeting-list"),
            reverse("meetings:meeting-create"),
            reverse("branches:party-organization-detail", args=[w["po"].pk]),
            reverse("meetings:compliance-branch", args=[w["po"].pk]),
        ],
        "inspector": [
            "/",
            reverse("ratings:inspections"),
            reverse("ratings:inspection", args=[w["assignment"].pk]),
        ],
    }


def _login(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _check(chromium, live_server, pages, users, viewport, *, language="zh-hans"):
    """Every page answers 200 in the language asked for; the blocking violations axe finds."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = []
    for role, urls in pages.items():
        context = chromium.new_context(
            base_url=live_server.url, locale="en-GB" if language == "en" else "zh-CN", **VIEWPORTS[viewport]
        )
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        if role != "anonymous":
            _login(context, live_server, users[role])
        page = context.new_page()
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, (role, url, response.status)
            assert page.get_attribute("html", "lang") == language, (role, url, "served in the wrong language")
            result = axe.run(page)
            for v in result.response["violations"]:
                if v["impact"] in BLOCKING:
                    targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
                    found.append(
                        f"{language} {role} {url}: {v['id']} ({v['impact']}) {v['help']} at {targets}"
                    )
        context.close()
    return found


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_main_pages_have_no_serious_accessibility_violation(chromium, live_server, world, viewport):
    found = _check(chromium, live_server, _pages(world), world["users"], viewport)
    assert found == [], "\n".join(found)


@pytest.fixture
def matrix_world(transactional_db):
    from meetings.models import Meeting
    from tests.access_world import build_world

    w = build_world()
    # the own branch's meeting recorded long ago: its pages then ask for a reason for every change
    Meeting.objects.filter(pk=w.meeting.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    return w


def _named(w, names):
    from tests.access_matrix import URLS

    paths = []
    for name in names:
        url = URLS[name]
        path = url.path(name, w)
        query = url.query(w)
        paths.append(path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""))
    return paths


def _more_pages(w):
    return {
        "anonymous": _named(
            w,
            [
                "programme:case-library",
                "programme:case-public",
                "ratings:public-objection",
                "ratings:public-objection-status",
                "ratings:public-objection-received",
            ],
        ),
        "province": _named(
            w,
            [
                "province:overview",
                "province:committee",
                "province:cycle-results",
                "notifications:preferences",
                "account:profile",
            ],
        ),
        "superuser": _named(w, ["province:users", "province:user-committees"]),
        "secretary": _named(
            w,
            [
                "ratings:my-cycles",
                "programme:pairing-list",
                "programme:pairing-detail",
                "programme:joint-activity-create",
                "programme:plan-list",
                "programme:plan-detail",
                "meetings:meeting-detail",
                "meetings:meeting-edit",
                "ratings:rectification-detail",
                "ratings:branch-history",
                "notifications:preferences",
                "account:profile",
            ],
        ),
        "staff": _named(
            w,
            [
                "ratings:cycle-create",
                "ratings:cycle-detail",
                "ratings:review-sessions",
                "ratings:review-session",
                "ratings:rubric-list",
                "ratings:rubric-detail",
                "ratings:rubric-import",
                "branches:organization-create",
                "branches:organization-edit",
                "branches:party-organization-create",
                "branches:party-organization-edit",
                "branches:member-create",
                "branches:member-edit",
                "branches:instructor-list",
                "branches:instructor-create",
                "branches:instructor-edit",
                "meetings:meeting-detail",
                "ratings:objection-list",
                "ratings:objection-detail",
                "ratings:followup",
                "ratings:followup-check",
                "ratings:promotion",
                "ratings:export-list",
                "ratings:export-job",
                "ratings:branch-history",
                "programme:pairing-list",
                "programme:pairing-create",
                "programme:pairing-detail",
                "programme:pairing-edit",
                "programme:plan-list",
                "programme:plan-detail",
                "programme:case-list",
                "programme:case-manage",
                "programme:case-edit",
                "notifications:preferences",
                "account:profile",
            ],
        ),
        "inspector": _named(w, ["ratings:followup-visit", "notifications:preferences"]),
    }


def _english_pages(w):
    return {
        "anonymous": _named(
            w,
            [
                "home",
                "ratings:public-notice",
                "ratings:public-objection",
                "programme:case-public",
                "ratings:verify",
            ],
        ),
        "staff": _named(
            w,
            [
                "home",
                "ratings:dashboard",
                "ratings:review",
                "ratings:review-session",
                "ratings:cycle-results",
                "ratings:objection-detail",
                "ratings:award-detail",
                "meetings:meeting-detail",
            ],
        ),
        "secretary": _named(w, ["home", "programme:plan-detail", "meetings:meeting-edit"]),
        "province": _named(w, ["province:overview", "province:cycle-results"]),
    }


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_more_pages_have_no_serious_accessibility_violation(chromium, live_server, matrix_world, viewport):
    found = _check(chromium, live_server, _more_pages(matrix_world), matrix_world.users, viewport)
    assert found == [], "\n".join(found)


def test_key_pages_in_english_have_no_serious_accessibility_violation(chromium, live_server, matrix_world):
    found = _check(
        chromium, live_server, _english_pages(matrix_world), matrix_world.users, "desktop", language="en"
    )
    assert found == [], "\n".join(found)


def test_the_world_is_what_the_pages_need(world):
    assert Submission.objects.get(pk=world["accepted"].pk).status == Status.ACCEPTED
    assert world["award"] is not None and world["award"].valid_from <= timezone.localdate() + dt.timedelta(1)
