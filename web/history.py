"""The change history shown on a project card: each change as old → new, by the person's name."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from django.db import models
from django.db.models import F, Window
from django.db.models.functions import Lag
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from common.money import AmountModelField, format_wan
from common.prepared import Prepared
from parks.models import Industry, Park
from projects.models import Project
from scheduling.models import Milestone
from web.templatetags.board import kind_label

ENTRIES_SHOWN = 60
RECORDS_READ = 40
# Bookkeeping the system changes by itself, not something a person edited.
HIDDEN_FIELDS = {"version", "created_at"}
FK_MODELS = {"park": Park, "industry": Industry}
EMPTY = "—"


def person(user) -> str:
    """A user as people know them: the full name, else the username ('—' for the system)."""
    if user is None:
        return EMPTY
    return person_named(user.first_name, user.last_name, user.username)


def person_named(first_name, last_name, username) -> str:
    """`person` from a row's columns (AbstractUser.get_full_name: first and last name joined by
    a space, stripped), username None for the system."""
    if username is None:
        return EMPTY
    return f"{first_name} {last_name}".strip() or username


# The user's columns read with each history record (LEFT JOIN through history_user).
WHO = ("history_user__first_name", "history_user__last_name", "history_user__username")


def _who(row: dict) -> str:
    return person_named(*(row[c] for c in WHO))


def show_value(field: models.Field, value, names: dict) -> str:
    """One stored value as the pages show it: choice labels, names for parks and industries,
    ISO dates, amounts in 万元, 是/否."""
    if value is None or value == "":
        return EMPTY
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.name in FK_MODELS:
        return names.get((field.name, value), str(value))
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(field, AmountModelField):
        return format_wan(Decimal(value))
    return str(value)


def _fk_names(changes: list) -> dict:
    """(field, id) → name for the parks and industries the changes mention: one query per model
    that appears, so a constant number whatever the history's length."""
    wanted: dict[str, set] = {}
    for name, old, new in changes:
        if name in FK_MODELS:
            wanted.setdefault(name, set()).update(v for v in (old, new) if v is not None)
    names = {}
    for field, ids in wanted.items():
        for pk, name in FK_MODELS[field].objects.filter(pk__in=ids).values_list("pk", "name"):
            names[(field, pk)] = name
    return names


@functools.cache
def _diffed_fields() -> tuple:
    """(name, column, field) of what a project record's diff compares, in the order the diff
    lists them: simple_history's diff_against (every tracked editable field, by name; a foreign
    key by its id) less the bookkeeping."""
    tracked = Project.history.model.tracked_fields
    return tuple(
        (f.name, f.attname, Project._meta.get_field(f.name))
        for f in sorted(tracked, key=lambda f: f.name)
        if f.editable and f.name not in HIDDEN_FIELDS
    )


