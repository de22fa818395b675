"""Writes to milestones (and, later in this module, the scheduling jobs)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from projects.selectors import can_write_park

from .models import Milestone

MILESTONE_EDITABLE_FIELDS = ["kind", "name", "planned_date", "actual_date", "sequence"]


def _check(user, project) -> None:
    if not can_write_park(user, project.park_id):
        raise PermissionDenied(_("您无权修改该项目的节点。"))


@transaction.atomic
def milestone_create(*, user, project, data: dict[str, Any]) -> Milestone:
    _check(user, project)
    milestone = Milestone(project=project, **{k: v for k, v in data.items() if k in MILESTONE_EDITABLE_FIELDS})
    milestone.baseline_date = milestone.planned_date
    milestone.full_clean()
    milestone._history_user = user
    milestone.save()
    return milestone


@transaction.atomic
def milestone_update(*, user, milestone: Milestone, data: dict[str, Any]) -> Milestone:
    """Moving the planned date keeps the baseline (the first planned date)."""
    _check(user, milestone.project)
    for key, value in data.items():
        if key in MILESTONE_EDITABLE_FIELDS:
            setattr(milestone, key, value)
    milestone.full_clean()
    milestone._history_user = user
    milestone.save()
    return milestone


@transaction.atomic
def milestone_delete(*, user, milestone: Milestone) -> None:
    _check(user, milestone.project)
    milestone._history_user = user
    milestone.delete()
