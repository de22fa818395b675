"""The project list's rows drawn in Python (web.views.projects.list_rows_html) give exactly the
HTML of the template loop they replaced (kept below, verbatim), hostile text included, in both
languages, for every sort; and the empty list its template row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from parks.models import Industry, Park
from projects.models import Project
from scheduling.models import SchedulingSettings
from tests import factories
from web.views.projects import list_rows_html

pytestmark = pytest.mark.django_db

# The template's loop before the rows were drawn in Python (web/templates/projects/project_list.html).
OLD_ROWS = "{% load i18n board %}" + (
    r"""{% for p in page.object_list %}
    <tr>
      <td><a href="{% url 'web:detail' p.pk %}">{{ p.name }}</a>{% if p.code %}<br><small class="muted">{{ p.code }}</small>{% endif %}</td>
      <td>{{ p.park.name }}</td>
      <td>{{ p.industry.name }}</td>
      <td>{{ p.level_label }}</td>
      <td>{{ p.stage_label }}</td>
      <td class="num">{{ p.total_investment|wan }}</td>
      <td><span class="badge {{ p.status|status_css }}">{{ p.status_label }}</span>{% if p.spend_ahead %} <span class="badge st-yellow spend-ahead">{% translate "投资与形象进度不匹配" %}</span>{% endif %}</td>
      <td>{% if p.next_date %}<span class="cd {% countdown_css p.next_date as_of thresholds %}">{{ p.cd }}</span><br><small class="muted">{{ p.next_date|date:"Y-m-d" }}</small>{% else %}<span class="muted">—</span>{% endif %}</td>
    </tr>
  {% empty %}
    <tr><td colspan="8" class="muted">{% translate "没有符合条件的项目。" %}</td></tr>
  {% endfor %}"""
)

HOSTILE = '<script>alert("x")</script> =cmd|\' /c calc\'!A1 & "引号" \u00a0'


def old_rows(rows, as_of, thresholds) -> str:
    """The old loop, with the labels the view used to set on each row."""
    from projects.models import Level, Stage, Status

    labels = {"level": dict(Level.choices), "stage": dict(Stage.choices), "status": dict(Status.choices)}
    for p in rows:
        p.level_label = labels["level"].get(p.level, p.level)
        p.stage_label = labels["stage"].get(p.stage, p.stage)
        p.status_label = labels["status"].get(p.status, p.status)
    context = {"page": {"object_list": rows}, "as_of": as_of, "thresholds": thresholds}
    return Template(OLD_ROWS).render(Context(context))


@pytest.fixture
def hostile_list(city, today):
    Project.objects.all().delete()
    Park.objects.filter(pk=city.park_b.pk).update(name=f"园区{HOSTILE}")
    Industry.objects.filter(pk=city.ei_ic.pk).update(name=f"产业{HOSTILE}")
    day = dt.timedelta(days=1)
    # (name, code, park, industry, amount, level, stage, status, [(kind, name, planned, actual)])
    rows = [
        ("甲" + HOSTILE, '<b>&"x\'</b>', city.park_b, city.ei_ic, "25000", "provincial", "signed", "green",
         [("signing", "", today + 20 * day, None)]),
        ("<b>今天</b>", None, city.park_a, city.ei_ic, "0.01", "municipal", "planning", "due_soon",
         [("other", f"环评{HOSTILE}", today, None)]),
        ("逾期 & 项目", "", city.park_b, city.bio_drug, "12345678.90", "municipal", "under_construction", "red",
         [("signing", "", today - 400 * day, today - 399 * day), ("construction_start", "", today - 30 * day, None)]),
        ("黄色", "2024-130100-00-00-000001", city.park_a_sub, city.bio_drug, "5000", "municipal", "completed",
         "yellow", [("construction_start", "", today - 2 * day, None)]),
        ("无节点", None, city.park_a_sub, city.ei_ic, "0", "provincial", "planning", "no_schedule", []),
        ("已竣工", None, city.park_a, city.bio_drug, "10000", "municipal", "at_capacity", "green",
         [("signing", "", today - 300 * day, today - 290 * day)]),
    ]  # fmt: skip
    for name, code, park, industry, amount, level, stage, status, nodes in rows:
        p = factories.ProjectFactory(
            name=name,
            code=code,
            park=park,
            industry=industry,
            total_investment=Decimal(amount),
            level=level,
            stage=stage,
        )
        for kind, node_name, planned, actual in nodes:
            factories.MilestoneFactory(project=p, kind=kind, name=node_name, planned_date=planned, actual_date=actual)
        Project.objects.filter(pk=p.pk).update(status=status)
    # spend-ahead: 900 of 1000 spent, no standard node done
    spender = Project.objects.get(name="逾期 & 项目")
    Project.objects.filter(pk=spender.pk).update(total_investment=Decimal("1000.00"))
    factories.ReportFactory(
        project=spender, period=(today.replace(day=1) - 40 * day).replace(day=1), amount=Decimal("900.00")
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("params", [{}, {"sort": "name"}, {"sort": "-next"}, {"sort": "park"}])
def test_rows_in_python_are_the_template_rows(client_commission, hostile_list, language, params):
    with translation.override(language):
        response = client_commission.get("/projects/", params, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        ctx = response.context
        rows = list(ctx["page"].object_list)
        # what the fixture means to cover: codes, spend-ahead, countdowns ahead, today, overdue, none
        assert any(p.code for p in rows) and any(not p.code for p in rows)
        assert any(p.spend_ahead for p in rows) and any(not p.next_date for p in rows)
        assert {p.cd_days > 0 for p in rows if p.next_date} == {True, False}
        assert any(p.cd_days == 0 for p in rows if p.next_date)
        new = list_rows_html(rows, thresholds=ctx["thresholds"])
        old = old_rows(rows, ctx["as_of"], ctx["thresholds"])
    assert new == old
    assert new in response.content.decode()
    assert "<script>" not in new and "&lt;script&gt;" in new and "=cmd|" in new
    if language == "en":
        assert "投资与形象进度不匹配" not in new


def test_unknown_labels_and_empty_list(city, today):
    thresholds = SchedulingSettings.load()
    assert list_rows_html([], thresholds=thresholds) == old_rows([], today, thresholds)
    p = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug, name="x", code=None)
    p.level, p.stage, p.status, p.spend_ahead, p.next_date = "<odd>", "<odd>", "<odd>", False, None
    assert list_rows_html([p], thresholds=thresholds) == old_rows([p], today, thresholds)
    assert "&lt;odd&gt;" in list_rows_html([p], thresholds=thresholds)


def test_the_page_shows_the_python_rows(client_commission, hostile_list):
    html = client_commission.get("/projects/").content.decode()
    assert "<script>alert" not in html
    assert html.count('<tr>\n      <td><a href="/projects/') == Project.objects.count()
    assert client_commission.get("/projects/", {"q": "zzz-none"}).content.decode().count("没有符合条件的项目。") == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_filter_selects_are_the_context_selects(city, language):
    """FastSelect.render (the options straight from the choices) against its rendering through
    Django's widget context, for every select of the list's filter form, selected or not."""
    from web.forms import ProjectFilterForm

    Park.objects.filter(pk=city.park_b.pk).update(name=f"园区{HOSTILE}")
    cases = [
        None,
        {"park": str(city.park_b.pk), "industry": str(city.ei_ic.pk), "level": "provincial", "stage": "signed"},
        {"park": "999999", "industry": "x", "level": "<b>", "status": "red"},
    ]
    with translation.override(language):
        for data in cases:
            form = ProjectFilterForm(data, parks=Park.objects.all())
            form.is_valid()
            for name in ("park", "industry", "level", "stage", "status"):
                widget = form.fields[name].widget
                new = str(form[name])
                widget.render = widget._render_context  # the same field through Django's context
                assert str(form[name]) == new
                del widget.render
                assert "<script>" not in new
            if data and data.get("status") == "red":
                assert '<option value="red" selected>' in str(form["status"])
