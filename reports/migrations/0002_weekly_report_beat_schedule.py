"""Data migration: the beat schedule of the weekly report, Monday 08:00 Asia/Shanghai.

It is a django-celery-beat PeriodicTask, so the commission can change the time or disable it
in the admin; re-running the migration never overwrites an edited schedule."""

from django.db import migrations

TASK_NAME = "每周滞后项目通报"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=TASK_NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_week="1",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.create(
        name=TASK_NAME,
        task="reports.tasks.weekly_delay_report",
        crontab=crontab,
        kwargs="{}",
        enabled=True,
        description="每周一 08:00（北京时间）生成并发送每周滞后项目通报；同一周只发送一次。",
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_weekly_report"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
