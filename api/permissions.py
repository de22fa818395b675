"""Role checks for the API, asking `parks.access` (the one place that decides scope). Which rows
a user may see: `projects.selectors.projects_visible_to(user)` scopes every queryset (another
park's object is a 404). These classes only decide which *actions* a role may take:

- anonymous: nothing (401, with `WWW-Authenticate: Token`);
- viewer: read only (403 on every write);
- park_admin: reads; writes where the view allows park admins (projects, milestones, reports of
  its parks; the services re-check the park);
- commission: everything.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from parks.access import can_write_anything, is_commission


class ReadAllWriteCommission(BasePermission):
    """Reference data (parks, industries): everybody signed in reads, the commission writes."""

    message = _("只有发改委可以修改此类数据。")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_commission(request.user)


class ProjectDataPermission(BasePermission):
    """Projects and their milestones and reports: reads for everyone signed in (scoped by the
    selector), writes for the commission and park admins; actions listed in the view's
    `commission_only_actions` (e.g. archiving a project) for the commission only. That last
    check runs on the object, after the scoped lookup, so another park's object stays a 404."""

    message = _("您的角色无权执行此操作。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return can_write_anything(user)

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) in getattr(view, "commission_only_actions", ()):
            return is_commission(request.user)
        return True
