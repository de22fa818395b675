"""Operations the project's migrations share (imported by them, like common.beat): keep each
one's behaviour as it is, since applied migrations run it again on every new database."""

from __future__ import annotations


def on_postgresql(sql: str):
    """A RunPython function executing `sql` on PostgreSQL and nothing elsewhere (the triggers
    that keep the stored counts and sums; SQLite computes the same figures when it reads)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run
