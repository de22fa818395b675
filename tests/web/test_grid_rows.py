"""The monthly grid's rows drawn in Python (web.views.grid.grid_rows_html) give exactly the HTML
of the template loop they replaced (kept below, verbatim, with the forms the view built for every
row before), hostile text included, in both languages: a GET's prefilled and empty inputs (no
forms built), a POST's bound forms with their errors, the read-only grid, locked rows, sub-parks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from parks.models import Park
from tests import factories
from tests.web.helpers import form_data
from web.forms import GridRowForm
from web.views.grid import grid_rows_html

pytestmark = pytest.mark.django_db

# The template's row loop before the rows were drawn in Python (web/templates/projects/report_grid.html,
# after the "  " that stays before {{ grid_rows }}).
OLD_ROWS = (
    "{% load i18n board %}"
    + r"""{% for r in rows %}
    <tr class="{% if r.form.errors %}has-error{% elif not r.report %}unreported{% endif %}" data-project="{{ r.project.pk }}">
      <td><a href="{% url 'web:detail' r.project.pk %}">{{ r.project.name }}</a>{% if r.project.park_id != park.pk %}<br><small class="muted">{{ r.project.park.name }}</small>{% endif %}</td>
      <td class="num">{{ r.plan|wan }}</td>
      <td class="num">{{ r.ytd|wan }}</td>
      <td>{% if writable and not r.locked %}{{ r.form.amount }}{% else %}{{ r.report.amount|wan }}{% endif %}{% if r.form.amount.errors %}<ul class="field-errors">{% for e in r.form.amount.errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}</td>
      <td>{% if writable and not r.locked %}{{ r.form.progress }}{% else %}{{ r.report.progress }}{% endif %}{% if r.form.progress.errors %}<ul class="field-errors">{% for e in r.form.progress.errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}</td>
      <td>{% if writable and not r.locked %}{{ r.form.problems }}{% else %}{{ r.report.problems }}{% endif %}{% if r.form.problems.errors %}<ul class="field-errors">{% for e in r.form.problems.errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}</td>
      <td class="status-cell">{% if r.report %}{% include "projects/_report_status.html" with report=r.report %}{% else %}<span class="badge st-none">{% translate "未报送" %}</span>{% endif %}</td>
    </tr>
  {% empty %}
    <tr><td colspan="7" class="muted">{% translate "该园区没有项目。" %}</td></tr>
  {% endfor %}"""
)

HOSTILE = '<script>alert("x")</script> =cmd|\' /c calc\'!A1 & "引号" \u00a0'
PERIOD = "2026-03"


@pytest.fixture
def hostile_grid(city):
    Park.objects.filter(pk=city.park_a_sub.pk).update(name=f"子园区{HOSTILE}")
    march, jan, feb = "2026-03-01", "2026-01-01", "2026-02-01"
    # (name, park, report of March as (status, amount, progress, problems, return reason, correction reason))
    rows = [
        ("甲" + HOSTILE, city.park_a, ("draft", "12.50", "进度" + HOSTILE, "问题\n第二行" + HOSTILE, "", "")),
        ("<b>乙</b>", city.park_a, ("submitted", "0.00", "", "", "", "")),
        ("丙 & 丁", city.park_a_sub, ("returned", "12345678.90", "x", "", "退回" + HOSTILE, "")),
        ("戊", city.park_a_sub, ("returned", "1", "", "", "", "")),
        ("己", city.park_a, ("approved", "300", "完成", "无", "", "更正" + HOSTILE)),
        ("庚" + HOSTILE, city.park_a_sub, None),
        ("辛", city.park_a, None),
    ]
    for i, (name, park, report) in enumerate(rows):
        p = factories.ProjectFactory(name=name, park=park, industry=city.bio, stage="under_construction")
        if i % 2 == 0:
            factories.AnnualPlanFactory(project=p, year=2026, planned_investment=Decimal("1000.5") * (i + 1))
            factories.ReportFactory(project=p, period=jan, amount=Decimal("7.25"), status="approved")
            factories.ReportFactory(project=p, period=feb, amount=Decimal("3"), status="submitted")
        if report:
            status, amount, progress, problems, reason, correction = report
            factories.ReportFactory(
                project=p,
                period=march,
                status=status,
                amount=Decimal(amount),
                progress=progress,
                problems=problems,
                return_reason=reason,
                correction_reason=correction,
            )


def grid_url(city):
    return f"/monthly/?park={city.park_a.pk}&period={PERIOD}"


def with_old_forms(rows):
    """The rows as the view built them before: every row with its unbound form (a GET)."""
    out = []
    for r in rows:
        p, report = r["project"], r["report"]
        initial = (
            {"amount": report.amount, "progress": report.progress, "problems": report.problems} if report else None
        )
        form = GridRowForm(None, prefix=f"p{p.pk}", initial=initial, has_report=report is not None)
        for field in form.fields.values():
            field.widget.attrs["aria-label"] = f"{p.name} {field.label}"
        out.append({**r, "form": form})
    return out


def old_rows(rows, park, writable) -> str:
    return Template(OLD_ROWS).render(Context({"rows": rows, "park": park, "writable": writable}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["client_a", "client_commission"])
@pytest.mark.parametrize("writable", [True, False])
def test_rows_in_python_are_the_template_rows(request, hostile_grid, city, language, who, writable):
    client = request.getfixturevalue(who)
    response = client.get(grid_url(city))
    rows = response.context["rows"]
    assert len(rows) == 7 and all(r["form"] is None for r in rows)  # a GET builds no forms
    assert any(r["locked"] for r in rows) is (who == "client_a")
    with translation.override(language):
        new = grid_rows_html(rows, park_id=city.park_a.pk, writable=writable)
        old = old_rows(with_old_forms(rows), city.park_a, writable)
    assert new == old
    assert "<script>" not in new and "&lt;script&gt;" in new and "=cmd|" in new
    assert ('name="p' in new) is writable and ('value="12.50"' in new) is writable
    assert 'data-testid="return-reason"' in new and 'class="correction-reason"' in new and "<small" in new


def test_posted_rows_with_errors_are_the_template_rows(client_a, hostile_grid, city):
    page = client_a.get(grid_url(city))
    data = form_data(page, "grid-form")
    ids = [r["project"].pk for r in page.context["rows"]]
    data.update({f"p{ids[0]}-amount": "12.345", f"p{ids[1]}-amount": "", f"p{ids[5]}-progress": "只有进度"})
    response = client_a.post(grid_url(city), data)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert sum(bool(r["form"].errors) for r in rows) == 3
    for language in ("zh-hans", "en"):
        with translation.override(language):
            new = grid_rows_html(rows, park_id=city.park_a.pk, writable=True)
            old = old_rows(rows, city.park_a, True)
        assert new == old
        assert new.count('class="has-error"') == 3 and 'class="field-errors"' in new
    assert str(grid_rows_html(rows, park_id=city.park_a.pk, writable=True)) in response.content.decode()


def test_no_rows_is_the_template_empty_row(city):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert grid_rows_html([], park_id=city.park_a.pk, writable=True) == old_rows([], city.park_a, True)


def test_the_page_shows_the_python_rows(client_a, hostile_grid, city):
    response = client_a.get(grid_url(city))
    html = response.content.decode()
    rows = with_old_forms(response.context["rows"])
    assert old_rows(rows, city.park_a, True) in html
    assert "<script>alert" not in html
