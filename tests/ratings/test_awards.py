"""命名/授牌 and dynamic management: certificate numbers, the award transition matrix (downgrade /
revoke), plaques, and the certificate PDF (ratings.outcomes.awards, ratings.outcomes.certificates)."""

import datetime as dt
import io
import re
import shutil
import subprocess
import threading
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from branches.models import AuditEntry, Committee
from ratings.models import Award, AwardEvent, Plaque, RatingSettings
from ratings.outcomes.awards import GROUNDS, award_downgrade, award_revoke, certificate_number, plaque_update
from ratings.outcomes.certificates import certificate_html, certificate_pdf, certificates_zip
from ratings.outcomes.publication import cycle_publish, results_finalize
from ratings.workflow.edges import TransitionNotAllowed

pytestmark = pytest.mark.django_db

SITE = "https://starfire.example.org"


def pdf_upload(name="decision.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def finalize(results, staff):
    cycle = cycle_publish(cycle=results.cycle, by=staff)
    results_finalize(cycle=cycle, by=staff, today=cycle.notice_ends_on + dt.timedelta(days=1))
    return results.refresh()


@pytest.fixture
def awarded(results_cycle, staff_user, committee):
    """`results_cycle` published and final: awards for five (5★), four (4★) and three (3★)."""
    Committee.objects.filter(pk=committee.pk).update(short_name="川社二党委")
    return finalize(results_cycle, staff_user)


def award_of(results, key) -> Award:
    return Award.objects.select_related("plaque").get(submission=getattr(results, key))


def snapshot(award):
    return (
        Award.objects.values().get(pk=award.pk),
        Plaque.objects.values().get(award=award),
        AwardEvent.objects.filter(award=award).count(),
        AuditEntry.objects.count(),
    )


# --- certificate numbers --------------------------------------------------------------------------


def test_certificate_numbers_follow_the_pattern_without_gaps_highest_total_first(awarded):
    awards = list(Award.objects.filter(cycle=awarded.cycle).order_by("seq"))
    assert [a.seq for a in awards] == [1, 2, 3]
    year = awarded.cycle.year
    assert [a.certificate_no for a in awards] == [
        f"川社二党委星〔{year}〕第001号",
        f"川社二党委星〔{year}〕第002号",
        f"川社二党委星〔{year}〕第003号",
    ]
    assert [a.submission_id for a in awards] == [awarded.five.pk, awarded.four.pk, awarded.three.pk]
    assert [a.level for a in awards] == [5, 4, 3]


def test_an_award_is_valid_from_its_naming_until_the_next_naming_and_has_history_and_a_plaque(awarded):
    award = award_of(awarded, "four")
    assert award.state == Award.State.VALID and award.public_state == "valid"
    # It used to end on 31 December of the year after the cycle's, whatever the naming date.
    assert award.valid_from == timezone.localdate() and award.valid_until is None
    assert list(award.events.values_list("kind", "to_level")) == [("issued", 4)]
    assert award.plaque.made_on is None
    assert len(award.token) >= 20
    assert AuditEntry.objects.filter(action="award.issue", target_id=str(award.pk)).exists()


def test_a_committee_sets_its_own_number_pattern(results_cycle, staff_user, committee):
    settings = RatingSettings.for_committee(committee.pk)
    settings.certificate_pattern = "{year}-{seq:04d}"
    settings.save()
    finalize(results_cycle, staff_user)
    year = results_cycle.cycle.year
    assert sorted(Award.objects.values_list("certificate_no", flat=True)) == [
        f"{year}-0001",
        f"{year}-0002",
        f"{year}-0003",
    ]


def test_the_short_name_falls_back_to_the_full_name(committee):
    committee.short_name = ""
    assert (
        certificate_number("{short}星〔{year}〕第{seq:03d}号", committee=committee, year=2024, seq=7)
        == "四川省社会组织第二综合党委星〔2024〕第007号"
    )


@pytest.mark.parametrize("pattern", ["{short}{unknown}", "{seq:d", "{0}"])
def test_a_broken_pattern_is_a_clear_error(committee, pattern):
    with pytest.raises(ValidationError, match="证书编号格式"):
        certificate_number(pattern, committee=committee, year=2024, seq=1)


def test_numbers_are_per_cycle(awarded, committee, staff_user):
    from tests.ratings.conftest import make_results_cycle

    year = awarded.cycle.year + 1
    finalize(make_results_cycle(committee, staff_user, year=year), staff_user)
    assert sorted(Award.objects.filter(cycle__year=year).values_list("certificate_no", flat=True)) == [
        f"川社二党委星〔{year}〕第001号",
        f"川社二党委星〔{year}〕第002号",
        f"川社二党委星〔{year}〕第003号",
    ]


# --- the transition matrix of awards ----------------------------------------------------------------

AWARD_STATES = ["valid", "downgraded", "revoked", "expired"]
ALLOWED = {("downgrade", "valid"), ("downgrade", "downgraded"), ("revoke", "valid"), ("revoke", "downgraded")}


def _put_in_state(award, state):
    if state == "downgraded":
        Award.objects.filter(pk=award.pk).update(state=Award.State.DOWNGRADED, level=3)
    elif state == "revoked":
        Award.objects.filter(pk=award.pk).update(state=Award.State.REVOKED)
    elif state == "expired":
        Award.objects.filter(pk=award.pk).update(
            valid_from=timezone.localdate() - dt.timedelta(days=400),
            valid_until=timezone.localdate() - dt.timedelta(days=1),
        )
    award.refresh_from_db()
    assert award.public_state == state
    return award


@pytest.mark.parametrize("state", AWARD_STATES)
@pytest.mark.parametrize("action", ["downgrade", "revoke"])
def test_award_transition_matrix(awarded, staff_user, action, state):
    award = _put_in_state(award_of(awarded, "four"), state)
    before = snapshot(award)
    level_before = award.level

    def run():
        if action == "downgrade":
            return award_downgrade(
                award=award,
                to_level=award.level - 1,
                grounds="veto",
                reason="发生违纪案件",
                by=staff_user,
                evidence=pdf_upload(),
            )
        return award_revoke(award=award, grounds="deregistered", reason="社会组织已注销", by=staff_user)

    if (action, state) in ALLOWED:
        run()
        award.refresh_from_db()
        event = award.events.order_by("-pk").first()
        if action == "downgrade":
            assert (award.state, award.level) == (Award.State.DOWNGRADED, level_before - 1)
            assert (event.kind, event.from_level, event.to_level) == (
                "downgraded",
                level_before,
                level_before - 1,
            )
            assert event.evidence and event.evidence_name == "decision.pdf"
        else:
            assert award.state == Award.State.REVOKED and award.public_state == "revoked"
            assert (event.kind, event.from_level, event.to_level) == ("revoked", level_before, None)
        assert event.by == staff_user and event.reason
        assert AuditEntry.objects.filter(action=f"award.{action}", target_id=str(award.pk)).exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            run()
        assert snapshot(award) == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to_level": 4}, "必须低于"),
        ({"to_level": 5}, "必须低于"),
        ({"to_level": -1}, "必须低于"),
        ({"grounds": "whim"}, "请选择事由"),
        ({"reason": "  "}, "请写明理由"),
        ({"evidence": SimpleUploadedFile("x.pdf", b"not a pdf at all")}, "内容与扩展名"),
    ],
)
def test_a_bad_downgrade_says_why_and_changes_nothing(awarded, staff_user, kwargs, message):
    award = award_of(awarded, "four")
    before = snapshot(award)
    args = {"to_level": 3, "grounds": "rectification", "reason": "整改逾期", **kwargs}
    with pytest.raises(ValidationError, match=message):
        award_downgrade(award=award, by=staff_user, **args)
    assert snapshot(award) == before


