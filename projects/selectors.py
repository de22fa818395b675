"""Who may see and change which projects: the one place that decides it.

Every view, API endpoint, export and report starts from `projects_visible_to(user)`; an
object outside it answers 404, exactly like one that does not exist."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet, Sum

from parks.models import Park, Role

from .models import ParkProjectCount, Project


def parks_administered_by(user) -> set[int] | None:
    """Park ids the user may write to; None means every park (the commission)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_commission:
        return None
    if user.role == Role.PARK_ADMIN and user.park_id:
        return Park.objects.descendant_ids([user.park_id])
    return set()


def parks_visible_to(user) -> set[int] | None:
    """Park ids whose projects the user may see; None means every park. Commission and viewers
    see every park; a park admin its park and sub-parks; an anonymous or role-less user none."""
    if getattr(user, "is_authenticated", False) and user.role == Role.VIEWER:
        return None
    return parks_administered_by(user)


def projects_visible_to(user, *, include_archived: bool = False) -> QuerySet[Project]:
    qs = Project.objects.all() if include_archived else Project.objects.active()
    park_ids = parks_visible_to(user)
    if park_ids is None:
        return qs
    return qs.filter(park_id__in=park_ids) if park_ids else qs.none()


def visible_project_count(user) -> int:
    """`projects_visible_to(user).count()`, answered from the rows of per-park changes the
    database keeps (`ParkProjectCount`) on PostgreSQL: a few rows instead of every project."""
    if connection.vendor != "postgresql":
        return projects_visible_to(user).count()
    park_ids = parks_visible_to(user)
    counts = ParkProjectCount.objects.all()
    if park_ids is not None:
        if not park_ids:
            return 0
        counts = counts.filter(park_id__in=park_ids)
    return counts.aggregate(total=Sum("active"))["total"] or 0


def projects_writable_by(user) -> QuerySet[Project]:
    park_ids = parks_administered_by(user)
    if park_ids is None:
        return Project.objects.all()
    return Project.objects.filter(park_id__in=park_ids) if park_ids else Project.objects.none()


def can_write_park(user, park_id: int | None) -> bool:
    park_ids = parks_administered_by(user)
    return park_ids is None or (park_id is not None and park_id in park_ids)
