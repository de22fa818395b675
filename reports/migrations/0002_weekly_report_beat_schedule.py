"""Data migration: the beat schedule of the weekly report, Monday 08:00 Asia/Shanghai.

It is a django-celery-beat PeriodicTask, so the commission can change the time or disable it
in the admin; re-running the migration never overwrites an edited schedule."""

from django.db import migrations

from common.beat import BeatJob, beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_weekly_report"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_jobs(
            BeatJob(
                "每周滞后项目通报",
                "reports.tasks.weekly_delay_report",
                hour="8",
                minute="0",
                day_of_week="1",
                description="每周一 08:00（北京时间）生成并发送每周滞后项目通报；同一周只发送一次。",
            )
        )
    ]
