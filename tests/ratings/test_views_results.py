"""Staff and secretary pages after the review: publishing and finalising, objections, awards,
certificates and plaques, rectification, and a branch's star history."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ratings.models import (
    Award,
    AwardEvent,
    Cycle,
    ExportJob,
    Objection,
    ObjectionAttachment,
    Plaque,
    Rectification,
    RectificationEvidence,
    Status,
    Submission,
)
from ratings.outcomes.awards import award_downgrade, award_revoke
from ratings.outcomes.publication import cycle_publish, results_finalize
from ratings.outcomes.rectification import rectification_answer, rectification_create
from ratings.workflow.levels import cycle_recompute_levels
from tests import factories
from tests.headers import assert_private_file
from tests.ratings.conftest import make_results_cycle
from tests.ratings.export_helpers import export_file

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf_upload(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def text(response):
    return response.content.decode()


def in_days(n):
    return timezone.localdate() + dt.timedelta(days=n)


def finalize(results, staff):
    cycle = cycle_publish(cycle=results.cycle, by=staff)
    results_finalize(cycle=cycle, by=staff, today=cycle.notice_ends_on + dt.timedelta(days=1))
    return results.refresh()


class World:
    pass


@pytest.fixture
def world(results_cycle, staff_user):
    """A final cycle with awards; an objection with an attachment; an award with a downgrade and its
    evidence; a rectification item of the `four` branch answered with evidence; that branch's secretary."""
    w = World()
    w.results = finalize(results_cycle, staff_user)
    w.cycle = w.results.cycle
    w.sub = w.results.four
    w.po = w.sub.party_organization
    w.secretary = factories.SecretaryUserFactory(party_organization=w.po, username="four-secretary")
    w.objection = Objection.objects.create(
        submission=w.sub, reference="YY-TEST-1", reason="理由", contact="13800138000", name="王五"
    )
    w.attachment = ObjectionAttachment(
        objection=w.objection, original_name="证据.pdf", content_type="application/pdf", size=len(PDF)
    )
    w.attachment.file.save("e.pdf", SimpleUploadedFile("e.pdf", PDF), save=False)
    w.attachment.save()
    w.award = Award.objects.get(submission=w.sub)
    w.five_award = Award.objects.get(submission=w.results.five)
    award_downgrade(
        award=w.five_award,
        to_level=4,
        grounds="veto",
        reason="违纪",
        by=staff_user,
        evidence=pdf_upload("决定.pdf"),
    )
    w.event = AwardEvent.objects.get(award=w.five_award, kind="downgraded")
    w.item = rectification_create(
        submission=w.sub, by=staff_user, problem="记录不全", requirement="补齐", due_on=in_days(10)
    )
    rectification_answer(item=w.item, by=w.secretary, answer="已补齐", files=[pdf_upload("台账.pdf")])
    w.evidence = RectificationEvidence.objects.get(rectification=w.item)
    w.open_item = rectification_create(
        submission=w.sub, by=staff_user, problem="阵地不规范", requirement="整改", due_on=in_days(20)
    )
    return w


# --- the access matrix --------------------------------------------------------------------------------

