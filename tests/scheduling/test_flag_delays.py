"""flag_delays: overdue / due soon exactly as the contract defines them, the delay record
lifecycle, project colours, 投资滞后, idempotence and a constant number of statements."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.models import Project
from scheduling import rules
from scheduling.models import DelayRecord, Milestone, SchedulingSettings
from scheduling.selectors import due_soon_milestones, overdue_milestones
from scheduling.services import _flag_delays_sql, flag_delays, flag_delays_params, refresh_next_milestones
from tests import factories

from .conftest import delay_rows, project_rows

D = dt.date
AS_OF = D(2026, 5, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(make_project, make_milestone):
    """As of 2026-05-20 (defaults: red from 31 days, due soon within 14 days)."""
    p_red = make_project("红色项目")
    p_yellow = make_project("黄色项目")
    p_soon = make_project("临期项目")
    p_green = make_project("正常项目")
    p_after = make_project("事后完成项目")
    m = {
        "red31": make_milestone(p_red, D(2026, 4, 19)),  # 31 days → red
        "one": make_milestone(p_red, D(2026, 5, 19)),  # 1 day → yellow
        "thirty": make_milestone(p_yellow, D(2026, 4, 20)),  # 30 days → yellow
        "today_y": make_milestone(p_yellow, AS_OF),  # due today → due soon, not overdue
        "today": make_milestone(p_soon, AS_OF),
        "soon14": make_milestone(p_soon, D(2026, 6, 3)),  # D + 14 → due soon
        "day15": make_milestone(p_green, D(2026, 6, 4)),  # D + 15 → neither
        "done_on": make_milestone(p_green, D(2026, 5, 1), actual=AS_OF),  # completed on D → closed
        "done_after": make_milestone(p_after, D(2026, 5, 1), actual=D(2026, 5, 25)),  # still open on D: 19 days
    }
    return {"projects": (p_red, p_yellow, p_soon, p_green, p_after), "m": m}


def test_selectors_follow_the_contract_definitions(scene):
    m = scene["m"]
    overdue = {x.pk: (x.days_overdue, x.severity) for x in overdue_milestones(as_of=AS_OF)}
    assert overdue == {
        m["red31"].pk: (31, "red"),
        m["one"].pk: (1, "yellow"),
        m["thirty"].pk: (30, "yellow"),
        m["done_after"].pk: (19, "yellow"),
    }
    soon = {x.pk: x.days_left for x in due_soon_milestones(as_of=AS_OF)}
    assert soon == {m["today_y"].pk: 0, m["today"].pk: 0, m["soon14"].pk: 14}


def test_first_run_opens_records_and_colours_projects(scene):
    m = scene["m"]
    summary = flag_delays(as_of=AS_OF)
    assert summary == {
        "as_of": "2026-05-20",
        "overdue": 4,
        "red": 1,
        "yellow": 3,
        "due_soon": 3,
        "opened": 4,
        "updated": 0,
        "closed": 0,
        "projects_status_changed": 5,  # no_schedule is the default: p_green turns green too
        "projects_investment_status_changed": 0,  # no plans: stays "none"
    }
    records = {r.milestone_id: r for r in DelayRecord.objects.all()}
    assert {
        pk: (r.opened_on, r.last_seen_on, r.days_overdue, r.severity, r.closed_on) for pk, r in records.items()
    } == {
        m["red31"].pk: (D(2026, 4, 20), AS_OF, 31, "red", None),
        m["one"].pk: (AS_OF, AS_OF, 1, "yellow", None),
        m["thirty"].pk: (D(2026, 4, 21), AS_OF, 30, "yellow", None),
        m["done_after"].pk: (D(2026, 5, 2), AS_OF, 19, "yellow", None),
    }
    p_red, p_yellow, p_soon, p_green, p_after = scene["projects"]
    status = dict(Project.objects.values_list("pk", "status"))
    assert status == {
        p_red.pk: "red",
        p_yellow.pk: "yellow",
        p_soon.pk: "due_soon",
        p_green.pk: "green",
        p_after.pk: "yellow",
    }


def test_running_twice_changes_nothing_the_second_time(scene):
    flag_delays(as_of=AS_OF)
    before = (delay_rows(), project_rows())
    summary = flag_delays(as_of=AS_OF)
    assert (summary["opened"], summary["updated"], summary["closed"], summary["projects_status_changed"]) == (
        0,
        0,
        0,
        0,
    )
    assert (delay_rows(), project_rows()) == before


def test_next_days_update_close_and_reopen(scene):
    m = scene["m"]
    flag_delays(as_of=AS_OF)
    # Day 2: "thirty" turns red at 31 days; the nodes due yesterday are now 1 day overdue.
    summary = flag_delays(as_of=D(2026, 5, 21))
    assert (summary["opened"], summary["updated"], summary["closed"]) == (2, 4, 0)
    thirty = DelayRecord.objects.get(milestone=m["thirty"])
    assert (thirty.days_overdue, thirty.severity, thirty.last_seen_on) == (31, "red", D(2026, 5, 21))
    today = DelayRecord.objects.get(milestone=m["today"])
    assert (today.opened_on, today.days_overdue, today.severity) == (D(2026, 5, 21), 1, "yellow")

    # Completing a node closes its record on the completion date; replanning closes it too.
    m["one"].actual_date = D(2026, 5, 21)
    m["one"].save()
    m["red31"].planned_date = D(2026, 6, 30)
    m["red31"].save()
    summary = flag_delays(as_of=D(2026, 5, 22))
    assert summary["closed"] == 2
    one = DelayRecord.objects.get(milestone=m["one"])
    assert (one.closed_on, one.close_reason, one.days_overdue) == (D(2026, 5, 21), "completed", 2)
    replanned = DelayRecord.objects.get(milestone=m["red31"])
    assert (replanned.closed_on, replanned.close_reason, replanned.planned_date) == (
        D(2026, 5, 22),
        "replanned",
        D(2026, 4, 19),
    )
    assert m["red31"].__class__.objects.get(pk=m["red31"].pk).baseline_date == D(2026, 4, 19)

    # Replanned to a date that is missed too: a second record, history kept.
    m["red31"].planned_date = D(2026, 5, 21)
    m["red31"].save()
    flag_delays(as_of=D(2026, 5, 23))
    records = list(
        DelayRecord.objects.filter(milestone=m["red31"])
        .order_by("opened_on")
        .values_list("planned_date", "opened_on", "days_overdue", "closed_on")
    )
    assert records == [
        (D(2026, 4, 19), D(2026, 4, 20), 32, D(2026, 5, 22)),
        (D(2026, 5, 21), D(2026, 5, 22), 2, None),
    ]
    # 05-25: done_after is completed → closed on its completion day.
    flag_delays(as_of=D(2026, 5, 26))
    after = DelayRecord.objects.get(milestone=m["done_after"])
    assert (after.closed_on, after.close_reason, after.days_overdue, after.last_seen_on) == (
        D(2026, 5, 25),
        "completed",
        22,
        D(2026, 5, 23),
    )


def test_a_run_for_a_past_date_never_rewrites_newer_records(scene):
    m = scene["m"]
    flag_delays(as_of=D(2026, 5, 21))
    m["one"].actual_date = D(2026, 5, 21)
    m["one"].save()
    flag_delays(as_of=D(2026, 5, 22))
    before = delay_rows()
    summary = flag_delays(as_of=AS_OF)  # the past: one was still open then, and is on record
    assert (summary["opened"], summary["updated"], summary["closed"]) == (0, 0, 0)
    assert summary["overdue"] == 4  # the figures of that day are still those of that day
    assert delay_rows() == before


def test_a_past_date_finds_a_delay_that_was_never_recorded(make_project, make_milestone):
    project = make_project()
    node = make_milestone(project, D(2026, 3, 1), actual=D(2026, 4, 15))
    summary = flag_delays(as_of=D(2026, 4, 1))
    assert (summary["overdue"], summary["opened"]) == (1, 1)
    record = DelayRecord.objects.get(milestone=node)
    assert (record.opened_on, record.days_overdue, record.severity, record.closed_on) == (
        D(2026, 3, 2),
        31,
        "red",
        None,
    )
    flag_delays(as_of=D(2026, 5, 1))
    record.refresh_from_db()
    assert (record.closed_on, record.close_reason) == (D(2026, 4, 15), "completed")
    # Running 04-01 again does not reopen the episode it already closed.
    assert flag_delays(as_of=D(2026, 4, 1))["opened"] == 0
    assert DelayRecord.objects.filter(milestone=node).count() == 1


def test_thresholds_come_from_the_settings(scene):
    settings = SchedulingSettings.load()
    settings.red_after_days = 30
    settings.due_soon_days = 15
    settings.save()
    summary = flag_delays(as_of=AS_OF)
    assert (summary["red"], summary["yellow"], summary["due_soon"]) == (2, 2, 4)
    assert DelayRecord.objects.get(milestone=scene["m"]["thirty"]).severity == "red"
    # Changing them back re-grades the open records on the next run of the same day.
    settings.red_after_days = 31
    settings.save()
    flag_delays(as_of=AS_OF)
    assert DelayRecord.objects.get(milestone=scene["m"]["thirty"]).severity == "yellow"


def test_archived_projects_are_not_flagged_and_their_records_close(make_project, make_milestone):
    project = make_project()
    node = make_milestone(project, D(2026, 5, 1))
    flag_delays(as_of=AS_OF)
    Project.objects.filter(pk=project.pk).update(archived_at=dt.datetime(2026, 5, 20, 12, tzinfo=dt.UTC))
    summary = flag_delays(as_of=D(2026, 5, 21))
    assert (summary["overdue"], summary["closed"]) == (0, 1)
    record = DelayRecord.objects.get(milestone=node)
    assert (record.close_reason, record.closed_on) == ("archived", D(2026, 5, 21))


@pytest.mark.parametrize(
    ("ytd", "expected"),
    [
        (Decimal("320.00"), "green"),  # exactly 80 % of 1200 × 4/12 = 400
        (Decimal("319.99"), "yellow"),
        (Decimal("200.00"), "yellow"),  # exactly 50 %
        (Decimal("199.99"), "red"),
    ],
)
def test_investment_status_is_ytd_against_the_plan_pro_rata(make_project, ytd, expected):
    project = make_project()
    factories.AnnualPlanFactory(project=project, year=2026, planned_investment=Decimal("1200.00"))
    # As of 2026-05-20 the last full month is April: months 1–4 count, May and 2025 do not.
    factories.ReportFactory(project=project, period=D(2026, 1, 1), amount=ytd - Decimal("100.00"))
    factories.ReportFactory(project=project, period=D(2026, 4, 1), amount=Decimal("100.00"))
    factories.ReportFactory(project=project, period=D(2026, 5, 1), amount=Decimal("5000.00"))
    factories.ReportFactory(project=project, period=D(2025, 12, 1), amount=Decimal("5000.00"))
    flag_delays(as_of=AS_OF)
    project.refresh_from_db()
    assert project.investment_status == expected


def test_investment_status_without_a_plan_and_in_january(make_project):
    make_project("无计划")
    zero_plan = make_project("零计划")
    factories.AnnualPlanFactory(project=zero_plan, year=2026, planned_investment=Decimal("0"))
    last_year = make_project("跨年")
    # In January the last full month is December of the year before: the whole 2025 plan.
    factories.AnnualPlanFactory(project=last_year, year=2025, planned_investment=Decimal("1200.00"))
    factories.ReportFactory(project=last_year, period=D(2025, 12, 1), amount=Decimal("900.00"))
    flag_delays(as_of=D(2026, 1, 10))
    statuses = dict(Project.objects.values_list("name", "investment_status"))
    assert statuses == {"无计划": "none", "零计划": "none", "跨年": "yellow"}  # 900 / 1200 = 75 %


def _populate(make_project, make_milestone, n):
    for i in range(n):
        project = make_project(f"规模{i}")
        factories.AnnualPlanFactory(project=project, year=2026)
        factories.ReportFactory(project=project, period=D(2026, 3, 1))
        make_milestone(project, D(2026, 1, 1) + dt.timedelta(days=i * 7 % 140))
        make_milestone(project, D(2026, 4, 1), actual=D(2026, 4, 1) + dt.timedelta(days=i % 60))
        make_milestone(project, D(2026, 5, 25))


def _count_queries(as_of):
    with CaptureQueriesContext(connection) as ctx:
        flag_delays(as_of=as_of)
    return len(ctx.captured_queries)


def test_the_number_of_statements_does_not_grow_with_the_data(make_project, make_milestone):
    SchedulingSettings.load()
    _populate(make_project, make_milestone, 3)
    small = (_count_queries(AS_OF), _count_queries(D(2026, 5, 27)))
    _populate(make_project, make_milestone, 30)
    large = (_count_queries(AS_OF), _count_queries(D(2026, 5, 27)))
    assert DelayRecord.objects.count() > 20
    assert small == large
    assert small[0] <= 12


def test_a_milestone_edit_refreshes_only_its_projects_colour_after_commit(
    make_project, make_milestone, commission_user, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import timezone

    from scheduling.services import milestone_update

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: AS_OF)
    edited, other = make_project("改期项目"), make_project("其他项目")
    late = make_milestone(edited, D(2026, 4, 1))
    make_milestone(other, D(2026, 4, 1))
    flag_delays(as_of=AS_OF)
    assert set(Project.objects.values_list("status", flat=True)) == {"red"}
    # Somebody else's project turns green behind the job's back: the refresh must not touch it.
    Project.objects.filter(pk=other.pk).update(status="green")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        milestone_update(user=commission_user, milestone=late, data={"planned_date": D(2026, 5, 30)})
    assert len(callbacks) == 1
    assert dict(Project.objects.values_list("name", "status")) == {"改期项目": "due_soon", "其他项目": "green"}
    # The delay record is the daily job's: still open until flag_delays runs.
    assert DelayRecord.objects.get(milestone=late).closed_on is None


def test_a_deleted_milestone_keeps_its_delay_history(make_project, make_milestone, commission_user, monkeypatch):
    from django.utils import timezone

    from scheduling.services import milestone_delete

    project = make_project("删除节点项目")
    through_service = make_milestone(project, D(2026, 5, 1), name="供水")
    behind_the_back = make_milestone(project, D(2026, 5, 2), name="供电")
    flag_delays(as_of=AS_OF)
    record = DelayRecord.objects.get(milestone=through_service)
    assert (record.project_id, record.kind, record.name) == (project.pk, "other", "供水")

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 5, 21))
    milestone_delete(user=commission_user, milestone=through_service)
    record.refresh_from_db()
    assert (record.milestone_id, record.closed_on, record.close_reason, record.display_name) == (
        None,
        D(2026, 5, 21),
        "deleted",
        "供水",
    )
    # Deleted without the service (e.g. the admin): the next run closes the orphaned record.
    orphan = DelayRecord.objects.get(milestone=behind_the_back)
    behind_the_back.delete()
    summary = flag_delays(as_of=D(2026, 5, 22))
    orphan.refresh_from_db()
    assert (orphan.milestone_id, orphan.closed_on, orphan.close_reason, orphan.days_overdue) == (
        None,
        D(2026, 5, 22),
        "deleted",
        18,
    )
    assert summary["closed"] == 1
    assert DelayRecord.objects.filter(project=project).count() == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6), offset=st.integers(min_value=-40, max_value=40))
def test_flag_delays_stores_the_next_node_and_statuses_as_the_separate_statements(city, seed, offset):
    """Property: whatever the milestones and the day (a past one too), after flag_delays each
    project's stored next node is the rule's (ORM = SQL = Python), and the separate statements
    (refresh_next_milestones, the status and investment UPDATEs) find nothing left to change:
    on PostgreSQL all of them are written by the one data-modifying statement, on SQLite by each."""
    rng = random.Random(seed)
    as_of = AS_OF + dt.timedelta(days=offset)
    projects = [factories.ProjectFactory(park=city.park_a, industry=city.bio_drug) for _ in range(4)]
    for p in projects:
        for i in range(rng.randint(0, 4)):
            planned = AS_OF + dt.timedelta(days=rng.randint(-60, 60))
            actual = rng.choice([None, planned, AS_OF + dt.timedelta(days=rng.randint(-30, 30))])
            factories.MilestoneFactory(
                project=p, kind="other", name=f"节点{rng.randint(0, 2)}", planned_date=planned,
                actual_date=actual, sequence=rng.randint(0, 2),
            )  # fmt: skip
    if rng.random() < 0.5:  # stored values of another day (the edits refreshed for today)
        flag_delays(as_of=as_of + dt.timedelta(days=rng.randint(-20, 20)))
    flag_delays(as_of=as_of)
    for p in Project.objects.filter(pk__in=[p.pk for p in projects]):
        orm = rules.next_milestones(as_of, project=p).values_list("planned_date", "kind", "name").first()
        nxt = rules.next_milestone_of(Milestone.objects.filter(project=p), as_of)
        python = (nxt.planned_date, nxt.kind, nxt.name) if nxt else None
        assert (p.next_date, p.next_kind, p.next_name) == (orm or (None, "", "")), seed
        assert orm == python
    assert refresh_next_milestones(as_of=as_of) == 0
    params = flag_delays_params(as_of=as_of, settings=SchedulingSettings.load())
    with connection.cursor() as cursor:
        for name in ("status", "investment"):
            cursor.execute(_flag_delays_sql()[name], params)
            assert cursor.rowcount == 0, name


class _Rollback(Exception):
    pass


def _records():
    """The delay records without their ids (a rolled-back insert still uses up sequence values)."""
    return sorted(
        DelayRecord.objects.values_list(
            "milestone_id", "project_id", "kind", "name", "planned_date", "opened_on", "last_seen_on",
            "days_overdue", "severity", "closed_on", "close_reason",
        ),
        key=repr,
    )  # fmt: skip


def _separate_delay_statements(as_of):
    """The delay records after the separate close / update / open statements (SQLite's form) for
    `as_of`, with their row counts; rolled back."""
    params = flag_delays_params(as_of=as_of, settings=SchedulingSettings.load())
    counts = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for name, key in (("close", "closed"), ("update", "updated"), ("open", "opened")):
                cursor.execute(_flag_delays_sql()[name], params)
                counts[key] = cursor.rowcount
            rows = _records()
            raise _Rollback
    except _Rollback:
        pass
    return rows, counts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the CTE form is PostgreSQL's")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_the_combined_statement_keeps_the_delay_records_as_the_separate_statements(city, seed):
    """Property: on PostgreSQL the delay records are kept by data-modifying CTEs of the one
    combined statement; over days of edits (completed, replanned, deleted nodes, archived
    projects, runs for past dates) they end as the separate close / update / open statements
    leave them, with the same counts in the summary."""
    rng = random.Random(seed)
    projects = [factories.ProjectFactory(park=city.park_a, industry=city.bio_drug) for _ in range(4)]
    for p in projects:
        for _ in range(rng.randint(0, 5)):
            factories.MilestoneFactory(
                project=p, kind="other", name=f"节点{rng.randint(0, 2)}",
                planned_date=AS_OF + dt.timedelta(days=rng.randint(-60, 20)), actual_date=None,
            )  # fmt: skip
    day = AS_OF
    for _ in range(5):
        day += dt.timedelta(days=rng.choice([-10, -1, 1, 1, 3, 20]))
        expected, counts = _separate_delay_statements(day)
        summary = flag_delays(as_of=day)
        assert _records() == expected, (seed, day)
        assert {key: summary[key] for key in counts} == counts, (seed, day)
        milestones = list(Milestone.objects.filter(project__in=projects))
        for m in rng.sample(milestones, k=min(len(milestones), 3)):
            change = rng.choice(["replan", "complete", "complete_later", "delete", "nothing"])
            if change == "replan":
                Milestone.objects.filter(pk=m.pk).update(planned_date=m.planned_date + dt.timedelta(rng.randint(-9, 9)))
            elif change == "complete":
                Milestone.objects.filter(pk=m.pk).update(actual_date=day - dt.timedelta(days=rng.randint(0, 5)))
            elif change == "complete_later":
                Milestone.objects.filter(pk=m.pk).update(actual_date=day + dt.timedelta(days=rng.randint(1, 5)))
            elif change == "delete":
                m.delete()
        if rng.random() < 0.2:
            Project.objects.filter(pk=rng.choice(projects).pk).update(
                archived_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
            )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the CTE form is PostgreSQL's")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_the_combined_statement_grades_investment_as_the_separate_statement(city, seed):
    """Property: on PostgreSQL the combined statement reads the year to date from the reports'
    stored running sums (the graded month's report or one of the two before it, else a probe
    backwards); the separate statement 5 (SQLite's form) sums the year's counted reports. Over
    random reports (gaps of months, every status, last year's) and days (January included),
    both grade every project the same."""
    rng = random.Random(seed)
    projects = [factories.ProjectFactory(park=city.park_a, industry=city.bio_drug) for _ in range(5)]
    months = [D(y, m, 1) for y in (2025, 2026) for m in range(1, 13)]
    for p in projects:
        for year in (2025, 2026):
            if rng.random() < 0.8:
                plan = Decimal(rng.choice([0, 120, 1200, 5000]))
                factories.AnnualPlanFactory(project=p, year=year, planned_investment=plan)
        for period in rng.sample(months, k=rng.randint(0, 10)):
            factories.ReportFactory(
                project=p, period=period, amount=Decimal(rng.randint(0, 900)),
                status=rng.choice(["draft", "submitted", "approved", "returned"]),
            )  # fmt: skip
    # One project graded on every day drawn (plans both years, a counted report in each), so
    # the comparison never rests on every project staying "none".
    graded = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
    for year in (2025, 2026):
        factories.AnnualPlanFactory(project=graded, year=year, planned_investment=Decimal("1200"))
        factories.ReportFactory(project=graded, period=D(year, 1, 1), amount=Decimal("100"), status="approved")
    params_for = lambda day: flag_delays_params(as_of=day, settings=SchedulingSettings.load())  # noqa: E731
    for day in rng.sample([D(2026, 1, 10), D(2026, 2, 3), D(2026, 3, 31), D(2026, 7, 1), D(2026, 12, 7)], k=3):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                Project.objects.update(investment_status="none")
                cursor.execute(_flag_delays_sql()["investment"], params_for(day))
                expected = dict(Project.objects.values_list("pk", "investment_status"))
                raise _Rollback
        except _Rollback:
            pass
        assert expected[graded.pk] != "none", (seed, day)
        flag_delays(as_of=day)
        assert dict(Project.objects.values_list("pk", "investment_status")) == expected, (seed, day)
