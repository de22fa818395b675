"""Which projects a user may see and change. Which *parks* is decided once, in `parks.access`;
these turn that decision into project querysets.

Every view, API endpoint, export and report starts from `projects_visible_to(user)`; an
object outside it answers 404, exactly like one that does not exist."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet, Sum

from parks import access

from .models import ParkProjectCount, Project

# Re-exported for callers that import them from here (parks_administered_by: the older name).
parks_visible_to = access.parks_visible_to
parks_administered_by = access.parks_writable_by

__all__ = [
    "can_write_park",
    "parks_administered_by",
    "parks_visible_to",
    "projects_visible_to",
    "projects_writable_by",
    "visible_project_count",
]


def projects_visible_to(user, *, include_archived: bool = False) -> QuerySet[Project]:
    qs = Project.objects.all() if include_archived else Project.objects.active()
    park_ids = access.parks_visible_to(user)
    if park_ids is None:
        return qs
    return qs.filter(park_id__in=park_ids) if park_ids else qs.none()


def visible_project_count(user) -> int:
    """`projects_visible_to(user).count()`, answered from the rows of per-park changes the
    database keeps (`ParkProjectCount`) on PostgreSQL: a few rows instead of every project."""
    if connection.vendor != "postgresql":
        return projects_visible_to(user).count()
    park_ids = access.parks_visible_to(user)
    counts = ParkProjectCount.objects.all()
    if park_ids is not None:
        if not park_ids:
            return 0
        counts = counts.filter(park_id__in=park_ids)
    return counts.aggregate(total=Sum("active"))["total"] or 0


def projects_writable_by(user) -> QuerySet[Project]:
    park_ids = access.parks_writable_by(user)
    if park_ids is None:
        return Project.objects.all()
    return Project.objects.filter(park_id__in=park_ids) if park_ids else Project.objects.none()


def can_write_park(user, park_id: int | None) -> bool:
    return access.can_write_park(user, park_id)
