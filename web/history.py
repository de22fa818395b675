"""The change history shown on a project card: each change as old → new, by the person's name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import F, Window
from django.db.models.functions import Lag
from django.utils.translation import gettext as _

from common.money import AmountModelField, format_wan
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
    return user.get_full_name().strip() or user.username


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
    for change in changes:
        if change.field in FK_MODELS:
            wanted.setdefault(change.field, set()).update(v for v in (change.old, change.new) if v is not None)
    names = {}
    for field, ids in wanted.items():
        for pk, name in FK_MODELS[field].objects.filter(pk__in=ids).values_list("pk", "name"):
            names[(field, pk)] = name
    return names


def _project_entries(project) -> list[dict]:
    records = list(
        project.history.select_related("history_user").order_by("-history_date", "-history_id")[: RECORDS_READ + 1]
    )
    diffs = []
    for newer, older in zip(records[:RECORDS_READ], records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            changes = [c for c in newer.diff_against(older).changes if c.field not in HIDDEN_FIELDS]
        diffs.append((newer, changes))
    names = _fk_names([c for _newer, changes in diffs for c in changes])
    entries = []
    for newer, changes in diffs:
        if newer.history_type == "~" and not changes:
            continue  # a save that changed nothing a person edits: no empty row
        shown = []
        for change in changes:
            field = Project._meta.get_field(change.field)
            shown.append(
                {
                    "field": field.verbose_name,
                    "old": show_value(field, change.old, names),
                    "new": show_value(field, change.new, names),
                }
            )
        entries.append(
            {
                "when": newer.history_date,
                "who": person(newer.history_user),
                "type": newer.history_type,
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
    order = [F("history_date").asc(), F("history_id").asc()]

    def before(field):
        return Window(Lag(field), partition_by=[F("id")], order_by=order)

    records = (
        Milestone.history.filter(project_id=project.pk)
        .select_related("history_user")
        .annotate(**{f"old_{f}": before(f) for f in MILESTONE_FIELDS}, old_type=before("history_type"))
        .order_by("-history_date", "-history_id")[:RECORDS_READ]
    )
    entries = []
    for h in records:
        changes = []
        for name in MILESTONE_FIELDS:
            field = Milestone._meta.get_field(name)
            new = getattr(h, name)
            old = getattr(h, f"old_{name}")
            if h.history_type == "+" or h.old_type is None:
                if new is not None:
                    changes.append({"field": field.verbose_name, "old": None, "new": show_value(field, new, {})})
            elif h.history_type == "-":
                changes.append({"field": field.verbose_name, "old": show_value(field, new, {}), "new": EMPTY})
            elif old != new:
                changes.append(
                    {
                        "field": field.verbose_name,
                        "old": show_value(field, old, {}),
                        "new": show_value(field, new, {}),
                    }
                )
        if h.history_type == "~" and h.old_type is not None and not changes:
            continue  # e.g. only the order changed: nothing to say
        entries.append(
            {
                "when": h.history_date,
                "who": person(h.history_user),
                "type": h.history_type,
                "what": _("节点：%(name)s") % {"name": kind_label(h.kind, h.name)},
                "changes": changes,
            }
        )
    return entries


def history_entries(project) -> list[dict]:
    """Field-level changes of the project and its milestones, newest first (a constant number
    of queries: two, plus one per kind of related name changed)."""
    entries = _project_entries(project) + _milestone_entries(project)
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:ENTRIES_SHOWN]
