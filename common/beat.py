"""Beat schedule entries (django-celery-beat) created by data migrations.

Each entry is a PeriodicTask in the database, so the commission can change its time or disable
it in the admin: creating leaves an existing entry of the same name as it is (an edited time
survives a re-run of migrate), and reversing removes only the entries the migration named."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import migrations

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class BeatJob:
    name: str
    task: str
    hour: str
    minute: str
    description: str
    day_of_week: str = "*"


def create_jobs(apps, jobs) -> None:
    from django.utils import timezone

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for job in jobs:
        if PeriodicTask.objects.filter(name=job.name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=job.minute,
            hour=job.hour,
            day_of_week=job.day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=TIMEZONE,
        )
        PeriodicTask.objects.create(
            name=job.name,
            task=job.task,
            crontab=crontab,
            enabled=True,
            description=job.description,
            args="[]",
            kwargs="{}",
        )
    # Tell a running beat that the schedule changed (what PeriodicTasks.changed() does).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_jobs(apps, jobs) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[job.name for job in jobs]).delete()


def beat_jobs(*jobs: BeatJob) -> migrations.RunPython:
    """The migration operation that creates `jobs` (and removes them when reversed)."""
    return migrations.RunPython(
        lambda apps, schema_editor: create_jobs(apps, jobs),
        lambda apps, schema_editor: remove_jobs(apps, jobs),
    )
