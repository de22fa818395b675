"""The running sums the database keeps on each report (InvestmentReport.cum_amount, ytd_amount;
projects migration 0023) and their SQL reader projects.rules.sql_stored_sum: after every kind of
write (insert, bulk insert, amount, status, month and project changes, delete, a project's
delete) each report's stored sums are at once those of the counted reports up to its month, and
the reader gives, for any day, the sum of the counted reports up to that day (and of that day's
year)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from projects.models import InvestmentReport, ReportStatus
from projects.rules import counted_q, sql_recent_reports, sql_recent_stored_sum, sql_stored_sum
from tests import factories
from tests.conftest import require_postgres

pytestmark = [pytest.mark.django_db]


def expected_sums() -> dict[int, tuple[Decimal, Decimal]]:
    """{report id: (cum, ytd)} computed the plain way from every report."""
    rows = list(InvestmentReport.objects.values_list("pk", "project_id", "period", "amount", "status"))
    counted = [r for r in rows if r[4] in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)]
    out = {}
    for pk, project, period, _amount, _status in rows:
        before = [r for r in counted if r[1] == project and r[2] <= period]
        cum = sum((r[3] for r in before), Decimal("0"))
        ytd = sum((r[3] for r in before if r[2].year == period.year), Decimal("0"))
        out[pk] = (cum, ytd)
    return out


def stored_sums() -> dict[int, tuple[Decimal, Decimal]]:
    return {pk: (cum, ytd) for pk, cum, ytd in InvestmentReport.objects.values_list("pk", "cum_amount", "ytd_amount")}


def assert_exact():
    assert stored_sums() == expected_sums()


def test_every_write_keeps_the_running_sums_exact(city):
    require_postgres()
    a = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    b = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    r1 = factories.ReportFactory(project=a, period=dt.date(2025, 11, 1), amount=Decimal("10.01"))
    assert_exact()
    r2 = factories.ReportFactory(project=a, period=dt.date(2026, 2, 1), amount=Decimal("20.02"))
    factories.ReportFactory(project=a, period=dt.date(2025, 12, 1), amount=Decimal("5.00"))  # before r2
    assert_exact()
    InvestmentReport.objects.bulk_create(
        [
            InvestmentReport(project=b, period=dt.date(2026, m, 1), amount=Decimal(m), status=status)
            for m, status in [(1, "submitted"), (2, "draft"), (3, "approved"), (4, "returned"), (5, "submitted")]
        ]
    )
    assert_exact()
    assert InvestmentReport.objects.get(project=b, period=dt.date(2026, 5, 1)).ytd_amount == Decimal("9.00")

    r2.amount = Decimal("30.00")  # a save writes the stale sums it read: the trigger puts them right
    r2.save()
    assert_exact()
    stale = InvestmentReport.objects.get(pk=r2.pk)
    InvestmentReport.objects.filter(project=a, period=dt.date(2025, 12, 1)).update(amount=Decimal("6.00"))
    assert_exact()
    stale.progress = "只改形象进度"  # writes back the sums read before the change above
    stale.save()
    assert_exact()
    InvestmentReport.objects.filter(project=a).update(progress="批量")  # no input changed
    assert_exact()
    InvestmentReport.objects.filter(pk=r1.pk).update(status=ReportStatus.RETURNED)
    assert_exact()
    InvestmentReport.objects.filter(project=b, status="draft").update(status=ReportStatus.APPROVED)
    assert_exact()
    InvestmentReport.objects.filter(pk=r1.pk).update(period=dt.date(2026, 3, 1), status=ReportStatus.SUBMITTED)
    assert_exact()
    moved = InvestmentReport.objects.get(project=b, period=dt.date(2026, 4, 1))
    InvestmentReport.objects.filter(pk=moved.pk).update(project=a, status=ReportStatus.APPROVED)  # both projects
    assert_exact()
    InvestmentReport.objects.filter(project=a, period=dt.date(2025, 12, 1)).delete()
    assert_exact()
    InvestmentReport.objects.filter(project=b).update(amount=Decimal("1.50"))  # one statement, many rows
    assert_exact()
    b.delete()
    assert_exact()
    assert InvestmentReport.objects.filter(cum_amount__isnull=True).count() == 0


def test_the_reader_gives_the_sum_of_the_counted_reports_up_to_any_day(city):
    require_postgres()
    a = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    b = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    empty = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    last_year = factories.ProjectFactory(park=city.park_b, industry=city.ei)  # nothing in 2026
    for project, period, amount, status in [
        (last_year, dt.date(2025, 11, 1), "5.00", "approved"),
        (last_year, dt.date(2025, 12, 1), "6.00", "submitted"),
        (a, dt.date(2025, 10, 1), "100.00", "approved"),
        (a, dt.date(2025, 12, 1), "7.77", "returned"),
        (a, dt.date(2026, 1, 1), "1.10", "submitted"),
        (a, dt.date(2026, 4, 1), "2.20", "draft"),  # a gap in February and March
        (a, dt.date(2026, 5, 1), "3.30", "approved"),
        (b, dt.date(2026, 3, 1), "40.00", "submitted"),
    ]:
        factories.ReportFactory(project=project, period=period, amount=Decimal(amount), status=status)
    table = InvestmentReport._meta.db_table
    days = [dt.date(y, m, d) for y in (2025, 2026) for m in range(1, 13) for d in (1, 15)]
    for day in days:
        month = day.replace(day=1)
        before = (month - dt.timedelta(days=1)).replace(day=1)
        year_start = dt.date(day.year, 1, 1)
        for project in (a, b, empty, last_year):
            reports = InvestmentReport.objects.filter(counted_q(), project=project, period__lte=day)
            cum = reports.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            ytd = reports.filter(period__gte=year_start).aggregate(s=Sum("amount"))["s"] or Decimal(0)
            joins = (
                f"LEFT JOIN {table} r1 ON r1.project_id = p.id AND r1.period = %(month)s "
                f"LEFT JOIN {table} r0 ON r0.project_id = p.id AND r0.period = %(before)s"
            )
            # The month slices of sql_recent_reports (sql_recent_stored_sum): the day's month and
            # the two before it (none of them before the 1st of January for the year to date).
            recent_cum, cum_recent = sql_recent_stored_sum(table, "p.id", "%(d)s", month="%(month)s")
            recent_ytd, ytd_recent = sql_recent_stored_sum(
                table, "p.id", "%(d)s", month="%(month)s", year_start="%(y)s", alias="recenty"
            )
            sql = (
                f"SELECT {sql_stored_sum(table, 'p.id', '%(d)s')}, "  # noqa: S608
                f"{sql_stored_sum(table, 'p.id', '%(d)s', rows=['r1', 'r0'])}, "
                f"{cum_recent}, "
                f"{sql_stored_sum(table, 'p.id', '%(d)s', year_start='%(y)s')}, "
                f"{sql_stored_sum(table, 'p.id', '%(month)s', year_start='%(y)s', rows=['r1'])}, "
                f"{ytd_recent} "
                f"FROM projects_project p {joins} {recent_cum} {recent_ytd} WHERE p.id = %(p)s"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, {"d": day, "month": month, "before": before, "y": year_start, "p": project.pk})
                got = cursor.fetchone()
            assert got == (cum, cum, cum, ytd, ytd, ytd), (project.pk, day)
    assert sql_recent_reports(table, "p.id", "%(month)s")[1] == ["recent0", "recent1", "recent2"]


def test_the_synthetic_city_writes_the_sums_the_trigger_would(city):
    """The bench city's set-based INSERT writes the running sums itself (no second write of each
    report by the trigger): the same figures."""
    require_postgres()
    from django.core.management import call_command

    call_command("load_demo", projects=12, batch_size=5)
    assert InvestmentReport.objects.count() == 12 * 36
    assert_exact()
