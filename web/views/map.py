"""The map (项目分布图) and the leaders' screen (指挥大屏).

The districts come from the shipped boundaries (parks.geo); every visible project with
coordinates is a dot coloured by its status and sized by its total investment, every visible
park a labelled mark. The screen reuses the dashboard's figures (web.views.dashboard) and the
scheduling selectors; it reloads its body as an HTML fragment every SCREEN_REFRESH_SECONDS.
Each page costs a constant number of SQL statements (tests/web/test_map.py)."""

from __future__ import annotations

import math
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common import dataversion
from parks import access
from parks.access import visible_parks
from parks.geo import city_map
from projects.models import Status
from projects.rules import stats_default_period
from projects.selectors import projects_visible_to
from scheduling.models import Milestone, SchedulingSettings
from scheduling.selectors import industry_growth, overdue_milestones
from web.templatetags.board import countdown_text
from web.views.base import STATUS_ORDER, scoped_by_park, today
from web.views.dashboard import _investment_progress, delayed_candidates, project_tables
from web.views.projects import filtered_projects

MAX_DOTS = 1000  # the largest projects first; the page says how many more there are
MAX_UNLOCATED = 100
DOT_MIN, DOT_MAX = 3.0, 16.0  # radius in SVG units (the map is 1000 wide)
LOCATED = Q(latitude__isnull=False, longitude__isnull=False)

DRAW_ORDER = {"red": 4, "yellow": 3, "due_soon": 2, "green": 1}
STATUS_CLASS = {"red": "st-red", "yellow": "st-yellow", "due_soon": "st-soon", "green": "st-green"}


def dot_radius(investment: Decimal | None, largest: Decimal | None) -> float:
    """Area proportional to the total investment (万元), between DOT_MIN and DOT_MAX."""
    if not investment or not largest or investment <= 0:
        return DOT_MIN
    share = math.sqrt(float(investment) / float(largest))
    return round(DOT_MIN + (DOT_MAX - DOT_MIN) * min(share, 1.0), 1)


def dots_markup(dots: list[dict]):
    """The dots as one SVG fragment, each a link to its card (built here, not in the template:
    a template loop costs about 0.3 ms a dot, this a few µs; every value is escaped)."""
    card = reverse("web:detail", args=[0])[:-2]  # "/projects/"
    return format_html_join(
        "",
        '<a href="{}{}/" class="dotlink" data-project="{}"><circle class="pdot {}" cx="{}" cy="{}" r="{}">'
        "<title>{} · {} · {} · {}</title></circle></a>",
        (
            (
                card,
                d["id"],
                d["id"],
                d["cls"],
                d["x"],
                d["y"],
                d["r"],
                d["name"],
                d["park"],
                d["status_label"],
                _("总投资 %(v)s 万元") % {"v": d["investment"]},
            )  # fmt: skip
            for d in dots
        ),
    )


def project_summary(qs) -> list[dict]:
    """The projects of `qs` counted per park and status colour in one scan: how many, how many
    located, the total investment and the sums of the located ones' coordinates (the park
    centres). The screen derives its totals, its park ranking and the map's counts from it."""
    return list(
        qs.order_by()
        .values("park_id", "park__name", "park__sort_order", "park__code", "status")
        .annotate(
            n=Count("id"),
            located=Count("id", filter=LOCATED),
            investment=Sum("total_investment"),
            lat=Sum("latitude", filter=LOCATED),
            lon=Sum("longitude", filter=LOCATED),
        )
    )


