"""Weekly delay report benchmarks.

`weekly_report_xlsx` and `weekly_report_pdf` render a report of exactly 10,000 delayed
milestones (plus 1,000 due soon and 500 lagging projects, over 12 parks with long Chinese
texts) built in memory, so the figure does not depend on how many of the synthetic city's
milestones happen to be overdue; `weekly_report_data` times the queries on the bench database
(`ctx`), as of this week's Monday. Goals: XLSX 5 s, PDF 30 s."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from bench.common import timed

ROWS = 10_000


def synthetic(rows: int = ROWS):
    from reports.selectors import DelayRow, DueRow, LagRow, ReportData
    from scheduling.models import SchedulingSettings
    from scheduling.rules import severity_of

    thresholds = SchedulingSettings()  # the defaults, no query

    rnd = random.Random(7)  # noqa: S311 - benchmark data
    as_of = dt.date(2026, 6, 8)
    parks = {
        i: {
            "id": i,
            "code": f"P{i:02d}",
            "name": f"测试园区{i}号产业园",
            "parent_id": None if i <= 8 else i - 8,
            "sort_order": i,
        }
        for i in range(1, 13)
    }
    industries = {
        i: {"id": i, "code": f"I{i}", "name": f"产业集群{i}", "parent_id": None if i <= 5 else i - 5, "sort_order": i}
        for i in range(1, 11)
    }
    delays = []
    for n in range(rows):
        days = rnd.randint(1, 400)
        park = rnd.randint(1, 12)
        delays.append(
            DelayRow(
                milestone_id=n,
                project_id=n // 2,
                project=f"石家庄重点项目第{n // 2}号生物医药产业化基地建设项目",
                park_id=park,
                park=parks[park]["name"],
                industry_id=rnd.randint(1, 10),
                industry="创新生物药",
                milestone="施工许可证",
                baseline_date=as_of - dt.timedelta(days=days + 30),
                planned_date=as_of - dt.timedelta(days=days),
                days_overdue=days,
                severity=severity_of(days, thresholds),
                leader="王副市长",
                progress="主体结构施工至三层，完成投资约六成",
                problems="施工许可证办理滞后，需协调供电" if n % 3 == 0 else "",
                progress_period=dt.date(2026, 5, 1),
            )
        )
    due = [
        DueRow(
            n,
            n,
            f"临期项目{n}",
            rnd.randint(1, 12),
            "园区",
            "集成电路",
            "开工",
            as_of + dt.timedelta(days=n % 15),
            n % 15,
            "李主任",
        )
        for n in range(1000)
    ]
    lag = [
        LagRow(
            n,
            f"投资滞后项目{n}",
            rnd.randint(1, 12),
            "园区",
            "集成电路",
            Decimal("1200.00"),
            Decimal("500.00"),
            Decimal("100.00"),
            Decimal("20.0"),
            "red",
        )
        for n in range(500)
    ]
    return ReportData(
        week="2026-W24",
        as_of=as_of,
        delays=delays,
        newly=delays[:300],
        resolved=[],
        due_soon=due,
        lagging=lag,
        lag_month=dt.date(2026, 5, 1),
        parks=parks,
        industries=industries,
        red_after_days=thresholds.red_after_days,
        due_soon_days=thresholds.due_soon_days,
    )


def run(ctx) -> None:
    import logging

    from django.db import connection
    from django.utils import timezone

    from reports.rendering import render_pdf, render_xlsx
    from reports.selectors import parse_week, week_of, weekly_report_data

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # one INFO line per page otherwise
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # a freshly loaded data set has no statistics yet
    data = synthetic()
    now = timezone.now()
    seconds = timed(lambda: render_xlsx(data, generated_at=now))
    print(f"weekly_report_xlsx: {seconds:.2f} s ({ROWS} delayed milestones, goal 5 s)", flush=True)
    seconds = timed(lambda: render_pdf(data, generated_at=now))
    print(f"weekly_report_pdf: {seconds:.2f} s ({ROWS} delayed milestones, compact listing, goal 30 s)", flush=True)

    week, as_of = parse_week(week_of(timezone.localdate()))
    found = {}

    def query():
        found["data"] = weekly_report_data(week=week, as_of=as_of)

    seconds = timed(query)
    n = len(found["data"].delays)
    print(f"weekly_report_data: {seconds:.2f} s ({n} delayed milestones, {ctx.projects} projects)", flush=True)
