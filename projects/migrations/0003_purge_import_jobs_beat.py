"""Data migration: purge finished Excel import jobs (uploaded files and their state) daily at
03:00 Asia/Shanghai, editable in the admin like the other beat entries."""

from django.db import migrations

NAME = "purge_import_jobs · 清理过期导入文件"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.create(
        name=NAME,
        task="projects.purge_import_jobs",
        crontab=crontab,
        enabled=True,
        description="每天 03:00（北京时间）删除 7 天前的 Excel 导入文件",
        args="[]",
        kwargs="{}",
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_project_list_order_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
