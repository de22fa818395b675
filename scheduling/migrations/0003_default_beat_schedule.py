"""Data migration: the default beat schedule, in the database (django-celery-beat) so the
commission can change the times in the admin. Existing rows are left as they are (a changed
time survives a re-run of migrate); reversing removes only the rows this migration named."""

from django.db import migrations

from common.beat import BeatJob, beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_delay_lifecycle_and_growth_totals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_jobs(
            BeatJob(
                "flag_delays · 每日滞后检查",
                "scheduling.flag_delays",
                hour="1",
                minute="0",
                description="每天 01:00（北京时间）查找逾期和临期节点",
            ),
            BeatJob(
                "compute_industry_growth · 每日投资增速快照",
                "scheduling.compute_industry_growth",
                hour="1",
                minute="30",
                description="每天 01:30（北京时间）计算上一个完整月份的分产业投资增速",
            ),
        )
    ]