STAFF, BOTH, SECRETARY = "staff", "both", "secretary"
# (url name, args from the world, method, who may use it)
VIEWS = [
    ("ratings:results-index", lambda w: [], "get", STAFF),
    ("ratings:cycle-results", lambda w: [w.cycle.pk], "get", STAFF),
    ("ratings:cycle-publish", lambda w: [w.cycle.pk], "post", STAFF),
    ("ratings:results-finalize", lambda w: [w.cycle.pk], "post", STAFF),
    ("ratings:objection-list", lambda w: [w.cycle.pk], "get", STAFF),
    ("ratings:objection-detail", lambda w: [w.objection.pk], "get", STAFF),
    ("ratings:objection-investigate", lambda w: [w.objection.pk], "post", STAFF),
    ("ratings:objection-reject", lambda w: [w.objection.pk], "post", STAFF),
    ("ratings:objection-uphold", lambda w: [w.objection.pk], "post", STAFF),
    ("ratings:objection-attachment", lambda w: [w.attachment.pk], "get", STAFF),
    ("ratings:award-list", lambda w: [], "get", STAFF),
    ("ratings:award-detail", lambda w: [w.award.pk], "get", STAFF),
    ("ratings:award-downgrade", lambda w: [w.award.pk], "post", STAFF),
    ("ratings:award-revoke", lambda w: [w.award.pk], "post", STAFF),
    ("ratings:plaque-update", lambda w: [w.award.pk], "post", STAFF),
    ("ratings:award-evidence", lambda w: [w.event.pk], "get", STAFF),
    ("ratings:export-start", lambda w: [w.cycle.pk, "certificates_zip"], "post", STAFF),
    ("ratings:rectification-create", lambda w: [w.sub.pk], "get", STAFF),
    ("ratings:rectification-verify", lambda w: [w.item.pk], "post", STAFF),
    ("ratings:rectification-send-back", lambda w: [w.item.pk], "post", STAFF),
    ("ratings:certificate-pdf", lambda w: [w.award.pk], "get", BOTH),
    ("ratings:rectification-list", lambda w: [], "get", BOTH),
    ("ratings:rectification-detail", lambda w: [w.item.pk], "get", BOTH),
    ("ratings:rectification-evidence", lambda w: [w.evidence.pk], "get", BOTH),
    ("ratings:branch-history", lambda w: [w.po.pk], "get", BOTH),
    ("ratings:rectification-answer", lambda w: [w.open_item.pk], "post", SECRETARY),
]
VIEW_IDS = [v[0].split(":")[1] for v in VIEWS]
WITHOUT_OBJECT = {"ratings:results-index", "ratings:award-list", "ratings:rectification-list"}


def call(client, spec, world, data=None):
    name, args, method, _who = spec
    url = reverse(name, args=args(world))
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize("spec", VIEWS, ids=VIEW_IDS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, world, spec):
    response = call(client, spec, world)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("spec", VIEWS, ids=VIEW_IDS)
def test_a_wrong_role_gets_403(login, world, spec, inspector_user, staff_user):
    wrong = [inspector_user]
    if spec[3] == STAFF:
        wrong.append(world.secretary)
    if spec[3] == SECRETARY:
        wrong.append(staff_user)
    for user in wrong:
        assert call(login(user), spec, world).status_code == 403, user


@pytest.mark.parametrize("spec", [v for v in VIEWS if v[0] not in WITHOUT_OBJECT], ids=lambda v: v[0])
def test_outsiders_get_404(login, world, spec, other_staff_user, other_secretary_user):
    outsiders = {
        STAFF: [other_staff_user],
        BOTH: [other_staff_user, other_secretary_user],
        SECRETARY: [other_secretary_user],
    }[spec[3]]
    for user in outsiders:
        assert call(login(user), spec, world).status_code == 404, user


@pytest.mark.parametrize("name", sorted(WITHOUT_OBJECT))
def test_lists_show_outsiders_nothing_of_ours(login, world, name, other_staff_user, other_secretary_user):
    users = [other_staff_user] + ([other_secretary_user] if name == "ratings:rectification-list" else [])
    for user in users:
        response = login(user).get(reverse(name))
        assert response.status_code == 200
        page = text(response)
        assert world.po.name not in page and str(world.cycle) not in page and "记录不全" not in page


@pytest.mark.parametrize("spec", VIEWS, ids=VIEW_IDS)
def test_owners_get_the_page(login, world, spec, staff_user):
    owners = {STAFF: [staff_user], BOTH: [staff_user, world.secretary], SECRETARY: [world.secretary]}[spec[3]]
    for user in owners:
        response = call(login(user), spec, world)
        expected = {200} if spec[2] == "get" else {200, 302}
        assert response.status_code in expected, (user, response.status_code)


# --- publish and finalise ------------------------------------------------------------------------------


def test_staff_publish_the_results_from_the_results_page(staff_client, results_cycle):
    url = reverse("ratings:cycle-results", args=[results_cycle.cycle.pk])
    page = text(staff_client.get(url))
    assert "发布公示" in page and reverse("ratings:cycle-publish", args=[results_cycle.cycle.pk]) in page
    start = in_days(1)
    response = staff_client.post(
        reverse("ratings:cycle-publish", args=[results_cycle.cycle.pk]),
        {"starts_on": start.isoformat(), "confirm": "1"},
        follow=True,
    )
    cycle = Cycle.objects.get(pk=results_cycle.cycle.pk)
    assert cycle.status == Cycle.Status.PUBLISHED and cycle.notice_starts_on == start
    assert "已发布公示" in text(response) and reverse("ratings:public-notice", args=[cycle.pk]) in text(
        response
    )


