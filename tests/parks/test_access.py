"""parks.access: the scope decisions themselves, persona by persona, and a guard that no other
module compares roles (or reads is_superuser) on its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parks import access
from parks.models import User
from projects.selectors import can_write_park, projects_visible_to, projects_writable_by, visible_project_count
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(city):
    # A superuser is the commission whatever role it carries (here the viewer's default).
    return factories.UserFactory(username="root", role="viewer", is_superuser=True, is_staff=True)


@pytest.fixture
def parkless_admin(city):
    # The database refuses to store it (park_admin_has_park); a service may still be handed one.
    return User(username="parkless", role="park_admin", park=None)


@pytest.fixture
def inactive_commission(city):
    return factories.UserFactory(username="gone", role="commission", is_active=False)


def _ids(*parks) -> set[int]:
    return {p.pk for p in parks}


def test_commission_sees_and_writes_every_park(city, commission_user):
    u = commission_user
    assert access.is_commission(u) and not access.is_park_admin(u) and not access.is_viewer(u)
    assert access.parks_visible_to(u) is None
    assert access.parks_writable_by(u) is None
    assert access.administered_park_ids(u) == set()
    assert access.can_write_park(u, city.park_b.pk) and access.can_write_park(u, None)
    assert access.can_write_anything(u)
    assert access.sees_whole_report(u) and not access.reads_report_section(u)
    assert set(access.visible_parks(u)) == set(access.writable_parks(u)) == {city.park_a, city.park_a_sub, city.park_b}


def test_park_admin_sees_and_writes_its_park_and_sub_parks(city, park_a_admin):
    u = park_a_admin
    assert access.is_park_admin(u) and not access.is_commission(u) and not access.is_viewer(u)
    assert access.parks_visible_to(u) == _ids(city.park_a, city.park_a_sub)
    assert access.parks_writable_by(u) == _ids(city.park_a, city.park_a_sub)
    assert access.can_write_park(u, city.park_a_sub.pk)
    assert not access.can_write_park(u, city.park_b.pk)
    assert not access.can_write_park(u, None)
    assert access.can_write_anything(u)
    assert not access.sees_whole_report(u) and access.reads_report_section(u)
    assert set(access.visible_parks(u)) == set(access.writable_parks(u)) == {city.park_a, city.park_a_sub}


def test_park_b_admin_has_only_park_b(city, park_b_admin):
    assert access.parks_visible_to(park_b_admin) == _ids(city.park_b)
    assert access.parks_writable_by(park_b_admin) == _ids(city.park_b)
    assert not access.can_write_park(park_b_admin, city.park_a.pk)
    assert access.can_write_park(park_b_admin, city.park_b.pk)


def test_viewer_sees_every_park_and_writes_none(city, viewer_user):
    u = viewer_user
    assert access.is_viewer(u) and not access.is_commission(u) and not access.is_park_admin(u)
    assert access.parks_visible_to(u) is None
    assert access.parks_writable_by(u) == set()
    assert not access.can_write_park(u, city.park_a.pk)
    assert not access.can_write_anything(u)
    assert access.sees_whole_report(u) and not access.reads_report_section(u)
    assert set(access.visible_parks(u)) == {city.park_a, city.park_a_sub, city.park_b}
    assert list(access.writable_parks(u)) == []


def test_superuser_counts_as_the_commission(city, superuser):
    assert access.is_commission(superuser) and not access.is_viewer(superuser)
    assert access.parks_visible_to(superuser) is None
    assert access.parks_writable_by(superuser) is None
    assert access.can_write_park(superuser, city.park_b.pk)
    assert access.can_write_anything(superuser) and access.sees_whole_report(superuser)
    # Even with the park admin's role and a park, a superuser is not scoped to that park.
    superuser.role, superuser.park = "park_admin", city.park_b
    assert not access.is_park_admin(superuser) and access.parks_writable_by(superuser) is None
    assert not access.reads_report_section(superuser)


def test_park_admin_without_a_park_gets_nothing(city, parkless_admin):
    u = parkless_admin
    assert access.is_park_admin(u)
    assert access.parks_visible_to(u) == set() == access.parks_writable_by(u)
    assert not access.can_write_park(u, city.park_a.pk)
    assert not access.can_write_anything(u)
    assert not access.sees_whole_report(u) and not access.reads_report_section(u)
    assert list(access.visible_parks(u)) == []


def test_inactive_and_anonymous_users_get_nothing(city, inactive_commission):
    from django.contrib.auth.models import AnonymousUser

    for u in (inactive_commission, AnonymousUser()):
        assert not access.is_commission(u) and not access.is_viewer(u) and not access.is_park_admin(u)
        assert access.parks_visible_to(u) == set() == access.parks_writable_by(u)
        assert not access.can_write_park(u, city.park_a.pk)
        assert not access.can_write_anything(u) and not access.sees_whole_report(u)


def test_user_properties_read_the_same_decision(city, park_a_admin, superuser, viewer_user):
    assert park_a_admin.is_park_admin and not park_a_admin.is_commission and park_a_admin.can_write_anything
    assert park_a_admin.administered_park_ids() == _ids(city.park_a, city.park_a_sub)
    assert superuser.is_commission and not superuser.is_park_admin and superuser.can_write_anything
    assert not viewer_user.is_commission and not viewer_user.can_write_anything


def test_project_selectors_follow_the_park_decision(city, park_a_admin, viewer_user, commission_user):
    in_a = factories.ProjectFactory(park=city.park_a_sub)
    in_b = factories.ProjectFactory(park=city.park_b)
    assert set(projects_visible_to(park_a_admin)) == {in_a}
    assert set(projects_writable_by(park_a_admin)) == {in_a}
    assert set(projects_visible_to(viewer_user)) == {in_a, in_b}
    assert list(projects_writable_by(viewer_user)) == []
    assert set(projects_writable_by(commission_user)) == {in_a, in_b}
    assert (visible_project_count(park_a_admin), visible_project_count(viewer_user)) == (1, 2)
    assert can_write_park(park_a_admin, city.park_a_sub.pk) and not can_write_park(park_a_admin, city.park_b.pk)


def test_weekly_report_recipients(city, commission_user, viewer_user, park_a_admin, superuser):
    factories.UserFactory(username="admin_b_off", role="park_admin", park=city.park_b, receives_weekly_report=False)
    factories.UserFactory(username="admin_a_noaddr", role="park_admin", park=city.park_a, email="")
    factories.UserFactory(username="gone", role="commission", is_active=False)
    factories.UserFactory(username="root_admin", role="park_admin", park=city.park_b, is_superuser=True)
    # A park gets a section when it has an active park admin who is not a superuser (the
    # admin who opted out of the mail still counts: the section is there for the web page).
    assert access.report_section_park_ids() == sorted(_ids(city.park_a, city.park_b))
    got = {(u.username, park_id) for u, park_id in access.report_recipients([city.park_a.pk, city.park_b.pk])}
    assert got == {
        ("commission", None),
        ("viewer", None),
        ("root", None),
        ("root_admin", None),
        ("admin_a", city.park_a.pk),
    }
    # A park admin whose park has no section gets no mail at all.
    assert ("admin_a", city.park_a.pk) not in {(u.username, p) for u, p in access.report_recipients([])}


def test_role_helpers_for_creating_users():
    assert access.role_needs_park("park_admin") and not access.role_needs_park("viewer")
    assert access.role_is_superuser("commission") and not access.role_is_superuser("park_admin")


# --- the guard ----------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {"tests", "demo", "migrations", "var", "staticfiles", "locale", "node_modules", "__pycache__"}
SKIP_FILES = {Path("parks/access.py"), Path("parks/models.py")}
ROLE_WORDS = r"(viewer|commission|park_admin)"
FORBIDDEN = [
    ("a role spelled as a string", re.compile(rf"([\"']){ROLE_WORDS}\1")),
    ("a role compared", re.compile(r"(==|!=|\bin\b)\s*[\[(]?\s*Role\.|Role\.\w+\s*(==|!=)")),
    ("a user's role compared", re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)")),
    ("a query on the role", re.compile(r"\brole(__in)?\s*=\s*[\[(]?\s*Role\.|\brole__in\b")),
    ("a role read by name", re.compile(r"getattr\([^)]*[\"']role[\"']")),
    ("is_superuser read", re.compile(r"\.is_superuser\b(?!\s*=[^=])|\bis_superuser\s*=\s*(True|False)\b")),
]


def _offences(text: str) -> list[str]:
    return [what for what, pattern in FORBIDDEN if pattern.search(text)]


def _source_files():
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if any(part.startswith(".") or part in SKIP_DIRS for part in rel.parts[:-1]) or rel in SKIP_FILES:
            continue
        if path.suffix in {".py", ".html", ".js"} and path.is_file():
            yield rel, path


def test_the_guard_recognises_role_decisions():
    assert _offences('if user.role == "viewer":') == ["a role spelled as a string", "a user's role compared"]
    assert _offences("if role == Role.PARK_ADMIN:") == ["a role compared"]
    assert _offences("Q(role__in=[Role.COMMISSION, Role.VIEWER])") == ["a query on the role"]
    assert _offences("User.objects.filter(role=Role.VIEWER)") == ["a query on the role"]
    assert _offences('getattr(user, "role", None)') == ["a role read by name"]
    assert _offences("{% if user.is_superuser %}") == ["is_superuser read"]
    assert _offences("User.objects.filter(is_superuser=False)") == ["is_superuser read"]
    # Creating a user with a role, or making it a superuser, is not a decision about scope.
    assert _offences('User.objects.get_or_create(username="x", defaults={"role": Role.COMMISSION})') == []
    assert _offences("user.is_staff = user.is_superuser = role_is_superuser(role)") == []


def test_no_module_but_parks_access_decides_by_role():
    files = list(_source_files())
    assert len(files) > 100  # the walk really reads the source tree
    assert {Path("web/templates/base.html"), Path("api/permissions.py")} <= {rel for rel, _ in files}
    found = [
        f"{rel}:{number}: {what}: {line.strip()}"
        for rel, path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for what in _offences(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("viewer_user", False), ("superuser", True), ("park_a_admin", True), ("commission_user", True)],
)
def test_the_import_link_follows_the_write_decision(client, request, persona, shown):
    from django.urls import reverse

    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("web:weekly_list")).content.decode()
    assert (f'href="{reverse("web:import")}"' in page) is shown
