"""The project card's node table, timeline and monthly report rows drawn in Python
(web.views.projects.milestone_rows_html, timeline_html, report_rows_html) give exactly the HTML
of the template blocks they replaced (kept below, verbatim), hostile text included, in both
languages; the card's 督办 section reads the same reports from the card's own list; and the card
costs a constant number of statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from projects.models import InvestmentReport, Project
from scheduling.models import Milestone
from tests import factories
from web.views.projects import milestone_rows_html, report_rows_html, timeline_html

pytestmark = pytest.mark.django_db

# The template's blocks before they were drawn in Python (web/templates/projects/project_detail.html
# and projects/_report_status.html).
OLD_TIMELINE = "{% load i18n %}" + (
    r"""{% if timeline %}
  <svg class="timeline" width="{{ timeline.width }}" height="{{ timeline.height }}" viewBox="0 0 {{ timeline.width }} {{ timeline.height }}" role="img" aria-label="{% translate '节点时间轴' %}">
    {% for t in timeline.ticks %}<line x1="{{ t.x }}" y1="14" x2="{{ t.x }}" y2="{{ timeline.height }}" class="tick"/><text x="{{ t.x }}" y="10" class="ticklbl">{{ t.label }}</text>{% endfor %}
    <line x1="{{ timeline.today_x }}" y1="12" x2="{{ timeline.today_x }}" y2="{{ timeline.height }}" class="today"/>
    {% for r in timeline.rows %}
      <text x="4" y="{{ r.ty }}" class="lbl">{{ r.label }}</text>
      {% if r.slip %}<line x1="{{ r.bx }}" y1="{{ r.y }}" x2="{{ r.px }}" y2="{{ r.y }}" class="slip"/>{% endif %}
      {% if r.bx is not None %}<rect x="{{ r.bxm }}" y="{{ r.ym }}" width="10" height="10" class="baseline" transform="rotate(45 {{ r.bx }} {{ r.y }})"><title>{% translate "基线" %}</title></rect>{% endif %}
      <circle cx="{{ r.px }}" cy="{{ r.y }}" r="6" class="plan {{ r.css }}"><title>{% translate "计划" %}</title></circle>
      {% if r.ax is not None %}<path d="M{{ r.ax }} {{ r.y }} m-5 0 l4 5 l7 -10" class="actual"><title>{% translate "实际" %}</title></path>{% endif %}
    {% endfor %}
  </svg>
  <p class="legend"><span class="sw baseline"></span>{% translate "基线" %} <span class="sw plan ok"></span>{% translate "计划" %} <span class="sw actualsw"></span>{% translate "实际完成" %} <span class="sw todaysw"></span>{% translate "今天" %}</p>
  {% endif %}"""
)
OLD_MILESTONES = "{% load i18n board %}" + (
    r"""{% for m in milestones %}
      <tr><td>{{ m.display_name }}</td><td>{{ m.baseline_date|date:"Y-m-d" }}</td><td>{{ m.planned_date|date:"Y-m-d" }}</td>
      <td class="num">{% if m.slip %}{{ m.slip|stringformat:"+d" }}{% else %}0{% endif %}</td>
      <td>{{ m.actual_date|date:"Y-m-d"|default:"—" }}{% if m.order_warning %} <span class="badge st-yellow order-warning" title="{{ m.order_warning }}">{% translate "顺序异常" %}</span><br><small class="muted">{{ m.order_warning }}</small>{% endif %}</td>
      <td>{% if m.cd %}<span class="cd {% countdown_css m.planned_date as_of thresholds m.actual_date %}">{{ m.cd }}</span>{% else %}<span class="cd cd-done">{% translate "已完成" %}</span>{% endif %}</td></tr>
    {% empty %}<tr><td colspan="6" class="muted">{% translate "尚未设置节点。" %}</td></tr>{% endfor %}"""
)
OLD_STATUS = r"""{% load i18n %}<span class="badge rs-{{ report.status }}" data-status="{{ report.status }}">{{ report.get_status_display }}</span>{% if report.status == "returned" and report.return_reason %}
<div class="return-reason" data-testid="return-reason"><b>{% translate "退回原因：" %}</b><span class="pre">{{ report.return_reason }}</span></div>{% endif %}{% if report.correction_reason %}
<div class="correction-reason"><b>{% translate "关账后更正原因：" %}</b><span class="pre">{{ report.correction_reason }}</span></div>{% endif %}
"""
OLD_REPORTS = "{% load i18n board %}" + (
    r"""{% for r in reports %}
      <tr><td>{{ r.period|date:"Y-m" }}</td><td class="num">{{ r.amount|wan }}</td><td class="num">{{ r.cumulative|wan }}</td><td class="num">{{ r.plan_pct|pct }}</td><td class="pre">{{ r.progress }}</td><td class="pre">{{ r.problems }}</td>
      <td>{% include status with report=r %}</td></tr>
    {% empty %}<tr><td colspan="7" class="muted">{% translate "尚无月度报告。" %}</td></tr>{% endfor %}"""
)

HOSTILE = '<script>alert("x")</script> =cmd|\' /c calc\'!A1 & "引号" \u00a0'


def old(template: str, context: dict) -> str:
    return Template(template).render(Context({**context, "status": Template(OLD_STATUS)}))


@pytest.fixture
def hostile_card(city, today):
    day = dt.timedelta(days=1)
    p = factories.ProjectFactory(
        name=f"卡片{HOSTILE}", park=city.park_a, industry=city.bio_drug, total_investment=Decimal("1000.00")
    )
    nodes = [  # (kind, name, baseline, planned, actual)
        ("signing", "", today - 400 * day, today - 390 * day, today - 380 * day),
        ("construction_start", "", None, today - 30 * day, None),
        ("land", "", today - 100 * day, today - 100 * day, today - 500 * day),  # done before the signing
        ("topping_out", "", today + 10 * day, today, None),
        ("other", f"环评{HOSTILE}", None, today + 900 * day, today + 5 * day),  # typed in the future
        ("completion", "", today + 40 * day, today + 60 * day, None),
    ]
    for kind, name, baseline, planned, actual in nodes:
        factories.MilestoneFactory(
            project=p, kind=kind, name=name, baseline_date=baseline, planned_date=planned, actual_date=actual
        )
    month = today.replace(day=1)
    factories.AnnualPlanFactory(project=p, year=month.year, planned_investment=Decimal("600.00"))
    periods = []
    for _i in range(4):
        month = (month - day).replace(day=1)
        periods.append(month)
    periods.append(dt.date(today.year - 1, 6, 1))  # a year without a plan
    statuses = ["submitted", "returned", "approved", "draft", "submitted"]
    for i, (period, status) in enumerate(zip(periods, statuses, strict=True)):
        factories.ReportFactory(
            project=p,
            period=period,
            amount=(Decimal("123456.78") / (i + 1)).quantize(Decimal("0.01")),
            progress=f"进度{HOSTILE}" if i % 2 else "",
            problems=f"问题{HOSTILE}" if i in (0, 2) else "",
        )
        InvestmentReport.objects.filter(project=p, period=period).update(
            status=status,
            return_reason=f"退回{HOSTILE}" if status == "returned" else "",
            correction_reason=f"更正{HOSTILE}" if i == 2 else "",
        )
    return p


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_card_blocks_in_python_are_the_template_blocks(client_commission, hostile_card, language):
    response = client_commission.get(f"/projects/{hostile_card.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    ctx = response.context
    milestones, reports = ctx["milestones"], ctx["reports"]
    # what the fixture means to cover
    assert any(m.order_warning for m in milestones) and any(getattr(m, "cd", "") for m in milestones)
    assert any(m.slip for m in milestones) and any(not m.actual_date for m in milestones)
    assert {r.status for r in reports} == {"submitted", "returned", "approved", "draft"}
    assert any(r.plan_pct is None for r in reports)
    assert any(r.plan_pct is not None for r in reports)
    from web.charts import timeline

    with translation.override(language):
        line = timeline(milestones, ctx["as_of"], ctx["thresholds"])
        assert any(r["slip"] for r in line["rows"]) and any(r["ax"] is None for r in line["rows"])
        common = {"as_of": ctx["as_of"], "thresholds": ctx["thresholds"]}
        pairs = [
            (timeline_html(line), old(OLD_TIMELINE, {"timeline": line})),
            (
                milestone_rows_html(milestones, thresholds=ctx["thresholds"]),
                old(OLD_MILESTONES, {**common, "milestones": milestones}),
            ),
            (report_rows_html(reports), old(OLD_REPORTS, {"reports": reports})),
        ]
    html = response.content.decode()
    for new, was in pairs:
        assert new == was
        assert new in html
        assert "<script>" not in new
    assert "&lt;script&gt;" in pairs[1][0] and "&lt;script&gt;" in pairs[2][0]


def test_empty_card_blocks(city, today):
    from scheduling.models import SchedulingSettings

    thresholds = SchedulingSettings.load()
    assert timeline_html(None) == old(OLD_TIMELINE, {"timeline": None}) == ""
    assert milestone_rows_html([], thresholds=thresholds) == old(OLD_MILESTONES, {"milestones": []})
    assert report_rows_html([]) == old(OLD_REPORTS, {"reports": []})


def test_many_nodes_timeline(city, today):
    """Heights past 1,000 px and far dates: the numbers as the template wrote them."""
    p = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
    for i in range(45):
        factories.MilestoneFactory(
            project=p, kind="other", name=f"节点{i}", planned_date=today + dt.timedelta(days=37 * i - 800)
        )
    from scheduling.models import SchedulingSettings
    from web.charts import timeline

    line = timeline(list(Milestone.objects.filter(project=p)), today, SchedulingSettings.load())
    assert line["height"] > 1000
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert timeline_html(line) == old(OLD_TIMELINE, {"timeline": line})


def test_problem_reports_are_the_reports_with_problems(client_commission, hostile_card):
    ctx = client_commission.get(f"/projects/{hostile_card.pk}/").context
    expected = list(InvestmentReport.objects.filter(project=hostile_card).exclude(problems="").order_by("-period")[:12])
    assert [r.pk for r in ctx["problem_reports"]] == [r.pk for r in expected]
    assert [(r.period, r.problems) for r in ctx["problem_reports"]] == [(r.period, r.problems) for r in expected]
    assert ctx["can_raise"] is True


def test_card_statements_constant(client_a, city, today):
    def count(n: int) -> int:
        p = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
        month = today.replace(day=1)
        for i in range(n):
            factories.MilestoneFactory(project=p, kind="other", name=f"n{i}", planned_date=today)
            factories.ReportFactory(project=p, period=month, problems="问题" if i % 2 else "")
            month = (month - dt.timedelta(days=1)).replace(day=1)
        client_a.get(f"/projects/{p.pk}/")
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(f"/projects/{p.pk}/").status_code == 200
        return len(queries)

    assert count(2) == count(30)
    assert Project.objects.count() == 2


# The 督办 section's loops before they were drawn in Python (web.views.problems.card_rows_html,
# raise_forms_html, category_select_html).
OLD_PROBLEMS = "{% load i18n %}" + (
    r"""{% for p in problems %}
      <tr data-problem="{{ p.pk }}"><td>{{ p.dispatch_no|default:"—" }}</td><td>{{ p.get_category_display }}</td><td class="pre">{{ p.description }}</td><td>{{ p.department.name|default:"—" }}</td>
      <td>{{ p.deadline|date:"Y-m-d"|default:"—" }}{% if p.cd %} <span class="cd st-{{ p.level }}" data-testid="problem-countdown">{{ p.cd }}</span>{% endif %}</td>
      <td><span class="badge ps-{{ p.status }}">{{ p.get_status_display }}</span></td></tr>
    {% empty %}<tr><td colspan="6" class="muted">{% translate "暂无督办问题。" %}</td></tr>{% endfor %}"""
)
OLD_RAISE_FORMS = "{% load i18n %}" + (
    r"""{% for r in problem_reports %}
  <form method="post" action="{% url 'web:problem_raise' project.pk %}" class="inline raise-form">{% csrf_token %}
    <b>{{ r.period|date:"Y-m" }} {% translate "存在问题" %}</b>
    <textarea name="description" rows="2" cols="50" aria-label="{% translate '问题描述' %}">{{ r.problems }}</textarea>
    <select name="category" aria-label="{% translate '问题类别' %}"><option value="">{% translate "问题类别" %}</option>{% for v, l in categories %}<option value="{{ v }}">{{ l }}</option>{% endfor %}</select>
    <button type="submit" class="btn" data-testid="raise-problem">{% translate "转为督办" %}</button>
  </form>
  {% endfor %}"""
)
OLD_SELECT = (
    "{% load i18n %}"
    r"""<select name="category" aria-label="{% translate '问题类别' %}"><option value="">{% translate "问题类别" %}</option>{% for v, l in categories %}<option value="{{ v }}">{{ l }}</option>{% endfor %}</select>"""
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_problem_blocks_in_python_are_the_template_loops(client_a, hostile_card, today, language):
    from escalation.models import Department, Problem
    from web.views.problems import card_rows_html, category_select_html, raise_forms_html

    day = dt.timedelta(days=1)
    dept = Department.objects.create(name=f"住建局{HOSTILE}")
    Problem.objects.create(
        project=hostile_card, category="land", description=f"描述{HOSTILE}", raised_on=today - 5 * day,
        deadline=today + 3 * day, status="assigned", department=dept,
    )  # fmt: skip
    Problem.objects.create(project=hostile_card, category="funding", description="b", raised_on=today - 5 * day)
    Problem.objects.create(
        project=hostile_card, category="other", description="c", raised_on=today - 9 * day, deadline=today - day
    )
    response = client_a.get(f"/projects/{hostile_card.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    ctx = response.context
    problems, reports, token = ctx["problems"], ctx["problem_reports"], ctx["csrf_token"]
    assert len(problems) == 3 and any(p.cd for p in problems) and any(not p.cd for p in problems)
    assert len(reports) == 2 and ctx["can_raise"]
    html = response.content.decode()
    with translation.override(language):
        context = {"problems": problems, "problem_reports": reports, "project": hostile_card}
        context.update(categories=ctx["categories"], csrf_token=token)
        select = category_select_html(ctx["categories"])
        pairs = [
            (card_rows_html(problems), old(OLD_PROBLEMS, context)),
            (raise_forms_html(hostile_card.pk, reports, select, token), old(OLD_RAISE_FORMS, context)),
            (select, old(OLD_SELECT, context)),
        ]
        assert card_rows_html([]) == old(OLD_PROBLEMS, {"problems": []})
        assert raise_forms_html(hostile_card.pk, [], select, token) == ""
    for new, was in pairs:
        assert new == was
        assert new in html
        assert "<script>" not in new
    assert "&lt;script&gt;" in pairs[0][0] and "&lt;script&gt;" in pairs[1][0]
    assert html.count(f'name="csrfmiddlewaretoken" value="{token}"') == 5  # one token, every form of the page


# The 项目卡片 facts before they were drawn in Python (web.views.projects.facts_html).
OLD_FACTS = "{% load i18n amounts %}" + (
    r"""
    <dt>{% translate "项目代码" %}</dt><dd>{{ project.code|default:"—" }}</dd>
    <dt>{% translate "建设单位" %}</dt><dd>{{ project.owner }}</dd>
    <dt>{% translate "所在园区" %}</dt><dd>{{ project.park.name }}</dd>
    <dt>{% translate "所属产业" %}</dt><dd>{{ project.industry.name }}</dd>
    <dt>{% translate "项目级别" %}</dt><dd>{{ project.get_level_display }}</dd>
    <dt>{% translate "列入年度" %}</dt><dd>{{ project.year }}</dd>
    <dt>{% translate "建设阶段" %}</dt><dd>{{ project.get_stage_display }}{% if project.phase %} · {{ project.phase }}{% endif %}</dd>
    <dt>{% translate "总投资" %}</dt><dd>{% blocktranslate with wan=project.total_investment|amount_wan yi=project.total_investment|amount_yi %}{{ wan }}（{{ yi }}）{% endblocktranslate %}</dd>
    <dt>{% translate "累计完成投资" %}</dt><dd>{{ total_done|amount_wan }}</dd>
    <dt>{% translate "投资进度减形象进度" %}</dt><dd class="spend-gap">{% if spend_ahead_pp is None %}—{% else %}{{ spend_ahead_pp }} {% translate "个百分点" %}{% endif %}</dd>
    <dt>{% translate "目标日期" %}</dt><dd>{{ project.target_date|date:"Y-m-d"|default:"—" }}</dd>
    <dt>{% translate "包联领导" %}</dt><dd>{{ project.leader|default:"—" }}</dd>
    <dt>{% translate "联系人" %}</dt><dd>{{ project.contact_person|default:"—" }} {{ project.contact_phone }}</dd>
    {% if project.is_special_bond %}<dt>{% translate "申请专项债" %}</dt><dd>{{ project.special_bond_amount|amount_wan }}</dd>{% endif %}
    <dt>{% translate "建设内容" %}</dt><dd class="pre">{{ project.construction_content|default:"—" }}</dd>
  """
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_facts_in_python_are_the_template_block(client_commission, hostile_card, city, today, language):
    from web.views.projects import facts_html

    Project.objects.filter(pk=hostile_card.pk).update(
        code="C<b>&\"x'", phase="一期<b>&\"x'", leader=f"领导{HOSTILE}", contact_person="", contact_phone="0311<1>",
        is_special_bond=True, special_bond_amount=Decimal("1234567.89"), target_date=today,
        construction_content=f"内容\n{HOSTILE}", total_investment=Decimal("123456789.01"),
    )  # fmt: skip
    response = client_commission.get(f"/projects/{hostile_card.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    ctx = response.context
    html = response.content.decode()
    plain = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug, code=None, leader="", phase="")
    with translation.override(language):
        cases = [
            (ctx["project"], ctx["total_done"], ctx["spend_ahead_pp"]),
            (ctx["project"], Decimal("0.01"), Decimal("-12.5")),
            (plain, Decimal(0), None),
            (plain, Decimal("99999.99"), Decimal("1234.56")),
        ]
        for project, done, pp in cases:
            new = facts_html(project, done, pp)
            assert new == old(OLD_FACTS, {"project": project, "total_done": done, "spend_ahead_pp": pp})
            assert "<script>" not in new
    with translation.override(language):
        first = facts_html(ctx["project"], ctx["total_done"], ctx["spend_ahead_pp"])
    assert first in html and "&lt;script&gt;" in first and "一期" in first