@pytest.mark.parametrize(
    ("status", "data", "message"),
    [
        (Status.INSPECTED, {}, "尚未完成评审，不能公示"),
        (Status.DRAFT, {"starts_on": "31/12/2024"}, "请按“年-月-日”填写日期"),
    ],
)
def test_a_refused_publication_says_why_and_changes_nothing(
    staff_client, results_cycle, status, data, message
):
    Submission.objects.filter(pk=results_cycle.draft.pk).update(status=status)
    response = staff_client.post(
        reverse("ratings:cycle-publish", args=[results_cycle.cycle.pk]), {**data, "confirm": "1"}
    )
    assert response.status_code == 200 and message in text(response)
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN


def test_finalising_before_the_end_of_the_period_is_refused_with_the_reason(
    staff_client, results_cycle, staff_user
):
    cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    response = staff_client.post(
        reverse("ratings:results-finalize", args=[results_cycle.cycle.pk]), {"confirm": "1"}, follow=True
    )
    assert "不能确定结果" in text(response) and "期满后才能确定结果" in text(response)
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.PUBLISHED


def test_finalising_shows_what_it_did_and_what_waits(staff_client, results_cycle, staff_user):
    cycle_publish(cycle=results_cycle.cycle, by=staff_user, starts_on=in_days(-10), today=in_days(-10))
    Objection.objects.create(submission=results_cycle.three, reference="YY-W", reason="理由")
    url = reverse("ratings:results-finalize", args=[results_cycle.cycle.pk])
    page = text(staff_client.post(url, {"confirm": "1"}, follow=True))
    assert "已确定 4 个结果，授予 2 个星级命名" in page and "1 个结果有未处理完毕的异议" in page
    assert "等待异议处理的结果" in page and results_cycle.three.party_organization.name in page
    page = text(staff_client.post(url, {"confirm": "1"}, follow=True))
    assert "已确定 0 个结果" in page
    assert Award.objects.count() == 2


# --- objections ---------------------------------------------------------------------------------------


def test_the_objection_page_shows_the_contact_to_staff_and_when_to_phone(staff_client, world):
    url = reverse("ratings:objection-detail", args=[world.objection.pk])
    page = text(staff_client.get(url))
    assert "13800138000" in page and "需电话告知" in page and "王五" in page
    assert reverse("ratings:objection-attachment", args=[world.attachment.pk]) in page
    Objection.objects.filter(pk=world.objection.pk).update(contact="wangwu@example.com")
    page = text(staff_client.get(url))
    assert "wangwu@example.com" in page and "需电话告知" not in page


def test_the_objection_list_filters_by_state(staff_client, world):
    Objection.objects.create(
        submission=world.results.three, reference="YY-TEST-2", reason="理由", state=Objection.State.REJECTED
    )
    url = reverse("ratings:objection-list", args=[world.cycle.pk])
    page = text(staff_client.get(url, {"state": "open"}))
    assert "YY-TEST-1" in page and "YY-TEST-2" not in page
    page = text(staff_client.get(url))
    assert "YY-TEST-1" in page and "YY-TEST-2" in page and "13800138000" not in page


