"""Small server-side SVG charts: readable in Chinese, printable, no JavaScript or CDN."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COLORS = ["#b71c1c", "#e8a0a0", "#1b5e20", "#a5d6a7"]
FONT = 'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"'


def grouped_bars(
    categories: list[str],
    series: list[tuple[str, list[float]]],
    *,
    title: str,
    width: int = 560,
    height: int = 260,
    unit: str = "",
) -> str:
    """Vertical bars, one group per category, one bar per series (e.g. this cycle vs last)."""
    pad_l, pad_r, pad_t, pad_b = 36, 10, 34, 46
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max([v for _n, values in series for v in values] + [1])
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    group_w = plot_w / n_cat
    bar_w = group_w * 0.7 / n_ser
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" {FONT} font-size="12">',
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
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def horizontal_bars(
    rows: list[tuple[str, float]], *, title: str, width: int = 560, max_value: float = 100, unit: str = "%"
) -> str:
    """One horizontal bar per row (e.g. coverage rate per region)."""
    row_h, pad_t, label_w = 22, 28, 170
    height = pad_t + row_h * max(len(rows), 1) + 8
    plot_w = width - label_w - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" {FONT} font-size="12">',
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
        parts.append(
            f'<text x="{label_w + plot_w + 4}" y="{y + 15}">{"—" if value is None else f"{value:g}{unit}"}</text>'
        )
    parts.append("</svg>")
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
        [str(n) for _k, n in LEVELS], series, title=_("星级分布（本周期与上一周期）"), unit=_("个")
    )
    cov = horizontal_bars(
        [(r["label"], float(r["org_rate"] or 0)) for r in data["coverage_by_region"]],
        title=_("各区划组织覆盖率"),
    )
    return {"stars": stars, "coverage": cov}
