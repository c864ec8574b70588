"""Small server-side SVG charts: readable in Chinese, printable, no JavaScript or CDN.

Each chart comes with its text alternative: the SVG names its title and is described by a table
of every value it draws (in a closed `<details>` right after it), so a screen reader, or anyone
who cannot read the bars, gets the same figures.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COLORS = ["#b71c1c", "#e8a0a0", "#1b5e20", "#a5d6a7"]
FONT = 'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"'


def _value(v, unit: str) -> str:
    return "—" if v is None else f"{v:g}{unit}"


def data_table(
    chart_id: str, title: str, category_header: str, headers: list[str], rows: list[tuple[str, list[str]]]
) -> str:
    """The chart's figures as a table, in a closed <details>: the SVG's aria-describedby names it."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in [category_header, *headers])
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>{"".join(f"<td>{escape(c)}</td>" for c in cells)}</tr>'
        for label, cells in rows
    )
    return (
        f'<details class="chart-data"><summary>{escape(_("图表数据"))}</summary>'
        f'<div class="table-wrap"><table id="{chart_id}-data"><caption>{escape(title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def grouped_bars(
    categories: list[str],
    series: list[tuple[str, list[float]]],
    *,
    title: str,
    chart_id: str,
    category_header: str = "",
    width: int = 560,
    height: int = 260,
    unit: str = "",
) -> str:
    """Vertical bars, one group per category, one bar per series (e.g. this cycle vs last), and the
    table of every bar's value."""
    pad_l, pad_r, pad_t, pad_b = 36, 10, 34, 46
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max([v for _n, values in series for v in values] + [1])
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    group_w = plot_w / n_cat
    bar_w = group_w * 0.7 / n_ser
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" aria-describedby="{chart_id}-data" class="chart" {FONT} font-size="12">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        y = pad_t + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(
            f'<text x="{pad_l - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#666">{top * i / 4:.0f}</text>'
        )
    for c, label in enumerate(categories):
        gx = pad_l + group_w * c + group_w * 0.15
        for s, (name, values) in enumerate(series):
            v = values[c] if c < len(values) else 0
            h = plot_h * v / top
            x, y = gx + bar_w * s, pad_t + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{COLORS[s % len(COLORS)]}" data-series="{escape(name)}" data-value="{v:g}">'
                f"<title>{escape(name)} {escape(label)}：{v:g}{escape(unit)}</title></rect>"
            )
            parts.append(
                f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="11">'
                f"{v:g}</text>"
            )
        parts.append(
            f'<text x="{pad_l + group_w * c + group_w / 2:.1f}" y="{pad_t + plot_h + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    lx = pad_l
    for s, (name, _values) in enumerate(series):
        parts.append(
            f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{COLORS[s % len(COLORS)]}"/>'
            f'<text x="{lx + 14}" y="{height - 5}">{escape(name)}</text>'
        )
        lx += 24 + 13 * len(name)
    parts.append("</svg>")
    rows = [
        (label, [_value(values[c] if c < len(values) else 0, unit) for _name, values in series])
        for c, label in enumerate(categories)
    ]
    parts.append(data_table(chart_id, title, category_header, [name for name, _v in series], rows))
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def horizontal_bars(
    rows: list[tuple[str, float | None]],
    *,
    title: str,
    chart_id: str,
    category_header: str = "",
    value_header: str = "",
    extra: tuple[list[str], list[list[str]]] | None = None,
    width: int = 560,
    max_value: float = 100,
    unit: str = "%",
) -> str:
    """One horizontal bar per row (e.g. coverage rate per region), and the table of every value;
    `extra` adds columns to that table only (headers, one list of cells per row)."""
    row_h, pad_t, label_w = 22, 28, 170
    height = pad_t + row_h * max(len(rows), 1) + 8
    plot_w = width - label_w - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" aria-describedby="{chart_id}-data" class="chart" {FONT} font-size="12">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = pad_t + row_h * i
        w = plot_w * (value or 0) / (max_value or 1)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{plot_w}" height="{row_h - 8}" fill="#f3efe9"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{COLORS[0]}"/>'
        )
        parts.append(f'<text x="{label_w + plot_w + 4}" y="{y + 15}">{_value(value, unit)}</text>')
    parts.append("</svg>")
    extra_headers, extra_cells = extra or ([], [[] for _r in rows])
    table_rows = [
        (label, [_value(value, unit), *cells])
        for (label, value), cells in zip(rows, extra_cells, strict=True)
    ]
    parts.append(
        data_table(chart_id, title, category_header, [value_header or title, *extra_headers], table_rows)
    )
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


LEVELS = [
    ("5", gettext_lazy("五星")),
    ("4", gettext_lazy("四星")),
    ("3", gettext_lazy("三星")),
    ("2", gettext_lazy("二星")),
    ("1", gettext_lazy("一星")),
    ("0", gettext_lazy("无星")),
]


def tally_charts(data: dict, previous: dict | None) -> dict:
    """The tally's two charts: stars this cycle against the one before, coverage by region."""
    series = [(_("%(year)s年") % {"year": data["cycle"]["year"]}, [data["levels"][k] for k, _n in LEVELS])]
    if previous:
        series.append(
            (
                _("%(year)s年") % {"year": previous["cycle"]["year"]},
                [previous["levels"][k] for k, _n in LEVELS],
            )
        )
    stars = grouped_bars(
        [str(n) for _k, n in LEVELS],
        series,
        title=_("星级分布（本周期与上一周期）"),
        chart_id="chart-stars",
        category_header=_("星级"),
        unit=_("个"),
    )
    regions = data["coverage_by_region"]
    cov = horizontal_bars(
        [(r["label"], None if r["org_rate"] is None else float(r["org_rate"])) for r in regions],
        title=_("各区划组织覆盖率"),
        chart_id="chart-coverage",
        category_header=_("区划"),
        value_header=_("组织覆盖率"),
        extra=(
            [_("社会组织数"), _("已建党组织"), _("工作覆盖率")],
            [
                [
                    str(r.get("total", "—")),
                    str(r.get("party_covered", "—")),
                    _value(None if r.get("work_rate") is None else float(r["work_rate"]), "%"),
                ]
                for r in regions
            ],
        ),
    )
    return {"stars": stars, "coverage": cov}