def map_layers(qs, parks_qs, *, max_dots: int = MAX_DOTS, summary: list[dict] | None = None) -> dict:
    """The district shapes, the dots and the park marks for the projects of `qs`.

    Statements: the dots (one), the counts and park centres (one, project_summary; none when
    given), the parks (one)."""
    cmap = city_map()
    located = qs.filter(LOCATED)
    rows = list(
        located.order_by("-total_investment", "id").values(
            "id", "name", "park__name", "status", "total_investment", "latitude", "longitude"
        )[:max_dots]
    )
    if summary is None:
        summary = project_summary(qs)
    counts = {"total": sum(r["n"] for r in summary), "located": sum(r["located"] for r in summary)}
    largest = rows[0]["total_investment"] if rows else None
    status_labels = dict(Status.choices)
    dots = []
    for r in rows:
        x, y = cmap.project(r["longitude"], r["latitude"])
        dots.append(
            {
                "id": r["id"],
                "name": r["name"],
                "park": r["park__name"],
                "x": x,
                "y": y,
                "r": dot_radius(r["total_investment"], largest),
                "status": r["status"],
                "status_label": status_labels.get(r["status"], r["status"]),
                "cls": STATUS_CLASS.get(r["status"], "st-none"),
                "investment": r["total_investment"],
            }
        )
    dots.sort(key=lambda d: (DRAW_ORDER.get(d["status"], 0), -d["r"]))  # red on top, small over large
    dots_svg = dots_markup(dots)
    sums: dict[int, list] = {}
    for r in summary:
        if r["located"]:
            acc = sums.setdefault(r["park_id"], [0, Decimal(0), Decimal(0)])
            acc[0] += r["located"]
            acc[1] += r["lat"]
            acc[2] += r["lon"]
    centres = {pk: {"n": n, "lat": lat / n, "lon": lon / n} for pk, (n, lat, lon) in sums.items()}
    park_marks, park_districts, taken = [], set(), set()
    for park in parks_qs.select_related("region").order_by("sort_order", "code"):
        district = cmap.district(park.region.code)
        if district:
            park_districts.add(district.code)
        centre = centres.get(park.pk)
        if centre:
            x, y = cmap.project(centre["lon"], centre["lat"])
        elif district and district.label not in taken:  # a park without located projects: its district
            x, y = district.label
        else:
            continue
        taken.add((x, y))
        park_marks.append({"id": park.pk, "name": park.name, "x": x, "y": y, "n": centre["n"] if centre else 0})
    districts = [
        {
            "code": d.code,
            "name": d.name,
            "path": d.path,
            "lx": d.label[0],
            "ly": d.label[1],
            "park": d.code in park_districts,
        }
        for d in cmap.districts
    ]
    return {
        "cmap": cmap,
        "districts": districts,
        "dots": dots,
        "dots_svg": dots_svg,
        "park_marks": park_marks,
        "total": counts["total"],
        "located": counts["located"],
        "hidden_dots": counts["located"] - len(dots),
        "legend": [{"code": c, "label": status_labels[c], "cls": STATUS_CLASS.get(c, "st-none")} for c in STATUS_ORDER],
    }


@login_required
def project_map(request):
    as_of = today()
    qs, form, _sort = filtered_projects(request, as_of)
    layers = map_layers(qs, visible_parks(request.user))
    unlocated = list(
        qs.exclude(LOCATED)
        .order_by("park__sort_order", "park__code", "name", "id")
        .values("id", "name", "park__name", "status")[:MAX_UNLOCATED]
    )
    params = request.GET.copy()
    return render(
        request,
        "projects/map.html",
        {
            **layers,
            "form": form,
            "unlocated": unlocated,
            "unlocated_count": layers["total"] - layers["located"],
            "query": params.urlencode(),
            "as_of": as_of,
        },
    )


def _longest_delays(qs, as_of, thresholds, n: int = 10) -> list:
    """The n projects with the longest delays: each project's oldest overdue node (one line per
    project), oldest first. One statement: the oldest overdue node of each of the first n × 5
    projects by their stored next node (web.views.dashboard.delayed_candidates: the next node of
    a delayed project is its oldest overdue one), one row per project (a window in the query)."""
    first = delayed_candidates(qs, as_of).order_by("next_date", "id").values("id")[: n * 5]
    milestones = Milestone.objects.filter(project_id__in=first).select_related("project", "project__park")
    overdue = overdue_milestones(as_of=as_of, queryset=milestones, settings=thresholds)
    oldest = overdue.annotate(
        place=Window(RowNumber(), partition_by=F("project_id"), order_by=[F("planned_date").asc(), F("id").asc()])
    ).filter(place=1)
    out = sorted(oldest, key=lambda m: (m.planned_date, m.id))[:n]
    for m in out:
        m.cd = countdown_text(-m.days_overdue, m.display_name)
    return out


