"""The review page's rows drawn in Python (web.views.review.review_rows_html) give exactly the
HTML of the template loop they replaced (kept below, verbatim), hostile text included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.html import format_html

from projects.models import Industry, Park
from tests import factories
from web.views.review import review_rows_html

pytestmark = pytest.mark.django_db

# The template's row loop before the rows were drawn in Python (web/templates/projects/review.html).
OLD_ROWS = (
    "{% load i18n board %}"
    + r"""{% translate "金额异常" as t_jump %}{% translate "退回原因（必填）" as t_reason_ph %}{% translate "退回原因" as t_reason %}{% translate "退回" as t_return %}{% translate "退回原因：" as t_reason_label %}
  {% for r in reports %}
    <tr data-report="{{ r.pk }}" class="{% if r.jump %}is-jump{% endif %}">
      <td>{% if r.status == "submitted" and not closed %}<input type="checkbox" name="ids" value="{{ r.pk }}" form="approve-form" aria-label="{{ r.project.name }}">{% endif %}</td>
      <td><a href="{% url 'web:detail' r.project.pk %}">{{ r.project.name }}</a></td>
      <td>{{ r.project.park.name }}</td>
      <td>{{ r.project.industry.name }}</td>
      <td class="num{% if r.jump %} jump{% endif %}">{{ r.amount|wan }}{% if r.jump %} <span title="{{ t_jump }}">⚠</span>{% endif %}</td>
      <td class="num">{{ r.previous_amount|wan }}</td>
      <td class="pre">{{ r.progress|truncatechars:80 }}</td>
      <td><span class="badge rs-{{ r.status }}" data-status="{{ r.status }}">{{ r.get_status_display }}</span>{% if r.status == "returned" and r.return_reason %}<div class="return-reason"><b>{{ t_reason_label }}</b><span class="pre">{{ r.return_reason }}</span></div>{% endif %}</td>
      <td>{% if not closed and r.status != "draft" and r.status != "returned" %}
        <form method="post" class="inline return-form">{% csrf_token %}<input type="hidden" name="action" value="return"><input type="hidden" name="report" value="{{ r.pk }}">
          <input type="text" name="reason" placeholder="{{ t_reason_ph }}" aria-label="{{ t_reason }} {{ r.project.name }}" size="16">
          <button type="submit" class="btn">{{ t_return }}</button></form>{% endif %}</td>
    </tr>
  {% empty %}
    <tr><td colspan="9" class="muted">{% translate "没有符合条件的月报。" %}</td></tr>
  {% endfor %}"""
)

HOSTILE = '<script>alert("x")</script> =cmd|\' /c calc\'!A1 & "引号" \u00a0'
TOKEN = 'tok<en>&"x'


@pytest.fixture
def hostile_reports(city, client_commission):
    Park.objects.filter(pk=city.park_b.pk).update(name=f"园区{HOSTILE}")
    Industry.objects.filter(pk=city.ei_ic.pk).update(name=f"产业{HOSTILE}")
    march, feb = dt.date(2026, 3, 1), dt.date(2026, 2, 1)
    rows = [
        ("submitted", Decimal("900"), "甲" + HOSTILE, "进度" * 50 + HOSTILE, "", city.park_a, city.bio_drug),
        ("returned", Decimal("50"), "=cmd|' /c calc'!A1", HOSTILE, "原因" + HOSTILE, city.park_b, city.ei_ic),
        ("returned", Decimal("60"), "无原因", "", "", city.park_a_sub, city.bio_drug),
        ("approved", Decimal("0.01"), "<b>乙</b>", "x" * 80, "", city.park_b, city.ei_ic),
        ("draft", Decimal("12345678.90"), "丙 & 丁", "x" * 81, "", city.park_a, city.bio_drug),
    ]
    for status, amount, name, progress, reason, park, industry in rows:
        project = factories.ProjectFactory(name=name, park=park, industry=industry)
        if status == "submitted":
            factories.ReportFactory(project=project, period=feb, amount=Decimal("100"), status="approved")
        factories.ReportFactory(
            project=project, period=march, amount=amount, progress=progress, status=status, return_reason=reason
        )
    response = client_commission.get("/review/?period=2026-03&status=all")
    reports = response.context["reports"]
    assert len(reports) == 5 and any(r.jump for r in reports) and any(r.previous_amount is None for r in reports)
    return reports


def old_rows(reports, closed: bool) -> str:
    return Template(OLD_ROWS).render(Context({"reports": reports, "closed": closed, "csrf_token": TOKEN}))


def new_rows(reports, closed: bool) -> str:
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', TOKEN)
    return review_rows_html(reports, closed=closed, csrf=csrf)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("closed", [False, True])
def test_rows_in_python_are_the_template_rows(hostile_reports, language, closed):
    with translation.override(language):
        old, new = old_rows(hostile_reports, closed), new_rows(hostile_reports, closed)
    assert new == old
    assert "<script>" not in new and "&lt;script&gt;" in new and "=cmd|" in new
    assert ("return-form" in new) is (not closed) and ('name="ids"' in new) is (not closed)


def test_no_rows_is_the_template_empty_row(city):
    assert new_rows([], False) == old_rows([], False)
    assert "没有符合条件的月报。" in new_rows([], False)


def test_the_page_shows_the_python_rows(client_commission, hostile_reports):
    html = client_commission.get("/review/?period=2026-03&status=all").content.decode()
    assert "<script>alert" not in html
    for r in hostile_reports:
        assert f'<tr data-report="{r.pk}"' in html