@pytest.mark.usefixtures("private_storage_backend")
def test_an_attachment_is_served_to_staff_only_as_a_download(staff_client, world):
    response = staff_client.get(reverse("ratings:objection-attachment", args=[world.attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_private_file(response, inline=False, name="证据.pdf")


@pytest.mark.usefixtures("private_storage_backend")
def test_award_evidence_rectification_evidence_and_certificates_are_sandboxed_downloads(staff_client, world):
    for url in (
        reverse("ratings:award-evidence", args=[world.event.pk]),
        reverse("ratings:rectification-evidence", args=[world.evidence.pk]),
        reverse("ratings:certificate-pdf", args=[world.award.pk]),
    ):
        response = staff_client.get(url)
        assert_private_file(response, inline=False, name="")
        # no response.close() here: it sends request_finished, which would end the test's database
        # connection before the next request (on PostgreSQL)
        if getattr(response, "file_to_stream", None):
            response.file_to_stream.close()


@pytest.fixture
def published(results_cycle, staff_user):
    cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    results_cycle.refresh()
    results_cycle.objection = Objection.objects.create(
        submission=results_cycle.four, reference="YY-P", reason="理由"
    )
    return results_cycle


def test_staff_investigate_then_reject_an_objection(staff_client, published):
    o = published.objection
    staff_client.post(reverse("ratings:objection-investigate", args=[o.pk]))
    assert Objection.objects.get(pk=o.pk).state == Objection.State.INVESTIGATING
    response = staff_client.post(reverse("ratings:objection-reject", args=[o.pk]), {"outcome": ""})
    assert response.status_code == 200 and "请写明复核结论和理由" in text(response)
    assert Objection.objects.get(pk=o.pk).state == Objection.State.INVESTIGATING
    staff_client.post(reverse("ratings:objection-reject", args=[o.pk]), {"outcome": "经核查，不属实。"})
    o.refresh_from_db()
    assert (o.state, o.outcome) == (Objection.State.REJECTED, "经核查，不属实。")
    page = text(staff_client.get(reverse("ratings:objection-detail", args=[o.pk])))
    assert "经核查，不属实。" in page and reverse("ratings:objection-uphold", args=[o.pk]) not in page


def test_the_uphold_form_lists_indicators_with_their_current_final_score(staff_client, published):
    page = text(staff_client.get(reverse("ratings:objection-detail", args=[published.objection.pk])))
    for ind in published.cycle.rubric.indicators():
        assert f'name="score_{ind.pk}"' in page
    assert 'value="30.00"' in page  # 1.1 of the four-star branch
    assert "发生严重违纪违法案件" in page  # veto items to choose from


def test_staff_uphold_an_objection_with_a_changed_score(staff_client, published):
    indicators = {i.code: i for i in published.cycle.rubric.indicators()}
    data = {
        "outcome": "部分活动未开展。",
        f"score_{indicators['1.1'].pk}": "20",
        f"score_{indicators['1.2'].pk}": "30.00",
        f"score_{indicators['2.1'].pk}": "30",
        "veto_item": "",
    }
    response = staff_client.post(
        reverse("ratings:objection-uphold", args=[published.objection.pk]), data, follow=True
    )
    assert "结果已改正：三星" in text(response)
    sub = Submission.objects.get(pk=published.four.pk)
    assert (sub.proposed_level, sub.total) == (3, Decimal("80.00"))
    assert sub.final_scores.get(indicator=indicators["1.1"]).reason.startswith("异议 YY-P 复核")
    assert sub.final_scores.get(indicator=indicators["1.2"]).reason == ""  # unchanged scores are left alone


def test_staff_uphold_an_objection_with_a_veto(staff_client, published):
    veto = published.cycle.rubric.vetoes.get(code="V1")
    response = staff_client.post(
        reverse("ratings:objection-uphold", args=[published.objection.pk]),
        {"outcome": "属实", "veto_item": str(veto.pk)},
        follow=True,
    )
    assert "结果已改正：一票否决" in text(response)
    assert Submission.objects.get(pk=published.four.pk).vetoed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "属实"}, "采纳异议须同时改正结果"),
        ({"outcome": "属实", "score_X": "41"}, "小于或等于40"),
        ({"outcome": ""}, "请写明复核结论和理由"),
        ({"outcome": "属实", "veto_item": "999999"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_uphold_says_why_and_changes_nothing(staff_client, published, data, message):
    indicator = published.cycle.rubric.indicators().get(code="1.1")
    if "score_X" in data:
        data[f"score_{indicator.pk}"] = data.pop("score_X")
    before = Submission.objects.values().get(pk=published.four.pk)
    response = staff_client.post(reverse("ratings:objection-uphold", args=[published.objection.pk]), data)
    assert response.status_code == 200 and message in text(response)
    assert Objection.objects.get(pk=published.objection.pk).state == Objection.State.OPEN
    assert Submission.objects.values().get(pk=published.four.pk) == before


# --- awards, certificates, plaques -----------------------------------------------------------------------


def test_the_award_list_shows_numbers_levels_states_and_plaques(staff_client, world, staff_user):
    award_revoke(award=world.award, grounds="other", reason="撤销", by=staff_user)
    Plaque.objects.filter(award=world.results.three.award).update(
        made_on=in_days(-3), delivered_on=in_days(-1)
    )
    page = text(staff_client.get(reverse("ratings:award-list")))
    for award in Award.objects.all():
        assert award.certificate_no in page
    assert "已撤销" in page and "已降级" in page and "已授牌" in page and "未制作" in page
    page = text(staff_client.get(reverse("ratings:award-list"), {"state": "revoked"}))
    assert world.award.certificate_no in page and world.five_award.certificate_no not in page
    page = text(staff_client.get(reverse("ratings:award-list"), {"plaque": "delivered"}))
    assert Award.objects.get(submission=world.results.three).certificate_no in page
    assert world.award.certificate_no not in page


def test_the_award_list_takes_a_fixed_number_of_queries(staff_client, world, committee, staff_user):
    with CaptureQueriesContext(connection) as small:
        staff_client.get(reverse("ratings:award-list"))
    finalize(make_results_cycle(committee, staff_user, year=world.cycle.year - 1), staff_user)
    assert Award.objects.count() == 6
    with CaptureQueriesContext(connection) as large:
        response = staff_client.get(reverse("ratings:award-list"))
    assert text(response).count("ratings/awards/") >= 6
    assert len(large) == len(small)


def test_the_award_page_shows_the_history(staff_client, world):
    page = text(staff_client.get(reverse("ratings:award-detail", args=[world.five_award.pk])))
    assert "授予" in page and "降级" in page and "发生一票否决事项" in page and "违纪" in page
    assert reverse("ratings:award-evidence", args=[world.event.pk]) in page
    assert reverse("ratings:verify", args=[world.five_award.token]) in page


def test_staff_downgrade_an_award_with_evidence(staff_client, world):
    url = reverse("ratings:award-downgrade", args=[world.award.pk])
    response = staff_client.post(
        url,
        {
            "down-to_level": "3",
            "down-grounds": "rectification",
            "down-reason": "整改逾期未完成",
            "down-evidence": pdf_upload("通报.pdf"),
            "confirm": "1",
        },
        follow=True,
    )
    assert "已降为三星" in text(response)
    award = Award.objects.get(pk=world.award.pk)
    assert (award.state, award.level) == (Award.State.DOWNGRADED, 3)
    assert award.events.get(kind="downgraded").evidence_name == "通报.pdf"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"down-to_level": "3", "down-reason": "理由"}, "请选择事由"),
        ({"down-to_level": "4", "down-grounds": "veto", "down-reason": "理由"}, "选择一个有效的选项"),
        ({"down-to_level": "3", "down-grounds": "veto", "down-reason": ""}, "请写明理由"),
        (
            {"down-to_level": "3", "down-grounds": "veto", "down-reason": "理由", "down-evidence": "bad"},
            "内容与扩展名",
        ),
    ],
)
def test_a_bad_downgrade_says_why_and_changes_nothing(staff_client, world, data, message):
    data = {**data, "confirm": "1"}
    if data.get("down-evidence") == "bad":
        data["down-evidence"] = SimpleUploadedFile("x.pdf", b"not really")
    response = staff_client.post(reverse("ratings:award-downgrade", args=[world.award.pk]), data)
    assert response.status_code == 200 and message in text(response)
    award = Award.objects.get(pk=world.award.pk)
    assert (award.state, award.level, award.events.count()) == (Award.State.VALID, 4, 1)


