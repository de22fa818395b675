"""A ?park= filter the user may not use (or that names no park) is said on the page, never
silently ignored; the park admin's own sub-park still narrows; the other filters still apply."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

REFUSED = "您无权查看所选园区，页面显示的是您可见的全部项目。"
UNKNOWN = "所选园区不存在，页面显示的是您可见的全部项目。"


def _messages(page) -> list[str]:
    return [str(m) for m in page.context["messages"]]


@pytest.mark.parametrize("url", ["/", "/projects/"])
def test_park_admin_asking_another_park_is_told(client_a, project_a, project_b, city, url):
    page = client_a.get(url, {"park": city.park_b.pk})
    assert page.status_code == 200
    assert _messages(page) == [REFUSED]
    html = page.content.decode()
    assert REFUSED in html and 'class="msg-warning"' in html
    assert project_b.name not in html  # still only its own parks


def test_refused_park_keeps_the_other_filters_on_the_list(client_a, project_a, city):
    other = factories.ProjectFactory(name="另一个项目甲", park=city.park_a, industry=city.ei_ic)
    page = client_a.get("/projects/", {"park": city.park_b.pk, "q": "另一个"})
    rows = [p.name for p in page.context["page"].object_list]
    assert rows == [other.name]
    assert _messages(page) == [REFUSED]


def test_park_admin_may_narrow_to_its_sub_park(client_a, project_a, city):
    factories.ProjectFactory(name="本园区主园项目", park=city.park_a, industry=city.ei_ic)
    page = client_a.get("/", {"park": city.park_a_sub.pk})
    assert page.context["project_total"] == 1
    assert _messages(page) == []
    listed = client_a.get("/projects/", {"park": city.park_a_sub.pk})
    assert [p.name for p in listed.context["page"].object_list] == [project_a.name]


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_unknown_park_is_told_to_the_commission(client_commission, project_a, project_b, value):
    page = client_commission.get("/", {"park": value})
    assert page.context["project_total"] == 2
    assert _messages(page) == [UNKNOWN]


def test_commission_filter_by_park_says_nothing(client_commission, project_a, project_b, city):
    page = client_commission.get("/projects/", {"park": city.park_b.pk})
    assert [p.name for p in page.context["page"].object_list] == [project_b.name]
    assert _messages(page) == []


def test_grid_opens_the_own_park_and_says_so(client_a, project_a, city):
    page = client_a.get("/monthly/", {"park": city.park_b.pk})
    assert page.status_code == 200
    assert page.context["park"] == city.park_a
    (message,) = _messages(page)
    assert message == f"无法打开所选园区（不存在或不在您的权限范围内），已打开{city.park_a.name}。"
    assert message in page.content.decode()


def test_grid_post_for_another_park_is_still_refused(client_a, project_a, city):
    page = client_a.post(f"/monthly/?park={city.park_b.pk}", {"rows": ""})
    assert page.status_code == 404


def test_refusal_in_english(client_a, project_a, city):
    page = client_a.get("/", {"park": city.park_b.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert "You may not view the park you selected" in page.content.decode()
