"""The results workbook: final star, certificate and award state, and no formula injection
(ratings.reports.xlsx)."""

import io

import pytest
from openpyxl import load_workbook

from ratings.models import Award
from ratings.outcomes.awards import award_downgrade, award_revoke
from ratings.reports.xlsx import results_xlsx
from tests.ratings.export_helpers import export_file


def awards_of(results):
    return list(Award.objects.filter(cycle=results.cycle).order_by("seq"))


@pytest.mark.django_db
def test_the_results_workbook_carries_the_final_star_the_certificate_and_the_award_state(
    two_finished_cycles, staff_client, staff_user, django_capture_on_commit_callbacks
):
    older, newer = two_finished_cycles
    five, four, three = awards_of(newer)
    award_revoke(award=three, grounds="veto", reason="测试撤销", by=staff_user)
    award_downgrade(award=four, to_level=3, grounds="other", reason="测试降级", by=staff_user)
    type(newer.subs["five"].party_organization).objects.filter(
        pk=newer.subs["none"].party_organization_id
    ).update(name='=HYPERLINK("http://evil")')
    content = export_file(staff_client, newer.cycle, "results_xlsx", django_capture_on_commit_callbacks)
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[-3:] == ("确定星级", "证书编号", "命名状态")
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_name[five.party_organization.name]["确定星级"] == "五星"
    assert by_name[five.party_organization.name]["证书编号"] == five.certificate_no
    assert by_name[five.party_organization.name]["命名状态"] == "有效"
    assert by_name[four.party_organization.name]["命名状态"] == "已降级"
    assert by_name[three.party_organization.name]["命名状态"] == "已撤销"
    assert by_name[three.party_organization.name]["证书编号"] == three.certificate_no
    assert '\'=HYPERLINK("http://evil")' in by_name
    assert by_name['\'=HYPERLINK("http://evil")']["证书编号"] == "—"
    assert by_name[newer.subs["draft"].party_organization.name]["确定星级"] == "—"
    # the older cycle's awards ended when the newer ones were named (the same day): valid today
    old_sheet = load_workbook(io.BytesIO(results_xlsx(older.cycle))).active
    states = [r[-1] for r in old_sheet.iter_rows(min_row=2, values_only=True) if r[-2] != "—"]
    assert states == ["有效", "有效", "有效"]
