"""Helpers every page shares: today's date, the next open milestone, the park narrowing."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import OuterRef, Subquery
from django.utils import timezone

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


def scoped_by_park(request, qs):
    """A park admin always sees its own parks; the commission and viewers may narrow the city
    to one park (and its sub-parks) with ?park=<id>. Returns (queryset, selected park)."""
    user = request.user
    if access.is_park_admin(user):
        return qs, None
    park = None
    park_id = request.GET.get("park")
    if park_id and park_id.isdigit():
        park = Park.objects.filter(pk=park_id).first()
        if park:
            qs = qs.filter(park_id__in=Park.objects.descendant_ids([park.pk]))
    return qs, park