def test_a_revocation_through_the_page_shows_on_the_public_verification_at_once(staff_client, world, client):
    staff_client.post(
        reverse("ratings:award-revoke", args=[world.award.pk]),
        {"revoke-grounds": "deregistered", "revoke-reason": "社会组织已注销", "confirm": "1"},
    )
    assert Award.objects.get(pk=world.award.pk).state == Award.State.REVOKED
    client.logout()
    page = text(client.get(reverse("ratings:verify", args=[world.award.token])))
    assert 'class="verdict verdict-revoked"' in page
    page = text(staff_client.get(reverse("ratings:award-detail", args=[world.award.pk])))
    assert reverse("ratings:award-revoke", args=[world.award.pk]) not in page  # nothing more to change


def test_a_downgrade_without_confirm_shows_what_it_does_and_keeps_the_input(staff_client, world):
    url = reverse("ratings:award-downgrade", args=[world.award.pk])
    data = {"down-to_level": "2", "down-grounds": "rectification", "down-reason": "整改逾期<未完成>"}
    response = staff_client.post(url, data)
    page = text(response)
    assert response.status_code == 200 and "确认降级" in page
    assert "由四星降为二星" in page and world.award.certificate_no in page and "不能撤销" in page
    assert 'name="down-reason" value="整改逾期&lt;未完成&gt;"' in page
    assert 'name="down-to_level" value="2"' in page and 'name="confirm" value="1"' in page
    award = Award.objects.get(pk=world.award.pk)
    assert (award.state, award.level, award.events.count()) == (Award.State.VALID, 4, 1)
    staff_client.post(url, {**data, "confirm": "1"})
    award = Award.objects.get(pk=world.award.pk)
    assert (award.state, award.level) == (Award.State.DOWNGRADED, 2)
    assert award.events.get(kind="downgraded").reason == "整改逾期<未完成>"


