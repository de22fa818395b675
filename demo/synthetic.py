"""The synthetic city for the benchmarks (`load_demo --projects N`): projects owned by "合成数据",
topped up to N in batches, 10 milestones, 36 monthly reports and 3 annual plans each, no history
rows. Values are pure functions of the project number i (1-based), written once in Python
(syn_*, the portable bulk_create path used on SQLite) and once in SQL (the PostgreSQL
INSERT ... SELECT generate_series path); keep the two in step (tests compare them on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from demo.data import CENT, DEMO_TODAY
from demo.planner import month_add
from demo.writer import load_reference
from parks.models import Industry, Park
from projects.models import AnnualPlan, InvestmentReport, Project
from scheduling.models import Milestone
from scheduling.services import refresh_next_milestones

SYNTHETIC_OWNER = "合成数据"
SYNTHETIC_PREFIX = "合成项目"
SYNTHETIC_SERIAL_BASE = 200000
SYNTHETIC_FIRST_PERIOD = dt.date(2023, 11, 1)  # 36 months: 2023-11 .. 2026-10
SYNTHETIC_MONTHS = 36
SYNTHETIC_STEPS = [  # kind, days before the target (投产) date
    ("signing", 900),
    ("land", 800),
    ("land_use_permit", 780),
    ("planning_permit", 770),
    ("construction_permit", 760),
    ("property_certificate", 760),
    ("construction_start", 730),
    ("topping_out", 400),
    ("completion", 90),
    ("production_start", 0),
]
SYNTHETIC_TARGET_BASE = dt.date(2025, 1, 1)


def syn_total(i: int) -> Decimal:
    return Decimal(((i * 7919) % 4951 + 50) * 100).quantize(CENT)


def syn_delay(i: int) -> int:
    """A quarter of the projects slip badly (red), a quarter a little (yellow)."""
    if i % 4 == 0:
        return 31 + (i * 17) % 300
    if i % 4 == 1:
        return 1 + (i * 11) % 30
    return 0


def syn_target(i: int) -> dt.date:
    return SYNTHETIC_TARGET_BASE + dt.timedelta(days=(i * 37) % 1460)


def syn_stage(i: int) -> str:
    target, delay = syn_target(i), dt.timedelta(days=syn_delay(i))
    if target + delay <= DEMO_TODAY:
        return "in_production"
    if target - dt.timedelta(days=730) + delay <= DEMO_TODAY:
        return "under_construction"
    if target - dt.timedelta(days=900) + delay <= DEMO_TODAY:
        return "signed"
    return "planning"


def syn_report_amount(i: int, m: int) -> Decimal:
    return (syn_total(i) * (50 + (i * 7 + m * 13) % 50) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)


def syn_plan_amount(i: int) -> Decimal:
    return (syn_total(i) * (25 + i % 10) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def synthetic_targets() -> tuple[list[int], list[int], list[tuple[int, str]]]:
    """(park ids, leaf industry ids, [(park id, region code)]) in a stable order."""
    parks = list(Park.objects.order_by("code").values_list("pk", "region__code"))
    industries = list(Industry.objects.filter(children__isnull=True).order_by("code").values_list("pk", flat=True))
    return [p for p, _r in parks], industries, parks


def syn_latitude(i: int) -> Decimal:
    """The bench city's coordinates: spread over the city centre's districts (the map's bench)."""
    return Decimal("37.950000") + Decimal((i * 13) % 200) / 1000


def syn_longitude(i: int) -> Decimal:
    return Decimal("114.450000") + Decimal((i * 17) % 400) / 1000


def load_synthetic(*, count: int, batch_size: int = 5000, stdout=None) -> dict[str, int]:
    """Top the synthetic projects up to `count` (a synthetic project is one whose owner is
    "合成数据"). Each batch is its own transaction, so an interrupted load resumes cleanly."""
    load_reference()
    have = Project.objects.filter(owner=SYNTHETIC_OWNER).count()
    if have >= count:
        if stdout:
            stdout.write(f"synthetic: {have} projects already there, nothing to add")
        return {"projects": 0}
    park_ids, industry_ids, parks = synthetic_targets()
    regions = dict(parks)
    writer = _synthetic_batch_pg if connection.vendor == "postgresql" else _synthetic_batch_orm
    started = timezone.now()
    for first in range(have + 1, count + 1, batch_size):
        last = min(first + batch_size - 1, count)
        with transaction.atomic():
            writer(first, last, park_ids, industry_ids, regions)
        if connection.vendor == "postgresql":
            # Fresh statistics for the next batch: the review triggers' statements (per batch,
            # over its new reports) are planned from them, and with the counts of a table a
            # tenth of its size they chose a bitmap scan per row (4.5 s for 20 projects at 35,000,
            # against 0.6 s for 1,000 once analysed). Autovacuum does this in production.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ANALYZE {Project._meta.db_table}, {InvestmentReport._meta.db_table}, {Milestone._meta.db_table}"
                )
        if stdout:
            elapsed = (timezone.now() - started).total_seconds()
            stdout.write(f"synthetic: projects {first}..{last} of {count} ({elapsed:.0f} s)")
    # Bulk inserts send no post_save: the projects' stored next node, in one set-based statement.
    refresh_next_milestones()
    return {"projects": count - have}


