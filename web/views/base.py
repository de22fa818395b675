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
from scheduling.models import Milestone
from scheduling.rules import open_on

XLSX = XLSX_CONTENT_TYPE


STATUS_ORDER = ["red", "yellow", "due_soon", "green", "no_schedule"]


logger = logging.getLogger(__name__)


def today() -> dt.date:
    return timezone.localdate()


def with_next_milestone(qs, *, as_of: dt.date):
    """Annotate the earliest milestone still open on `as_of` (overdue ones included)."""
    nxt = (
        Milestone.objects.filter(project=OuterRef("pk"))
        .filter(open_on(as_of))
        .order_by("planned_date", "sequence", "id")
    )
    return qs.annotate(
        next_date=Subquery(nxt.values("planned_date")[:1]),
        next_kind=Subquery(nxt.values("kind")[:1]),
        next_name=Subquery(nxt.values("name")[:1]),
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
