"""Fill the projects' stored next node (projects 0017) once, by the next-node rule the
milestone edits and flag_delays run (scheduling.rules.sql_next_milestones). The statement is
written out here with the columns of this point in the history (later columns, such as
projects 0020's `finished`, are filled by their own migration)."""

from django.db import migrations


def fill(apps, schema_editor):
    from django.utils import timezone

    from scheduling import rules

    sql = (
        "UPDATE projects_project AS p SET next_date = c.planned_date, next_kind = c.kind, next_name = c.name "
        "FROM (SELECT p2.id, n.planned_date, COALESCE(n.kind, '') AS kind, COALESCE(n.name, '') AS name "
        f"FROM projects_project p2 LEFT JOIN ({rules.sql_next_milestones('scheduling_milestone')}) n "
        "ON n.project_id = p2.id) c WHERE c.id = p.id"
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, {"d": timezone.localdate()})


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0011_schedulingsettings_problem_red_after_days"),
        ("projects", "0017_project_summary_next_node"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
