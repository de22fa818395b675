"""Data migration: existing region, park and industry names lose the control characters the text rule now refuses
(common.text: removed; in a one-line field tab, LF and CR become a space). Set-based: one UPDATE …
REGEXP_REPLACE per field on PostgreSQL, a loop over the few bad rows on SQLite."""

from django.db import migrations

from common.text import clean_stored_text

FIELDS = {
    "Region": (("name",), ()),
    "Park": (("name",), ()),
    "Industry": (("name",), ()),
}


def clean_control_characters(apps, schema_editor):
    for model_name, (single_line, multi_line) in FIELDS.items():
        model = apps.get_model("parks", model_name)
        clean_stored_text(model, single_line=single_line, multi_line=multi_line, connection=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("parks", "0004_text_rule"),
    ]

    operations = [
        migrations.RunPython(clean_control_characters, migrations.RunPython.noop, elidable=True),
    ]