def syn_park(i: int, park_ids: list[int]) -> int:
    return park_ids[i % len(park_ids)]


def syn_industry(i: int, industry_ids: list[int]) -> int:
    return industry_ids[(i * 7) % len(industry_ids)]


def _synthetic_batch_orm(first, last, park_ids, industry_ids, regions) -> None:
    """Portable path (SQLite): bulk_create in batches; memory bounded by the batch."""
    projects = []
    for i in range(first, last + 1):
        park = syn_park(i, park_ids)
        projects.append(
            Project(
                code=f"{2021 + i % 6}-{regions[park]}-39-03-{SYNTHETIC_SERIAL_BASE + i:06d}",
                name=f"{SYNTHETIC_PREFIX}{i:07d}",
                owner=SYNTHETIC_OWNER,
                park_id=park,
                industry_id=syn_industry(i, industry_ids),
                level="provincial" if i % 5 == 0 else "municipal",
                year=2021 + i % 6,
                stage=syn_stage(i),
                total_investment=syn_total(i),
                target_date=syn_target(i),
                latitude=syn_latitude(i),
                longitude=syn_longitude(i),
            )
        )
    projects = Project.objects.bulk_create(projects, batch_size=1000)
    milestones, reports, plans = [], [], []
    for i, project in zip(range(first, last + 1), projects, strict=True):
        target, delay = syn_target(i), dt.timedelta(days=syn_delay(i))
        for seq, (kind, before) in enumerate(SYNTHETIC_STEPS):
            planned = target - dt.timedelta(days=before)
            milestones.append(
                Milestone(
                    project_id=project.pk,
                    kind=kind,
                    planned_date=planned,
                    baseline_date=planned,
                    actual_date=planned + delay if planned + delay <= DEMO_TODAY else None,
                    sequence=seq,
                )
            )
        for m in range(SYNTHETIC_MONTHS):
            reports.append(
                InvestmentReport(
                    project_id=project.pk,
                    period=month_add(SYNTHETIC_FIRST_PERIOD, m),
                    amount=syn_report_amount(i, m),
                    progress="主体结构施工中。",
                )
            )
        for year in (2024, 2025, 2026):
            plans.append(AnnualPlan(project_id=project.pk, year=year, planned_investment=syn_plan_amount(i)))
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    InvestmentReport.objects.bulk_create(reports, batch_size=2000)
    AnnualPlan.objects.bulk_create(plans, batch_size=2000)


def _synthetic_batch_pg(first, last, park_ids, industry_ids, regions) -> None:
    """PostgreSQL path: one set-based statement per batch (INSERT ... SELECT generate_series,
    data-modifying CTEs for the children); the same formulas as the syn_* functions above."""
    params = {
        "first": first,
        "last": last,
        "target_base": SYNTHETIC_TARGET_BASE.isoformat(),
        "today": DEMO_TODAY,
        "first_period": SYNTHETIC_FIRST_PERIOD.isoformat(),
        "regions": [regions[p] for p in park_ids],
        "parks": park_ids,
        "n_parks": len(park_ids),
        "industries": industry_ids,
        "n_industries": len(industry_ids),
        "serial_base": SYNTHETIC_SERIAL_BASE,
        "prefix": SYNTHETIC_PREFIX,
        "owner": SYNTHETIC_OWNER,
    }
    with connection.cursor() as cursor:
        cursor.execute(_synthetic_batch_sql(), params)


