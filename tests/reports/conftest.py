"""A fixed city for the weekly report of ISO week 2026-W24 (as of Monday 2026-06-08).

Park A (石家庄高新区, GXQ) with its sub-park 国际生物医药园 (GXQ-BIO); park B (鹿泉经济开发区, LQ).

| project | park | milestone | planned (baseline) | as of 06-08 | a week earlier (06-01) |
|---|---|---|---|---|---|
| 森朗生物CAR-T产业化基地 | GXQ-BIO | 开工 | 05-01 (04-01) | red, 38 days | overdue |
| 森朗生物CAR-T产业化基地 | GXQ-BIO | 主体完工 | 06-20 | due in 12 days | — |
| 康誉医疗介入耗材产业园 | GXQ | 施工许可证 | 06-03 | yellow, 5 days (new) | not yet due |
| 康誉医疗介入耗材产业园 | GXQ | 供地 | 05-20, done 06-05 | resolved | overdue 12 days |
| 晶澳太阳能二期 | LQ | 开工 | 03-01 | red, 99 days | overdue |
| 晶澳太阳能二期 | LQ | 竣工验收 | 06-08 | due today (0) | — |
| 已归档的旧项目 | LQ | 开工 | 01-01 | archived: not reported | |

Investment (plan 2026, Jan–May reported; expected = plan × 5/12): 晶澳 1200 plan, 100 done → 20 %
(red); 森朗 2400 plan, 700 done → 70 % (yellow); 康誉 1200 plan, 450 done → 90 % (on track)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests import factories

WEEK = "2026-W24"
AS_OF = dt.date(2026, 6, 8)


@pytest.fixture
def report_city(city, commission_user, viewer_user, park_a_admin, park_b_admin):
    senlang = factories.ProjectFactory(
        name="森朗生物CAR-T产业化基地", park=city.park_a_sub, industry=city.bio_drug, leader="王副市长"
    )
    kangyu = factories.ProjectFactory(
        name="康誉医疗介入耗材产业园", park=city.park_a, industry=city.bio, leader="李主任"
    )
    jingao = factories.ProjectFactory(name="晶澳太阳能二期", park=city.park_b, industry=city.ei_ic, leader="赵局长")
    archived = factories.ProjectFactory(
        name="已归档的旧项目", park=city.park_b, industry=city.ei, archived_at=timezone.now()
    )

    m_start = factories.MilestoneFactory(project=senlang, kind="construction_start", planned_date=dt.date(2026, 4, 1))
    m_start.planned_date = dt.date(2026, 5, 1)  # replanned once: the baseline stays 04-01
    m_start.save()
    factories.MilestoneFactory(project=senlang, kind="topping_out", planned_date=dt.date(2026, 6, 20))
    m_permit = factories.MilestoneFactory(project=kangyu, kind="construction_permit", planned_date=dt.date(2026, 6, 3))
    m_land = factories.MilestoneFactory(
        project=kangyu, kind="land", planned_date=dt.date(2026, 5, 20), actual_date=dt.date(2026, 6, 5)
    )
    m_jingao = factories.MilestoneFactory(project=jingao, kind="construction_start", planned_date=dt.date(2026, 3, 1))
    factories.MilestoneFactory(project=jingao, kind="completion", planned_date=dt.date(2026, 6, 8))
    factories.MilestoneFactory(project=archived, kind="construction_start", planned_date=dt.date(2026, 1, 1))
    # A milestone completed before it was due: never in the report.
    factories.MilestoneFactory(
        project=jingao, kind="signing", planned_date=dt.date(2026, 1, 10), actual_date=dt.date(2026, 1, 5)
    )

    factories.AnnualPlanFactory(project=jingao, year=2026, planned_investment=Decimal("1200.00"))
    factories.AnnualPlanFactory(project=senlang, year=2026, planned_investment=Decimal("2400.00"))
    factories.AnnualPlanFactory(project=kangyu, year=2026, planned_investment=Decimal("1200.00"))
    for month in range(1, 6):
        factories.ReportFactory(
            project=jingao, period=dt.date(2026, month, 1), amount=Decimal("20.00"), progress=f"{month}月 场地平整"
        )
        factories.ReportFactory(project=kangyu, period=dt.date(2026, month, 1), amount=Decimal("90.00"))
    factories.ReportFactory(
        project=senlang, period=dt.date(2026, 4, 1), amount=Decimal("300.00"), progress="桩基施工", problems=""
    )
    factories.ReportFactory(
        project=senlang,
        period=dt.date(2026, 5, 1),
        amount=Decimal("400.00"),
        progress="主体结构施工至三层",
        problems="施工许可证办理滞后",
    )
    # Last year's plan must not count for 2026.
    factories.AnnualPlanFactory(project=kangyu, year=2025, planned_investment=Decimal("99999.00"))
    return SimpleNamespace(
        city=city,
        senlang=senlang,
        kangyu=kangyu,
        jingao=jingao,
        archived=archived,
        m_start=m_start,
        m_permit=m_permit,
        m_land=m_land,
        m_jingao=m_jingao,
        commission=commission_user,
        viewer=viewer_user,
        admin_a=park_a_admin,
        admin_b=park_b_admin,
    )


@pytest.fixture
def run_report(django_capture_on_commit_callbacks):
    """Run the management command as cron/beat would, with the after-commit mail step
    executed (the test transaction never really commits)."""

    def run(*args):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("weekly_delay_report", *args)

    return run
