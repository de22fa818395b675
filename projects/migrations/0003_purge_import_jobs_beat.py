"""Data migration: purge finished Excel import jobs (uploaded files and their state) daily at
03:00 Asia/Shanghai, editable in the admin like the other beat entries."""

from django.db import migrations

from common.beat import BeatJob, beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_project_list_order_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_jobs(
            BeatJob(
                "purge_import_jobs · 清理过期导入文件",
                "projects.purge_import_jobs",
                hour="3",
                minute="0",
                description="每天 03:00（北京时间）删除 7 天前的 Excel 导入文件",
            )
        )
    ]