def _project_entries(project) -> list[dict]:
    """One query: the newest records as plain rows (only the compared columns and the person's
    names), each compared with the record before it."""
    fields = _diffed_fields()
    records = _PROJECT_RECORDS(project.pk)
    diffs = []
    for newer, older in zip(records[:RECORDS_READ], records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            changes = [(n, older[c], newer[c]) for n, c, _f in fields if older[c] != newer[c]]
        diffs.append((newer, changes))
    names = _fk_names([c for _newer, changes in diffs for c in changes])
    meta = {n: f for n, _c, f in fields}
    entries = []
    for newer, changes in diffs:
        if newer["history_type"] == "~" and not changes:
            continue  # a save that changed nothing a person edits: no empty row
        shown = []
        for name, old, new in changes:
            field = meta[name]
            shown.append(
                {
                    "field": field.verbose_name,
                    "old": show_value(field, old, names),
                    "new": show_value(field, new, names),
                }
            )
        entries.append(
            {
                "when": newer["history_date"],
                "who": _who(newer),
                "type": newer["history_type"],
                "what": _("项目"),
                "changes": shown,
            }
        )
    return entries


MILESTONE_FIELDS = ("planned_date", "actual_date")


def _milestone_entries(project) -> list[dict]:
    """One query: each record with its milestone's previous record's values (LAG over the
    milestone's own history), so a change shows old → new even when the previous record is
    older than the ones read."""
    records = _MILESTONE_RECORDS(project.pk)
    meta = [(name, Milestone._meta.get_field(name)) for name in MILESTONE_FIELDS]
    entries = []
    for h in records:
        changes = []
        kind = h["history_type"]
        for name, field in meta:
            new = h[name]
            old = h[f"old_{name}"]
            if kind == "+" or h["old_type"] is None:
                if new is not None:
                    changes.append({"field": field.verbose_name, "old": None, "new": show_value(field, new, {})})
            elif kind == "-":
                changes.append({"field": field.verbose_name, "old": show_value(field, new, {}), "new": EMPTY})
            elif old != new:
                changes.append(
                    {
                        "field": field.verbose_name,
                        "old": show_value(field, old, {}),
                        "new": show_value(field, new, {}),
                    }
                )
        if kind == "~" and h["old_type"] is not None and not changes:
            continue  # e.g. only the order changed: nothing to say
        entries.append(
            {
                "when": h["history_date"],
                "who": _who(h),
                "type": kind,
                "what": _("节点：%(name)s") % {"name": kind_label(h["kind"], h["name"])},
                "changes": changes,
            }
        )
    return entries


def _project_records(pk):
    """The newest records of project `pk` as plain rows: the compared columns and the person's names."""
    columns = (column for _n, column, _f in _diffed_fields())
    return (
        Project.history.filter(id=pk)
        .order_by("-history_date", "-history_id")
        .values("history_date", "history_type", *WHO, *columns)[: RECORDS_READ + 1]
    )


def _milestone_records(pk):
    """The newest records of the milestones of project `pk`, each with its milestone's previous
    record's values (LAG over the milestone's own history)."""
    order = [F("history_date").asc(), F("history_id").asc()]

    def before(field):
        return Window(Lag(field), partition_by=[F("id")], order_by=order)

    olds = {f"old_{f}": before(f) for f in MILESTONE_FIELDS}
    return (
        Milestone.history.filter(project_id=pk)
        .annotate(**olds, old_type=before("history_type"))
        .order_by("-history_date", "-history_id")
        .values("history_date", "history_type", "kind", "name", *MILESTONE_FIELDS, *olds, "old_type", *WHO)[
            :RECORDS_READ
        ]
    )


# Compiled once (common.prepared): the card shows them on every view.
_PROJECT_RECORDS = Prepared(_project_records)
_MILESTONE_RECORDS = Prepared(_milestone_records)


def history_entries(project) -> list[dict]:
    """Field-level changes of the project and its milestones, newest first (a constant number
    of queries: two, plus one per kind of related name changed)."""
    entries = _project_entries(project) + _milestone_entries(project)
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:ENTRIES_SHOWN]


def history_rows_html(entries) -> SafeString:
    """The card's 修改记录 rows (the <tbody> loop), built in Python: exactly the HTML of the
    template loop they replaced (tests/web/test_card_rows.py compares them), every value escaped."""
    esc = conditional_escape
    created, deleted = f"（{esc(_('新建'))}）", f"（{esc(_('删除'))}）"
    out = []
    for e in entries:
        t = template_localtime(e["when"])  # the |date filter's conversion to the current time zone
        kind = {"+": created, "-": deleted}.get(e["type"], "")
        changes = "".join(
            f'<div class="change">{esc(c["field"])}：'
            + (f'<del class="old">{esc(c["old"])}</del> → ' if c["old"] is not None else "")
            + f'<ins class="new">{esc(c["new"])}</ins></div>'
            for c in e["changes"]
        )
        out.append(
            f"\n      <tr><td>{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}</td>"
            f"<td>{esc(e['who'] or EMPTY)}</td><td>{esc(e['what'])}{kind}</td>\n"
            f'      <td class="changes">{changes or EMPTY}</td></tr>\n    '
        )
    if not out:
        out.append(f'<tr><td colspan="4" class="muted">{EMPTY}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped
