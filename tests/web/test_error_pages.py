"""The branded error pages: 403 with the refusal's own message, 404, and a 500 that needs neither
the database nor a context processor; each with a way back."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_403_shows_the_refusals_message_in_the_layout(client_viewer):
    page = client_viewer.get("/imports/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "只读用户不能导入数据。" in html
    assert "无权访问" in html
    assert 'class="topbar' in html  # the site's layout, not Django's bare "403 Forbidden"
    assert 'href="/"' in html  # a way back
    assert "403 Forbidden" not in html


def test_403_in_english(client_viewer):
    page = client_viewer.get("/imports/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 403
    assert "Read-only users cannot import data." in html
    assert "Access denied" in html


def test_404_is_branded_with_a_way_back(client_a, project_b):
    page = client_a.get(f"/projects/{project_b.pk}/")  # another park's project
    assert page.status_code == 404
    html = page.content.decode()
    assert "页面不存在" in html
    assert 'class="topbar' in html
    assert 'href="/projects/"' in html and 'href="/"' in html
    assert "No Project matches" not in html  # Django's English internals stay out


def test_404_of_an_unknown_address(client_a):
    page = client_a.get("/no-such-page/")
    assert page.status_code == 404
    assert "页面不存在" in page.content.decode()


def test_500_needs_no_database_and_no_context(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器错误" in html
    assert 'href="/"' in html
    assert "{%" not in html
