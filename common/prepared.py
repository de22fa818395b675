"""Reads of a fixed shape whose SQL is compiled once per process and database.

Django builds and compiles a queryset's SQL on every evaluation: for the small reads of a
project's card (its milestones, reports, plans, history and problems) that is 0.2–0.8 ms of
Python each, a fifth of the page's time, for SQL that never changes but for its parameters.
`Prepared(build)` calls `build(*stand_ins)` once, keeps the compiled SQL and where the
stand-ins sit in its parameters, and each call runs that SQL with the real arguments; the rows
go through the same converters, model construction and related-object population as Django's
own iterables (the compiler of the first build supplies them). The queryset is still written
with the ORM, so the SQL follows the models; the database alias is routed on every call.

Only for querysets whose shape does not depend on the arguments: each argument must reach
the SQL as exactly one parameter (a filter value), never change which clauses exist (an
`__in` list, an optional filter) or sit in LIMIT (Django inlines it). `Prepared` checks the
first of these at compile time (a stand-in seen zero or several times is an error)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections, router
from django.db.models.query import ModelIterable, QuerySet, ValuesIterable, get_related_populators

# Stand-ins far outside any key or count a project stores (PostgreSQL bigint, SQLite int64);
# for a text argument, a string no user or program types (private-use characters).
_STAND_IN = -7_301_000_000_000_000_000
_TEXT_STAND_IN = "\ue000prepared-{}\ue000"


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], *, text: tuple[int, ...] = ()) -> None:
        """`text`: the positions of the arguments that are strings (a token's key); the others
        are integers."""
        self._build = build
        self._text = frozenset(text)
        self._compiled: dict[str, tuple] = {}
        self._model = None
        self._lock = threading.Lock()

    def _compile(self, nargs: int, alias: str | None) -> tuple[str, tuple]:
        """(alias, entry): the SQL of `build(*stand_ins)` on `alias` (routed by the build's
        queryset the first time), where each argument goes, and how rows become results."""
        stand_ins = tuple(_TEXT_STAND_IN.format(i) if i in self._text else _STAND_IN - i for i in range(nargs))
        queryset = self._build(*stand_ins)
        alias = alias or queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for i, stand_in in enumerate(stand_ins):
            # An int, or the driver's typed int (Django wraps bigint values for psycopg: Int8);
            # a text argument's str.
            kind = str if isinstance(stand_in, str) else int
            where = [pos for pos, value in enumerate(params) if isinstance(value, kind) and value == stand_in]
            if len(where) != 1:
                raise ValueError(f"Prepared: argument {i} is {len(where)} parameters of the SQL, not one")
            slots.append((where[0], i))
        if queryset._iterable_class is ModelIterable:
            shape = _InstanceShape(compiler, alias)
        elif queryset._iterable_class is ValuesIterable:
            query = queryset.query
            shape = list(query.selected or [*query.extra_select, *query.values_select, *query.annotation_select])
        else:
            raise ValueError("Prepared: only model instances or .values() rows")
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        entry = (sql, tuple(params), slots, compiler, compiler.get_converters(fields), shape)
        with self._lock:
            self._model = queryset.model
            self._compiled[alias] = entry
        return alias, entry

    def __call__(self, *args) -> list:
        """The rows, as the queryset `build(*args)` would give them (a list)."""
        alias = router.db_for_read(self._model) if self._model is not None else None
        entry = self._compiled.get(alias) if alias is not None else None
        if entry is None:
            alias, entry = self._compile(len(args), alias)
        sql, template, slots, compiler, converters, shape = entry
        params = list(template)
        for pos, i in slots:
            params[pos] = type(template[pos])(args[i])
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        if isinstance(shape, list):
            return [dict(zip(shape, row, strict=True)) for row in rows]
        return shape.instances(rows, alias)


class _InstanceShape:
    """ModelIterable's construction of model instances from converted rows, its column
    positions and related-object populators worked out once from the compiler."""

    def __init__(self, compiler, alias: str) -> None:
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        select_fields = klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, alias)
        self.annotations = compiler.annotation_col_map

    def instances(self, rows, alias: str) -> list:
        out = []
        for row in rows:
            obj = self.model.from_db(alias, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for attr_name, col_pos in (self.annotations or {}).items():
                setattr(obj, attr_name, row[col_pos])
            out.append(obj)
        return out


def related_to(instance, field_name: str, objs: list) -> list:
    """Each of `objs` with its `field_name` relation set to `instance` (what reading them through
    the instance's related manager does), so no statement reads it back."""
    for obj in objs:
        obj._meta.get_field(field_name).set_cached_value(obj, instance)
    return objs
