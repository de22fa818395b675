"""Helpers every page shares: today's date, the next open milestone, the park narrowing."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.spreadsheets import XLSX_CONTENT_TYPE
from parks import access
from parks.models import Park
from projects.models import STATUS_ORDER
from scheduling.rules import next_milestones

XLSX = XLSX_CONTENT_TYPE

__all__ = ["STATUS_ORDER", "XLSX", "scoped_by_park", "today", "with_next_milestone"]


logger = logging.getLogger(__name__)


def today() -> dt.date:
    return timezone.localdate()


def with_next_milestone(qs, *, as_of: dt.date):
    """Annotate the next node on `as_of` (scheduling.rules.next_milestones) computed live, as
    next_date_live / next_kind_live / next_name_live: the projects' stored next_* columns hold
    today's (scheduling.services.refresh_next_milestones); this is for other days and checks."""
    nxt = next_milestones(as_of, OuterRef("pk"))
    return qs.annotate(
        next_date_live=Subquery(nxt.values("planned_date")[:1]),
        next_kind_live=Subquery(nxt.values("kind")[:1]),
        next_name_live=Subquery(nxt.values("name")[:1]),
    )


PARK_REFUSED = _("您无权查看所选园区，页面显示的是您可见的全部项目。")
PARK_UNKNOWN = _("所选园区不存在，页面显示的是您可见的全部项目。")


def refuse_park_filter(request, message) -> None:
    """Say out loud that a ?park= filter was not applied (shown at the top of the page)."""
    messages.warning(request, message)


def scoped_by_park(request, qs):
    """Narrow to one park (and its sub-parks) with ?park=<id>: the commission and viewers any
    park, a park admin one of its own parks. A park the user may not see, or one that does not
    exist, is not applied and the page says so (never silently ignored). Returns (queryset,
    selected park)."""
    park_id = request.GET.get("park")
    if not park_id:
        return qs, None
    park = Park.objects.filter(pk=park_id).first() if park_id.isdigit() else None
    if park is None:
        refuse_park_filter(request, PARK_UNKNOWN)
        return qs, None
    if access.is_park_admin(request.user) and not access.visible_parks(request.user).filter(pk=park.pk).exists():
        refuse_park_filter(request, PARK_REFUSED)
        return qs, None
    return qs.filter(park_id__in=Park.objects.descendant_ids([park.pk])), park
