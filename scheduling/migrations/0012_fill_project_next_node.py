"""Fill the projects' stored next node (projects 0014) once, by the same statement the
milestone edits and flag_delays run (scheduling.services.refresh_next_milestones)."""

from django.db import migrations


def fill(apps, schema_editor):
    from scheduling.services import refresh_next_milestones

    refresh_next_milestones()


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0011_schedulingsettings_problem_red_after_days"),
        ("projects", "0017_project_summary_next_node"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
