"""Faithful data: actual dates are facts, accepted in any order with an `order_warning`
(planned dates keep the order rule, a 400 naming the field); a project spending more than
`spend_ahead_pp` points ahead of its schedule is flagged (投资与形象进度不匹配). Both shown on
the API, the card, the board / list and the weekly report."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.rendering import render_html
from reports.selectors import week_of, weekly_report_data
from scheduling import rules
from scheduling.models import Milestone, SchedulingSettings
from tests import factories
from tests.api.conftest import token_client
from tests.web.helpers import form_data

pytestmark = pytest.mark.django_db

D = dt.date
START_EARLY = "“开工”的实际日期（2024-03-20）早于“施工许可证”（2024-04-01），与节点顺序不符。"
PERMIT_LATE = "“施工许可证”的实际日期（2024-04-01）晚于“开工”（2024-03-20），与节点顺序不符。"


@pytest.fixture
def permit_project(city):
    """Signed and permitted; 开工 (planned 2024-03-15) not yet recorded."""
    project = factories.ProjectFactory(name="承诺制先行开工项目", park=city.park_a, industry=city.bio)
    factories.MilestoneFactory(project=project, kind="signing", planned_date=D(2024, 1, 1), actual_date=D(2024, 1, 5))
    factories.MilestoneFactory(
        project=project, kind="construction_permit", planned_date=D(2024, 3, 1), actual_date=D(2024, 4, 1)
    )
    return project


def post_start(user, project, **data):
    body = {"project": project.pk, "kind": "construction_start", "planned_date": "2024-03-15", **data}
    return token_client(user).post("/api/v1/milestones/", body, format="json")


# --- actual dates: accepted, with a warning ----------------------------------------------------


def test_api_accepts_a_start_before_its_permit_with_the_warning(permit_project, commission_user):
    response = post_start(commission_user, permit_project, actual_date="2024-03-20")
    assert response.status_code == 201, response.json()
    assert response.json()["actual_date"] == "2024-03-20"
    assert response.json()["order_warning"] == START_EARLY
    assert Milestone.objects.get(pk=response.json()["id"]).actual_date == D(2024, 3, 20)

    client = token_client(commission_user)
    rows = client.get(f"/api/v1/milestones/?project={permit_project.pk}&ordering=planned_date").json()["results"]
    assert [(r["kind"], r["order_warning"]) for r in rows] == [
        ("signing", None),
        ("construction_permit", PERMIT_LATE),
        ("construction_start", START_EARLY),
    ]
    permit = Milestone.objects.get(project=permit_project, kind="construction_permit")
    assert client.get(f"/api/v1/milestones/{permit.pk}/").json()["order_warning"] == PERMIT_LATE
    card = client.get(f"/api/v1/projects/{permit_project.pk}/").json()
    assert {m["kind"]: m["order_warning"] for m in card["milestones"]} == {
        "signing": None,
        "construction_permit": PERMIT_LATE,
        "construction_start": START_EARLY,
    }


def test_api_correcting_the_fact_clears_the_warning(permit_project, commission_user):
    start = post_start(commission_user, permit_project, actual_date="2024-03-20").json()
    response = token_client(commission_user).patch(
        f"/api/v1/milestones/{start['id']}/", {"actual_date": "2024-04-02"}, format="json"
    )
    assert response.status_code == 200 and response.json()["order_warning"] is None


def test_api_a_plan_out_of_order_is_still_a_400_naming_the_field(permit_project, commission_user):
    response = post_start(commission_user, permit_project, planned_date="2023-12-01")
    assert response.status_code == 400
    assert response.json() == {"planned_date": ["“开工”的日期（2023-12-01）不能早于“签约”（2024-01-01）。"]}
    assert not Milestone.objects.filter(kind="construction_start").exists()


def test_milestone_list_warnings_cost_one_query_per_page(city, commission_user):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert token_client(commission_user).get("/api/v1/milestones/?page_size=500").status_code == 200
        return len(queries.captured_queries)

    def add_projects(n):
        for _ in range(n):
            p = factories.ProjectFactory(park=city.park_b, industry=city.ei)
            factories.MilestoneFactory(project=p, kind="construction_permit", actual_date=D(2024, 4, 1))
            factories.MilestoneFactory(project=p, kind="construction_start", actual_date=D(2024, 3, 1))

    add_projects(2)
    page_queries()  # settings, calendar caches
    small = page_queries()
    add_projects(6)
    assert page_queries() == small
    rows = token_client(commission_user).get("/api/v1/milestones/?page_size=500").json()["results"]
    assert sum(1 for r in rows if r["order_warning"]) == 16


def test_web_form_accepts_the_fact_and_the_card_and_board_show_it(client, park_a_admin, permit_project):
    client.force_login(park_a_admin)
    factories.MilestoneFactory(project=permit_project, kind="construction_start", planned_date=D(2024, 3, 15))
    data = form_data(client.get(f"/projects/{permit_project.pk}/edit/"), "project-form")
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-kind") and v == "construction_start")
    data[f"ms-{index}-actual_date"] = "2024-03-20"
    response = client.post(f"/projects/{permit_project.pk}/edit/", data)
    assert response.status_code == 302, response.context and response.context["ms_formset"].errors
    assert Milestone.objects.get(project=permit_project, kind="construction_start").actual_date == D(2024, 3, 20)

    card = client.get(f"/projects/{permit_project.pk}/").content.decode()
    assert card.count('class="badge st-yellow order-warning"') == 2
    assert START_EARLY in card and PERMIT_LATE in card
    # Every node is done, so the project is finished: shown with the switch on.
    board = client.get("/board/?start=2024-01&months=12&finished=1").content.decode()
    assert f'title="{PERMIT_LATE}；{START_EARLY}">顺序异常</span>' in board
    assert re.search(r'class="bmark [a-z]+ odd"><circle[^>]*/><title>[^<]*顺序异常', board)


def test_weekly_report_lists_the_out_of_order_facts(permit_project, commission_user):
    factories.MilestoneFactory(
        project=permit_project, kind="construction_start", planned_date=D(2024, 3, 15), actual_date=D(2024, 3, 20)
    )
    as_of = timezone.localdate()
    data = weekly_report_data(week=week_of(as_of), as_of=as_of)
    assert [(r.project, r.milestone, r.actual_date, r.warning) for r in data.order_warnings] == [
        ("承诺制先行开工项目", "开工", D(2024, 3, 20), START_EARLY),
        ("承诺制先行开工项目", "施工许可证", D(2024, 4, 1), PERMIT_LATE),
    ]
    assert data.summary()["order_warnings"] == 2
    assert data.section(permit_project.park_id).order_warnings == data.order_warnings
    html = render_html(data, generated_at=timezone.now(), compact=False)
    assert "六、实际日期顺序异常的节点（2个）" in html and START_EARLY in html


# --- spending ahead of building ----------------------------------------------------------------


@pytest.fixture
def spender(city):
    """Total 1000.00; four standard nodes (and an “other” one, which does not count), one
    done: schedule 25 %. Reports of 399.00 make spend 39.9 %: a gap of 14.9 points."""
    project = factories.ProjectFactory(
        name="先投资后建设项目", park=city.park_b, industry=city.ei, total_investment=Decimal("1000.00")
    )
    factories.MilestoneFactory(project=project, kind="signing", planned_date=D(2024, 1, 1), actual_date=D(2024, 1, 2))
    for kind in ("land", "construction_start", "completion"):
        factories.MilestoneFactory(project=project, kind=kind, planned_date=D(2030, 1, 1))
    factories.MilestoneFactory(
        project=project, kind="other", name="环评", planned_date=D(2024, 1, 1), actual_date=D(2024, 1, 1)
    )
    factories.ReportFactory(project=project, period=D(2024, 1, 1), amount=Decimal("300.00"))
    factories.ReportFactory(project=project, period=D(2024, 2, 1), amount=Decimal("99.00"))
    return project


def spend_two_more(project):
    """399.00 → 401.00: spend 40.1 %, a gap of 15.1 points."""
    factories.ReportFactory(project=project, period=D(2024, 3, 1), amount=Decimal("2.00"))


def test_the_rule_at_14_9_and_15_1_points(spender):
    settings = SchedulingSettings.load()
    assert settings.spend_ahead_pp == Decimal("15")
    assert rules.spend_ahead_gap(Decimal("399.00"), Decimal("1000.00"), 1, 4) == Decimal("14.9")
    assert rules.is_spend_ahead(Decimal("399.00"), Decimal("1000.00"), 1, 4, settings) is False
    assert rules.spend_ahead_gap(Decimal("401.00"), Decimal("1000.00"), 1, 4) == Decimal("15.1")
    assert rules.is_spend_ahead(Decimal("401.00"), Decimal("1000.00"), 1, 4, settings) is True
    assert rules.spend_ahead_gap(Decimal("5"), Decimal("0"), 1, 4) is None  # no total investment
    assert rules.spend_ahead_gap(Decimal("5"), Decimal("10"), 0, 0) is None  # no standard node


def test_api_fields_and_filter_at_14_9_and_15_1(spender, commission_user):
    client = token_client(commission_user)
    card = client.get(f"/api/v1/projects/{spender.pk}/").json()
    assert (card["spend_ahead_pp"], card["spend_ahead"]) == ("14.9", False)
    assert client.get("/api/v1/projects/?spend_ahead=true").json()["results"] == []
    listed = {r["id"]: r for r in client.get("/api/v1/projects/").json()["results"]}
    assert (listed[spender.pk]["spend_ahead_pp"], listed[spender.pk]["spend_ahead"]) == ("14.9", False)

    spend_two_more(spender)
    card = client.get(f"/api/v1/projects/{spender.pk}/").json()
    assert (card["spend_ahead_pp"], card["spend_ahead"]) == ("15.1", True)
    rows = client.get("/api/v1/projects/?spend_ahead=true").json()["results"]
    assert [(r["id"], r["spend_ahead_pp"], r["spend_ahead"]) for r in rows] == [(spender.pk, "15.1", True)]
    assert spender.pk not in {r["id"] for r in client.get("/api/v1/projects/?spend_ahead=false").json()["results"]}
    assert client.get("/api/v1/projects/?spend_ahead=maybe").status_code == 400


def test_the_shared_spend_ahead_annotations_are_the_rules_and_stay_unchanged(spender):
    """with_spend_ahead builds the rule's annotations once per day (scheduling.selectors): the
    same SQL as building them afresh, before and after querysets resolved them, and the values
    follow the reports written since (the expressions hold no data)."""
    from projects.models import Project
    from scheduling.selectors import with_spend_ahead

    as_of, settings = timezone.localdate(), SchedulingSettings.load()
    fresh = str(Project.objects.annotate(**rules.spend_ahead_annotations(as_of)).query)
    shared = with_spend_ahead(Project.objects.all(), as_of=as_of, settings=settings, flag=False)
    assert str(shared.query) == fresh
    paths = ("spend_cumulative", "spend_done", "spend_nodes")
    before = list(shared.filter(pk=spender.pk).values_list(*paths))
    flagged = with_spend_ahead(Project.objects.filter(pk=spender.pk), as_of=as_of, settings=settings)
    assert list(flagged.values_list(*paths, "spend_ahead")) == [(*before[0], False)]
    spend_two_more(spender)
    again = with_spend_ahead(Project.objects.filter(pk=spender.pk), as_of=as_of, settings=settings)
    assert list(again.values_list("spend_ahead", flat=True)) == [True]
    assert list(again.values_list(*paths))[0][0] > before[0][0]
    assert str(with_spend_ahead(Project.objects.all(), as_of=as_of, settings=settings, flag=False).query) == fresh


def test_threshold_comes_from_the_settings(spender, commission_user):
    settings = SchedulingSettings.load()
    settings.spend_ahead_pp = Decimal("14.5")
    settings.save()
    rows = token_client(commission_user).get("/api/v1/projects/?spend_ahead=true").json()["results"]
    assert [(r["id"], r["spend_ahead_pp"]) for r in rows] == [(spender.pk, "14.9")]


def test_web_list_filter_and_card_at_14_9_and_15_1(client, commission_user, spender):
    client.force_login(commission_user)
    card = client.get(f"/projects/{spender.pk}/").content.decode()
    assert "14.9 个百分点" in card and "spend-ahead" not in card
    assert spender.name not in client.get("/projects/?spend_ahead=on").content.decode()

    spend_two_more(spender)
    card = client.get(f"/projects/{spender.pk}/").content.decode()
    assert "15.1 个百分点" in card and 'class="badge st-yellow spend-ahead"' in card
    page = client.get("/projects/?spend_ahead=on")
    assert [p.pk for p in page.context["page"].object_list] == [spender.pk]
    assert "投资与形象进度不匹配</span>" in page.content.decode()


def test_weekly_report_section_at_15_1(spender):
    as_of = timezone.localdate()
    week = week_of(as_of)
    assert weekly_report_data(week=week, as_of=as_of).spend_ahead == []
    spend_two_more(spender)
    data = weekly_report_data(week=week, as_of=as_of)
    assert [(r.project, r.cumulative, r.spend_pct, r.schedule_pct, r.gap) for r in data.spend_ahead] == [
        ("先投资后建设项目", Decimal("401.00"), Decimal("40.1"), Decimal("25.0"), Decimal("15.1"))
    ]
    html = render_html(data, generated_at=timezone.now(), compact=False)
    assert "七、投资与形象进度不匹配的项目（投资进度超过形象进度 15 个百分点以上，1个）" in html


def test_the_stored_standard_counts_and_the_report_follow_a_milestone_edit(spender, commission_user):
    """Project.standard_nodes / standard_dated (the weekly report's spend-ahead inputs, less the
    nodes dated after its Monday) are the rule's counts after every milestone write, and the
    report's 投资与形象进度不匹配 section follows an edit at once."""
    from django.db.models import Count, Q

    from projects.models import Project
    from reports.selectors import weekly_report_data
    from scheduling import services
    from scheduling.models import Milestone

    as_of = D(2024, 6, 3)  # a Monday

    def counts() -> tuple[int, int]:
        project = Project.objects.get(pk=spender.pk)
        return project.standard_nodes, project.standard_dated

    def rule() -> tuple[int, int]:
        got = Milestone.objects.filter(project=spender, kind__in=rules.STANDARD_KINDS).aggregate(
            n=Count("id"), dated=Count("id", filter=Q(actual_date__isnull=False))
        )
        return got["n"], got["dated"]

    def ahead() -> list[tuple[int, Decimal]]:
        return [(r.project_id, r.gap) for r in weekly_report_data(week="2024-W23", as_of=as_of).spend_ahead]

    spend_two_more(spender)  # 401.00: 15.1 points ahead with one of four nodes done
    assert counts() == rule() == (4, 1)
    assert ahead() == [(spender.pk, Decimal("15.1"))]
    land = Milestone.objects.get(project=spender, kind="land")
    services.milestone_update(user=commission_user, milestone=land, data={"actual_date": D(2024, 5, 1)})
    assert counts() == rule() == (4, 2)
    assert ahead() == []  # 40.1 % spent, 50 % built
    # Dated after the Monday: not done on it, so ahead again in that week's report.
    services.milestone_update(user=commission_user, milestone=land, data={"actual_date": D(2024, 6, 10)})
    assert counts() == rule() == (4, 2)
    assert ahead() == [(spender.pk, Decimal("15.1"))]
    # A fifth standard node, by a plain save, then deleted; an "other" node does not count.
    extra = factories.MilestoneFactory(project=spender, kind="production_start", planned_date=D(2030, 6, 1))
    assert counts() == rule() == (5, 2)
    assert ahead() == [(spender.pk, Decimal("20.1"))]
    services.milestone_delete(user=commission_user, milestone=extra)
    factories.MilestoneFactory(project=spender, kind="other", name="验收", planned_date=D(2030, 6, 1))
    assert counts() == rule() == (4, 2)
    assert ahead() == [(spender.pk, Decimal("15.1"))]
