"""The 督办 page and the project card's 督办 section: scope, the steps from the page, "转为督办"
from a report's 存在问题, the countdown, statements constant at 10 and 200 problems."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from escalation.models import Department, Problem
from tests import factories
from tests.web.conftest import login
from tests.web.test_queries import count

pytestmark = pytest.mark.django_db


@pytest.fixture
def power(db):
    return Department.objects.create(name="供电公司", email="power@example.cn")


def make(project, today, **kw):
    kw.setdefault("raised_on", today - dt.timedelta(days=20))
    kw.setdefault("category", "utilities")
    kw.setdefault("description", "电力未接入")
    return Problem.objects.create(project=project, **kw)


def test_scope_and_filters(client, park_a_admin, viewer_user, project_a, project_b, today, power):
    mine = make(project_a, today, description="我园问题")
    make(project_b, today, description="他园问题")
    page = login(client, park_a_admin).get("/problems/").content.decode()
    assert "我园问题" in page and "他园问题" not in page
    page = login(client, viewer_user).get("/problems/").content.decode()
    assert "我园问题" in page and "他园问题" in page
    assert 'data-testid="assign-selected"' not in page  # a viewer has no steps
    late = make(project_b, today, description="超期问题", deadline=today - dt.timedelta(days=3), status="assigned")
    page = client.get("/problems/?overdue=1").content.decode()
    assert "超期问题" in page and "我园问题" not in page and "已超期 3 天" in page
    assert mine.pk and late.pk


def test_the_loop_from_the_pages(client, park_a_admin, commission_user, project_a, today, power):
    report = factories.ReportFactory(project=project_a, period=dt.date(today.year, 1, 1), problems="供电线路未接入")
    a = login(client, park_a_admin)
    card = a.get(f"/projects/{project_a.pk}/").content.decode()
    assert "转为督办" in card and "供电线路未接入" in card
    r = a.post(f"/projects/{project_a.pk}/problems/new/", {"description": report.problems, "category": "utilities"})
    assert r.status_code == 302
    problem = Problem.objects.get()
    assert (problem.description, problem.status, problem.raised_by) == ("供电线路未接入", "open", park_a_admin)
    # a missing category: a message, nothing stored
    a.post(f"/projects/{project_a.pk}/problems/new/", {"description": "x", "category": ""})
    assert Problem.objects.count() == 1

    c = login(client, commission_user)
    deadline = today + dt.timedelta(days=10)
    c.post("/problems/", {"action": "assign", "ids": [problem.pk], "department": power.pk, "deadline": deadline})
    problem.refresh_from_db()
    assert (problem.status, problem.department, problem.deadline) == ("assigned", power, deadline)
    card = c.get(f"/projects/{project_a.pk}/").content.decode()
    assert "距办结时限还有 10 天" in card and problem.dispatch_no in card

    a = login(client, park_a_admin)
    a.post("/problems/", {"action": "assign", "ids": [problem.pk], "department": power.pk, "deadline": deadline})
    a.post("/problems/", {"action": "handle", "problem": problem.pk, "note": ""})  # refused: empty note
    problem.refresh_from_db()
    assert problem.status == "assigned"
    a.post("/problems/", {"action": "handle", "problem": problem.pk, "note": "已接入"})
    problem.refresh_from_db()
    assert (problem.status, problem.handled_on) == ("handled", today)

    c = login(client, commission_user)
    c.post("/problems/", {"action": "reopen", "problem": problem.pk, "reason": "未通电"})
    problem.refresh_from_db()
    assert problem.status == "assigned"
    login(client, park_a_admin).post("/problems/", {"action": "handle", "problem": problem.pk, "note": "已通电"})
    login(client, commission_user).post("/problems/", {"action": "confirm", "ids": [problem.pk]})
    problem.refresh_from_db()
    assert problem.status == "confirmed"


def test_other_park_cannot_raise_or_handle(client, park_b_admin, project_a, today, power):
    b = login(client, park_b_admin)
    assert (
        b.post(f"/projects/{project_a.pk}/problems/new/", {"description": "x", "category": "land"}).status_code == 404
    )
    p = make(project_a, today, status="assigned", deadline=today, department=power)
    b.post("/problems/", {"action": "handle", "problem": p.pk, "note": "x"})
    p.refresh_from_db()
    assert p.status == "assigned"


def _fill(project, today, n, power):
    have = Problem.objects.count()
    Problem.objects.bulk_create(
        [
            Problem(
                project=project,
                category="land",
                description=f"问题{i}",
                raised_on=today - dt.timedelta(days=30),
                deadline=today - dt.timedelta(days=i % 20),
                status="assigned",
                department=power,
            )
            for i in range(have, n)
        ]
    )


def test_queries_constant(client_commission, project_a, today, power):
    urls = ["/problems/", "/problems/?overdue=1", f"/projects/{project_a.pk}/"]
    _fill(project_a, today, 10, power)
    small = [count(client_commission, "get", u) for u in urls]
    _fill(project_a, today, 200, power)
    large = [count(client_commission, "get", u) for u in urls]
    assert small == large


def test_dashboard_counts(client, commission_user, park_b_admin, project_a, project_b, today, power):
    make(project_a, today)  # open
    make(project_a, today, status="assigned", deadline=today + dt.timedelta(days=3), department=power)
    make(project_a, today, status="assigned", deadline=today - dt.timedelta(days=2), department=power)  # yellow
    make(project_b, today, status="assigned", deadline=today - dt.timedelta(days=9), department=power)  # red
    make(
        project_b,
        today,
        status="handled",
        deadline=today - dt.timedelta(days=9),
        handled_on=today - dt.timedelta(days=10),
    )
    page = login(client, commission_user).get("/").content.decode()
    for key, n in [("open", 1), ("assigned", 3), ("red", 1), ("yellow", 1), ("longest", 9)]:
        assert f'data-count="{key}">{n}<' in page, key
    page = login(client, park_b_admin).get("/").content.decode()
    for key, n in [("open", 0), ("assigned", 1), ("red", 1), ("yellow", 0), ("longest", 9)]:
        assert f'data-count="{key}">{n}<' in page, key


def test_pager_without_count(client_commission, project_a, today, power):
    """The page reads PAGE_SIZE + 1 rows: "next" while more follow, page numbers without a total."""
    from web.views.problems import PAGE_SIZE

    _fill(project_a, today, PAGE_SIZE + 5, power)
    first = client_commission.get("/problems/").content.decode()
    assert first.count('name="ids"') == PAGE_SIZE and "page=2" in first and "第 1 页" in first
    assert f'href="/projects/{project_a.pk}/#problems"' in first and "已交办" in first and "用地" in first
    second = client_commission.get("/problems/?page=2").content.decode()
    assert second.count('name="ids"') == 5 and "page=1" in second and "page=3" not in second
    assert "第 2 页" in second
    # the order is the index's: deadline, raised on, id (earliest deadline first)
    ids = [int(x) for x in re.findall(r'name="ids" value="(\d+)"', first)]
    expected = list(Problem.objects.order_by("deadline", "raised_on", "pk").values_list("pk", flat=True)[:PAGE_SIZE])
    assert ids == expected


# The rows as the template's loop wrote them before render_rows (verbatim): render_rows must
# produce the same bytes, hostile text included.
FORMER_ROWS = """{% load i18n %}{% translate "办理情况（必填）" as t_note_ph %}{% translate "办理情况" as t_note %}{% translate "办理日期" as t_handled_on %}{% translate "办理" as t_handle %}{% translate "退回原因（必填）" as t_reason_ph %}{% translate "退回原因" as t_reason %}{% translate "退回重办" as t_reopen %}{% for p in problems %}
    <tr data-problem="{{ p.pk }}" data-status="{{ p.status }}">
      {% if is_commission %}<td><input type="checkbox" name="ids" value="{{ p.pk }}" form="bulk-form" aria-label="{{ p.project.name }}"></td>{% endif %}
      <td>{{ p.dispatch_no|default:"—" }}</td>
      <td><a href="{{ p.detail_url }}#problems">{{ p.project.name }}</a></td>
      <td>{{ p.project.park.name }}</td>
      <td>{{ p.category_label }}</td>
      <td class="pre">{{ p.description|truncatechars:120 }}</td>
      <td>{{ p.department.name|default:"—" }}</td>
      <td>{{ p.deadline|date:"Y-m-d"|default:"—" }}{% if p.cd %}<br><span class="cd st-{{ p.level }}">{{ p.cd }}</span>{% endif %}</td>
      <td><span class="badge ps-{{ p.status }}">{{ p.status_label }}</span>{% if p.handled_on %}<br><small>{{ p.handled_on|date:"Y-m-d" }} {{ p.handling_note|truncatechars:60 }}</small>{% endif %}</td>
      <td>
        {% if p.status == "assigned" %}<form method="post" class="inline">{% csrf_token %}<input type="hidden" name="action" value="handle"><input type="hidden" name="problem" value="{{ p.pk }}">
          <input type="text" name="note" placeholder="{{ t_note_ph }}" aria-label="{{ t_note }}" size="14">
          <input type="date" name="handled_on" aria-label="{{ t_handled_on }}">
          <button type="submit" class="btn">{{ t_handle }}</button></form>{% endif %}
        {% if is_commission and p.status == "handled" %}<form method="post" class="inline">{% csrf_token %}<input type="hidden" name="action" value="reopen"><input type="hidden" name="problem" value="{{ p.pk }}">
          <input type="text" name="reason" placeholder="{{ t_reason_ph }}" aria-label="{{ t_reason }}" size="12">
          <button type="submit" class="btn">{{ t_reopen }}</button></form>{% endif %}
      </td>
    </tr>
  {% endfor %}"""

HOSTILE = "<script>alert('x')</script> \"quoted\" & 'single' =cmd|' /C calc'!A0 {{ x }} {% y %} %s"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_rows_same_html_as_the_former_template(client, commission_user, project_a, today, lang):
    from django.template import Context, Template
    from django.utils import translation

    from scheduling.models import SchedulingSettings
    from web.views.problems import ORDER, decorate, render_rows

    project_a.name = f"项目{HOSTILE}"
    project_a.save()
    project_a.park.name = f"园区{HOSTILE}"
    project_a.park.save()
    dept = Department.objects.create(name=f"部门{HOSTILE}", email="d@example.cn")
    make(project_a, today, description=HOSTILE * 3)  # open, no deadline, truncated at 120
    for days in (-9, 0, 1, 90):  # overdue (red), today, due soon, green
        deadline = today + dt.timedelta(days=days)
        make(project_a, today, description=f"时限{days}", status="assigned", department=dept, deadline=deadline)
    make(
        project_a,
        today,
        description=f"已办{HOSTILE}",
        status="handled",
        department=dept,
        deadline=today + dt.timedelta(days=3),
        handled_on=today,
        handling_note=HOSTILE * 2,
    )
    make(project_a, today, description="", status="confirmed", department=dept, handled_on=today, handling_note="")
    qs = Problem.objects.select_related("project", "project__park", "department").order_by(*ORDER)
    with translation.override(lang):
        problems = decorate(qs, today, SchedulingSettings.load())
        assert {p.status for p in problems} == {"open", "assigned", "handled", "confirmed"}
        for is_commission in (True, False):
            for token in ("a" * 64, ""):
                ctx = {"problems": problems, "is_commission": is_commission, "csrf_token": token}
                former = Template(FORMER_ROWS).render(Context(ctx))
                assert str(render_rows(problems, is_commission=is_commission, csrf_token=token)) == former
    assert "<script>" not in former and "&lt;script&gt;" in former and "=cmd|" in former
    assert 'name="note"' in former and 'name="reason"' not in former  # the viewer's rows: no reopen
    # the page (in its request's language) writes them in its table
    page = login(client, commission_user).get("/problems/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    with translation.override("zh-hans"):
        rows = str(render_rows(decorate(qs, today, SchedulingSettings.load()), is_commission=True, csrf_token=token))
    assert f"<tbody>\n  {rows}\n  </tbody>" in page
    assert rows.count('name="csrfmiddlewaretoken"') == 4 + 1  # 4 x handle, 1 x reopen, the bulk form's token
    assert "<script>alert" not in page
