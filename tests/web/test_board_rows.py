"""The wall chart's group headers and rows drawn in Python (web.views.board.board_rows_html) give
exactly the HTML of the template loop they replaced (kept below, verbatim), hostile text included,
in both languages, grouped by park and by industry, finished projects shown and collapsed."""

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
from web.views.board import board_rows_html

pytestmark = pytest.mark.django_db

# The template's loop before the rows were drawn in Python (web/templates/projects/board.html),
# inside the page's {% localize off %}.
OLD_ROWS = (
    "{% load i18n l10n board amounts %}{% localize off %}"
    + r"""{% for g in groups %}
  <tbody>
    <tr class="bgroup" data-group="{{ g.obj.pk }}"><th colspan="3">
      {{ g.obj.name }}
      <span class="gtotal">{% blocktranslate count n=g.n %}{{ n }} 个项目{% plural %}{{ n }} 个项目{% endblocktranslate %} · {% translate "总投资" %} {{ g.total|amount_yi }}</span>
      {% if g.done %}<span class="gdone">{% if show_finished %}{% blocktranslate count n=g.done %}其中 {{ n }} 个已完成{% plural %}其中 {{ n }} 个已完成{% endblocktranslate %}{% else %}{% blocktranslate count n=g.done %}{{ n }} 个已完成项目已收起{% plural %}{{ n }} 个已完成项目已收起{% endblocktranslate %}{% endif %}</span>{% endif %}
    </th></tr>
    {% for p in g.rows %}
    <tr class="brow {{ p.status|status_css }}{% if p.finished %} finished{% endif %}" data-project="{{ p.pk }}">
      <td class="bname"><span class="dot {{ p.status|status_css }}"></span><a href="{% url 'web:detail' p.pk %}">{{ p.name }}</a>{% if p.order_warnings %} <span class="badge st-yellow order-warning" title="{{ p.order_warnings|join:'；' }}">{% translate "顺序异常" %}</span>{% endif %}<br><small class="muted">{% if group == 'park' %}{{ p.industry.name }}{% else %}{{ p.park.name }}{% endif %} · {{ p.total_investment|amount_yi }} · {{ p.get_stage_display }}{% if p.gantt.before %} · <span class="bout" title="{% translate '时间轴之前的节点' %}">‹{{ p.gantt.before }}</span>{% endif %}{% if p.gantt.after %} · <span class="bout" title="{% translate '时间轴之后的节点' %}">{{ p.gantt.after }}›</span>{% endif %}</small></td>
      <td class="bcd">{% if p.cd %}<span class="cd {% countdown_css p.next_date as_of thresholds %}">{{ p.cd }}</span>{% elif p.finished %}<span class="muted">{% translate "已完成" %}</span>{% else %}<span class="muted">—</span>{% endif %}</td>
      <td class="btrack">{{ p.svg }}</td>
    </tr>
    {% endfor %}
  </tbody>
  {% empty %}
  <tbody><tr><td colspan="3" class="muted">{% translate "没有符合条件的项目。" %}</td></tr></tbody>
  {% endfor %}"""
    + "{% endlocalize %}"
)

HOSTILE = '<script>alert("x")</script> =cmd|\' /c calc\'!A1 & "引号" \u00a0'


@pytest.fixture
def hostile_board(city, today):
    Project.objects.all().delete()
    Park.objects.filter(pk=city.park_b.pk).update(name=f"园区{HOSTILE}")
    Industry.objects.filter(pk=city.ei_ic.pk).update(name=f"产业{HOSTILE}")
    day = dt.timedelta(days=1)
    # (name, park, industry, amount, stage, [(kind, planned, actual)])
    rows = [
        ("甲" + HOSTILE, city.park_a, city.bio_drug, "25000", "signed", [("signing", today + 20 * day, None)]),
        ("<b>今天</b>", city.park_a, city.ei_ic, "0.01", "planning", [("signing", today, None)]),
        (
            "逾期 & 项目",
            city.park_b,
            city.bio_drug,
            "12345678.90",
            "under_construction",
            [
                ("signing", today - 400 * day, today - 399 * day),
                ("construction_start", today - 30 * day, None),
                ("topping_out", today + 900 * day, None),
            ],
        ),
        ("红色", city.park_b, city.ei_ic, "5000", "signed", [("construction_start", today - 200 * day, None)]),
        (
            "已竣工",
            city.park_a_sub,
            city.bio_drug,
            "10000",
            "under_construction",
            [("signing", today - 300 * day, today - 290 * day)],
        ),
        ("无节点", city.park_a_sub, city.ei_ic, "0", "planning", []),
        (
            "顺序异常",
            city.park_a,
            city.bio_drug,
            "300",
            "signed",
            [
                ("construction_start", today - 90 * day, today - 80 * day),
                ("signing", today - 10 * day, today - 5 * day),
                ("topping_out", today + 60 * day, None),
            ],
        ),
    ]
    for name, park, industry, amount, stage, nodes in rows:
        p = factories.ProjectFactory(
            name=name, park=park, industry=industry, total_investment=Decimal(amount), stage=stage
        )
        for kind, planned, actual in nodes:
            factories.MilestoneFactory(project=p, kind=kind, planned_date=planned, actual_date=actual)


def rendered(client, params):
    response = client.get("/board/", params)
    assert response.status_code == 200
    return response


def old_rows(context) -> str:
    return Template(OLD_ROWS).render(Context(context))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "params", [{}, {"group": "industry"}, {"finished": "1"}, {"finished": "1", "group": "industry"}]
)
def test_rows_in_python_are_the_template_rows(client_commission, hostile_board, language, params):
    response = rendered(client_commission, params)
    ctx = response.context
    groups = ctx["groups"]
    rows = [p for g in groups for p in g["rows"]]
    # what the fixture means to cover: countdowns, finished and bare rows, nodes off the axis
    assert any(getattr(p, "cd", "") for p in rows) and any(not p.next_date for p in rows)
    assert any(p.gantt.before for p in rows) and any(p.gantt.after for p in rows)
    assert any(p.order_warnings for p in rows)
    assert any(g["done"] for g in groups)
    assert ("finished" in params) is any(p.finished for p in rows)
    rows[0].order_warnings = [HOSTILE, "第二条"]  # the tooltip's join and its escaping
    context = {
        "groups": groups,
        "group": ctx["group"],
        "show_finished": ctx["show_finished"],
        "as_of": ctx["as_of"],
        "thresholds": ctx["thresholds"],
    }
    with translation.override(language):
        old = old_rows(context)
        new = board_rows_html(
            groups,
            group=ctx["group"],
            show_finished=ctx["show_finished"],
            as_of=ctx["as_of"],
            thresholds=ctx["thresholds"],
        )
    assert new == old
    assert "<script>" not in new and "&lt;script&gt;" in new and "=cmd|" in new
    if language == "en":
        assert "Total investment" in new


def test_no_groups_is_the_template_empty_row(city, today):
    context = {"groups": [], "group": "park", "show_finished": False, "as_of": today}
    thresholds = SchedulingSettings.load()
    new = board_rows_html([], group="park", show_finished=False, as_of=today, thresholds=thresholds)
    assert new == old_rows({**context, "thresholds": thresholds})
    assert "没有符合条件的项目。" in new


def test_the_page_shows_the_python_rows(client_commission, hostile_board):
    response = rendered(client_commission, {})
    html = response.content.decode()
    assert "<script>alert" not in html
    for g in response.context["groups"]:
        assert f'<tr class="bgroup" data-group="{g["obj"].pk}">' in html
        for p in g["rows"]:
            assert f'data-project="{p.pk}">' in html
