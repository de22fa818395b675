"""Data migration: existing region, park and industry names lose the control characters the text rule now refuses
(common.text: removed; in a one-line field tab, LF and CR become a space). Set-based: one UPDATE …
REGEXP_REPLACE per field on PostgreSQL, a loop over the few bad rows on SQLite."""

from django.db import migrations

from common.text import clean_models

FIELDS = {
    "Region": (("name",), ()),
    "Park": (("name",), ()),
    "Industry": (("name",), ()),
}


def clean_control_characters(apps, schema_editor):
    clean_models(apps, schema_editor, "parks", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("parks", "0004_text_rule"),
    ]

    operations = [
        migrations.RunPython(clean_control_characters, migrations.RunPython.noop, elidable=True),
    ]