def test_downgrading_twice_keeps_the_whole_history(awarded, staff_user):
    award = award_of(awarded, "five")
    award_downgrade(award=award, to_level=4, grounds="rectification", reason="整改逾期", by=staff_user)
    award_downgrade(award=award, to_level=2, grounds="veto", reason="再次违规", by=staff_user)
    award_revoke(award=award, grounds="other", reason="撤销", by=staff_user)
    assert list(award.events.values_list("kind", "from_level", "to_level")) == [
        ("issued", None, 5),
        ("downgraded", 5, 4),
        ("downgraded", 4, 2),
        ("revoked", 2, None),
    ]
    award.refresh_from_db()
    assert (award.awarded_level, award.level, award.state) == (5, 2, Award.State.REVOKED)


def test_another_committees_staff_cannot_change_an_award(awarded, other_staff_user):
    award = award_of(awarded, "four")
    before = snapshot(award)
    with pytest.raises(PermissionDenied):
        award_revoke(award=award, grounds="other", reason="x", by=other_staff_user)
    assert snapshot(award) == before


def test_grounds_are_the_domains():
    # the abnormal list is the register's own event (a follow-up trigger, deduction D3), not a veto
    assert set(GROUNDS) == {"veto", "rectification", "deregistered", "abnormal", "other"}


# --- plaques ----------------------------------------------------------------------------------------


def test_revoking_a_delivered_award_sets_the_plaque_return_date(awarded, staff_user, committee):
    settings = RatingSettings.for_committee(committee.pk)
    settings.plaque_return_days = 30
    settings.save()
    award = award_of(awarded, "three")
    today = timezone.localdate()
    plaque_update(
        plaque=award.plaque,
        by=staff_user,
        made_on=today,
        delivered_on=today,
        delivered_by="王书记",
        received_by="李主任",
    )
    award_revoke(award=award, grounds="veto", reason="发生一票否决事项", by=staff_user)
    plaque = Plaque.objects.get(award=award)
    assert plaque.return_due_on == today + dt.timedelta(days=30)
    assert not plaque.return_overdue
    plaque_update(plaque=plaque, by=staff_user, returned_on=today)
    assert Plaque.objects.get(award=award).returned_on == today


