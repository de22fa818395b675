"""The change history shown on a project card."""

from __future__ import annotations

from django.utils.translation import gettext as _

from projects.models import Project
from scheduling.models import Milestone
from web.templatetags.board import kind_label


def history_entries(project) -> list[dict]:
    """Field-level changes of the project and its milestones, newest first (two queries)."""
    entries = []
    records = list(project.history.select_related("history_user").order_by("-history_date", "-history_id")[:40])
    for newer, older in zip(records, records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                field = Project._meta.get_field(change.field)
                changes.append({"field": field.verbose_name, "old": change.old, "new": change.new})
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "type": newer.history_type,
                "what": _("项目"),
                "changes": changes,
            }
        )
    ms = list(
        Milestone.history.filter(project_id=project.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:40]
    )
    for h in ms:
        entries.append(
            {
                "when": h.history_date,
                "who": h.history_user,
                "type": h.history_type,
                "what": _("节点：%(name)s") % {"name": kind_label(h.kind, h.name)},
                "changes": [
                    {"field": _("计划日期"), "old": None, "new": h.planned_date},
                    {"field": _("实际完成日期"), "old": None, "new": h.actual_date or "—"},
                ],
            }
        )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:60]
