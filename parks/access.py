"""Who may see and write what: the one place that decides it.

Every page, API endpoint, export, import, form choice list and weekly-report mail asks here;
no other module compares a user's role. The rules (the contract's three roles):

- the commission (发改委), and every superuser whatever its role: sees and writes every park;
- a viewer (只读用户, e.g. the city's leaders): sees every park, writes nothing;
- a park admin (园区管理员): sees and writes its park and that park's sub-parks;
- anyone else (anonymous, inactive, a role-less user, a park admin without a park): nothing.

"Every park" is answered as None (no filter at all), a park set as the ids of the parks
themselves with all their sub-parks. The weekly delay report follows the same scope: who sees
every park gets the whole report, a park admin its park's section.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Park, Role, User, descendants

# --- who the user is ------------------------------------------------------------------------


def is_signed_in(user) -> bool:
    """Authenticated and not deactivated (login and token authentication refuse an inactive
    user anyway; an inactive user object handed to a service gets no rights either)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_commission(user) -> bool:
    """The commission: role commission, or any superuser (whatever role it carries)."""
    return is_signed_in(user) and (user.is_superuser or user.role == Role.COMMISSION)


def is_park_admin(user) -> bool:
    """A park admin who is not a superuser (a superuser is the commission)."""
    return is_signed_in(user) and not user.is_superuser and user.role == Role.PARK_ADMIN


def is_viewer(user) -> bool:
    return is_signed_in(user) and not user.is_superuser and user.role == Role.VIEWER


# --- which parks ----------------------------------------------------------------------------


def administered_park_ids(user) -> set[int]:
    """A park admin's park and all its sub-parks; empty for everybody else. Read once per user
    object that `remember_parks` marked (one made for a single request)."""
    if not is_park_admin(user) or user.park_id is None:
        return set()
    memo = getattr(user, "_administered_parks", None)
    if memo is None:
        return Park.objects.descendant_ids([user.park_id])
    if user.park_id not in memo:
        memo[user.park_id] = frozenset(Park.objects.descendant_ids([user.park_id]))
    return set(memo[user.park_id])


def remember_parks(user) -> None:
    """Let `administered_park_ids` read the park tree once for this user object: for an object
    that lives for one request (the API's token authentication loads a fresh one every time),
    whose scope checks (the scoped queryset, the service's park check, the list's total) would
    each read the same tree."""
    user._administered_parks = {}


def remember_park_tree(user, parks) -> None:
    """Fill `remember_parks`' memo from `parks` (every park, read already: the pages cache's
    copy, parks.selectors), so `administered_park_ids` reads no tree of its own."""
    memo = getattr(user, "_administered_parks", None)
    if memo is None or not is_park_admin(user) or user.park_id is None or user.park_id in memo:
        return
    memo[user.park_id] = frozenset(descendants(((park.pk, park.parent_id) for park in parks), [user.park_id]))


def parks_writable_by(user) -> set[int] | None:
    """Park ids whose projects (and their milestones and reports) the user may write; None means
    every park (the commission)."""
    if is_commission(user):
        return None
    return administered_park_ids(user)


def parks_visible_to(user) -> set[int] | None:
    """Park ids whose projects the user may see; None means every park."""
    if is_viewer(user):
        return None
    return parks_writable_by(user)


def can_write_park(user, park_id: int | None) -> bool:
    park_ids = parks_writable_by(user)
    return park_ids is None or (park_id is not None and park_id in park_ids)


def can_write_anything(user) -> bool:
    """May write to at least one park (shows the create and import buttons, admits the import)."""
    return is_commission(user) or (is_park_admin(user) and user.park_id is not None)


def _parks(park_ids: set[int] | None) -> QuerySet[Park]:
    return Park.objects.all() if park_ids is None else Park.objects.filter(pk__in=park_ids)


def visible_parks(user) -> QuerySet[Park]:
    """The parks a user may pick to look at (list filters)."""
    return _parks(parks_visible_to(user))


def visible_parks_among(user, parks) -> list[Park]:
    """`visible_parks(user)` out of `parks`, every park as read already (in its order)."""
    park_ids = parks_visible_to(user)
    return list(parks) if park_ids is None else [park for park in parks if park.pk in park_ids]


def writable_parks(user) -> QuerySet[Park]:
    """The parks a user may pick to write to (the project form's park, the reporting grid)."""
    return _parks(parks_writable_by(user))


# --- the weekly delay report ------------------------------------------------------------------


def sees_whole_report(user) -> bool:
    """The whole city's report: the commission (superusers included) and viewers."""
    return is_commission(user) or is_viewer(user)


def reads_report_section(user) -> bool:
    """A park admin with a park reads its park's section (and its sub-parks' sections)."""
    return is_park_admin(user) and user.park_id is not None


def _section_readers() -> Q:
    return Q(is_superuser=False, role=Role.PARK_ADMIN, park__isnull=False)


def report_subscribers() -> QuerySet[User]:
    """Active users who receive the weekly report and have an address, and whom the report
    concerns: the commission (and superusers) and viewers, park admins with a park."""
    return (
        User.objects.filter(is_active=True, receives_weekly_report=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(role__in=[Role.COMMISSION, Role.VIEWER]) | _section_readers())
        .order_by("pk")
    )


def report_section_park_ids() -> list[int]:
    """Parks that get a section of the weekly report: every park with an active park admin."""
    parks = User.objects.filter(_section_readers(), is_active=True).values_list("park_id", flat=True)
    return sorted(set(parks.distinct()))


def report_recipients(section_park_ids) -> list[tuple[User, int | None]]:
    """(subscriber, the park whose section it gets, or None for the whole report), in user
    order; a park admin whose park has no section gets nothing."""
    sections = set(section_park_ids)
    recipients: list[tuple[User, int | None]] = []
    for user in report_subscribers():
        if not reads_report_section(user):
            recipients.append((user, None))
        elif user.park_id in sections:
            recipients.append((user, user.park_id))
    return recipients


# --- creating users (the create_user command) -------------------------------------------------


def role_needs_park(role: str) -> bool:
    return role == Role.PARK_ADMIN


def role_is_superuser(role: str) -> bool:
    """The commission reads and writes everything, the Django admin included."""
    return role == Role.COMMISSION


def park_admin_users():
    """Active park admins attached to a park (whom a park's reminders go to)."""
    return User.objects.filter(is_active=True, is_superuser=False, role=Role.PARK_ADMIN, park__isnull=False)


def commission_users():
    """Active users of the commission (superusers included): who gets the city's summaries."""
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role=Role.COMMISSION))
