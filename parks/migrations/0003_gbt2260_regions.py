"""Data migration: the full GB/T 2260 table (parks/data/gbt2260.json) on every install, so that a
fresh installation accepts every real division code. Idempotent with rows already there (the demo's,
the admin's): they are corrected by code, never deleted; rows the file does not list are left as
they are (a later refresh, `manage.py sync_regions`, marks those abolished)."""

from django.db import migrations


def load_regions(apps, schema_editor):
    from parks.regions import sync_regions

    sync_regions(apps.get_model("parks", "Region"), abolish_missing=False)


class Migration(migrations.Migration):
    dependencies = [
        ("parks", "0002_region_abolished"),
    ]

    operations = [
        migrations.RunPython(load_regions, migrations.RunPython.noop, elidable=False),
    ]
