"""Reads about milestones: overdue and due-soon milestones, countdowns, periods, growth.

The rules themselves (overdue, due soon, severity, thresholds) live in `scheduling.rules`."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.utils import timezone

from common import periods
from common.dates import parse_date_param
from common.money import CENT, growth_pct
from common.sql import PlainSQL
from parks.models import Industry, Park, descendants_of_each
from projects.models import InvestmentReport, Level, Project, Stage
from projects.rules import counted_q, sql_stored_sum

from . import rules
from .calendar import WorkCalendar
from .models import ComparableBase, GrowthSnapshot, Milestone, PriorSource, SchedulingSettings
from .rules import default_period, open_on  # noqa: F401 (open_on re-exported for callers)


def overdue_milestones(
    *, as_of: dt.date, queryset: QuerySet[Milestone] | None = None, settings: SchedulingSettings | None = None
) -> QuerySet[Milestone]:
    """Milestones overdue as of `as_of`, annotated with `days_overdue` and `severity`."""
    thresholds = settings or SchedulingSettings.load()
    qs = Milestone.objects.all() if queryset is None else queryset
    return (
        qs.filter(rules.overdue_q(as_of))
        .annotate(days_overdue=rules.days_overdue_expr(as_of))
        .annotate(severity=rules.severity_expr(as_of, thresholds))
    )


def due_soon_milestones(
    *, as_of: dt.date, queryset: QuerySet[Milestone] | None = None, settings: SchedulingSettings | None = None
) -> QuerySet[Milestone]:
    """Milestones due within the coming `due_soon_days` days (today included), annotated with
    `days_left` (calendar days, 0 = due today)."""
    thresholds = settings or SchedulingSettings.load()
    qs = Milestone.objects.all() if queryset is None else queryset
    return qs.filter(rules.due_soon_q(as_of, thresholds)).annotate(days_left=rules.days_left_expr(as_of))


# --- Countdowns (倒计时) ------------------------------------------------------------------------


def countdown(milestone: Milestone, *, as_of: dt.date, calendar: WorkCalendar | None = None) -> dict:
    """Calendar and working days from `as_of` to the milestone's planned date (negative when
    overdue; 0 when due today). Working days follow `workdays_between` (the working days after
    `as_of` up to and including the planned date); `official_calendar` is False when either
    date falls in a year the official schedule does not cover yet (fallback: Mon–Fri plus the
    commission's Holiday rows). Completed milestones have no countdown (all values None)."""
    cal = calendar or WorkCalendar()
    if rules.is_done(milestone, as_of):
        return {"days": None, "workdays": None, "official_calendar": cal.is_official(as_of)}
    planned = milestone.planned_date
    return {
        "days": (planned - as_of).days,
        "workdays": cal.workdays_between(as_of, planned),
        "official_calendar": cal.is_official(as_of, planned),
    }


def with_days_left(queryset: QuerySet[Milestone], *, as_of: dt.date) -> QuerySet[Milestone]:
    """Annotate `days_left` (planned − as_of in calendar days, negative when overdue) in SQL,
    so lists can sort and filter on it without a query per row."""
    return queryset.annotate(days_left=rules.days_left_expr(as_of))


def attach_countdowns(milestones, *, as_of: dt.date, calendar: WorkCalendar | None = None) -> list:
    """Set `.countdown` (the dict of `countdown()`) on each milestone of an already fetched list,
    using one calendar for all of them: no query per row (at most one per fallback year)."""
    cal = calendar or WorkCalendar()
    items = list(milestones)
    for milestone in items:
        milestone.countdown = countdown(milestone, as_of=as_of, calendar=cal)
    return items


def with_order_warnings(milestones) -> list:
    """Set `.order_warning` (scheduling.rules.order_warnings: the actual dates' order) on each
    milestone of a page or a queryset, comparing it with all the nodes of its project: one query
    for the whole page (a queryset's projects are read as a subquery), none per row."""
    items = list(milestones)
    if isinstance(milestones, QuerySet):
        scope = milestones.order_by().values("project_id")
    else:
        scope = {m.project_id for m in items}
    if not items:
        return items
    nodes = rules.set_order_warnings(
        Milestone.objects.filter(project_id__in=scope).order_by().only("id", "project_id", "kind", "actual_date")
    )
    found = {m.pk: m.order_warning for m in nodes}
    for m in items:
        m.order_warning = found.get(m.pk)
    return items


@functools.lru_cache(maxsize=4)
def _spend_ahead_annotations(as_of: dt.date) -> tuple:
    """`rules.spend_ahead_annotations(as_of)`, built once per day and process (about 0.5 ms of
    ORM calls): a queryset that annotates an expression resolves a copy of it, the expression
    itself is never changed, so one set serves every list."""
    return tuple(rules.spend_ahead_annotations(as_of).items())


def with_spend_ahead(
    queryset: QuerySet[Project], *, as_of: dt.date, settings: SchedulingSettings | None, flag: bool = True
) -> QuerySet:
    """Annotate each project with the spend-ahead inputs (scheduling.rules) and `spend_ahead`
    (the rule's ORM form): one statement for a whole list, usable as a filter. `flag=False`
    leaves `spend_ahead` out (a list that neither filters by it nor reads it; `settings` is then
    not read and may be None)."""
    queryset = queryset.annotate(**dict(_spend_ahead_annotations(as_of)))
    if not flag:
        return queryset
    return queryset.annotate(spend_ahead=ExpressionWrapper(rules.spend_ahead_q(settings), output_field=BooleanField()))


def setting_column(name: str) -> PlainSQL:
    """ORM: the threshold `name` as SchedulingSettings.load() gives it (the field's default
    while the row does not exist yet), as an uncorrelated scalar subquery the database
    evaluates once per statement: a list that applies a threshold in Python reads it with its
    rows instead of by a statement of its own."""
    field = SchedulingSettings._meta.get_field(name)
    meta = SchedulingSettings._meta
    sql = f"COALESCE((SELECT {field.column} FROM {meta.db_table} WHERE {meta.pk.column} = 1), %s)"  # noqa: S608 (names from the model)
    return PlainSQL(sql, (field.get_default(),), output_field=field)


def slip_days(milestone: Milestone) -> int:
    """How far the plan has moved from the baseline (planned − baseline, calendar days)."""
    return (milestone.planned_date - milestone.baseline_date).days


# --- Periods ----------------------------------------------------------------------------------


def parse_period(value: str | dt.date | None, *, today: dt.date | None = None) -> dt.date:
    """'YYYY-MM' → first of that month; None → the default period. Raises ValueError with a
    message for people on bad input."""
    if value is None or value == "":
        return default_period(today or timezone.localdate())
    return periods.parse_period(value)


def parse_as_of(value: str | dt.date | None) -> dt.date:
    """'YYYY-MM-DD' inside the one date range (common.dates) → date; None → today in
    Asia/Shanghai. Raises DateError (a ValueError with the message) on bad input, so the jobs'
    date arithmetic (a year back, a month ahead) never overflows."""
    return parse_date_param("as_of", value) or timezone.localdate()


# --- Investment growth by industry (投资增速) ----------------------------------------------------


def _tree_order(rows: list[dict]) -> list[dict]:
    """Depth-first order (parents before their children, siblings by sort order and code)."""
    children: dict[int | None, list[dict]] = {}
    ids = {row["id"] for row in rows}
    for row in rows:
        parent = row["parent_id"] if row["parent_id"] in ids else None
        children.setdefault(parent, []).append(row)
    for siblings in children.values():
        siblings.sort(key=lambda r: (r.get("sort_order", 0), r["code"]))
    ordered: list[dict] = []

    def walk(parent, depth):
        for row in children.get(parent, []):
            row["depth"] = depth
            ordered.append(row)
            walk(row["id"], depth + 1)

    walk(None, 0)
    return ordered


def _descendants(rows: list[dict]) -> dict[int, set[int]]:
    """id → the ids of the node and all its descendants (small trees, in memory)."""
    return descendants_of_each((row["id"], row["parent_id"]) for row in rows)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _zero_group() -> dict:
    zero = Decimal("0.00")
    return {"ytd": zero, "prior": zero, "n": 0, "total": zero, "listed": zero, "plisted": zero}


def _figures(
    ytd: Decimal, prior: Decimal, listed: Decimal, prior_listed: Decimal, comparable: Decimal | None = None
) -> dict:
    """A row's figures. `comparable`, the commission's comparable base (可比口径) for the row,
    replaces the reports' prior-year sum as the base of the growth (prior_source says which)."""
    if comparable is not None:
        prior = comparable
    return {
        "ytd": ytd,
        "prior_ytd": prior,
        "growth_pct": growth_pct(ytd, prior),
        "listed_investment": listed,
        "prior_listed_investment": prior_listed,
        "listed_growth_pct": growth_pct(listed, prior_listed),
        "prior_source": PriorSource.REPORTS.value if comparable is None else PriorSource.COMPARABLE.value,
    }


def comparable_bases(period: dt.date) -> dict[int | None, Decimal]:
    """The comparable bases of `period`: industry id (None for the city) → prior_ytd (one query)."""
    return dict(ComparableBase.objects.filter(period=period).values_list("industry_id", "prior_ytd"))


def compute_growth_figures(*, period: dt.date) -> dict:
    """Compute the growth figures of `period` live: five queries whatever the number of projects
    or reports (two GROUP BYs, the comparable bases, the industry and park trees; four on
    PostgreSQL, where both GROUP BYs are one statement, _growth_groups_pg_sql); roll-ups happen
    in memory.

    1. Reports of the two year-to-date windows (YYYY-01..MM and the same months a year earlier)
       summed per (industry, park, level, stage) in one GROUP BY with two filtered sums.
    2. Projects counted and their total investment summed per the same key, with the listed
       (year = YYYY) and prior-listed (year = YYYY − 1) sums filtered in the same statement.
    3. Each industry (and park) adds up the groups of itself and its descendants; the city adds
       up every group. Growth is rounded half up to one decimal (None without a base); diff_pp
       is the difference of the two rounded figures.
    4. A comparable base (可比口径, one query) for the city or an industry replaces that row's
       prior_ytd; its growth and (for the city's) every diff_pp follow; `prior_source` says so.

    Every project counts, archived ones included: their investment happened. The latest figure
    of a corrected report counts (there is one row per project and month)."""
    period = period.replace(day=1)
    groups = _growth_groups(period=period)
    bases = comparable_bases(period)
    city_acc = _add_up(groups.values())
    city = _figures(city_acc["ytd"], city_acc["prior"], city_acc["listed"], city_acc["plisted"], bases.get(None))
    industries = _industry_figures(groups, city, bases)
    parks = _park_figures(groups)
    return {
        "period": period,
        "city": {**city, "project_count": city_acc["n"], "total_investment": city_acc["total"]},
        "industries": industries,
        "breakdowns": jsonable(
            {
                "park": parks,
                "level": _by_choice(groups, 2, Level.choices),
                "stage": _by_choice(groups, 3, Stage.choices),
            }
        ),
    }


def _growth_groups(*, period: dt.date, one_statement: bool | None = None) -> dict[tuple, dict]:
    """Steps 1 and 2: both GROUP BYs folded into one sum per key, which every roll-up then adds;
    `one_statement` (default: on PostgreSQL) both in _growth_groups_pg_sql (a test compares the
    two paths on the same data)."""
    year = period.year
    cur_start = dt.date(year, 1, 1)
    prior_start = dt.date(year - 1, 1, 1)
    prior_end = dt.date(year - 1, period.month, 1)
    key = ("industry_id", "park_id", "level", "stage")

    groups: dict[tuple, dict] = {}

    def group(k) -> dict:
        return groups.setdefault(
            k,
            _zero_group(),
        )

    if one_statement is None:
        one_statement = connection.vendor == "postgresql"
    if one_statement:
        # Both GROUP BYs in one statement (_growth_groups_pg_sql): the reports joined to their
        # project and grouped by the key, the projects grouped by the key, added up per key.
        params = {"cur_start": cur_start, "period": period, "prior_start": prior_start, "prior_end": prior_end}
        params |= {"year": year, "prior_year": year - 1}
        with connection.cursor() as cursor:
            cursor.execute(_growth_groups_pg_sql(), params)
            for industry_id, park_id, level, stage, ytd, prior, n, total, listed, plisted in cursor.fetchall():
                groups[(industry_id, park_id, level, stage)] = {
                    "ytd": _money(ytd),
                    "prior": _money(prior),
                    "n": n,
                    "total": _money(total),
                    "listed": _money(listed),
                    "plisted": _money(plisted),
                }
        return groups
    reports = (
        InvestmentReport.objects.filter(
            Q(period__gte=cur_start, period__lte=period) | Q(period__gte=prior_start, period__lte=prior_end),
            counted_q(),
        )
        .values_list("project__industry_id", "project__park_id", "project__level", "project__stage")
        .annotate(
            ytd=Sum("amount", filter=Q(period__gte=cur_start)),
            prior=Sum("amount", filter=Q(period__lte=prior_end)),
        )
        .order_by()
    )
    for industry_id, park_id, level, stage, ytd, prior in reports:
        g = group((industry_id, park_id, level, stage))
        g["ytd"] += _money(ytd)
        g["prior"] += _money(prior)
    projects = (
        Project.objects.values_list(*key)
        .annotate(
            n=Count("id"),
            total=Sum("total_investment"),
            listed=Sum("total_investment", filter=Q(year=year)),
            plisted=Sum("total_investment", filter=Q(year=year - 1)),
        )
        .order_by()
    )
    for industry_id, park_id, level, stage, n, total, listed, plisted in projects:
        g = group((industry_id, park_id, level, stage))
        g["n"] += n
        g["total"] += _money(total)
        g["listed"] += _money(listed)
        g["plisted"] += _money(plisted)
    return groups


def _growth_groups_pg_sql() -> str:
    """Steps 1 and 2 of compute_growth_figures in one statement (PostgreSQL): the same sums as
    the two ORM GROUP BYs of _growth_groups (the reports that count: projects.rules.sql_counted;
    every project, archived ones included), from the running sums the database keeps on the
    reports (projects.rules.sql_stored_sum): a project's year to date is the stored figure of
    its report of the month (or, without one, of its latest report of the year before it), the
    same months a year earlier that of the same month last year. One pass over the projects,
    their two months' reports joined through the index of the stored sums, grouped by the key
    (about 1,500 groups): summing the ~2 million counted reports of both years took 1.0 s."""
    r, p = InvestmentReport._meta.db_table, Project._meta.db_table
    ytd = sql_stored_sum(r, "p.id", "%(period)s", year_start="%(cur_start)s", rows=("cur",))
    prior = sql_stored_sum(r, "p.id", "%(prior_end)s", year_start="%(prior_start)s", rows=("pr",))
    key = "p.industry_id, p.park_id, p.level, p.stage"
    return (
        f"SELECT {key}, SUM({ytd}), SUM({prior}), COUNT(*), SUM(p.total_investment), "  # noqa: S608
        "SUM(p.total_investment) FILTER (WHERE p.year = %(year)s), "
        "SUM(p.total_investment) FILTER (WHERE p.year = %(prior_year)s) "
        f"FROM {p} p LEFT JOIN {r} cur ON cur.project_id = p.id AND cur.period = %(period)s "
        f"LEFT JOIN {r} pr ON pr.project_id = p.id AND pr.period = %(prior_end)s "
        f"GROUP BY {key}"
    )


def _add_up(selected) -> dict:
    """Step 3's roll-up: the sums of the selected groups, in memory (no query per node)."""
    acc = _zero_group()
    for g in selected:
        for name in acc:
            acc[name] += g[name]
    return acc


def _summary(acc: dict, comparable: Decimal | None = None) -> dict:
    """The figures every breakdown row shows, from its rolled-up sums."""
    return {
        **_figures(acc["ytd"], acc["prior"], acc["listed"], acc["plisted"], comparable),
        "project_count": acc["n"],
        "total_investment": acc["total"],
    }


def _industry_figures(groups: dict[tuple, dict], city: dict, bases: dict) -> list[dict]:
    """One row per industry in tree order, each with its descendants rolled in (one query, the tree)."""
    industry_rows = _tree_order(list(Industry.objects.values("id", "code", "name", "parent_id", "sort_order")))
    industry_codes = {row["id"]: row["code"] for row in industry_rows}
    below = _descendants(industry_rows)
    by_industry: dict[int, list[dict]] = {}
    for (industry_id, *_rest), g in groups.items():
        by_industry.setdefault(industry_id, []).append(g)
    industries = []
    for row in industry_rows:
        acc = _add_up(g for pk in below[row["id"]] for g in by_industry.get(pk, []))
        figures = _summary(acc, bases.get(row["id"]))
        industries.append(
            {
                "industry": row["code"],
                "industry_id": row["id"],
                "name": row["name"],
                "parent": industry_codes.get(row["parent_id"]),
                "depth": row["depth"],
                "ytd": figures["ytd"],
                "prior_ytd": figures["prior_ytd"],
                "growth_pct": figures["growth_pct"],
                "diff_pp": diff_pp(figures["growth_pct"], city["growth_pct"]),
                "project_count": figures["project_count"],
                "total_investment": figures["total_investment"],
                "listed_investment": figures["listed_investment"],
                "prior_listed_investment": figures["prior_listed_investment"],
                "listed_growth_pct": figures["listed_growth_pct"],
                "prior_source": figures["prior_source"],
            }
        )
    return industries


def _park_figures(groups: dict[tuple, dict]) -> list[dict]:
    """One row per park in tree order, each with its sub-parks rolled in (one query, the tree)."""
    park_rows = _tree_order(list(Park.objects.values("id", "code", "name", "parent_id", "sort_order")))
    park_codes = {row["id"]: row["code"] for row in park_rows}
    park_below = _descendants(park_rows)
    by_park: dict[int, list[dict]] = {}
    for (_i, park_id, _l, _s), g in groups.items():
        by_park.setdefault(park_id, []).append(g)
    parks = [
        {
            "park": row["code"],
            "name": row["name"],
            "parent": park_codes.get(row["parent_id"]),
            **_summary(_add_up(g for pk in park_below[row["id"]] for g in by_park.get(pk, []))),
        }
        for row in park_rows
    ]
    return parks


def _by_choice(groups: dict[tuple, dict], index: int, choices) -> list[dict]:
    """One row per level or stage (key position `index`), every choice listed even when empty."""
    return [
        {
            "code": value,
            "name": str(label),
            **_summary(_add_up(g for k, g in groups.items() if k[index] == value)),
        }
        for value, label in choices
    ]


def jsonable(value):
    """Decimals → strings (as stored in GrowthSnapshot.breakdowns), recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def diff_pp(growth: Decimal | None, city_growth: Decimal | None) -> Decimal | None:
    """Percentage points above the city, from the two rounded growth figures."""
    if growth is None or city_growth is None:
        return None
    return growth - city_growth


def industry_growth(*, period: dt.date) -> dict:
    """The figures of `stats/industry-investment/` for `period` (contract shape, Decimal values;
    the API formats them). Served from the stored GrowthSnapshot when the nightly job (or an
    on-demand run) has computed one for the period — `source` "snapshot" and its `computed_at` —
    else computed live (`source` "live", `computed_at` None). Constant number of queries."""
    period = period.replace(day=1)
    snapshot = GrowthSnapshot.objects.filter(period=period).first()
    if snapshot is None:
        figures = compute_growth_figures(period=period)
        figures["period"] = f"{period:%Y-%m}"
        figures["source"] = "live"
        figures["computed_at"] = None
        return figures
    breakdowns = {k: v for k, v in (snapshot.breakdowns or {}).items() if k != "city"}
    return {
        "period": f"{period:%Y-%m}",
        "source": "snapshot",
        "computed_at": snapshot.computed_at,
        "city": _snapshot_city(snapshot),
        "industries": _snapshot_industries(snapshot),
        "breakdowns": breakdowns,
    }


def _snapshot_city(snapshot: GrowthSnapshot) -> dict:
    """The stored city figures; count and total only when the snapshot recorded them (older ones did not)."""
    city = {
        "ytd": snapshot.ytd,
        "prior_ytd": snapshot.prior_ytd,
        "growth_pct": snapshot.growth_pct,
        "listed_investment": snapshot.listed_investment,
        "prior_listed_investment": snapshot.prior_listed_investment,
        "listed_growth_pct": snapshot.listed_growth_pct,
        "prior_source": snapshot.prior_source,
    }
    city_extra = (snapshot.breakdowns or {}).get("city", {})
    if "project_count" in city_extra:
        city["project_count"] = city_extra["project_count"]
        city["total_investment"] = Decimal(city_extra["total_investment"])
    return city


def _snapshot_industries(snapshot: GrowthSnapshot) -> list[dict]:
    """The stored industry rows in tree order and in the live figures' shape (one query)."""
    rows = {
        row.industry_id: row for row in snapshot.industries.select_related("industry", "industry__parent").order_by()
    }
    order = _tree_order(
        [
            {
                "id": r.industry_id,
                "code": r.industry.code,
                "parent_id": r.industry.parent_id,
                "sort_order": r.industry.sort_order,
            }
            for r in rows.values()
        ]
    )
    industries = []
    for item in order:
        r = rows[item["id"]]
        industries.append(
            {
                "industry": r.industry.code,
                "industry_id": r.industry_id,
                "name": r.industry.name,
                "parent": r.industry.parent.code if r.industry.parent_id else None,
                "depth": item["depth"],
                "ytd": r.ytd,
                "prior_ytd": r.prior_ytd,
                "growth_pct": r.growth_pct,
                "diff_pp": r.diff_pp,
                "project_count": r.project_count,
                "total_investment": r.total_investment,
                "listed_investment": r.listed_investment,
                "prior_listed_investment": r.prior_listed_investment,
                "listed_growth_pct": r.listed_growth_pct,
                "prior_source": r.prior_source,
            }
        )
    return industries
