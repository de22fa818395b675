"""Data migration: the daily beat entry of the reporting reminders (催报), 09:00 Asia/Shanghai.

The job itself decides whether today is a step of the schedule (three days before the due day,
on it, then every three days until the month is closed), so running it every day is right; the
commission can change the time or disable it in the admin."""

from django.db import migrations

from common.beat import BeatJob, beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_report_reminder"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_jobs(
            BeatJob(
                "月报催报",
                "reports.tasks.remind_missing_reports",
                hour="9",
                minute="0",
                description="每天 09:00（北京时间）检查：截止日前3天、当天及此后每3天（至关账为止）向未报园区发送催报邮件；每园区每月每个节点只发一次。",
            )
        )
    ]
