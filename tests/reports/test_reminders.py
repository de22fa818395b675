"""催报: the schedule (−3, 0, +3, +6 … days from the due day, until the month is closed), who
gets which list (read back from the mails), never an empty mail, exactly once under a rerun and
two concurrent runs, the command and the task, and a constant number of statements."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from projects.models import InvestmentReport, PeriodClose, Project
from reports.models import DeliveryStatus, ReportReminder
from reports.reminders import remind_missing_reports, reminder_step
from reports.tasks import remind_missing_reports as remind_task
from tests import factories
from tests.conftest import require_postgres
from tests.projects.test_reporting_status import NOV, cycle  # noqa: F401 - the hand-computed fixture

D = dt.date


@pytest.fixture
def people(city, commission_user, viewer_user, park_a_admin, park_b_admin):
    sub_admin = factories.UserFactory(username="admin_sub", role="park_admin", park=city.park_a_sub)
    factories.UserFactory(username="admin_b_gone", role="park_admin", park=city.park_b, is_active=False)
    factories.UserFactory(username="admin_b_nomail", role="park_admin", park=city.park_b, email="")
    return {"commission": commission_user, "a": park_a_admin, "sub": sub_admin, "b": park_b_admin}


def run(day: dt.date, capture):
    with capture(execute=True):
        return remind_missing_reports(as_of=day)


def by_recipient():
    return {tuple(m.to): m for m in mail.outbox}


@pytest.mark.parametrize(
    ("day", "step"),
    [
        (D(2026, 12, 1), None),  # −4
        (D(2026, 12, 2), -3),
        (D(2026, 12, 3), None),
        (D(2026, 12, 4), None),
        (D(2026, 12, 5), 0),
        (D(2026, 12, 6), None),
        (D(2026, 12, 8), 3),
        (D(2026, 12, 11), 6),
        (D(2026, 12, 29), 24),
        (D(2026, 12, 30), None),
    ],
)
def test_schedule_days(day, step):
    period, due, got = reminder_step(day)
    assert (period, due, got) == (NOV, D(2026, 12, 5), step)


def test_schedule_follows_report_due_day(settings):
    settings.REPORT_DUE_DAY = 10
    assert reminder_step(D(2026, 12, 7)) == (NOV, D(2026, 12, 10), -3)
    assert reminder_step(D(2026, 12, 2))[2] is None


@pytest.mark.django_db
def test_mails_read_back_recipients_and_listed_projects(cycle, people, django_capture_on_commit_callbacks):  # noqa: F811
    result = run(D(2026, 12, 2), django_capture_on_commit_callbacks)
    assert (result.step, result.created, result.sent) == (-3, 4, 4)
    mails = by_recipient()
    assert set(mails) == {
        ("admin_a@example.gov.cn",),
        ("admin_sub@example.gov.cn",),
        ("admin_b@example.gov.cn",),  # not the inactive nor the address-less admin
        ("commission@example.gov.cn",),
    }  # the viewer gets nothing
    c = cycle
    a = mails[("admin_a@example.gov.cn",)]
    # park A's admin: its park and its sub-park, missing (nothing, a draft) and returned
    assert a.subject == "【催报】2026-11 月度投资 石家庄高新区：未报 3 个（其中退回 1 个）"
    assert "截止日期为 2026-12-05（距截止还有 3 天）" in a.body
    assert f"{c.p2.name}（ID {c.p2.pk}）— 未报送" in a.body
    assert f"{c.p4.name}（ID {c.p4.pk}）— 草稿未报送" in a.body
    assert f"{c.p6.name}（ID {c.p6.pk}）— 已退回，请修改后重新报送" in a.body
    assert "【石家庄高新区】未报 2 个" in a.body and "【国际生物医药园】未报 1 个（其中退回 1 个）" in a.body
    for reported_or_not_expected in (c.p1, c.p3, c.p5, c.p7, c.p8, c.p9, c.p10):
        assert f"（ID {reported_or_not_expected.pk}）" not in a.body
    sub = mails[("admin_sub@example.gov.cn",)]
    assert f"（ID {c.p6.pk}）" in sub.body and f"（ID {c.p2.pk}）" not in sub.body
    b = mails[("admin_b@example.gov.cn",)]
    assert f"{c.p10.name}（ID {c.p10.pk}）— 未报送" in b.body and f"（ID {c.p9.pk}）" not in b.body
    summary = mails[("commission@example.gov.cn",)]
    assert summary.subject == "【催报汇总】2026-11 月度投资：3 个园区未报齐，未报 4 个（其中退回 1 个）"
    assert "石家庄高新区：应报 3 个，已报 1 个，未报 2 个（其中退回 0 个）" in summary.body
    assert "国际生物医药园：应报 2 个，已报 1 个，未报 1 个（其中退回 1 个）" in summary.body
    assert "鹿泉经济开发区：应报 1 个，已报 0 个，未报 1 个（其中退回 0 个）" in summary.body
    assert set(ReportReminder.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


@pytest.mark.django_db
def test_rerun_and_off_days_send_nothing_then_each_step_once_until_closed(
    cycle,  # noqa: F811
    people,
    django_capture_on_commit_callbacks,
):
    run(D(2026, 12, 2), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 4
    again = run(D(2026, 12, 2), django_capture_on_commit_callbacks)
    assert (again.created, again.sent, len(mail.outbox)) == (0, 0, 4)
    for off_day in (D(2026, 12, 3), D(2026, 12, 4)):
        assert run(off_day, django_capture_on_commit_callbacks).step is None
    assert len(mail.outbox) == 4
    on_due = run(D(2026, 12, 5), django_capture_on_commit_callbacks)
    assert (on_due.step, on_due.sent) == (0, 4)
    assert "今天截止" in mail.outbox[-1].body
    after = run(D(2026, 12, 8), django_capture_on_commit_callbacks)
    assert after.sent == 4 and "已逾期 3 天" in mail.outbox[-1].body
    PeriodClose.objects.create(period=NOV, closed=True)
    closed = run(D(2026, 12, 11), django_capture_on_commit_callbacks)
    assert (closed.step, closed.closed, closed.sent) == (6, True, 0)
    assert len(mail.outbox) == 12
    assert sorted(set(ReportReminder.objects.values_list("step", flat=True))) == [-3, 0, 3]


@pytest.mark.django_db
def test_never_an_empty_mail(cycle, people, django_capture_on_commit_callbacks):  # noqa: F811
    InvestmentReport.objects.filter(project=cycle.p10, period=NOV).delete()
    factories.ReportFactory(project=cycle.p10, period=NOV, status="submitted")
    run(D(2026, 12, 2), django_capture_on_commit_callbacks)
    assert ("admin_b@example.gov.cn",) not in by_recipient()  # park B has reported everything
    assert all("（ID " in m.body or m.subject.startswith("【催报汇总】") for m in mail.outbox)
    assert "鹿泉经济开发区" not in by_recipient()[("commission@example.gov.cn",)].body
    # everyone reported: no mail at all, not even the summary
    for p in (cycle.p2, cycle.p4, cycle.p6):
        InvestmentReport.objects.filter(project=p, period=NOV).delete()
        factories.ReportFactory(project=p, period=NOV, status="approved")
    mail.outbox.clear()
    result = run(D(2026, 12, 5), django_capture_on_commit_callbacks)
    assert (result.created, result.sent, mail.outbox) == (0, 0, [])


@pytest.mark.django_db
def test_summary_marks_parks_without_an_admin_and_extra_addresses(
    cycle,  # noqa: F811
    commission_user,
    park_a_admin,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.REPORT_REMINDER_COMMISSION_EMAILS = ["leader@example.gov.cn"]
    run(D(2026, 12, 2), django_capture_on_commit_callbacks)
    summary = by_recipient()[("commission@example.gov.cn", "leader@example.gov.cn")]
    assert (
        "鹿泉经济开发区：应报 1 个，已报 0 个，未报 1 个（其中退回 0 个）；该园区无可接收邮件的管理员，未发送催报"
        in summary.body
    )
    assert "国际生物医药园：应报 2 个，已报 1 个，未报 1 个（其中退回 1 个）\n" in summary.body  # via park A's admin


@pytest.mark.django_db
def test_a_failed_mail_is_retried_next_run_without_resending_the_others(
    cycle,  # noqa: F811
    people,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def flaky(self, *a, **k):
        if self.to == ["admin_b@example.gov.cn"]:
            raise OSError("mail server said no")
        return real_send(self, *a, **k)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    assert run(D(2026, 12, 2), django_capture_on_commit_callbacks).sent == 3
    failed = ReportReminder.objects.get(park=cycle.p10.park)
    assert (failed.status, failed.error) == (DeliveryStatus.PENDING, "mail server said no")
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert run(D(2026, 12, 2), django_capture_on_commit_callbacks).sent == 1
    assert [m.to for m in mail.outbox].count(["admin_b@example.gov.cn"]) == 1
    assert len(mail.outbox) == 4


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_mail_each_list_once(cycle, people):  # noqa: F811
    require_postgres()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def target():
        try:
            barrier.wait()
            results.append(remind_missing_reports(as_of=D(2026, 12, 2)))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(r.created for r in results) == [0, 4]
    assert sum(r.sent for r in results) == 4
    assert sorted(tuple(m.to) for m in mail.outbox) == sorted(
        [
            ("admin_a@example.gov.cn",),
            ("admin_sub@example.gov.cn",),
            ("admin_b@example.gov.cn",),
            ("commission@example.gov.cn",),
        ]
    )
    assert ReportReminder.objects.filter(status=DeliveryStatus.SENT).count() == 4
    remind_missing_reports(as_of=D(2026, 12, 2))  # and a rerun afterwards
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_command_and_task_call_the_same_service(cycle, people, capsys, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_missing_reports", "--as-of", "2026-12-02")
    out = capsys.readouterr().out
    # (the mails leave after the commit: inside the test's transaction, after the command printed)
    assert "2026-11 月报催报（截止日 2026-12-05，节点 -3 天）：新建 4 条" in out
    assert len(mail.outbox) == 4
    with django_capture_on_commit_callbacks(execute=True):
        result = remind_task.apply(kwargs={"as_of": "2026-12-05"}).get()
    assert result | {"sent": None} == {
        "period": "2026-11",
        "due_date": "2026-12-05",
        "step": 0,
        "closed": False,
        "created": 4,
        "sent": None,  # counted after the commit (a real worker: tests/integration)
    }
    assert len(mail.outbox) == 8
    call_command("remind_missing_reports", "--as-of", "2026-12-03")
    assert "今天不是催报节点" in capsys.readouterr().out


@pytest.mark.django_db
def test_command_refuses_a_bad_date(city):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--as-of"):
        call_command("remind_missing_reports", "--as-of", "2026-13-40")
    assert not ReportReminder.objects.exists()


@pytest.mark.django_db
def test_beat_schedule_runs_daily():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="月报催报")
    assert task.task == "reports.tasks.remind_missing_reports" and task.enabled
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("9", "0", "*")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def make_parks(city, n_projects: int):
    """n_projects missing projects in n_projects // 3 parks (3 and 66), each with an admin (67 rows:
    one INSERT even under SQLite's 999-parameter limit)."""
    Project.objects.all().delete()
    parks = []
    for i in range(n_projects // 3):
        park = factories.ParkFactory(code=f"P{n_projects}-{i}", region=city.region)
        factories.UserFactory(username=f"adm{n_projects}-{i}", role="park_admin", park=park)
        parks.append(park)
    for i in range(n_projects):
        factories.ProjectFactory(park=parks[i % len(parks)], industry=city.bio, stage="under_construction")
    return len(parks)


@pytest.mark.django_db
def test_statements_constant_at_10_and_200_projects(city, commission_user, django_capture_on_commit_callbacks):
    counts = []
    for n in (10, 200):
        ReportReminder.objects.all().delete()
        parks = make_parks(city, n)
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            result = run(D(2026, 12, 2), django_capture_on_commit_callbacks)
        assert result.sent == parks + 1 == len(mail.outbox)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