def test_a_revocation_without_confirm_says_the_plaque_must_be_returned(staff_client, world):
    plaque = world.award.plaque
    plaque.made_on, plaque.delivered_on = in_days(-5), in_days(-1)
    plaque.save()
    url = reverse("ratings:award-revoke", args=[world.award.pk])
    data = {"revoke-grounds": "deregistered", "revoke-reason": "社会组织已注销"}
    page = text(staff_client.post(url, data))
    assert "确认撤销命名" in page and "已撤销" in page and "退回" in page and "撤销不能恢复" in page
    assert 'name="revoke-grounds" value="deregistered"' in page
    assert Award.objects.get(pk=world.award.pk).state == Award.State.VALID
    staff_client.post(url, {**data, "confirm": "1"})
    assert Award.objects.get(pk=world.award.pk).state == Award.State.REVOKED
    assert Plaque.objects.get(pk=plaque.pk).return_due_on is not None


def test_staff_register_a_plaque(staff_client, world):
    url = reverse("ratings:plaque-update", args=[world.award.pk])
    staff_client.post(
        url,
        {
            "made_on": in_days(-5).isoformat(),
            "delivered_on": in_days(-1).isoformat(),
            "delivered_by": "综合党委书记",
            "received_by": "支部书记",
        },
    )
    plaque = Plaque.objects.get(award=world.award)
    assert (plaque.made_on, plaque.delivered_on, plaque.delivered_by, plaque.received_by) == (
        in_days(-5),
        in_days(-1),
        "综合党委书记",
        "支部书记",
    )
    response = staff_client.post(
        url, {"made_on": in_days(-5).isoformat(), "delivered_on": in_days(1).isoformat()}
    )
    assert response.status_code == 200 and "日期不能晚于今天" in text(response)
    assert Plaque.objects.get(award=world.award).delivered_on == in_days(-1)


def test_a_returned_plaque_is_registered_after_a_revocation(staff_client, world, staff_user):
    Plaque.objects.filter(award=world.award).update(made_on=in_days(-9), delivered_on=in_days(-8))
    award_revoke(award=world.award, grounds="veto", reason="否决", by=staff_user)
    page = text(staff_client.get(reverse("ratings:award-detail", args=[world.award.pk])))
    assert "牌匾应于" in page and 'name="returned_on"' in page
    staff_client.post(
        reverse("ratings:plaque-update", args=[world.award.pk]),
        {
            "made_on": in_days(-9).isoformat(),
            "delivered_on": in_days(-8).isoformat(),
            "returned_on": timezone.localdate().isoformat(),
        },
    )
    assert Plaque.objects.get(award=world.award).returned_on == timezone.localdate()


