"""Projects without any milestone are no_schedule (无节点), not green (scheduling.rules); the
daily flag_delays keeps it so from now on, this sets the projects already stored."""

from django.db import migrations


def forwards(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Project.objects.filter(milestones__isnull=True).exclude(status="no_schedule").update(status="no_schedule")


def backwards(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Project.objects.filter(status="no_schedule").update(status="green")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_project_status_no_schedule"),
        ("scheduling", "0004_delay_record_keeps_history"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
