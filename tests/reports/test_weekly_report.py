"""The weekly delay report: its content (XLSX, PDF, HTML), exactly-once generation and mail,
crash safety, forced regeneration and who may download what."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from projects.models import AnnualPlan, InvestmentReport
from projects.rules import counted_q
from reports import services
from reports.models import DeliveryStatus, ReportDelivery, WeeklyReport, WeeklyReportRevision
from reports.selectors import weekly_report_data

from .conftest import AS_OF, WEEK

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    wb = load_workbook(io.BytesIO(content))
    return [tuple(row) for row in wb[title].iter_rows(values_only=True)]


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def attachments_of(message) -> dict[str, bytes]:
    return {Path(name).suffix: content for name, content, _mime in message.attachments}


# --- content ---------------------------------------------------------------------------------
def test_data_classifies_delays_newly_resolved_due_and_lagging(report_city):
    data = weekly_report_data(week=WEEK, as_of=AS_OF)

    delays = {r.project: (r.milestone, r.days_overdue, r.severity) for r in data.delays}
    assert delays == {
        "森朗生物CAR-T产业化基地": ("开工", 38, "red"),
        "康誉医疗介入耗材产业园": ("施工许可证", 5, "yellow"),
        "晶澳太阳能二期": ("开工", 99, "red"),
    }
    senlang = next(r for r in data.delays if r.project == "森朗生物CAR-T产业化基地")
    assert (senlang.baseline_date, senlang.planned_date) == (dt.date(2026, 4, 1), dt.date(2026, 5, 1))
    assert (senlang.leader, senlang.progress, senlang.problems) == (
        "王副市长",
        "主体结构施工至三层",
        "施工许可证办理滞后",
    )
    assert senlang.progress_period == dt.date(2026, 5, 1)

    assert [r.milestone_id for r in data.newly] == [report_city.m_permit.pk]
    assert [(r.milestone_id, r.days_overdue_last_week) for r in data.resolved] == [(report_city.m_land.pk, 12)]
    assert "2026-06-05" in data.resolved[0].reason
    assert [(r.project, r.milestone, r.days_left) for r in data.due_soon] == [
        ("晶澳太阳能二期", "竣工验收", 0),
        ("森朗生物CAR-T产业化基地", "主体完工", 12),
    ]
    lag = {r.project: (r.ytd, r.expected, r.pct, r.severity) for r in data.lagging}
    assert lag == {
        "晶澳太阳能二期": (Decimal("100.00"), Decimal("500.00"), Decimal("20.0"), "red"),
        "森朗生物CAR-T产业化基地": (Decimal("700.00"), Decimal("1000.00"), Decimal("70.0"), "yellow"),
    }
    assert data.lag_month == dt.date(2026, 5, 1)

    summary = data.summary()
    assert (summary["milestones"], summary["milestones_red"], summary["milestones_yellow"]) == (3, 2, 1)
    assert (summary["projects"], summary["projects_red"], summary["projects_yellow"]) == (3, 2, 1)
    assert [(p["code"], p["milestones"], p["projects_red"]) for p in summary["by_park"]] == [
        ("GXQ", 2, 1),
        ("LQ", 1, 1),
    ]
    assert {i["code"]: i["milestones"] for i in summary["by_industry"]} == {"BIO": 2, "EI": 1}
    assert [r.days_overdue for r in data.longest()] == [99, 38, 5]


def test_section_holds_only_the_park_and_its_sub_parks(report_city):
    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    section = data.section(report_city.city.park_a.pk)
    assert {r.project for r in section.delays} == {"森朗生物CAR-T产业化基地", "康誉医疗介入耗材产业园"}
    assert [r.project for r in section.lagging] == ["森朗生物CAR-T产业化基地"]
    assert [r.project for r in section.due_soon] == ["森朗生物CAR-T产业化基地"]
    assert len(section.resolved) == 1
    assert section.summary()["scope"] == "石家庄高新区"
    b = data.section(report_city.city.park_b.pk)
    assert [r.project for r in b.delays] == ["晶澳太阳能二期"]


def test_xlsx_rows_days_fills_and_print_setup(report_city, run_report):
    run_report("--week", WEEK)
    report = WeeklyReport.objects.get(week=WEEK)
    assert report.as_of == AS_OF
    content = report.xlsx.read()
    wb = load_workbook(io.BytesIO(content))
    ws = wb["滞后明细"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:9] == (
        "序号",
        "项目名称",
        "所在园区",
        "所属产业",
        "滞后节点",
        "基线日期",
        "计划日期",
        "逾期天数",
        "严重程度",
    )
    body = [(r[1], r[2], r[4], r[5].date(), r[6].date(), r[7], r[8], r[9], r[10], r[11]) for r in rows[1:]]
    assert sorted(body) == sorted(
        [
            (
                "森朗生物CAR-T产业化基地",
                "国际生物医药园",
                "开工",
                dt.date(2026, 4, 1),
                dt.date(2026, 5, 1),
                38,
                "红色",
                "王副市长",
                "主体结构施工至三层",
                "施工许可证办理滞后",
            ),
            (
                "康誉医疗介入耗材产业园",
                "石家庄高新区",
                "施工许可证",
                dt.date(2026, 6, 3),
                dt.date(2026, 6, 3),
                5,
                "黄色",
                "李主任",
                "主体施工",
                None,
            ),
            (
                "晶澳太阳能二期",
                "鹿泉经济开发区",
                "开工",
                dt.date(2026, 3, 1),
                dt.date(2026, 3, 1),
                99,
                "红色",
                "赵局长",
                "5月 场地平整",
                None,
            ),
        ]
    )
    fills = {r[1].value: r[8].fill.fgColor.rgb[-6:] for r in ws.iter_rows(min_row=2)}
    assert fills == {
        "森朗生物CAR-T产业化基地": "F8CBAD",
        "康誉医疗介入耗材产业园": "FFF2CC",
        "晶澳太阳能二期": "F8CBAD",
    }
    assert ws.freeze_panes == "B2"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.column_dimensions["B"].width == 42

    summary = {r[0]: r[1] for r in sheet_rows(content, "汇总") if r and r[0]}
    assert summary["滞后节点"] == 3
    assert summary["其中红色节点"] == 2
    assert summary["滞后项目"] == 3
    assert summary["本周新增滞后节点"] == 1
    assert summary["本周销号节点"] == 1
    assert summary["未来14天到期节点"] == 2
    assert summary["投资滞后项目"] == 2
    due = sheet_rows(content, "临期节点")
    assert [(r[1], r[4], r[6]) for r in due[1:]] == [
        ("晶澳太阳能二期", "竣工验收", 0),
        ("森朗生物CAR-T产业化基地", "主体完工", 12),
    ]
    lag = sheet_rows(content, "投资滞后")
    assert [(r[1], r[6], r[7], r[8]) for r in lag[1:]] == [
        ("森朗生物CAR-T产业化基地", Decimal("700"), Decimal("70.0"), "投资偏慢"),
        ("晶澳太阳能二期", Decimal("100"), Decimal("20.0"), "投资严重滞后"),
    ] or [(r[1], float(r[6]), float(r[7]), r[8]) for r in lag[1:]] == [
        ("森朗生物CAR-T产业化基地", 700.0, 70.0, "投资偏慢"),
        ("晶澳太阳能二期", 100.0, 20.0, "投资严重滞后"),
    ]
    assert [r[1] for r in sheet_rows(content, "本周新增滞后")[1:]] == ["康誉医疗介入耗材产业园"]
    assert [(r[1], r[4]) for r in sheet_rows(content, "本周销号")[1:]] == [("康誉医疗介入耗材产业园", 12)]


def test_pdf_has_the_chinese_project_names(report_city, run_report):
    run_report("--week", WEEK)
    report = WeeklyReport.objects.get(week=WEEK)
    content = report.pdf.read()
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    for name in ("森朗生物CAR-T产业化基地", "康誉医疗介入耗材产业园", "晶澳太阳能二期", "每周滞后项目通报", "王副市长"):
        assert name in text
    assert "已归档的旧项目" not in text
    reader = PdfReader(io.BytesIO(content))
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert any("NotoSansCJKSC" in f.replace("-", "") for f in fonts), fonts


def test_pdf_compact_listing_for_large_reports_keeps_every_row(report_city, settings):
    from django.utils import timezone

    from reports.rendering import render_pdf

    settings.REPORTS_PDF_TABLE_MAX_ROWS = 0  # every list in the compact one-line-per-row form
    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    text = pdf_text(render_pdf(data, generated_at=timezone.now()))
    for name in ("森朗生物CAR-T产业化基地", "康誉医疗介入耗材产业园", "晶澳太阳能二期", "施工许可证办理滞后"):
        assert name in text


def test_report_reads_a_constant_number_of_queries(report_city):
    weekly_report_data(week=WEEK, as_of=AS_OF)  # creates the settings row once
    with CaptureQueriesContext(connection) as small:
        weekly_report_data(week=WEEK, as_of=AS_OF)
    from tests import factories

    for i in range(15):
        project = factories.ProjectFactory(
            name=f"追加项目{i}", park=report_city.city.park_b, industry=report_city.city.ei
        )
        factories.MilestoneFactory(project=project, planned_date=dt.date(2026, 2, 1))
        factories.MilestoneFactory(project=project, kind="completion", planned_date=dt.date(2026, 6, 10))
        factories.ReportFactory(project=project, period=dt.date(2026, 5, 1))
        factories.AnnualPlanFactory(project=project)
    with CaptureQueriesContext(connection) as large:
        data = weekly_report_data(week=WEEK, as_of=AS_OF)
    assert len(data.delays) == 18
    assert len(large.captured_queries) == len(small.captured_queries)


# --- exactly once ----------------------------------------------------------------------------
def test_two_runs_one_mail_per_subscriber(report_city, run_report):
    run_report("--week", WEEK)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["commission@example.gov.cn", "viewer@example.gov.cn", "admin_a@example.gov.cn", "admin_b@example.gov.cn"]
    )
    run_report("--week", WEEK)
    assert len(mail.outbox) == 4
    assert WeeklyReport.objects.count() == 1
    assert ReportDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4


def test_commission_gets_whole_report_and_park_admin_only_its_section(report_city, run_report):
    run_report("--week", WEEK)
    by_to = {m.to[0]: m for m in mail.outbox}
    whole = attachments_of(by_to["commission@example.gov.cn"])
    names = {r[1] for r in sheet_rows(whole[".xlsx"], "滞后明细")[1:]}
    assert names == {"森朗生物CAR-T产业化基地", "康誉医疗介入耗材产业园", "晶澳太阳能二期"}

    a = attachments_of(by_to["admin_a@example.gov.cn"])
    assert {r[1] for r in sheet_rows(a[".xlsx"], "滞后明细")[1:]} == {
        "森朗生物CAR-T产业化基地",
        "康誉医疗介入耗材产业园",
    }
    text_a = pdf_text(a[".pdf"])
    assert "森朗生物CAR-T产业化基地" in text_a
    assert "晶澳太阳能二期" not in text_a
    assert "石家庄高新区" in by_to["admin_a@example.gov.cn"].subject

    b = attachments_of(by_to["admin_b@example.gov.cn"])
    assert {r[1] for r in sheet_rows(b[".xlsx"], "滞后明细")[1:]} == {"晶澳太阳能二期"}
    assert "森朗" not in pdf_text(b[".pdf"])
    assert "滞后节点 1 个" in by_to["admin_b@example.gov.cn"].body


def test_unsubscribed_or_addressless_users_get_nothing(report_city, run_report):
    report_city.viewer.receives_weekly_report = False
    report_city.viewer.save()
    report_city.admin_b.email = ""
    report_city.admin_b.save()
    run_report("--week", WEEK)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin_a@example.gov.cn", "commission@example.gov.cn"]


def test_failure_between_files_and_commit_leaves_nothing_and_rerun_mails_once(
    report_city, run_report, monkeypatch, settings
):
    def boom(report):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_create_deliveries", boom)
    with pytest.raises(RuntimeError):
        run_report("--week", WEEK)
    assert WeeklyReport.objects.count() == 0
    assert ReportDelivery.objects.count() == 0
    weekly_dir = Path(settings.MEDIA_ROOT) / "weekly"
    assert not [p for p in weekly_dir.rglob("*") if p.is_file()] if weekly_dir.exists() else True
    assert mail.outbox == []

    monkeypatch.undo()
    run_report("--week", WEEK)
    assert WeeklyReport.objects.count() == 1
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == 4
    assert len(set(recipients)) == 4


def test_report_committed_but_mail_step_died_is_completed_by_next_run(report_city, run_report, monkeypatch):
    monkeypatch.setattr(services, "deliveries_send", lambda **kw: 0)
    run_report("--week", WEEK)
    assert mail.outbox == []
    assert ReportDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 4
    monkeypatch.undo()
    run_report("--week", WEEK)
    assert len(mail.outbox) == 4
    run_report("--week", WEEK)
    assert len(mail.outbox) == 4


def test_a_failing_address_is_retried_next_run_without_resending_the_others(report_city, run_report, monkeypatch):
    from django.core.mail import EmailMessage

    original = EmailMessage.send

    def flaky(self, *args, **kwargs):
        if self.to == ["admin_b@example.gov.cn"]:
            raise OSError("SMTP 550")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    run_report("--week", WEEK)
    assert len(mail.outbox) == 3
    failed = ReportDelivery.objects.get(email="admin_b@example.gov.cn")
    assert (failed.status, "SMTP 550" in failed.error) == (DeliveryStatus.PENDING, True)
    monkeypatch.undo()
    run_report("--week", WEEK)
    assert [m.to[0] for m in mail.outbox[3:]] == ["admin_b@example.gov.cn"]


def test_force_regenerates_mails_again_and_keeps_the_earlier_revision(report_city, run_report):
    run_report("--week", WEEK)
    first = WeeklyReport.objects.get(week=WEEK)
    first_xlsx = first.xlsx.name
    report_city.m_jingao.actual_date = dt.date(2026, 6, 7)
    report_city.m_jingao.save()

    run_report("--week", WEEK, "--force")
    report = WeeklyReport.objects.get(week=WEEK)
    assert report.revision == 2
    assert len(mail.outbox) == 8
    old = WeeklyReportRevision.objects.get(report=report)
    assert (old.revision, old.xlsx, old.summary["milestones"]) == (1, first_xlsx, 3)
    assert report.xlsx.name != first_xlsx
    assert report.summary["milestones"] == 2
    assert {r[1] for r in sheet_rows(report.xlsx.read(), "滞后明细")[1:]} == {
        "森朗生物CAR-T产业化基地",
        "康誉医疗介入耗材产业园",
    }
    assert ReportDelivery.objects.filter(revision=1).count() == 4
    assert ReportDelivery.objects.filter(revision=2).count() == 4
    assert "第 2 版" in mail.outbox[-1].body


def test_celery_task_does_the_same_as_the_command(report_city, django_capture_on_commit_callbacks):
    from reports.tasks import weekly_delay_report

    with django_capture_on_commit_callbacks(execute=True):
        result = weekly_delay_report.delay(week=WEEK).get()
    assert (result["week"], result["revision"], result["created"]) == (WEEK, 1, True)
    assert len(mail.outbox) == 4
    with django_capture_on_commit_callbacks(execute=True):
        again = weekly_delay_report.delay(week=WEEK).get()
    assert (again["created"], again["sent"]) == (False, 0)
    assert len(mail.outbox) == 4


def test_default_week_is_the_current_week_in_shanghai(report_city, run_report, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 6, 10))
    run_report()
    assert WeeklyReport.objects.get().week == WEEK


@pytest.mark.parametrize("week", ["2026-24", "2026-W54", "2026-W00", "abc"])
def test_bad_week_is_a_clear_error_and_stores_nothing(city, week):
    with pytest.raises(CommandError) as excinfo:
        call_command("weekly_delay_report", "--week", week)
    assert "周" in str(excinfo.value)
    assert WeeklyReport.objects.count() == 0


def test_week_53_exists_only_in_long_years():
    from reports.selectors import WeekError, parse_week

    assert parse_week("2026-W53") == ("2026-W53", dt.date(2026, 12, 28))
    with pytest.raises(WeekError):
        parse_week("2027-W53")


def test_beat_schedule_is_monday_0800_shanghai():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.tasks.weekly_delay_report")
    c = task.crontab
    assert (c.minute, c.hour, c.day_of_week, str(c.timezone)) == ("0", "8", "1", "Asia/Shanghai")
    assert task.enabled


def test_files_of_a_run_killed_before_commit_are_cleaned_by_the_next_run(report_city, run_report, settings):
    import os
    import time

    dead = Path(settings.MEDIA_ROOT) / "weekly" / WEEK / "r1-deadbeef"
    dead.mkdir(parents=True)
    stray = dead / f"weekly-delay-report-{WEEK}.xlsx"
    stray.write_bytes(b"half written")
    old = time.time() - 7 * 3600
    os.utime(stray, (old, old))
    fresh = Path(settings.MEDIA_ROOT) / "weekly" / WEEK / "r1-running0"
    fresh.mkdir()
    (fresh / "x.pdf").write_bytes(b"a run still rendering")

    run_report("--week", WEEK)
    assert not stray.exists()
    assert not dead.exists()
    assert (fresh / "x.pdf").exists()  # too recent to be judged dead
    report = WeeklyReport.objects.get()
    assert Path(report.xlsx.path).exists()
    run_report("--week", WEEK)  # the committed run's folder is never touched
    assert Path(report.xlsx.path).exists()
    assert len(mail.outbox) == 4


def test_commission_thresholds_drive_severity_and_the_legend(report_city):
    from django.utils import timezone

    from reports.rendering import render_html
    from scheduling.models import SchedulingSettings

    thresholds = SchedulingSettings.load()
    thresholds.red_after_days = 40
    thresholds.save()
    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    assert {r.project: r.severity for r in data.delays}["森朗生物CAR-T产业化基地"] == "yellow"  # 38 days < 40
    html = render_html(data, generated_at=timezone.now(), compact=False)
    assert "逾期 1–39 天为黄色，40 天及以上为红色" in html


def test_set_based_narrowing_finds_what_the_rules_find(report_city):
    """The report narrows 顺序异常, 投资滞后 and 投资与形象进度不匹配 by set-based SQL
    (scheduling.rules.sql_order_conflict_projects, sql_investment_status, sql_spend_ahead) before
    the per-row rules run: the rows are exactly those of the rules over every active project."""
    from projects.models import Project
    from reports.selectors import investment_lagging
    from scheduling import rules
    from scheduling.models import Milestone, SchedulingSettings
    from scheduling.selectors import with_spend_ahead
    from tests import factories

    day = dt.date(2026, 3, 1)
    early = factories.ProjectFactory(name="顺序早")  # 开工 before 签约: an early conflict
    factories.MilestoneFactory(project=early, kind="signing", planned_date=day, actual_date=day)
    factories.MilestoneFactory(
        project=early, kind="construction_start", planned_date=day, actual_date=day - dt.timedelta(days=5)
    )
    same = factories.ProjectFactory(name="同级")  # permits of one rank in any order: no warning
    factories.MilestoneFactory(project=same, kind="construction_permit", planned_date=day, actual_date=day)
    factories.MilestoneFactory(
        project=same, kind="land_use_permit", planned_date=day, actual_date=day + dt.timedelta(days=3)
    )
    other = factories.ProjectFactory(name="其他节点")  # an "other" node never conflicts
    factories.MilestoneFactory(project=other, kind="signing", planned_date=day, actual_date=day)
    factories.MilestoneFactory(
        project=other, kind="other", name="专家论证", planned_date=day, actual_date=day - dt.timedelta(days=9)
    )
    later = factories.ProjectFactory(name="未来事实")  # an actual date after the Monday is not yet a fact
    factories.MilestoneFactory(
        project=later, kind="signing", planned_date=day, actual_date=AS_OF + dt.timedelta(days=1)
    )
    factories.MilestoneFactory(project=later, kind="construction_start", planned_date=day, actual_date=day)

    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    thresholds = SchedulingSettings.load()

    nodes = list(
        Milestone.objects.filter(project__archived_at__isnull=True, actual_date__lte=AS_OF).order_by(
            "project_id", "actual_date", "pk"
        )
    )
    expected = {(m.pk, m.order_warning) for m in rules.set_order_warnings(nodes) if m.order_warning}
    assert {(r.milestone_id, r.warning) for r in data.order_warnings} == expected
    assert early.pk in {r.project_id for r in data.order_warnings}
    assert not {same.pk, other.pk, later.pk} & {r.project_id for r in data.order_warnings}

    month = data.lag_month
    by_rule = {
        p.pk: p.lag
        for p in Project.objects.active()
        .annotate(
            plan_=Subquery(
                AnnualPlan.objects.filter(project=OuterRef("pk"), year=month.year).values("planned_investment")[:1]
            )
        )
        .annotate(
            ytd_=Coalesce(
                Subquery(
                    InvestmentReport.objects.filter(
                        counted_q(), project=OuterRef("pk"), period__gte=dt.date(month.year, 1, 1), period__lte=month
                    )
                    .order_by()
                    .values("project")
                    .annotate(s=Sum("amount"))
                    .values("s")
                ),
                Value(Decimal("0")),
            )
        )
        .annotate(lag=rules.investment_status_expr(F("ytd_"), F("plan_"), months=month.month, settings=thresholds))
        .filter(lag__in=rules.LAGGING)
    }
    assert by_rule  # the city has lagging projects
    assert {r.project_id: r.severity for r in data.lagging} == by_rule
    assert [p.pk for p, *_ in investment_lagging(as_of=AS_OF, settings=thresholds)[1]] == [
        r.project_id for r in data.lagging
    ]

    ahead = with_spend_ahead(Project.objects.active(), as_of=AS_OF, settings=thresholds).filter(spend_ahead=True)
    assert {r.project_id for r in data.spend_ahead} == set(ahead.values_list("pk", flat=True))


def test_money_sections_match_a_plain_reference(report_city):
    """投资滞后, 投资与形象进度不匹配 and the delays' latest progress, row for row and to the cent,
    against a plain computation from the reports (on PostgreSQL the report reads the running
    sums the database keeps, projects.rules.sql_stored_sum): gaps, a draft and a returned
    report, a report of the Monday's month, last year's reports, a project without reports."""
    from projects.models import Project
    from scheduling import rules
    from scheduling.models import Milestone, SchedulingSettings
    from tests import factories

    city = report_city.city
    gap = factories.ProjectFactory(name="断报项目", park=city.park_b, industry=city.ei, total_investment=Decimal("100"))
    factories.AnnualPlanFactory(project=gap, year=2026, planned_investment=Decimal("1200.00"))
    factories.MilestoneFactory(project=gap, kind="signing", planned_date=dt.date(2026, 2, 1))  # overdue
    factories.MilestoneFactory(project=gap, kind="construction_start", planned_date=dt.date(2026, 9, 1))
    for period, amount, status in [
        (dt.date(2025, 11, 1), "70.00", "approved"),  # last year: cumulative, not the year to date
        (dt.date(2026, 2, 1), "10.10", "submitted"),  # then nothing in March, April, May
        (dt.date(2026, 4, 1), "500.00", "draft"),
        (dt.date(2026, 5, 1), "600.00", "returned"),
        (dt.date(2026, 6, 1), "3.33", "submitted"),  # the Monday's month: spend, not the lag month
    ]:
        factories.ReportFactory(project=gap, period=period, amount=Decimal(amount), status=status, progress=str(period))
    none = factories.ProjectFactory(name="未报项目", park=city.park_a, industry=city.bio)
    factories.AnnualPlanFactory(project=none, year=2026, planned_investment=Decimal("600.00"))
    factories.MilestoneFactory(project=none, kind="land", planned_date=dt.date(2026, 1, 20))

    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    thresholds = SchedulingSettings.load()
    month = rules.default_period(AS_OF)
    reports = list(InvestmentReport.objects.filter(counted_q()).values_list("project_id", "period", "amount"))
    plans = dict(AnnualPlan.objects.filter(year=month.year).values_list("project_id", "planned_investment"))
    active = Project.objects.active().select_related("park").order_by("park__sort_order", "park__code", "name", "pk")

    lagging = []
    ahead = []
    for p in active:
        ytd = sum(
            (a for pid, period, a in reports if pid == p.pk and dt.date(month.year, 1, 1) <= period <= month),
            Decimal(0),
        )
        plan = plans.get(p.pk)
        severity = rules.investment_status(ytd, plan, months=month.month, settings=thresholds)
        if severity in rules.LAGGING:
            expected = plan * month.month / Decimal(12)
            lagging.append((p.pk, plan, ytd, expected.quantize(Decimal("0.01")), severity))
        cum = sum((a for pid, period, a in reports if pid == p.pk and period <= AS_OF), Decimal(0))
        nodes = [m for m in Milestone.objects.filter(project=p) if rules.is_standard(m.kind)]
        done = sum(1 for m in nodes if rules.is_done(m, AS_OF))
        if rules.is_spend_ahead(cum, p.total_investment, done, len(nodes), thresholds):
            ahead.append((p.pk, cum, rules.spend_ahead_gap(cum, p.total_investment, done, len(nodes))))
    assert [(r.project_id, r.plan, r.ytd, r.expected, r.severity) for r in data.lagging] == lagging
    assert {gap.pk, none.pk} <= {r[0] for r in lagging}
    assert [(r.project_id, r.cumulative, r.gap) for r in data.spend_ahead] == ahead
    assert gap.pk in {r[0] for r in ahead}  # 83.43 of 100 spent, no node done

    latest = {}
    for r in InvestmentReport.objects.filter(counted_q(), period__lte=AS_OF).order_by("period"):
        latest[r.project_id] = (r.progress, r.problems, r.period)
    assert [(r.milestone_id, r.progress, r.problems, r.progress_period) for r in data.delays] == [
        (r.milestone_id, *latest.get(r.project_id, ("", "", None))) for r in data.delays
    ]
    assert {r.project_id: r.progress_period for r in data.delays}[gap.pk] == dt.date(2026, 6, 1)
    assert {r.project_id: r.progress_period for r in data.delays}[none.pk] is None