def test_the_certificate_pdf_for_staff_and_the_branchs_secretary(login, world, staff_user):
    for user in (staff_user, world.secretary):
        response = login(user).get(reverse("ratings:certificate-pdf", args=[world.award.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert "attachment" in response["Content-Disposition"]


def test_a_revoked_certificate_is_no_longer_handed_to_the_branch(login, world, staff_user):
    award_revoke(award=world.award, grounds="other", reason="撤销", by=staff_user)
    response = login(world.secretary).get(
        reverse("ratings:certificate-pdf", args=[world.award.pk]), follow=True
    )
    assert "证书不能再下载" in text(response)
    assert response.redirect_chain[-1][0] == reverse("ratings:branch-history", args=[world.po.pk])
    assert login(staff_user).get(reverse("ratings:certificate-pdf", args=[world.award.pk])).status_code == 200


def test_all_certificates_of_a_cycle_as_one_zip(staff_client, world, django_capture_on_commit_callbacks):
    content = export_file(staff_client, world.cycle, "certificates_zip", django_capture_on_commit_callbacks)
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert len(zf.namelist()) == 3
    job = ExportJob.objects.get(cycle=world.cycle, kind="certificates_zip")
    response = staff_client.get(reverse("ratings:export-download", args=[job.pk]))
    assert response["Content-Type"] == "application/zip"
    assert job.progress_done == job.progress_total == 3


def test_a_cycle_without_awards_has_no_zip(staff_client, results_cycle):
    response = staff_client.post(
        reverse("ratings:export-start", args=[results_cycle.cycle.pk, "certificates_zip"]), follow=True
    )
    assert "没有可下载的证书" in text(response)
    assert not ExportJob.objects.exists()


# --- rectification -----------------------------------------------------------------------------------


def test_the_review_page_of_a_reviewed_submission_links_to_a_new_rectification(staff_client, results_cycle):
    page = text(staff_client.get(reverse("ratings:review", args=[results_cycle.three.pk])))
    assert reverse("ratings:rectification-create", args=[results_cycle.three.pk]) in page


def test_staff_create_a_rectification_item(staff_client, results_cycle):
    indicator = results_cycle.cycle.rubric.indicators().get(code="2.1")
    url = reverse("ratings:rectification-create", args=[results_cycle.three.pk])
    assert "整改期限" in text(staff_client.get(url))
    response = staff_client.post(
        url,
        {
            "indicator": str(indicator.pk),
            "problem": "阵地建设不规范",
            "requirement": "按标准设置活动室",
            "due_on": in_days(30).isoformat(),
        },
    )
    item = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "ratings:rectification-detail", args=[item.pk]
    )
    assert (item.indicator, item.due_on, item.state) == (indicator, in_days(30), Rectification.State.OPEN)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"problem": "", "requirement": "要求", "due_on": "D+5"}, "请写明存在问题"),
        ({"problem": "问题", "requirement": "要求", "due_on": ""}, "请填写整改期限"),
        ({"problem": "问题", "requirement": "要求", "due_on": "D-1"}, "整改期限不能早于今天"),
        (
            {"problem": "问题", "requirement": "要求", "due_on": "D+5", "indicator": "999999"},
            "选择一个有效的选项",
        ),
    ],
)
def test_a_bad_rectification_item_says_why_and_creates_nothing(staff_client, results_cycle, data, message):
    if data["due_on"].startswith("D"):
        data["due_on"] = in_days(int(data["due_on"][1:])).isoformat()
    response = staff_client.post(reverse("ratings:rectification-create", args=[results_cycle.three.pk]), data)
    assert response.status_code == 200 and message in text(response)
    assert not Rectification.objects.exists()


def test_a_submission_not_yet_reviewed_gets_no_rectification_form(staff_client, results_cycle):
    url = reverse("ratings:rectification-create", args=[results_cycle.draft.pk])
    page = text(staff_client.get(url))
    assert "评审完成后才能下达整改事项" in page and 'name="problem"' not in page
    response = staff_client.post(
        url, {"problem": "问题", "requirement": "要求", "due_on": in_days(5).isoformat()}
    )
    assert "评审完成后才能下达整改事项" in text(response)
    assert not Rectification.objects.exists()


def test_the_secretary_sees_and_answers_their_own_items(login, world, other_secretary_user):
    client = login(world.secretary)
    page = text(client.get(reverse("ratings:rectification-list")))
    assert "记录不全" in page and "阵地不规范" in page
    url = reverse("ratings:rectification-detail", args=[world.open_item.pk])
    assert "报送整改情况" in text(client.get(url))
    response = client.post(reverse("ratings:rectification-answer", args=[world.open_item.pk]), {"answer": ""})
    assert response.status_code == 200 and "请写明整改情况" in text(response)
    response = client.post(
        reverse("ratings:rectification-answer", args=[world.open_item.pk]),
        {"answer": "已按标准整改", "files": [pdf_upload("照片说明.pdf"), pdf_upload("制度.pdf")]},
    )
    assert response.status_code == 302
    item = Rectification.objects.get(pk=world.open_item.pk)
    assert (item.state, item.evidence.count()) == (Rectification.State.ANSWERED, 2)
    other = factories.SecretaryUserFactory(
        party_organization=world.results.three.party_organization, username="three-secretary"
    )
    assert "记录不全" not in text(login(other).get(reverse("ratings:rectification-list")))


