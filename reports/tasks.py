"""Celery: the weekly report job, scheduled by django-celery-beat (Monday 08:00 Asia/Shanghai,
the PeriodicTask "每周滞后项目通报", editable in the admin)."""

from celery import shared_task

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