def test_revoking_an_award_whose_plaque_was_never_delivered_asks_for_no_return(awarded, staff_user):
    award = award_of(awarded, "three")
    award_revoke(award=award, grounds="other", reason="撤销", by=staff_user)
    assert Plaque.objects.get(award=award).return_due_on is None


def test_an_overdue_return_is_marked(awarded, staff_user):
    award = award_of(awarded, "three")
    Plaque.objects.filter(award=award).update(return_due_on=timezone.localdate() - dt.timedelta(days=1))
    assert Plaque.objects.get(award=award).return_overdue


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"made_on": "tomorrow"}, "不能晚于今天"),
        ({"delivered_on": "today"}, "请先登记制作日期"),
        ({"returned_on": "today"}, "只有已撤销"),
        ({"return_due_on": "today"}, "不能修改"),
    ],
)
def test_a_bad_plaque_entry_says_why_and_changes_nothing(awarded, staff_user, fields, message):
    today = timezone.localdate()
    dates = {"today": today, "tomorrow": today + dt.timedelta(days=1)}
    award = award_of(awarded, "three")
    before = snapshot(award)
    with pytest.raises(ValidationError, match=message):
        plaque_update(plaque=award.plaque, by=staff_user, **{k: dates[v] for k, v in fields.items()})
    assert snapshot(award) == before


def test_a_plaque_entry_is_audited(awarded, staff_user):
    award = award_of(awarded, "three")
    plaque_update(plaque=award.plaque, by=staff_user, made_on=timezone.localdate())
    entry = AuditEntry.objects.filter(action="plaque.update").get()
    assert entry.after == {"made_on": str(timezone.localdate())}


# --- certificates -----------------------------------------------------------------------------------


def test_the_certificate_carries_a_qr_code_to_the_verification_page(awarded):
    award = award_of(awarded, "four")
    html = certificate_html(award, site_url=SITE)
    assert f"{SITE}/ratings/public/verify/{award.token}/" in html
    assert "<svg" in html and "四星级党组织" in html and "★★★★" in html
    assert award.certificate_no in html and "四川省社会组织第二综合党委" in html


@pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (poppler-utils) is not installed, so the PDF text cannot be read",
)
def test_the_certificate_pdf_contains_the_organisation_and_number_in_chinese(awarded, tmp_path):
    award = award_of(awarded, "four")
    po = award.party_organization
    po.name = "成都市武侯社区发展基金会党支部"
    po.save()
    po.organizations.update(name="成都市武侯社区发展基金会")
    pdf = certificate_pdf(Award.objects.get(pk=award.pk), site_url=SITE)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,  # noqa: S603, S607
        text=True,
    ).stdout
    squeezed = "".join(text.split())
    assert "成都市武侯社区发展基金会党支部" in squeezed
    assert "（成都市武侯社区发展基金会）" in squeezed
    assert f"川社二党委星〔{awarded.cycle.year}〕第002号" in squeezed
    assert "四川省社会组织第二综合党委" in squeezed
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout  # noqa: S603, S607
    if info:  # pdfinfo ships with pdftotext; one A4 landscape page (841.89 × 595.28 pt)
        assert re.search(r"^Pages:\s+1$", info, re.M)
        assert re.search(r"^Page size:\s+841\.\d+ x 595\.\d+ pts", info, re.M)


def test_all_certificates_of_a_cycle_come_as_one_zip(awarded):
    content = certificates_zip(awarded.cycle, site_url=SITE)
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = zf.namelist()
        assert names == [
            f"001-{awarded.five.party_organization.name}.pdf",
            f"002-{awarded.four.party_organization.name}.pdf",
            f"003-{awarded.three.party_organization.name}.pdf",
        ]
        assert all(zf.read(n).startswith(b"%PDF") for n in names)


# --- concurrency (PostgreSQL) --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_finalisations_at_once_number_each_award_once(committee, staff_user):
    from tests.ratings.conftest import make_results_cycle

    results = make_results_cycle(committee, staff_user)
    cycle = cycle_publish(cycle=results.cycle, by=staff_user)
    today = cycle.notice_ends_on + dt.timedelta(days=1)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        try:
            barrier.wait(timeout=30)
            outcomes.append(results_finalize(cycle=cycle, by=staff_user, today=today))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(o["awards"] for o in outcomes) == [0, 3]
    assert sorted(Award.objects.filter(cycle=cycle).values_list("seq", flat=True)) == [1, 2, 3]
    assert AwardEvent.objects.filter(award__cycle=cycle, kind="issued").count() == 3


def test_the_certificate_stays_chinese_when_the_interface_is_english(awarded):
    from django.utils import translation

    award = award_of(awarded, "four")
    with translation.override("en"):
        html = certificate_html(award, site_url=SITE)
    assert "四星级党组织" in html and "Four stars" not in html and 'lang="zh-Hans"' in html
