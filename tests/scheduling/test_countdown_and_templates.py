"""Countdowns (倒计时) in calendar and working days, and backward schedules (倒排工期) from
templates in calendar or working days."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from scheduling.models import DurationUnit, Milestone, ScheduleTemplate, TemplateStep
from scheduling.selectors import attach_countdowns, countdown, slip_days, with_days_left
from scheduling.services import apply_template, milestone_update, template_dates
from tests import factories

D = dt.date

pytestmark = pytest.mark.django_db


def node(planned, actual=None, project=None):
    return factories.MilestoneFactory(
        project=project or factories.ProjectFactory(),
        kind="other",
        name="节点",
        planned_date=planned,
        actual_date=actual,
    )


def test_countdown_across_national_day_2025():
    # After 09-26 up to 10-09: 09-28 (调休 Sunday), 09-29, 09-30, 10-09 → 4 working days, 13 calendar days.
    assert countdown(node(D(2025, 10, 9)), as_of=D(2025, 9, 26)) == {
        "days": 13,
        "workdays": 4,
        "official_calendar": True,
    }


def test_countdown_is_negative_when_overdue_and_zero_when_due_today():
    assert countdown(node(D(2025, 9, 30)), as_of=D(2025, 10, 9)) == {
        "days": -9,
        "workdays": -1,
        "official_calendar": True,
    }
    assert countdown(node(D(2025, 10, 9)), as_of=D(2025, 10, 9)) == {
        "days": 0,
        "workdays": 0,
        "official_calendar": True,
    }


def test_countdown_of_a_completed_milestone_is_empty_but_not_before_completion():
    done = node(D(2025, 10, 9), actual=D(2025, 10, 10))
    assert countdown(done, as_of=D(2025, 10, 10))["days"] is None
    # On 10-09 it was still open (completed the day after).
    assert countdown(done, as_of=D(2025, 10, 9))["days"] == 0


def test_countdown_into_a_year_the_package_does_not_know_says_so():
    result = countdown(node(D(2027, 1, 8)), as_of=D(2026, 12, 31))
    # 2027 falls back to Mon–Fri: 01-01 (Fri), 01-04..01-08 → 6.
    assert result == {"days": 8, "workdays": 6, "official_calendar": False}


def test_attach_countdowns_costs_no_query_per_row(django_assert_max_num_queries):
    project = factories.ProjectFactory()
    for day in range(1, 21):
        node(D(2025, 10, day), project=project)
    rows = list(Milestone.objects.filter(project=project))
    with django_assert_max_num_queries(0):
        items = attach_countdowns(rows, as_of=D(2025, 9, 30))
    assert [item.countdown["workdays"] for item in items[:10]] == [0, 0, 0, 0, 0, 0, 0, 0, 1, 2]
    assert items[10].countdown["workdays"] == 3  # 10-11 is a 调休 Saturday


def test_days_left_is_annotated_in_sql():
    a = node(D(2026, 6, 1))
    b = node(D(2026, 5, 1))
    rows = dict(with_days_left(Milestone.objects.all(), as_of=D(2026, 5, 20)).values_list("pk", "days_left"))
    assert rows == {a.pk: 12, b.pk: -19}


def test_moving_a_milestone_keeps_its_baseline_and_shows_the_slip(commission_user):
    m = factories.MilestoneFactory(planned_date=D(2026, 6, 1))
    milestone_update(user=commission_user, milestone=m, data={"planned_date": D(2026, 6, 20)})
    milestone_update(user=commission_user, milestone=m, data={"planned_date": D(2026, 7, 1)})
    m.refresh_from_db()
    assert (m.baseline_date, m.planned_date, slip_days(m)) == (D(2026, 6, 1), D(2026, 7, 1), 30)


@pytest.fixture
def template():
    t = ScheduleTemplate.objects.create(name="工业项目（投产）", target_kind="production_start")
    TemplateStep.objects.create(template=t, kind="signing", offset=365)
    TemplateStep.objects.create(template=t, kind="construction_start", offset=200)
    TemplateStep.objects.create(template=t, kind="topping_out", offset=60)
    TemplateStep.objects.create(template=t, kind="completion", offset=10, unit=DurationUnit.WORKING)
    return t


EXPECTED = [
    ("signing", D(2024, 10, 20)),  # 365 calendar days before 2025-10-20
    ("construction_start", D(2025, 4, 3)),  # 200 calendar days
    ("topping_out", D(2025, 8, 21)),  # 60 calendar days
    # 10 working days back from Mon 10-20: 17, 16, 15, 14, 13, 11 (调休 Sat), 10, 9, 09-30, 09-29.
    ("completion", D(2025, 9, 29)),
    ("production_start", D(2025, 10, 20)),  # the target itself
]


def test_template_dates_work_backwards(template):
    dates = template_dates(template=template, target_date=D(2025, 10, 20))
    assert [(kind, day) for kind, _name, day in dates] == EXPECTED


def test_apply_template_creates_the_milestones_once(template, city, park_a_admin):
    project = factories.ProjectFactory(park=city.park_a)
    created = apply_template(user=park_a_admin, project=project, template=template, target_date=D(2025, 10, 20))
    assert [(m.kind, m.planned_date, m.baseline_date) for m in created] == [(k, d, d) for k, d in EXPECTED]
    assert apply_template(user=park_a_admin, project=project, template=template, target_date=D(2025, 10, 20)) == []
    assert project.milestones.count() == 5


def test_apply_template_refuses_an_order_conflict_and_stores_nothing(template, city, commission_user):
    project = factories.ProjectFactory(park=city.park_a)
    factories.MilestoneFactory(project=project, kind="full_capacity", planned_date=D(2025, 6, 1))  # before 投产
    with pytest.raises(ValidationError):
        apply_template(user=commission_user, project=project, template=template, target_date=D(2025, 10, 20))
    assert project.milestones.count() == 1


def test_apply_template_on_another_parks_project_is_refused(template, city, park_b_admin):
    project = factories.ProjectFactory(park=city.park_a)
    with pytest.raises(PermissionDenied):
        apply_template(user=park_b_admin, project=project, template=template, target_date=D(2025, 10, 20))
    assert project.milestones.count() == 0
