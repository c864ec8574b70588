"""推进会: the pack is generated from the cycle (commended awards by level, plaque checklist,
attendance), edited by staff (heading, date, place, speakers and their order), printed as PDF and
.docx in Chinese; handing a plaque over marks the plaque register."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from branches import access
from ratings.models import Award, Plaque, PromotionSpeaker
from ratings.outcomes import promotion
from ratings.outcomes.awards import award_revoke
from ratings.reports import promotion_pack
from tests import factories
from tests.ratings.conftest import finalize_results

pytestmark = pytest.mark.django_db


@pytest.fixture
def final(results_cycle, staff_user):
    """`results_cycle` made final: awards for five (5★), four (4★) and three (3★)."""
    return finalize_results(results_cycle, staff_user)


def _names(awards):
    return [a.party_organization.name.removeprefix(str(a.cycle.year)) for a in awards]


def test_the_commended_are_the_awards_that_stand_highest_level_first(final, staff_user):
    assert _names(promotion.commended(final.cycle)) == ["五星测试党支部", "四星测试党支部", "三星测试党支部"]
    award_revoke(award=Award.objects.get(submission=final.four), grounds="veto", reason="违纪", by=staff_user)
    assert _names(promotion.commended(final.cycle)) == ["五星测试党支部", "三星测试党支部"]
    assert [level for level, _rows in promotion.by_level(promotion.commended(final.cycle))] == [5, 3]
    # a meeting held before the revocation commended it: the pack shows the meeting as it was
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert len(promotion.commended(final.cycle, yesterday)) == 3
    assert len(promotion.commended(final.cycle, timezone.localdate())) == 2


def test_the_attendance_lists_every_branch_that_took_part(final):
    names = {po.name.removeprefix(str(final.cycle.year)) for po in promotion.attendance(final.cycle)}
    assert names == {
        "五星测试党支部",
        "四星测试党支部",
        "三星测试党支部",
        "无星测试党支部",
        "否决测试党支部",
        "未提交测试党支部",
    }


def test_staff_edit_heading_date_place_and_speakers_in_order(final, staff_user):
    cycle = final.cycle
    assert promotion.meeting_of(cycle).pk is None  # reading writes nothing
    meeting = promotion.promotion_meeting_save(
        cycle=cycle, by=staff_user, heading="星火推进会", held_on=dt.date(2023, 12, 20), place="成都市"
    )
    assert (meeting.heading, meeting.place) == ("星火推进会", "成都市")
    add = lambda key, topic: promotion.promotion_speaker_add(  # noqa: E731
        cycle=cycle,
        by=staff_user,
        party_organization=getattr(final, key).party_organization,
        speaker="甲",
        topic=topic,
    )
    first, second, third = add("five", "一"), add("four", "二"), add("three", "三")
    with pytest.raises(ValidationError):
        add("five", "再一次")
    promotion.promotion_speaker_move(speaker=third, by=staff_user, up=True)
    assert [s.topic for s in promotion.speakers(meeting)] == ["一", "三", "二"]
    promotion.promotion_speaker_move(speaker=first, by=staff_user, up=True)  # already first: nothing moves
    promotion.promotion_speaker_remove(speaker=second, by=staff_user)
    assert [s.topic for s in promotion.speakers(meeting)] == ["一", "三"]
    with pytest.raises(ValidationError):
        promotion.promotion_meeting_save(cycle=cycle, by=staff_user, heading="  ", held_on=None, place="")


def test_only_the_committees_staff_edit_the_pack(final, other_staff_user, secretary_user):
    for user in (other_staff_user, secretary_user):
        with pytest.raises(PermissionDenied):
            promotion.promotion_meeting_save(cycle=final.cycle, by=user, heading="x", held_on=None, place="")
    other_po = factories.PartyOrganizationFactory(committee=other_staff_user.committee)
    with pytest.raises(ValidationError):
        promotion.promotion_speaker_add(
            cycle=final.cycle,
            by=final.cycle.committee.users.filter(role="staff").first(),
            party_organization=other_po,
            speaker="乙",
            topic="跨综合党委",
        )
    assert not PromotionSpeaker.objects.exists()


def test_handing_over_marks_the_plaque_register_once(final, staff_user):
    award = Award.objects.get(submission=final.four)
    day = timezone.localdate() - dt.timedelta(days=1)
    plaque = promotion.promotion_plaque_hand_over(award=award, by=staff_user, on=day)
    plaque = Plaque.objects.get(pk=plaque.pk)
    secretary = award.party_organization.secretary
    assert plaque.delivered_on == day and plaque.made_on == day
    assert plaque.received_by == (secretary.name if secretary else "")
    with pytest.raises(ValidationError):
        promotion.promotion_plaque_hand_over(award=award, by=staff_user, on=day)
    revoked = award_revoke(
        award=Award.objects.get(submission=final.three), grounds="veto", reason="违纪", by=staff_user
    )
    with pytest.raises(ValidationError):
        promotion.promotion_plaque_hand_over(award=revoked, by=staff_user)
    assert not Plaque.objects.filter(award=revoked, delivered_on__isnull=False).exists()


def test_the_docx_lists_the_commended_by_level_in_chinese(final, staff_user):
    from docx import Document

    promotion.promotion_meeting_save(
        cycle=final.cycle, by=staff_user, heading="星火推进会", held_on=dt.date(2023, 12, 20), place="成都"
    )
    with translation.override("en"):
        content = promotion_pack.commendation_docx(final.cycle)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "关于表扬" in text and "星火推进会" in text and "2023年12月20日" in text
    assert (
        text.index("五星级党组织（1个）")
        < text.index("四星级党组织（1个）")
        < text.index("三星级党组织（1个）")
    )
    assert text.index("五星测试党支部") < text.index("四星测试党支部") < text.index("三星测试党支部")
    assert "无星测试党支部" not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_pack_holds_the_four_lists_in_chinese(final, staff_user, tmp_path):
    promotion.promotion_speaker_add(
        cycle=final.cycle,
        by=staff_user,
        party_organization=final.five.party_organization,
        speaker="张书记",
        topic="以党建引领社区发展",
    )
    with translation.override("en"):
        pdf = promotion_pack.pack_pdf(final.cycle)
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = "".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout.split()  # noqa: S603, S607
    )
    for words in (
        "关于表扬",
        "授牌清单",
        "交流发言",
        "参会签到表",
        "以党建引领社区发展",
        "张书记",
        "未提交测试党支部",
    ):
        assert words in text, words
    assert Award.objects.get(submission=final.five).certificate_no in text


def test_the_page_edits_and_downloads(client, final, staff_user):
    client.force_login(staff_user)
    url = reverse("ratings:promotion", args=[final.cycle.pk])
    page = client.get(url)
    assert page.status_code == 200 and "五星测试党支部" in page.content.decode()
    response = client.post(url, {"heading": "新标题", "held_on": "2023-12-20", "place": "成都"})
    assert response.status_code == 302
    assert promotion.meeting_of(final.cycle).heading == "新标题"
    response = client.post(
        reverse("ratings:promotion-speaker-add", args=[final.cycle.pk]),
        {"party_organization": final.five.party_organization_id, "speaker": "甲", "topic": "题目"},
    )
    assert response.status_code == 302 and PromotionSpeaker.objects.count() == 1
    award = Award.objects.get(submission=final.five)
    client.post(reverse("ratings:promotion-hand-over", args=[award.pk]))
    assert Plaque.objects.get(award=award).delivered_on == dt.date(2023, 12, 20)
    docx = client.get(reverse("ratings:promotion-docx", args=[final.cycle.pk]))
    assert docx.status_code == 200 and docx["Content-Type"] == promotion_pack.DOCX
    pdf = client.get(reverse("ratings:promotion-pdf", args=[final.cycle.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_page_takes_the_same_queries_whatever_the_rows(client, final, staff_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_user)
    url = reverse("ratings:promotion", args=[final.cycle.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    promotion.promotion_speaker_add(
        cycle=final.cycle,
        by=staff_user,
        party_organization=final.five.party_organization,
        speaker="甲",
        topic="一",
    )
    few = count()
    for key in ("four", "three", "none"):
        promotion.promotion_speaker_add(
            cycle=final.cycle,
            by=staff_user,
            party_organization=getattr(final, key).party_organization,
            speaker="乙",
            topic=key,
        )
    extra = factories.PartyOrganizationFactory(committee=final.cycle.committee, with_members=3)
    from ratings.models import Submission

    Submission.objects.create(cycle=final.cycle, party_organization=extra)  # one more on the attendance list
    promotion.promotion_plaque_hand_over(award=Award.objects.get(submission=final.five), by=staff_user)
    assert count() == few


def test_the_policy_reads_a_cycle_as_its_committee(final):
    # The services pass the cycle itself to `access.require(by, "rating.manage", cycle)`.
    assert access.target_of(final.cycle) == access.Target(committee_id=final.cycle.committee_id)
