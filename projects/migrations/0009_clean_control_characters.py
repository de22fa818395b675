"""Data migration: existing projects and monthly reports lose the control characters the text rule now refuses
(common.text: removed; in a one-line field tab, LF and CR become a space). Set-based: one UPDATE …
REGEXP_REPLACE per field on PostgreSQL, a loop over the few bad rows on SQLite."""

from django.db import migrations

from common.text import clean_models

FIELDS = {
    "Project": (
        ("name", "owner", "phase", "leader", "contact_person", "contact_phone"),
        ("construction_content",),
    ),
    "InvestmentReport": ((), ("progress", "problems")),
}


def clean_control_characters(apps, schema_editor):
    clean_models(apps, schema_editor, "projects", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_text_rule"),
    ]

    operations = [
        migrations.RunPython(clean_control_characters, migrations.RunPython.noop, elidable=True),
    ]
