"""Data migration: the default beat schedule, in the database (django-celery-beat) so the
commission can change the times in the admin. Existing rows are left as they are (a changed
time survives a re-run of migrate); reversing removes only the rows this migration named."""

from django.db import migrations

TIMEZONE = "Asia/Shanghai"
JOBS = [
    # (PeriodicTask name, task, hour, minute, description)
    ("flag_delays · 每日滞后检查", "scheduling.flag_delays", "1", "0", "每天 01:00（北京时间）查找逾期和临期节点"),
    (
        "compute_industry_growth · 每日投资增速快照",
        "scheduling.compute_industry_growth",
        "1",
        "30",
        "每天 01:30（北京时间）计算上一个完整月份的分产业投资增速",
    ),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, hour, minute, description in JOBS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=TIMEZONE,
        )
        PeriodicTask.objects.create(
            name=name, task=task, crontab=crontab, enabled=True, description=description, args="[]", kwargs="{}"
        )
    # Tell a running beat that the schedule changed (what PeriodicTasks.changed() does).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[job[0] for job in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_delay_lifecycle_and_growth_totals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
