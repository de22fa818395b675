"""The dashboard's delayed-project and due-soon rows drawn in Python
(web.views.dashboard.delayed_rows_html, due_rows_html) give exactly the HTML of the template
loops they replaced (kept below, verbatim), hostile text included, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from parks.models import Park
from tests import factories
from web.views.dashboard import delayed_rows_html, due_rows_html

pytestmark = pytest.mark.django_db

# The body's loops before the rows were drawn in Python (web/templates/projects/_dashboard_body.html).
OLD_OVERDUE = (
    "{% load i18n %}"
    + r"""{% for m in overdue %}
      <tr><td class="pname"><a href="{% url 'web:detail' m.project_id %}">{{ m.project.name }}</a></td><td>{{ m.project.park.name }}</td><td>{{ m.display_name }}{% if m.more %} <span class="chip more" title="{% blocktranslate count n=m.more %}另有 {{ n }} 个滞后节点{% plural %}另有 {{ n }} 个滞后节点{% endblocktranslate %}">+{{ m.more }}</span>{% endif %}</td><td class="date">{{ m.planned_date|date:"Y-m-d" }}</td><td class="nowrap"><span class="cd cd-{{ m.severity }}">{{ m.cd }}</span></td></tr>
    {% endfor %}"""
)
OLD_DUE = (
    "{% load i18n %}"
    + r"""{% for m in due %}
      <tr><td><a href="{% url 'web:detail' m.project_id %}">{{ m.project.name }}</a></td><td>{{ m.display_name }}</td><td class="date">{{ m.planned_date|date:"Y-m-d" }}</td><td class="nowrap"><span class="cd cd-soon">{{ m.cd }}</span></td></tr>
    {% endfor %}"""
)

HOSTILE = '<script>alert("x")</script> =cmd|\' /c calc\'!A1 & "引号" \u00a0'


@pytest.fixture
def hostile_dashboard(city, today):
    Park.objects.filter(pk=city.park_b.pk).update(name=f"园区{HOSTILE}")
    day = dt.timedelta(days=1)
    # (name, park, [(kind, name, planned)]): one, two and three overdue nodes, red and yellow,
    # an "other" node with a hostile name, nodes due today and soon.
    rows = [
        ("甲" + HOSTILE, city.park_a, [("signing", "", today - 3 * day), ("other", "节点" + HOSTILE, today + 2 * day)]),
        (
            "<b>乙</b>",
            city.park_b,
            [("signing", "", today - 90 * day), ("construction_start", "", today - 40 * day), ("other", "x&y", today)],
        ),
        (
            "丙 & 丁",
            city.park_a_sub,
            [
                ("other", HOSTILE, today - 400 * day),
                ("construction_start", "", today - 200 * day),
                ("topping_out", "", today - 1 * day),
            ],
        ),
    ]
    for name, park, nodes in rows:
        p = factories.ProjectFactory(name=name, park=park, industry=city.bio)
        for kind, node_name, planned in nodes:
            factories.MilestoneFactory(project=p, kind=kind, name=node_name, planned_date=planned)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_in_python_are_the_template_rows(client, commission_user, hostile_dashboard, language):
    client.force_login(commission_user)
    with translation.override(language):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
        ctx = response.context
        overdue, due = ctx["overdue"], ctx["due"]
        assert len(overdue) == 3 and {m.more for m in overdue} == {0, 1, 2} and len(due) == 2
        assert {m.severity for m in overdue} == {"red", "yellow"}
        new_overdue, new_due = delayed_rows_html(overdue), due_rows_html(due)
        assert new_overdue == Template(OLD_OVERDUE).render(Context({"overdue": overdue}))
        assert new_due == Template(OLD_DUE).render(Context({"due": due}))
    html = response.content.decode()
    assert new_overdue in html and new_due in html
    assert "<script>" not in new_overdue + new_due and "&lt;script&gt;" in new_overdue + new_due


def test_no_rows(city):
    assert delayed_rows_html([]) == Template(OLD_OVERDUE).render(Context({"overdue": []})) == ""
    assert due_rows_html([]) == Template(OLD_DUE).render(Context({"due": []})) == ""
