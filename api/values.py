"""List pages read straight from `.values_list()`, formatted by the serializer's own fields.

DRF's list path builds a model instance per row and then, per field, walks the attribute path
and calls the field's `to_representation`: about 9 ms for a page of 100 projects. For a
serializer made only of plain fields, the same JSON comes from one `.values_list()` query and
a formatter for the few columns that need one, chosen once per serializer class from the
serializer's fields and the model's columns:

- the ORM path is the field's `source` (`park.name` → `park__name`; a slug-related field adds
  its slug, `park` → `park__code`; a primary-key-related field reads the key column), through
  forward foreign keys only, to a concrete column;
- a value the database already returns as its JSON value passes through: a string column
  read by a CharField (whose `to_representation` is `str`), an integer column by an
  IntegerField (`int`), a boolean column by a BooleanField, a choice whose keys are strings,
  a related key;
- decimals, dates and date-times get DRF's format (two decimals, `YYYY-MM-DD`, ISO 8601 in
  the active time zone): printed directly when that is provably what DRF prints (a decimal
  already at the column's scale), otherwise by the field's own `to_representation`;
- `None` stays `None`, as in `Serializer.to_representation`.

A serializer with any other kind of readable field (a method field, a nested serializer, a
custom field, a property) has no plan and the view keeps DRF's path. tests/api/test_values.py
compares both outputs field by field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.fields import PeriodField
from common.pagination import CountedRows, page_window


class Bound:
    """A formatter that needs the request's state (the active time zone): `bind()` once per
    page gives the function applied to each value."""

    def __init__(self, bind: Callable[[], Callable]):
        self.bind = bind


def _decimal(field, column) -> Callable:
    """A value already at the field's scale and within its digits is printed as it is, which is
    what DRF's quantize gives: known from the column's type when it has the field's scale and
    no more digits (PostgreSQL returns a numeric(p, s) at scale s, Django's SQLite converter
    quantizes to it), else checked value by value."""
    exact = field.to_representation
    if (
        field.localize
        or field.normalize_output
        or not getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        or field.decimal_places is None
        or field.max_digits is None
    ):
        return exact
    exponent, max_digits = -field.decimal_places, field.max_digits
    if (
        isinstance(column, models.DecimalField)
        and column.decimal_places == field.decimal_places
        and column.max_digits <= field.max_digits
    ):
        return _plain_decimal

    def fmt(value):
        if type(value) is Decimal:
            parts = value.as_tuple()
            if parts.exponent == exponent and len(parts.digits) <= max_digits:
                return f"{value:f}"
        return exact(value)

    return fmt


def _plain_decimal(value) -> str:
    return f"{value:f}"


def _date(field) -> Callable:
    exact = field.to_representation
    output = getattr(field, "format", api_settings.DATE_FORMAT)
    if output is None or (output.lower() != ISO_8601 and output != "%Y-%m-%d"):
        return exact

    def fmt(value):
        if type(value) is dt.date and value.year >= 1000:
            return value.isoformat()
        return exact(value)

    return fmt


def _datetime(field) -> Callable | Bound:
    exact = field.to_representation
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output is None or output.lower() != ISO_8601 or hasattr(field, "timezone") or not settings.USE_TZ:
        return exact

    def bind():
        zone = timezone.get_current_timezone()

        def fmt(value):
            if type(value) is dt.datetime and value.tzinfo is not None:
                text = value.astimezone(zone).isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text
            return exact(value)

        return fmt

    return Bound(bind)


STRING_COLUMNS = (models.CharField, models.TextField)
INTEGER_COLUMNS = (models.IntegerField, models.AutoField)  # Big/Small/Positive… are subclasses


def _model_column(model, path: str):
    """(model field, nullable join) for `path` through forward foreign keys only (no property,
    no reverse or many-to-many relation, which would change the number of rows), or None."""
    *joins, last = path.split("__")
    nullable = False
    try:
        for part in joins:
            field = model._meta.get_field(part)
            if not (field.concrete and (field.many_to_one or field.one_to_one)):
                return None
            nullable = nullable or field.null
            model = field.related_model
        field = model._meta.get_field(last)
    except Exception:  # FieldDoesNotExist, or a path through a non-relation
        return None
    return (field, nullable) if field.concrete and not field.many_to_many else None


def _column(model, field) -> tuple[str, Callable | Bound | None] | None:
    """(ORM path, formatter or None to pass the value through) for one serializer field."""
    if field.source == "*" or not field.source_attrs:
        return None
    path = "__".join(field.source_attrs)
    if isinstance(field, relations.SlugRelatedField):
        path = f"{path}__{field.slug_field}"
    found = _model_column(model, path)
    if found is None:
        return None
    column, nullable_join = found
    # Through a null foreign key DRF gives the field's default, or None when it allows null, or
    # leaves the key out: only a default of None (or allow_null without default) reads as NULL.
    if nullable_join and not (field.default is None or (field.default is empty and field.allow_null)):
        return None
    if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None and column.is_relation:
        # Select the key column by its attname (`project_id`): a values_list() column named
        # `project` would take over `?ordering=project`, which must follow Project's own order.
        return "__".join([*field.source_attrs[:-1], column.attname]), None
    if isinstance(field, relations.SlugRelatedField):
        return (path, None) if isinstance(column, STRING_COLUMNS) else None
    if column.is_relation or isinstance(field, relations.RelatedField | serializers.ListField | serializers.DictField):
        return None
    if isinstance(field, serializers.MultipleChoiceField | serializers.FilePathField):
        return None
    if isinstance(field, serializers.ChoiceField):
        plain = isinstance(column, STRING_COLUMNS) and all(isinstance(key, str) for key in field.choices)
        return path, None if plain else field.to_representation
    if isinstance(field, serializers.DecimalField):
        return path, _decimal(field, column)
    if isinstance(field, serializers.DateTimeField):
        return path, _datetime(field)
    if isinstance(field, serializers.DateField):
        return path, _date(field)
    if isinstance(field, PeriodField):
        return path, field.to_representation
    if isinstance(field, serializers.BigIntegerField):
        as_string = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        plain = not as_string and isinstance(column, INTEGER_COLUMNS) and not column.is_relation
        return path, None if plain else field.to_representation
    if type(field).to_representation is serializers.BooleanField.to_representation:
        return path, None if isinstance(column, models.BooleanField) else field.to_representation
    if type(field).to_representation is serializers.CharField.to_representation:
        return path, None if isinstance(column, STRING_COLUMNS) else str
    if type(field).to_representation is serializers.IntegerField.to_representation:
        return path, None if isinstance(column, INTEGER_COLUMNS) and not column.is_relation else int
    return None


@dataclass(frozen=True)
class ValuesPlan:
    names: tuple[str, ...]  # output keys, in the serializer's order
    paths: tuple[str, ...]  # the ORM path of each, for values_list()
    formatted: tuple[tuple[str, Callable | Bound], ...]  # the keys whose value needs formatting

    def rows(self, tuples) -> list[dict]:
        """One dict per tuple (its first len(names) values; any further ones are ignored)."""
        formatters = [fmt.bind() if isinstance(fmt, Bound) else fmt for _name, fmt in self.formatted]
        row = _row_builder(self.names, tuple(name for name, _fmt in self.formatted))(*formatters)
        return [row(values) for values in tuples]


@cache
def _row_builder(names: tuple[str, ...], formatted: tuple[str, ...]) -> Callable:
    """`make(*formatters)` → the function of one tuple to its dict, written out as one dict
    display (`{"id": v[0], "total_investment": None if (x := v[10]) is None else f0(x), …}`):
    about half the time of building the dict and formatting its keys in loops, 100 rows a page.
    The code holds nothing but the serializer's field names, each written with repr() as a
    string literal, and indexes."""
    slot = {name: index for index, name in enumerate(formatted)}
    items = ", ".join(
        f"{name!r}: None if (x := v[{i}]) is None else f{slot[name]}(x)" if name in slot else f"{name!r}: v[{i}]"
        for i, name in enumerate(names)
    )
    params = ", ".join(f"f{index}" for index in range(len(formatted)))
    namespace: dict = {}
    exec(f"def make({params}):\n    return lambda v: {{{items}}}\n", namespace)  # noqa: S102 (literals and indexes only)
    return namespace["make"]


@cache
def values_plan(serializer_class) -> ValuesPlan | None:
    """The plan for `serializer_class`, or None when one of its readable fields is not plain."""
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is None:
        return None
    names, paths, formatted = [], [], []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField | serializers.BaseSerializer):
            return None
        column = _column(model, field)
        if column is None:
            return None
        path, fmt = column
        names.append(name)
        paths.append(path)
        if fmt is not None:
            formatted.append((name, fmt))
    if len(set(paths)) != len(paths):
        return None
    return ValuesPlan(names=tuple(names), paths=tuple(paths), formatted=tuple(formatted))


class ValuesListMixin:
    """A list view whose page is read with `.values_list()` when its serializer allows (see
    above); filters, ordering, pagination and the page shape are the view's own. A view can
    give the total faster than COUNT(*) by overriding `list_count(queryset)`, and in the page's
    own statement by `list_count_column(queryset)`."""

    def list_count(self, queryset) -> int:
        return queryset.count()

    def list_count_column(self, queryset):
        """An expression whose value in every row is `list_count(queryset)` (read in the same
        statement as the page: an uncorrelated subquery), or None."""
        return None

    def values_extra(self) -> tuple[tuple[str, ...], Callable | None]:
        """Columns a view adds to each row besides the serializer's: (ORM paths read after the
        plan's, function(item, values) that sets the keys computed from them)."""
        return (), None

    def list(self, request, *args, **kwargs):
        plan = values_plan(self.get_serializer_class())
        if plan is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        extra_paths, add_extra = self.values_extra()
        window = self._page_window(request)
        total = None if window is None else self.list_count_column(queryset)
        if total is None:
            window, rows = None, queryset.values_list(*plan.paths, *extra_paths)
        else:
            rows = queryset.annotate(list_total=total).values_list(*plan.paths, *extra_paths, "list_total")
        page = self.paginate_queryset(CountedRows(lambda: self.list_count(queryset), rows, window))
        data = self._values_rows(plan, rows if page is None else page, add_extra, len(extra_paths))
        return Response(data) if page is None else self.get_paginated_response(data)

    def _page_window(self, request) -> tuple[int, int] | None:
        """The rows [bottom, top) the request's page asks for, when its page number is a plain
        positive integer (else, as for `last`, the paginator needs the count first)."""
        paginator = self.paginator
        if paginator is None or not hasattr(paginator, "page_query_param"):
            return None
        return page_window(request.query_params.get(paginator.page_query_param), paginator.get_page_size(request))

    @staticmethod
    def _values_rows(plan: ValuesPlan, tuples, add_extra: Callable | None, extra: int = 0) -> list[dict]:
        if add_extra is None:
            return plan.rows(tuples)
        tuples, width = list(tuples), len(plan.paths)
        items = plan.rows(tuples)
        for item, values in zip(items, tuples, strict=True):
            add_extra(item, values[width : width + extra])
        return items
