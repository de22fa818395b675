"""Hostile dates from one park cannot break the city: one date range (settings.DATE_MIN …
DATE_MAX, common/dates.py) for every date people enter or ask about. Out of range (or not a
date) is a 400 / a form error naming the field, nothing stored, never a 500; the working-day
calendar never computes past the range and costs the same for decades as for a week."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common import dates, periods
from projects.imports import parse_date as import_date
from projects.models import InvestmentReport, Project
from reports.models import WeeklyReport
from reports.selectors import WeekError, parse_week
from scheduling.models import DurationUnit, Holiday, Milestone, ScheduleTemplate, TemplateStep
from tests import factories
from tests.api.conftest import token_client
from tests.web.helpers import form_data
from tests.web.test_imports import PROJECT_HEADERS, good_rows, upload, xlsx

pytestmark = pytest.mark.django_db

PAYLOADS = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31", "", "2026-02-30", "20260520"]
OUT_OF_RANGE = {"0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"}


@pytest.fixture
def api(commission_user):
    return token_client(commission_user)


@pytest.fixture
def web(client, commission_user):
    client.force_login(commission_user)
    return client


@pytest.fixture
def project(city):
    return factories.ProjectFactory(park=city.park_a, industry=city.bio, target_date=dt.date(2027, 6, 30))


@pytest.fixture
def milestone(project):
    return factories.MilestoneFactory(project=project, kind="construction_start", planned_date=dt.date(2026, 6, 1))


@pytest.fixture
def template():
    t = ScheduleTemplate.objects.create(name="标准倒排", target_kind="production_start")
    TemplateStep.objects.create(template=t, kind="signing", offset=200, unit=DurationUnit.WORKING)
    return t


def _no_500(response):
    assert response.status_code != 500, response.content[:500]
    return response


# --- the one range ------------------------------------------------------------------------------


def test_the_range_is_the_settings_and_the_periods_derive_from_it():
    assert dates.date_range() == (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    first_period, last_period = periods.FIRST_PERIOD, periods.LAST_PERIOD
    assert (first_period, last_period) == (dt.date(2000, 1, 1), dt.date(2100, 12, 1))
    assert (periods.MIN_YEAR, periods.MAX_YEAR) == (2000, 2100)
    assert dates.parse_date("2100-12-31") == dt.date(2100, 12, 31)
    assert dates.parse_date("2000-01-01") == dt.date(2000, 1, 1)
    for bad, code in [("1999-12-31", "range"), ("2101-01-01", "range"), ("20260520", "invalid"), ("", "invalid")]:
        with pytest.raises(dates.DateError) as exc:
            dates.parse_date(bad, field="as_of")
        assert (exc.value.code, exc.value.field) == (code, "as_of")
    assert dates.parse_date_param("as_of", "") is None


def test_a_narrower_range_in_the_settings_is_the_rule_everywhere(settings, api, milestone):
    settings.DATE_MAX = "2030-12-31"
    response = api.patch(f"/api/v1/milestones/{milestone.pk}/", {"planned_date": "2031-01-01"}, format="json")
    assert response.status_code == 400 and "2030-12-31" in response.json()["planned_date"][0]


# --- the findings ---------------------------------------------------------------------------------


def test_a_milestone_in_9999_is_refused_and_nothing_breaks(api, web, project, milestone):
    response = api.patch(f"/api/v1/milestones/{milestone.pk}/", {"planned_date": "9999-12-31"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"planned_date": ["日期应在 2000-01-01 至 2100-12-31 之间。"]}
    milestone.refresh_from_db()
    assert milestone.planned_date == dt.date(2026, 6, 1)
    assert api.get(f"/api/v1/milestones/{milestone.pk}/").status_code == 200
    assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert web.get(f"/projects/{project.pk}/").status_code == 200
    assert api.get("/api/v1/milestones/?format=xlsx").status_code == 200


def test_the_model_refuses_what_the_doors_refuse(project, milestone):
    milestone.planned_date = dt.date(9999, 12, 31)
    with pytest.raises(ValidationError) as exc:
        milestone.full_clean()
    assert list(exc.value.message_dict) == ["planned_date"]
    project.target_date = dt.date(1999, 12, 31)
    with pytest.raises(ValidationError) as exc:
        project.full_clean()
    assert "target_date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        Holiday(date=dt.date(2101, 1, 1), name="x").full_clean()
    assert list(exc.value.message_dict) == ["date"]


def test_a_milestone_at_the_edge_of_the_range_reads_fast_with_its_countdown(api, project, milestone):
    milestone.planned_date = dt.date(2100, 12, 31)
    milestone.save()
    factories.MilestoneFactory(project=project, kind="completion", planned_date=dt.date(2100, 12, 30))
    with CaptureQueriesContext(connection) as one:
        started = time.monotonic()
        response = api.get(f"/api/v1/milestones/{milestone.pk}/?as_of=2026-05-20")
        elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 2 and len(one) < 10  # not a query per year
    body = response.json()
    assert body["days_left"] == (dt.date(2100, 12, 31) - dt.date(2026, 5, 20)).days
    assert 18000 < body["workdays_left"] < body["days_left"]
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/v1/milestones/?as_of=2026-05-20").status_code == 200
    for _ in range(5):
        factories.MilestoneFactory(project=project, kind="other", name="x", planned_date=dt.date(2099, 1, 1))
    with CaptureQueriesContext(connection) as again:
        assert api.get("/api/v1/milestones/?as_of=2026-05-20").status_code == 200
    assert len(again) == len(many) and len(one) <= len(many)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/delays/?as_of=0001-01-01", "/api/v1/milestones/?as_of=0001-01-01"],
)
def test_an_api_as_of_out_of_range_is_a_400_on_as_of(api, milestone, url):
    started = time.monotonic()
    response = api.get(url)
    assert time.monotonic() - started < 2
    assert response.status_code == 400 and response.json() == {"as_of": ["日期应在 2000-01-01 至 2100-12-31 之间。"]}


def test_template_preview_for_a_target_out_of_range_is_a_400(web, template):
    for target in ["0001-01-01", "9999-12-31"]:
        response = web.get("/projects/template-preview/", {"template": template.pk, "target": target})
        assert response.status_code == 400
        assert response.json() == {"error": "日期应在 2000-01-01 至 2100-12-31 之间。", "field": "target"}
    # 200 working days before 2000-03-01 lies before the range: the target's error, no overflow.
    response = web.get("/projects/template-preview/", {"template": template.pk, "target": "2000-03-01"})
    assert response.status_code == 400 and response.json()["field"] == "target"
    ok = web.get("/projects/template-preview/", {"template": template.pk, "target": "2100-12-31"})
    assert ok.status_code == 200 and ok.json()["items"][-1]["planned_date"] == "2100-12-31"


@pytest.mark.parametrize(("url", "name"), [("/monthly/?period=9999-12", "period"), ("/board/?start=9999-12", "start")])
def test_a_page_period_out_of_range_shows_a_message_and_the_default(web, project, url, name):
    response = web.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"参数 {name}：报告期应在 2000-01 至 2100-12 之间。" in html


# --- every door × the payloads ------------------------------------------------------------------------


def _refused_or_absent(value: str, response, field: str, *, blank_is_absent: bool):
    _no_500(response)
    if value == "" and blank_is_absent:
        assert response.status_code == 200
        return
    assert response.status_code == 400, (value, response.content[:300])
    assert field in response.json()


@pytest.mark.parametrize("value", PAYLOADS)
@pytest.mark.parametrize("field", ["planned_date", "actual_date"])
def test_api_milestone_dates(api, milestone, field, value):
    response = api.patch(f"/api/v1/milestones/{milestone.pk}/", {field: value}, format="json")
    _refused_or_absent(value, response, field, blank_is_absent=False)
    milestone.refresh_from_db()
    assert (milestone.planned_date, milestone.actual_date) == (dt.date(2026, 6, 1), None)


@pytest.mark.parametrize("value", PAYLOADS)
def test_api_milestone_create(api, project, value):
    body = {"project": project.pk, "kind": "signing", "planned_date": value}
    _refused_or_absent(
        value, api.post("/api/v1/milestones/", body, format="json"), "planned_date", blank_is_absent=False
    )
    assert not Milestone.objects.filter(kind="signing").exists()


@pytest.mark.parametrize("value", PAYLOADS)
def test_api_project_target_date(api, project, value):
    response = api.patch(
        f"/api/v1/projects/{project.pk}/", {"target_date": value, "version": project.version}, format="json"
    )
    _refused_or_absent(value, response, "target_date", blank_is_absent=False)
    project.refresh_from_db()
    assert project.target_date == dt.date(2027, 6, 30)


@pytest.mark.parametrize("value", [*PAYLOADS, "1999-12", "2101-01", "9999-12"])
def test_api_report_period(api, project, value):
    body = {"project": project.pk, "period": value, "amount": "10.00", "progress": "施工"}
    _refused_or_absent(
        value, api.post("/api/v1/investment-reports/", body, format="json"), "period", blank_is_absent=False
    )
    assert not InvestmentReport.objects.exists()


@pytest.mark.parametrize("value", PAYLOADS)
@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/milestones/", "as_of"),
        ("/api/v1/delays/", "as_of"),
        ("/api/v1/milestones/", "planned_from"),
        ("/api/v1/milestones/", "planned_to"),
    ],
)
def test_api_date_query_parameters(api, milestone, url, name, value):
    _refused_or_absent(value, api.get(url, {name: value}), name, blank_is_absent=True)


@pytest.mark.parametrize("value", [*PAYLOADS, "1999-12", "2101-01", "9999-12"])
def test_api_period_query_parameter(api, milestone, value):
    response = api.get("/api/v1/stats/industry-investment/", {"period": value})
    _refused_or_absent(value, response, "period", blank_is_absent=True)


def _edit_form(web, project, **changes):
    page = web.get(f"/projects/{project.pk}/edit/")
    data = form_data(page, "project-form")
    data.update(changes)
    return web.post(f"/projects/{project.pk}/edit/", data)


@pytest.mark.parametrize("value", PAYLOADS)
@pytest.mark.parametrize("field", ["target_date", "ms-0-planned_date", "ms-0-actual_date", "template_target"])
def test_web_edit_form_dates(web, project, milestone, template, field, value):
    changes = {field: value}
    if field == "template_target":
        changes["template"] = str(template.pk)
    response = _no_500(_edit_form(web, project, **changes))
    optional = field in ("target_date", "ms-0-actual_date")
    if value == "" and optional:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        form = response.context["form"] if not field.startswith("ms-") else response.context["ms_formset"].forms[0]
        assert form.errors[field.removeprefix("ms-0-")], form.errors
    project.refresh_from_db()
    milestone.refresh_from_db()
    if not (value == "" and optional):
        assert project.target_date == dt.date(2027, 6, 30)
        assert (milestone.planned_date, milestone.actual_date) == (dt.date(2026, 6, 1), None)
        assert list(project.milestones.all()) == [milestone]


@pytest.mark.parametrize("value", [*PAYLOADS, "1999-12", "2101-01", "9999-12"])
@pytest.mark.parametrize(("url", "name"), [("/monthly/", "period"), ("/board/", "start")])
def test_web_period_parameters(web, project, url, name, value):
    response = _no_500(web.get(url, {name: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert (f"参数 {name}：" in html) is (value != ""), value


@pytest.mark.parametrize("value", [*PAYLOADS, "1999-12", "2101-01", "9999-12"])
def test_web_grid_save_for_a_period_out_of_range_stores_nothing(web, project, value):
    page = web.get("/monthly/", {"period": value, "park": project.park_id})
    data = form_data(page, None)
    data.update({f"r{project.pk}-amount": "10.00"})
    _no_500(web.post(f"/monthly/?period={value}&park={project.park_id}", data))
    if value:
        assert not InvestmentReport.objects.exclude(period=dt.date.today().replace(day=1)).exists()


@pytest.mark.parametrize("value", [*PAYLOADS, "1999-12", "9999-12"])
def test_web_import_template_period(web, project, value):
    response = _no_500(web.get("/imports/template/reports.xlsx", {"period": value}))
    assert response.status_code == (200 if value == "" else 400)
    if response.status_code == 400:
        assert response.content.decode().startswith("period: ")


@pytest.mark.parametrize("value", [v for v in PAYLOADS if v] + [dt.date(1999, 12, 31), dt.datetime(2101, 1, 1)])
def test_import_date_cells(value):
    with pytest.raises(ValueError) as exc:
        import_date(value)
    assert "YYYY-MM-DD" in str(exc.value) or "2000-01-01 至 2100-12-31" in str(exc.value)
    assert import_date("2026/05/31") == import_date(dt.datetime(2026, 5, 31, 8)) == dt.date(2026, 5, 31)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2101-01-01", "2026-02-30", "20260520"])
def test_import_target_date_column_names_the_row_and_stores_nothing(client, park_a_admin, city, value):
    client.force_login(park_a_admin)
    rows = [[*row, value] for row in good_rows(2)]
    response = upload(client, xlsx(rows, headers=[*PROJECT_HEADERS, "目标日期"]))
    assert response.status_code == 302
    errors = client.get(response["Location"]).context["job"]["result"]["errors"]
    assert {(e["row"], e["field"]) for e in errors} == {(2, "目标日期"), (3, "目标日期")}
    assert not Project.objects.exists()


@pytest.mark.parametrize("week", ["1999-W52", "2101-W01", "9999-W01", "0001-W01", "2026-W54", "20260520"])
def test_weeks_out_of_range(web, week):
    with pytest.raises(WeekError):
        parse_week(week)
    with pytest.raises(CommandError) as exc:
        call_command("weekly_delay_report", "--week", week)
    assert "周" in str(exc.value)
    assert not WeeklyReport.objects.exists()
    for url in [f"/reports/{week}/", f"/reports/{week}/download.xlsx"]:
        response = web.get(url)
        assert response.status_code == 400 and response.content.decode().startswith("week: ")
    assert parse_week("2000-W01") == ("2000-W01", dt.date(2000, 1, 3))
    assert parse_week("2100-W52") == ("2100-W52", dt.date(2100, 12, 27))


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "20260520"])
def test_flag_delays_as_of(value):
    with pytest.raises(CommandError):
        call_command("flag_delays", as_of=value)


def test_a_report_for_the_last_period_is_accepted(api, project):
    body = {"project": project.pk, "period": "2100-12", "amount": "10.00", "progress": "施工"}
    response = api.post("/api/v1/investment-reports/", body, format="json")
    assert response.status_code == 201
    assert InvestmentReport.objects.get().amount == Decimal("10.00")


@pytest.mark.parametrize("day", [dt.date(9998, 6, 1), dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_a_row_stored_out_of_range_before_the_rule_still_reads(api, web, project, milestone, day):
    """A row written before the validators (here: past them, with update()) reads in constant
    time without a 500: the countdown is arithmetic, the card's timeline clamps it."""
    Milestone.objects.filter(pk=milestone.pk).update(planned_date=day, baseline_date=day)
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/v1/milestones/{milestone.pk}/?as_of=2026-05-20")
    assert time.monotonic() - started < 2 and len(queries) < 10
    assert response.status_code == 200 and response.json()["days_left"] == (day - dt.date(2026, 5, 20)).days
    assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert web.get(f"/projects/{project.pk}/").status_code == 200
    assert api.get("/api/v1/milestones/?format=xlsx").status_code == 200


def test_the_operator_check_lists_rows_out_of_range_and_changes_nothing(project, milestone):
    out = StringIO()
    call_command("check_date_range", stdout=out)
    assert "所有日期均在 2000-01-01 至 2100-12-31 之内。" in out.getvalue()
    Milestone.objects.filter(pk=milestone.pk).update(planned_date=dt.date(9999, 12, 31))
    Project.objects.filter(pk=project.pk).update(target_date=dt.date(1, 1, 1))
    out = StringIO()
    with pytest.raises(CommandError, match="2 条记录的日期超出"):
        call_command("check_date_range", stdout=out)
    assert f"scheduling.Milestone #{milestone.pk}: planned_date=9999-12-31, baseline_date=2026-06-01" in out.getvalue()
    assert f"projects.Project #{project.pk}: target_date=0001-01-01" in out.getvalue()
    milestone.refresh_from_db()
    assert milestone.planned_date == dt.date(9999, 12, 31)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "20260520"])
def test_load_demo_today(value):
    with pytest.raises(CommandError, match="--today"):
        call_command("load_demo", "--today", value)
    assert not Project.objects.exists()