def test_staff_verify_or_send_back_an_answered_item(staff_client, world):
    detail = text(staff_client.get(reverse("ratings:rectification-detail", args=[world.item.pk])))
    assert (
        "已补齐" in detail and reverse("ratings:rectification-evidence", args=[world.evidence.pk]) in detail
    )
    response = staff_client.post(
        reverse("ratings:rectification-send-back", args=[world.item.pk]), {"note": ""}
    )
    assert response.status_code == 200 and "退回重改须写明原因" in text(response)
    assert Rectification.objects.get(pk=world.item.pk).state == Rectification.State.ANSWERED
    staff_client.post(
        reverse("ratings:rectification-send-back", args=[world.item.pk]), {"note": "台账不完整"}
    )
    assert Rectification.objects.get(pk=world.item.pk).state == Rectification.State.SENT_BACK
    response = staff_client.post(reverse("ratings:rectification-verify", args=[world.item.pk]), {"note": ""})
    assert response.status_code == 200 and "不能验证销号" in text(response)


def test_the_rectification_list_filters_by_state_and_overdue(staff_client, world):
    Rectification.objects.filter(pk=world.open_item.pk).update(due_on=in_days(-2))
    url = reverse("ratings:rectification-list")
    page = text(staff_client.get(url, {"overdue": "1"}))
    assert "阵地不规范" in page and "记录不全" not in page and "逾期" in page
    page = text(staff_client.get(url, {"state": "answered"}))
    assert "记录不全" in page and "阵地不规范" not in page


# --- star history ----------------------------------------------------------------------------------------


def add_past_cycle(committee, staff, po, year, scores, level):
    """A final earlier cycle in which `po` was reviewed with `scores`."""
    cycle = factories.CycleFactory(committee=committee, year=year, status=Cycle.Status.FINAL)
    sub = factories.reviewed_submission(cycle, po, by=staff, scores=scores)
    cycle_recompute_levels(cycle_id=cycle.pk)
    Submission.objects.filter(pk=sub.pk).update(final_level=level, finalized_at=timezone.now())
    return sub


def test_the_history_shows_levels_over_cycles_and_compares_indicators_with_last_year(
    login, world, committee, staff_user
):
    add_past_cycle(committee, staff_user, world.po, world.cycle.year - 1, {"1.1": 35, "2.1": 20}, 4)
    for user in (staff_user, world.secretary):
        response = login(user).get(reverse("ratings:branch-history", args=[world.po.pk]))
        page = text(response)
        assert response.status_code == 200
        assert "确定：四星" in page and world.award.certificate_no in page and "有效" in page
        assert str(world.cycle.year - 1) in page
        rows = {r["indicator"].code: r for r in response.context["comparison"]}
        assert (rows["1.1"]["now"], rows["1.1"]["before"], rows["1.1"]["diff"]) == (30, 35, -5)
        assert (rows["2.1"]["now"], rows["2.1"]["before"], rows["2.1"]["diff"]) == (30, 20, 10)
        assert response.context["totals"] == {"now": 90, "before": 85, "diff": 5}
        assert "+10" in page
        assert reverse("ratings:certificate-pdf", args=[world.award.pk]) in page


def test_the_branch_sees_a_result_only_once_published(login, committee, staff_user):
    results = make_results_cycle(committee, staff_user)
    po = results.four.party_organization
    secretary = factories.SecretaryUserFactory(party_organization=po, username="four-sec")
    page = text(login(secretary).get(reverse("ratings:branch-history", args=[po.pk])))
    assert "尚未公布" in page and "四星" not in page.replace(po.name, "")
    page = text(login(staff_user).get(reverse("ratings:branch-history", args=[po.pk])))
    assert "建议：四星（评审完成，待公示）" in page
    cycle_publish(cycle=results.cycle, by=staff_user)
    page = text(login(secretary).get(reverse("ratings:branch-history", args=[po.pk])))
    assert "建议：四星（公示中）" in page


def test_the_history_takes_a_fixed_number_of_queries(login, world, committee, staff_user):
    client = login(world.secretary)
    url = reverse("ratings:branch-history", args=[world.po.pk])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for years_back in (1, 2, 3):
        add_past_cycle(
            committee, staff_user, world.po, world.cycle.year - years_back, {"1.1": 30 - years_back}, 3
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["history"]) == 4
    assert len(large) == len(small)


# --- navigation ------------------------------------------------------------------------------------------


def test_navigation_offers_the_new_pages(login, world, staff_user):
    page = text(login(staff_user).get(reverse("ratings:award-list")))
    assert reverse("ratings:results-index") in page and reverse("ratings:rectification-list") in page
    page = text(login(world.secretary).get(reverse("ratings:rectification-list")))
    assert reverse("ratings:branch-history", args=[world.po.pk]) in page and "整改" in page
