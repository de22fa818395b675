"""The rules of the monthly reporting cycle, each in one place (CONTRACT v2):

- which reports count in the figures (year to date, growth, investment status, the weekly
  report, the dashboard): `submitted` and `approved`, never `draft` nor `returned`;
- when a month's report is due, and which month is "now due";
- whether a month is closed (关账), and which month the statistics show by default.

Every door (web, API, Excel, jobs, SQL) calls these; nothing else spells the statuses out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from .models import PeriodClose, ReportStatus

COUNTED_STATUSES: tuple[str, ...] = (ReportStatus.SUBMITTED.value, ReportStatus.APPROVED.value)


def counts(status: str) -> bool:
    """A report in `status` counts in the figures."""
    return status in COUNTED_STATUSES


def counted_q(prefix: str = "") -> Q:
    """ORM: the reports that count; `prefix` is the path to the report, e.g. "reports__"."""
    return Q(**{f"{prefix}status__in": COUNTED_STATUSES})


def sql_counted(alias: str) -> str:
    """SQL: the reports (table alias `alias`) that count."""
    listed = ", ".join(f"'{status}'" for status in COUNTED_STATUSES)
    return f"{alias}.status IN ({listed})"


def last_full_month(today: dt.date) -> dt.date:
    """The last full month before `today`, as its first day: reports for a month are filed
    during the next one."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def period_now_due(today: dt.date) -> dt.date:
    """The month whose report is being filed on `today`: the last full month (November's
    reports are filed in December, due on its REPORT_DUE_DAY)."""
    return last_full_month(today)


def report_due_date(period: dt.date) -> dt.date:
    """The report for `period` (a month) is due on REPORT_DUE_DAY of the following month
    (clamped to the 28th, so every month has that day)."""
    day = min(max(int(getattr(settings, "REPORT_DUE_DAY", 5)), 1), 28)
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    return dt.date(year, month, day)


def period_is_closed(period: dt.date) -> bool:
    """The month of `period` is closed (关账): park admins may no longer write its reports."""
    return PeriodClose.objects.filter(period=period.replace(day=1), closed=True).exists()


def closed_q(period_field: str = "period") -> Q:
    """ORM: rows whose `period_field` is a closed month (for set-based checks of many rows)."""
    closed = PeriodClose.objects.filter(closed=True).values("period")
    return Q(**{f"{period_field}__in": closed})


def latest_closed_period() -> dt.date | None:
    return PeriodClose.objects.filter(closed=True).order_by("-period").values_list("period", flat=True).first()


def stats_default_period(today: dt.date) -> dt.date:
    """What `stats/industry-investment/` and the dashboard show without `?period=`: the latest
    closed month, else the last full month."""
    return latest_closed_period() or last_full_month(today)


def stats_default_period_closed(today: dt.date) -> tuple[dt.date, bool]:
    """`stats_default_period` and whether that month is closed (period_is_closed), from the one
    query: the latest closed month is closed; the last full month is shown only when no month
    is closed, so it is not."""
    latest = latest_closed_period()
    return (latest, True) if latest else (last_full_month(today), False)


def sql_stored_sum(
    table: str, project_id: str, until: str, *, year_start: str | None = None, rows=(), zero: str = "0"
) -> str:
    """SQL (PostgreSQL only): the sum of the amounts of the counted reports of project
    `project_id` of the periods on or before `until` (SQL date expressions) — only those on or
    after `year_start`, the 1st of January of `until`'s year, when given — read from the running
    sums the database keeps (InvestmentReport.cum_amount / ytd_amount, migration 0023) of the
    project's latest report on or before `until`; 0 without one. The same figure as
    SUM(amount) over `sql_counted` reports of those periods (tests/projects/test_report_sums.py).

    `rows`: aliases of reports already joined to the project (the month of `until` first, then
    the month before …), whose stored sum is taken when there is one, each being the latest
    report on or before `until` when it exists; the probe of the project's reports backwards
    (one index lookup) then runs only for the projects without any of them. `zero`: the SQL of
    the figure without a report (`0.00` keeps the amounts' scale)."""
    column = "ytd_amount" if year_start else "cum_amount"
    since = f" AND s.period >= {year_start}" if year_start else ""
    probe = (
        f"(SELECT s.{column} FROM {table} s WHERE s.project_id = {project_id} "  # noqa: S608 (a table name from the model)
        f"AND s.period <= {until}{since} ORDER BY s.period DESC LIMIT 1)"
    )
    return f"COALESCE({', '.join(f'{alias}.{column}' for alias in rows)}{', ' if rows else ''}{probe}, {zero})"


RECENT_REPORT_MONTHS = 3


def sql_recent_reports(
    table: str,
    project_id: str,
    month: str,
    *,
    year_start: str | None = None,
    months: int = RECENT_REPORT_MONTHS,
    alias: str = "recent",
) -> tuple[str, list[str]]:
    """SQL (PostgreSQL only): LEFT JOINs of project `project_id`'s reports of `month` (an SQL
    date, a 1st of the month) and of the `months` - 1 months before it (none before
    `year_start` when given), and their aliases (`alias` numbered), latest month first: the
    `rows` of `sql_stored_sum`, so that its probe backwards runs only for a project without a
    report in any of those months. Each join reads one month of the reports through the index
    of the stored sums (report_period_sums, index-only). Three months, because in the first
    days of a month its report and the one now due are often not in yet, while a project that
    has not reported for three months is rare: at the bench city's 100,000 projects a probe per
    project took 0.7 s, three month slices 0.1 s."""
    joins, aliases = [], []
    for back in range(months):
        name = f"{alias}{back}"
        period = f"{month}" if back == 0 else f"({month}::date - interval '{back} month')::date"
        since = f" AND {name}.period >= {year_start}" if year_start else ""
        joins.append(
            f"LEFT JOIN {table} {name} ON {name}.project_id = {project_id} AND {name}.period = {period}{since}"
        )
        aliases.append(name)
    return " ".join(joins) + " ", aliases


def sql_recent_stored_sum(
    table: str,
    project_id: str,
    until: str,
    *,
    month: str | None = None,
    year_start: str | None = None,
    zero: str = "0",
    alias: str = "recent",
) -> tuple[str, str]:
    """(joins, sum): `sql_stored_sum` of the reports up to `until` read through the month
    slices of `sql_recent_reports` (of `month`, the 1st of `until`'s month, by default `until`
    itself): the LEFT JOINs to put in the FROM clause and the expression of the sum."""
    joins, rows = sql_recent_reports(table, project_id, month or until, year_start=year_start, alias=alias)
    return joins, sql_stored_sum(table, project_id, until, year_start=year_start, rows=rows, zero=zero)
