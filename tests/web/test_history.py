"""The card's change history: each change old → new, people by their full name, no empty rows,
and a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import Milestone
from tests import factories
from web.history import history_entries, person

pytestmark = pytest.mark.django_db


def _edit(obj, user, **values):
    for key, value in values.items():
        setattr(obj, key, value)
    obj._history_user = user
    obj.save()


def test_person_is_the_full_name_else_the_username():
    named = factories.UserFactory(username="zhang", first_name="三", last_name="张")
    plain = factories.UserFactory(username="li_clerk")
    assert person(named) == named.get_full_name()
    assert person(plain) == "li_clerk"
    assert person(None) == "—"
    from web.history import person_named

    for user in (named, plain):
        assert person_named(user.first_name, user.last_name, user.username) == person(user)
    assert person_named(None, None, None) == "—"


def test_milestone_change_shows_old_and_new_by_name(project_a, today, city):
    clerk = factories.UserFactory(
        username="wangwu", first_name="五", last_name="王", role="park_admin", park=city.park_a
    )
    ms = Milestone.objects.get(project=project_a, kind="construction_start")
    before = ms.planned_date
    after = before + dt.timedelta(days=20)
    _edit(ms, clerk, planned_date=after)
    entry = history_entries(project_a)[0]
    assert entry["who"] == clerk.get_full_name()
    assert entry["what"] == "节点：开工"
    assert entry["changes"] == [{"field": "计划日期", "old": before.isoformat(), "new": after.isoformat()}]


def test_actual_date_set_shows_dash_to_date(project_a, today, commission_user):
    ms = Milestone.objects.get(project=project_a, kind="signing")
    _edit(ms, commission_user, actual_date=today)
    entry = history_entries(project_a)[0]
    assert entry["changes"] == [{"field": "实际完成日期", "old": "—", "new": today.isoformat()}]
    assert entry["who"] == commission_user.username  # no full name: the username


def test_project_change_shows_names_and_labels_not_ids(project_a, city, commission_user):
    _edit(project_a, commission_user, park=city.park_b, stage="signed", total_investment=Decimal("65000.00"))
    entry = history_entries(project_a)[0]
    changes = {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}
    assert changes["所在园区"] == (city.park_a_sub.name, city.park_b.name)
    assert changes["建设阶段"][1] == "签约"
    assert changes["总投资（万元）"] == ("60,000.00", "65,000.00")
    assert "版本" not in changes


def test_no_empty_project_row(project_a, commission_user):
    _edit(project_a, commission_user)  # a save that changes nothing a person edits
    rows = [e for e in history_entries(project_a) if e["what"] == "项目"]
    assert [e["type"] for e in rows] == ["+"]  # only the creation


def test_card_shows_old_to_new(client_a, project_a, park_a_admin):
    ms = Milestone.objects.get(project=project_a, kind="construction_start")
    before = ms.planned_date
    _edit(ms, park_a_admin, planned_date=before + dt.timedelta(days=3))
    html = client_a.get(f"/projects/{project_a.pk}/").content.decode()
    assert f'<del class="old">{before.isoformat()}</del> → <ins class="new">' in html


@pytest.mark.parametrize("n", [3, 30])
def test_history_costs_a_constant_number_of_queries(project_a, city, commission_user, n):
    counts = []
    for _round in range(2):
        for i in range(n):
            ms = Milestone.objects.filter(project=project_a).first()
            _edit(ms, commission_user, planned_date=ms.planned_date + dt.timedelta(days=1))
            _edit(project_a, commission_user, park=city.park_b if i % 2 else city.park_a, owner=f"单位{i}")
        with CaptureQueriesContext(connection) as ctx:
            history_entries(project_a)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 4


# The template's 修改记录 loop before it was drawn in Python (web.history.history_rows_html).
OLD_HISTORY_ROWS = "{% load i18n %}" + (
    r"""{% for e in history %}
      <tr><td>{{ e.when|date:"Y-m-d H:i" }}</td><td>{{ e.who|default:"—" }}</td><td>{{ e.what }}{% if e.type == '+' %}（{% translate "新建" %}）{% elif e.type == '-' %}（{% translate "删除" %}）{% endif %}</td>
      <td class="changes">{% for c in e.changes %}<div class="change">{{ c.field }}：{% if c.old is not None %}<del class="old">{{ c.old }}</del> → {% endif %}<ins class="new">{{ c.new }}</ins></div>{% empty %}—{% endfor %}</td></tr>
    {% empty %}<tr><td colspan="4" class="muted">—</td></tr>{% endfor %}"""
)
HOSTILE = '<script>alert("x")</script> =cmd|\' /c calc\'!A1 & "引号" \u00a0'


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_history_rows_in_python_are_the_template_loop(project_a, city, today, language):
    from django.template import Context, Template
    from django.utils import translation

    from web.history import history_rows_html

    hostile = factories.UserFactory(username=f"u{HOSTILE}", first_name=f"名{HOSTILE}", last_name="姓")
    plain = factories.UserFactory(username="plain_clerk")
    ms = Milestone.objects.get(project=project_a, kind="construction_start")
    _edit(ms, hostile, planned_date=ms.planned_date + dt.timedelta(days=2), actual_date=today)
    _edit(ms, None, sequence=ms.sequence + 1)  # order only: no row
    extra = factories.MilestoneFactory(project=project_a, kind="other", name=f"环评{HOSTILE}", planned_date=today)
    _edit(extra, plain, name=f"改{HOSTILE}")
    extra._history_user = plain
    extra.delete()
    _edit(project_a, hostile, park=city.park_b, owner=f"单位{HOSTILE}", construction_content=f"内容\n{HOSTILE}")
    _edit(project_a, plain, industry=city.ei_ic, is_special_bond=True, target_date=today)
    with translation.override(language):
        entries = history_entries(project_a)
        assert {e["type"] for e in entries} == {"+", "~", "-"}
        assert any(c["old"] is None for e in entries for c in e["changes"])
        assert any(not e["changes"] for e in entries)  # the project's creation lists no field
        new = history_rows_html(entries)
        assert new == Template(OLD_HISTORY_ROWS).render(Context({"history": entries}))
        assert history_rows_html([]) == Template(OLD_HISTORY_ROWS).render(Context({"history": []}))
    assert "<script>" not in new and "&lt;script&gt;" in new


def test_history_rows_are_the_former_diff(project_a, city, commission_user):
    """The plain-row diff lists what simple_history's diff_against lists (less the bookkeeping)."""
    from web.history import HIDDEN_FIELDS

    _edit(project_a, commission_user, park=city.park_b, industry=city.ei_ic, owner="新单位", is_special_bond=True)
    newer, older = project_a.history.order_by("-history_date", "-history_id")[:2]
    expected = [c.field for c in newer.diff_against(older).changes if c.field not in HIDDEN_FIELDS]
    entry = history_entries(project_a)[0]
    names = {str(project_a._meta.get_field(f).verbose_name) for f in expected}
    assert [str(c["field"]) for c in entry["changes"]] == [
        str(project_a._meta.get_field(f).verbose_name) for f in expected
    ]
    assert len(names) == len(expected) >= 4
