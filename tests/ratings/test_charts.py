"""The tally's charts have a text alternative: the SVG names its title and is described by a table
holding every value it draws, the comparison with the cycle before and the coverage rates included."""

import lxml.html
from django.utils import translation

from ratings.reports.charts import tally_charts


def _data(year, levels, regions):
    return {
        "cycle": {"year": year},
        "levels": dict(zip("543210", levels, strict=True)),
        "coverage_by_region": regions,
    }


REGIONS = [
    {
        "label": "武侯区",
        "total": 40,
        "party_covered": 30,
        "work_covered": 38,
        "org_rate": "75.0",
        "work_rate": "95.0",
    },
    {
        "label": "锦江区",
        "total": 0,
        "party_covered": 0,
        "work_covered": 0,
        "org_rate": None,
        "work_rate": None,
    },
]


def _table(markup, chart_id):
    doc = lxml.html.fromstring(f"<div>{markup}</div>")
    (svg,) = doc.xpath("//svg")
    assert svg.get("role") == "img"
    described_by = svg.get("aria-describedby")
    (table,) = doc.xpath(f"//table[@id='{described_by}']")
    assert described_by == f"{chart_id}-data"
    assert table.xpath("ancestor::details/summary"), "the table sits in a <details> the reader can open"
    rows = [[c.text_content().strip() for c in tr.xpath("th|td")] for tr in table.xpath(".//tr")]
    return table.xpath("caption")[0].text_content(), rows


def test_the_star_chart_is_described_by_every_bar_of_both_cycles():
    charts = tally_charts(_data(2025, [3, 5, 8, 2, 1, 0], REGIONS), _data(2024, [1, 4, 9, 3, 0, 2], REGIONS))
    caption, rows = _table(charts["stars"], "chart-stars")
    assert caption == "星级分布（本周期与上一周期）"
    assert rows == [
        ["星级", "2025年", "2024年"],
        ["五星", "3个", "1个"],
        ["四星", "5个", "4个"],
        ["三星", "8个", "9个"],
        ["二星", "2个", "3个"],
        ["一星", "1个", "0个"],
        ["无星", "0个", "2个"],
    ]


def test_without_a_cycle_before_the_star_table_has_one_column_of_figures():
    _caption, rows = _table(
        tally_charts(_data(2025, [3, 5, 8, 2, 1, 0], REGIONS), None)["stars"], "chart-stars"
    )
    assert rows[0] == ["星级", "2025年"]
    assert rows[1] == ["五星", "3个"]


def test_the_coverage_chart_is_described_by_each_regions_rates_and_counts():
    caption, rows = _table(tally_charts(_data(2025, [0] * 6, REGIONS), None)["coverage"], "chart-coverage")
    assert caption == "各区划组织覆盖率"
    assert rows == [
        ["区划", "组织覆盖率", "社会组织数", "已建党组织", "工作覆盖率"],
        ["武侯区", "75%", "40", "30", "95%"],
        ["锦江区", "—", "0", "0", "—"],  # no organisation: no rate, not a 0 %
    ]


def test_the_table_follows_the_interface_language():
    with translation.override("en"):
        caption, rows = _table(tally_charts(_data(2025, [1] * 6, REGIONS), None)["stars"], "chart-stars")
    assert caption == "Star levels (this cycle and the last)"
    assert rows[1][0] == "Five stars"


def test_text_in_the_table_is_escaped():
    evil = [{**REGIONS[0], "label": "<script>x</script>"}]
    markup = tally_charts(_data(2025, [0] * 6, evil), None)["coverage"]
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
