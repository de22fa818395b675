"""Uncorrelated SQL as an ORM expression, read without per-row converters on PostgreSQL."""

from __future__ import annotations

from django.db.models.expressions import RawSQL


class DriverValues:
    """For an expression whose values are taken as the driver gives them on PostgreSQL
    (numeric → Decimal, integer → int: what the output field's converter would make of them
    anyway), so a column of it costs no converter call on every row; other databases keep the
    field's converters."""

    def get_db_converters(self, connection):
        return [] if connection.vendor == "postgresql" else super().get_db_converters(connection)


class PlainSQL(DriverValues, RawSQL):
    """RawSQL read as the driver gives it on PostgreSQL (DriverValues). Only for SQL that names
    no column of the outer query (an uncorrelated subquery): RawSQL is not relabelled when the
    queryset is nested."""
