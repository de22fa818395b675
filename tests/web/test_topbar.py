"""The top bar built in Python (web.templatetags.topbar: mainnav, userbox) gives exactly the HTML
of the base.html markup it replaced (kept below, verbatim), for every role, the page that marks
its link "on", both languages, a hostile name, park and query string, and a visitor not signed in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import ResolverMatch
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db

OLD_NAV = r"""{% if user.is_authenticated %}
    <nav class="mainnav">
      {% with u=request.resolver_match.url_name %}
      <a href="{% url 'web:dashboard' %}"{% if u == 'dashboard' %} class="on"{% endif %}>{% translate "总览" context "nav" %}</a>
      <a href="{% url 'web:project_list' %}"{% if u == 'project_list' or u == 'detail' or u == 'edit' or u == 'create' %} class="on"{% endif %}>{% translate "项目清单" context "nav" %}</a>
      <a href="{% url 'web:board' %}"{% if u == 'board' %} class="on"{% endif %}>{% translate "挂图" context "nav" %}</a>
      <a href="{% url 'web:map' %}"{% if u == 'map' %} class="on"{% endif %}>{% translate "项目分布图" context "nav" %}</a>
      <a href="{% url 'web:grid' %}"{% if u == 'grid' %} class="on"{% endif %}>{% translate "月度填报" context "nav" %}</a>
      {% if user.is_commission %}<a href="{% url 'web:review' %}"{% if u == 'review' %} class="on"{% endif %}>{% translate "审核" context "nav" %}</a>{% endif %}
      {% if user.is_commission %}<a href="{% url 'web:comparable' %}"{% if u == 'comparable' %} class="on"{% endif %}>{% translate "可比口径" context "nav" %}</a>{% endif %}
      <a href="{% url 'web:problems' %}"{% if u == 'problems' %} class="on"{% endif %}>{% translate "督办" context "nav" %}</a>
      <a href="{% url 'web:reporting_status' %}"{% if u == 'reporting_status' %} class="on"{% endif %}>{% translate "填报进度" context "nav" %}</a>
      <a href="{% url 'web:weekly_list' %}"{% if u == 'weekly_list' or u == 'weekly_detail' %} class="on"{% endif %}>{% translate "每周通报" context "nav" %}</a>
      {% if user.can_write_anything %}<a href="{% url 'web:import' %}"{% if u == 'import' or u == 'import_job' %} class="on"{% endif %}>{% translate "Excel导入" context "nav" %}</a>{% endif %}
      {% endwith %}
    </nav>
    {% endif %}"""
OLD_BOX = r"""
      <form action="{% url 'set_language' %}" method="post" class="inline langform">{% csrf_token %}
        <input name="next" type="hidden" value="{{ request.get_full_path }}">
        {% get_available_languages as LANGUAGES %}{% get_language_info_list for LANGUAGES as langs %}
        {% for lang in langs %}{% if lang.code != LANGUAGE_CODE %}<button type="submit" name="language" value="{{ lang.code }}" class="linkbtn" lang="{{ lang.code }}">{{ lang.name_local }}</button>{% endif %}{% endfor %}
      </form>
      {% if user.is_authenticated %}
      <span class="who">{{ user.get_full_name|default:user.username }}{% if user.park %} · {{ user.park.name }}{% endif %} · {{ user.get_role_display }}</span>
      <a href="{% url 'web:password_change' %}">{% translate "修改密码" %}</a>
      <form action="{% url 'web:logout' %}" method="post" class="inline">{% csrf_token %}<button type="submit" class="linkbtn">{% translate "退出" %}</button></form>
      {% endif %}
    """
OLD = Template("{% load i18n %}{% get_current_language as LANGUAGE_CODE %}" + OLD_NAV + "|" + OLD_BOX)
NEW = Template("{% load topbar %}{% mainnav %}|{% userbox %}")
HOSTILE = '<script>alert("x")</script> & "引号" \''
PAGES = [None, "dashboard", "detail", "create", "board", "map", "grid", "review", "comparable", "problems",
         "reporting_status", "weekly_detail", "import", "import_job", "login"]  # fmt: skip


def users(city):
    hostile_park = factories.ParkFactory(code="HOSTILE", name=HOSTILE)
    return [
        AnonymousUser(),
        factories.UserFactory(username="c1", role="commission"),
        factories.UserFactory(username="p1", role="park_admin", park=city.park_a, first_name="张", last_name="三"),
        factories.UserFactory(username="p2", role="park_admin", park=hostile_park, first_name=HOSTILE),
        factories.UserFactory(username="p3", role="viewer", first_name=" ", last_name=""),
        factories.UserFactory(username=HOSTILE[:30], role="viewer"),
    ]


def masked(html: str) -> str:
    """The CSRF token is masked anew each time it is read: compare all but its value."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', 'name="csrfmiddlewaretoken" value=""', html)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_top_bar_is_the_templates_html(city, language):
    checked = 0
    for user in users(city):
        for page in PAGES:
            request = RequestFactory().get("/projects/", {"q": HOSTILE, "page": "2"})
            request.user = user
            request.resolver_match = ResolverMatch(lambda r: None, (), {}, url_name=page) if page else None
            with translation.override(language):
                old = OLD.render(RequestContext(request, {"user": user}))
                new = NEW.render(RequestContext(request, {"user": user}))
            assert masked(new) == masked(old), (user, page, language)
            assert (
                new.count('name="csrfmiddlewaretoken" value="') == old.count('name="csrfmiddlewaretoken" value="') > 0
            )
            checked += 1
    assert checked == 6 * len(PAGES)
    assert "&lt;script&gt;" in old and "<script>" not in old  # the hostile text escaped, in both


def test_the_links_a_role_sees(city):
    commission, park_admin = users(city)[1:3]
    for user, present, absent in (
        (commission, ["/review/", "/imports/"], []),
        (park_admin, ["/imports/"], ["/review/"]),
    ):
        request = RequestFactory().get("/")
        request.user = user
        request.resolver_match = ResolverMatch(lambda r: None, (), {}, url_name="review")
        html = NEW.render(RequestContext(request, {"user": user}))
        assert all(f'href="{url}"' in html for url in present) and not any(f'href="{url}"' in html for url in absent)
        assert ('href="/review/" class="on"' in html) == (user is commission)