def _screen_figures(qs, parks, as_of) -> dict:
    """Everything on the screen computed from the data (cached per scope by the data version)."""
    thresholds = SchedulingSettings.load()
    summary = project_summary(qs)  # one scan of the projects for the totals, the parks and the map
    investments = [r["investment"] for r in summary if r["investment"] is not None]
    totals = {
        "n": sum(r["n"] for r in summary),
        "investment": sum(investments, Decimal(0)) if investments else None,
        "red": sum(r["n"] for r in summary if r["status"] == Status.RED),
        "yellow": sum(r["n"] for r in summary if r["status"] == Status.YELLOW),
    }
    parks_seen: dict[int, dict] = {}
    for r in summary:
        row = parks_seen.setdefault(
            r["park_id"],
            {k: r[k] for k in ("park_id", "park__name", "park__sort_order", "park__code")}
            | {"n": 0, "red": 0, "yellow": 0},
        )
        row["n"] += r["n"]
        row["red"] += r["n"] if r["status"] == Status.RED else 0
        row["yellow"] += r["n"] if r["status"] == Status.YELLOW else 0
    by_park = sorted(
        parks_seen.values(), key=lambda p: (-p["red"], -p["yellow"], p["park__sort_order"], p["park__code"])
    )
    layers = map_layers(qs, parks, max_dots=settings.SCREEN_MAX_DOTS, summary=summary)
    layers.pop("cmap")  # the shipped boundaries: not data, not cached
    return {
        "totals": totals,
        "by_park": by_park,
        "max_park": max([p["red"] + p["yellow"] for p in by_park] or [0]),
        "delays": _longest_delays(qs, as_of, thresholds),
        **layers,
    }


def _screen_report_figures(park, as_of, user) -> dict:
    """The screen's figures computed from the reports: the year's investment (stored sums) and
    the growth (the nightly snapshot)."""
    stats_period = stats_default_period(as_of)
    growth = industry_growth(period=stats_period)
    return {
        **_investment_progress(user, park, as_of.year),
        "growth": growth,
        "city_growth": growth.get("city", {}).get("growth_pct"),
        "industries": [i for i in growth.get("industries", []) if i.get("depth", 0) == 0],
        "stats_period": stats_period,
    }


def screen_context(request) -> dict:
    """Everything on the screen (also the fragment its script fetches); the figures from the
    page cache while nothing was written (common.dataversion), per scope."""
    as_of = today()
    qs, park = scoped_by_park(request, projects_visible_to(request.user))
    parks = visible_parks(request.user)
    if park is not None:
        parks = parks.filter(pk=park.pk)
    visible = access.parks_visible_to(request.user)
    scope = "all" if visible is None else ",".join(map(str, sorted(visible)))
    key = f"screen:{get_language()}:{as_of}:{scope}:{park.pk if park else ''}"
    return {
        "as_of": as_of,
        "park": park,
        "cmap": city_map(),
        # 督办 slot: overdue supervision items ({"title", "cd"} each), drawn in #screen-supervision;
        # empty until escalation (issue #15) provides its selector.
        "supervision": [],
        "refresh_seconds": settings.SCREEN_REFRESH_SECONDS,
        # The project figures cached apart from the report figures: a filed report recomputes
        # only these (web.views.dashboard.REPORT_TABLES).
        **dataversion.cached(
            f"{key}:projects",
            lambda: _screen_figures(qs, parks, as_of),
            tables=project_tables(),
        ),
        **dataversion.cached(key, lambda: _screen_report_figures(park, as_of, request.user)),
    }


@login_required
def screen(request):
    return render(request, "projects/screen.html", screen_context(request))


@login_required
def screen_fragment(request):
    response = render(request, "projects/_screen_body.html", screen_context(request))
    response["Cache-Control"] = "no-store"
    return response
