"""The legacy migration dashboard (roles ``auditor`` and ``system``; read only): legacy
accounts imported, signed in, supplemented and linked, by user type and by Beijing day, as
SVG bar charts drawn here on the server (no script, no outside resource), each with a
``<title>``/``<desc>`` and, beside it, a table of the same numbers; then the pending reviews
and appeals with their counts and the oldest's age. The figures: ``legacy_migration_stats``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import lazy_gettext as _l

from ..domain.admins import accounts as admins
from ..domain.legacy import migration_stats as stats
from . import guard, times
from .blueprint import bp

METRIC_LABELS = {
    stats.IMPORTED: _l("已导入"),
    stats.SIGNED_IN: _l("已用历史账号登录"),
    stats.SUPPLEMENTED: _l("已补充信息"),
    stats.LINKED: _l("已关联"),
}
KIND_LABELS = {
    "natural": _l("自然人"),
    "legal": _l("法人"),
    "agency": _l("代理机构"),
    "simple": _l("简易用户"),
}
WIDTH, HEIGHT, LEFT, BOTTOM = 640, 200, 40, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def bars(values: list[tuple[str, int]], width: int = WIDTH, height: int = HEIGHT) -> list[Bar]:
    """Vertical bars of ``values`` (label, value), scaled to the largest, in a plot of
    ``width`` x ``height`` with room for the axis on the left and the labels below."""
    top = max((v for _label, v in values), default=0) or 1
    plot_w, plot_h = width - LEFT, height - BOTTOM
    step = plot_w / max(1, len(values))
    out = []
    for i, (label, value) in enumerate(values):
        h = plot_h * value / top
        out.append(
            Bar(
                round(LEFT + i * step + step * 0.1, 1),
                round(plot_h - h, 1),
                round(step * 0.8, 1),
                round(h, 1),
                label,
                value,
            )
        )
    return out


@bp.route("/migration", methods=["GET"])
@guard.requires(admins.AUDITOR, admins.SYSTEM)
def migration():
    figures = stats.figures()
    charts = []
    for metric in stats.METRICS:
        kinds = [(str(KIND_LABELS[k]), figures.by_kind[metric][k]) for k in KIND_LABELS]
        days = [(d.strftime("%m-%d"), figures.day_total(metric, d)) for d in figures.days]
        charts.append(
            {
                "metric": metric,
                "label": METRIC_LABELS[metric],
                "total": figures.total(metric),
                "kinds": bars(kinds, 320, 160),
                "days": bars(days),
                "max_kind": max(v for _l, v in kinds),
                "max_day": max(v for _l, v in days),
            }
        )
    return render_template(
        "admin/migration.html",
        figures=figures,
        charts=charts,
        kinds=KIND_LABELS,
        age=times.age,
        width=WIDTH,
        height=HEIGHT,
        bottom=BOTTOM,
        left=LEFT,
    )