def _synthetic_batch_sql() -> str:
    """The batch's statement, with %(name)s placeholders for _synthetic_batch_pg's parameters:
    the projects from generate_series, then their milestones, annual plans and reports through
    data-modifying CTEs (one statement, so the children join the ids the INSERT returns)."""
    steps = ", ".join(f"('{kind}', {before}, {seq})" for seq, (kind, before) in enumerate(SYNTHETIC_STEPS))
    delay = "(CASE WHEN i % 4 = 0 THEN 31 + (i * 17) % 300 WHEN i % 4 = 1 THEN 1 + (i * 11) % 30 ELSE 0 END)"
    target = "(%(target_base)s::date + ((i * 37) % 1460)::int)"
    # Only module constants and table names are interpolated; every value is a parameter.
    sql = f"""
    WITH src AS (
        SELECT i::bigint AS i, {target} AS target, ({delay})::int AS delay,
               ((i * 7919) % 4951 + 50) * 100.00 AS total
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g(i)
    ), p AS (
        INSERT INTO {Project._meta.db_table} (
            code, name, owner, park_id, industry_id, level, year, stage, phase, total_investment,
            construction_content, annual_output, target_date, leader, contact_person, contact_phone,
            latitude, longitude, is_special_bond, special_bond_amount, status, investment_status,
            version, archived_at, created_at, updated_at)
        SELECT (2021 + i % 6)::text || '-' || (%(regions)s::text[])[1 + i % %(n_parks)s] || '-39-03-'
                   || lpad((%(serial_base)s + i)::text, 6, '0'),
               %(prefix)s || lpad(i::text, 7, '0'), %(owner)s,
               (%(parks)s::bigint[])[1 + i % %(n_parks)s],
               (%(industries)s::bigint[])[1 + (i * 7) % %(n_industries)s],
               CASE WHEN i % 5 = 0 THEN 'provincial' ELSE 'municipal' END,
               2021 + i % 6,
               CASE WHEN target + delay <= %(today)s THEN 'in_production'
                    WHEN target - 730 + delay <= %(today)s THEN 'under_construction'
                    WHEN target - 900 + delay <= %(today)s THEN 'signed'
                    ELSE 'planning' END,
               '', total, '', NULL, target, '', '', '',
               37.950000 + ((i * 13) % 200) / 1000.0, 114.450000 + ((i * 17) % 400) / 1000.0,
               false, NULL, 'green', 'none',
               1, NULL, now(), now()
        FROM src
        RETURNING id, name, total_investment, target_date
    ), pi AS (
        SELECT p.id, p.total_investment AS total, p.target_date AS target, src.i, src.delay
        FROM p JOIN src ON src.i = substr(p.name, {len(SYNTHETIC_PREFIX) + 1})::bigint
    ), m AS (
        INSERT INTO {Milestone._meta.db_table} (
            project_id, kind, name, planned_date, baseline_date, actual_date, sequence, created_at, updated_at)
        SELECT pi.id, s.kind, '', pi.target - s.before, pi.target - s.before,
               CASE WHEN pi.target - s.before + pi.delay <= %(today)s THEN pi.target - s.before + pi.delay END,
               s.seq, now(), now()
        FROM pi CROSS JOIN (VALUES {steps}) AS s(kind, before, seq)
    ), a AS (
        INSERT INTO {AnnualPlan._meta.db_table} (project_id, year, planned_investment)
        SELECT pi.id, y, round(pi.total * (25 + pi.i % 10) / 100, 2)
        FROM pi CROSS JOIN generate_series(2024, 2026) AS y
    )
    INSERT INTO {InvestmentReport._meta.db_table} (
        project_id, period, amount, progress, problems, status, submitted_by_id, submitted_at, updated_at,
        prior_amount, cum_amount, ytd_amount)
    SELECT id, period, amount, '主体结构施工中。', '', 'submitted', NULL, now(), now(), prior,
           -- the running sums, as the sums trigger (projects 0023) would set them (no second write)
           sum(amount) OVER (PARTITION BY id ORDER BY period),
           sum(amount) OVER (PARTITION BY id, extract(year FROM period) ORDER BY period)
    FROM (
        SELECT pi.id, (%(first_period)s::date + make_interval(months => m))::date AS period,
               round(pi.total * (50 + (pi.i * 7 + m * 13) % 50) / 3600, 2) AS amount,
               -- the month before's amount, as the review triggers would set it (no second write)
               CASE WHEN m > 0 THEN round(pi.total * (50 + (pi.i * 7 + (m - 1) * 13) % 50) / 3600, 2) END AS prior
        FROM pi CROSS JOIN generate_series(0, {SYNTHETIC_MONTHS - 1}) AS m
    ) r
    """  # noqa: S608
    return sql.replace("%", "%%").replace("%%(", "%(")
