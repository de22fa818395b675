"""Celery: the weekly report job, scheduled by django-celery-beat (Monday 08:00 Asia/Shanghai,
the PeriodicTask "每周滞后项目通报", editable in the admin), and the daily reporting reminders
(09:00, "月报催报")."""

import datetime as dt

from celery import shared_task

from .reminders import remind_missing_reports as reminders_run
from .services import weekly_delay_report_run


@shared_task(name="reports.tasks.weekly_delay_report", acks_late=True)
def weekly_delay_report(week: str | None = None, force: bool = False) -> dict:
    """Same as `manage.py weekly_delay_report [--week] [--force]`; safe to run twice."""
    result = weekly_delay_report_run(week=week, force=force)
    return {
        "week": result.report.week,
        "revision": result.report.revision,
        "created": result.created,
        "sent": result.sent,
    }


@shared_task(name="reports.tasks.remind_missing_reports", acks_late=True)
def remind_missing_reports(as_of: str | None = None) -> dict:
    """Same as `manage.py remind_missing_reports [--as-of]`: daily; mails only on the steps of
    the schedule, each park's list once per month and step."""
    return reminders_run(as_of=dt.date.fromisoformat(as_of) if as_of else None).as_dict()
