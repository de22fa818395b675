"""Model-level milestone rules: a named `other` node, the implied order of the nodes (same day
allowed: 拿地即开工), and the baseline that stays when the plan moves."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from scheduling import rules
from scheduling.models import Milestone
from scheduling.services import milestone_create, milestone_update
from tests import factories

D = dt.date


@pytest.fixture
def project(city):
    return factories.ProjectFactory(name="陆源科技智能装备产业赋能中心项目", park=city.park_b, industry=city.ei)


def create(user, project, **data):
    return milestone_create(user=user, project=project, data=data)


@pytest.mark.django_db
def test_other_kind_needs_a_name(project, commission_user):
    with pytest.raises(ValidationError) as exc:
        create(commission_user, project, kind="other", name="  ", planned_date=D(2026, 5, 1))
    assert exc.value.message_dict["name"] == ["节点类型为“其他”时必须填写节点名称。"]
    assert not Milestone.objects.exists()
    named = create(commission_user, project, kind="other", name="GMP厂房验证", planned_date=D(2026, 5, 1))
    assert Milestone.objects.get(pk=named.pk).display_name == "GMP厂房验证"


@pytest.mark.django_db
def test_completion_before_construction_start_is_refused_naming_the_field(project, commission_user):
    create(commission_user, project, kind="construction_start", planned_date=D(2026, 3, 1))
    with pytest.raises(ValidationError) as exc:
        create(commission_user, project, kind="completion", planned_date=D(2026, 2, 28))
    assert exc.value.message_dict == {"planned_date": ["“竣工验收”的日期（2026-02-28）不能早于“开工”（2026-03-01）。"]}
    assert list(Milestone.objects.values_list("kind", flat=True)) == ["construction_start"]


@pytest.mark.django_db
def test_actual_dates_out_of_order_are_kept_with_a_warning(project, commission_user):
    """Facts as they happened: 主体完工 recorded a day before 开工 is stored, and both nodes
    say why they look wrong (scheduling.rules.order_warnings); nothing is refused."""
    start = create(commission_user, project, kind="construction_start", planned_date=D(2025, 3, 1))
    milestone_update(user=commission_user, milestone=start, data={"actual_date": D(2025, 4, 10)})
    create(commission_user, project, kind="topping_out", planned_date=D(2025, 12, 1), actual_date=D(2025, 4, 9))
    nodes = rules.set_order_warnings(Milestone.objects.order_by("planned_date"))
    assert [(m.kind, m.actual_date, m.order_warning) for m in nodes] == [
        (
            "construction_start",
            D(2025, 4, 10),
            "“开工”的实际日期（2025-04-10）晚于“主体完工”（2025-04-09），与节点顺序不符。",
        ),
        (
            "topping_out",
            D(2025, 4, 9),
            "“主体完工”的实际日期（2025-04-09）早于“开工”（2025-04-10），与节点顺序不符。",
        ),
    ]
    # In order again once corrected: no warning left.
    milestone_update(user=commission_user, milestone=start, data={"actual_date": D(2025, 4, 9)})
    assert [m.order_warning for m in rules.set_order_warnings(Milestone.objects.all())] == [None, None]


@pytest.mark.django_db
def test_moving_an_earlier_node_after_a_later_one_is_refused(project, commission_user):
    create(commission_user, project, kind="construction_start", planned_date=D(2026, 3, 1))
    create(commission_user, project, kind="completion", planned_date=D(2026, 12, 1))
    start = Milestone.objects.get(kind="construction_start")
    with pytest.raises(ValidationError) as exc:
        milestone_update(user=commission_user, milestone=start, data={"planned_date": D(2027, 1, 1)})
    assert exc.value.message_dict == {"planned_date": ["“开工”的日期（2027-01-01）不能晚于“竣工验收”（2026-12-01）。"]}
    assert Milestone.objects.get(kind="construction_start").planned_date == D(2026, 3, 1)


@pytest.mark.django_db
def test_same_day_land_permits_and_start_is_allowed(project, commission_user):
    """拿地即开工，四证齐发: land, the four permits and the start all on one day."""
    day = D(2026, 4, 18)
    for kind in (
        "land",
        "land_use_permit",
        "planning_permit",
        "construction_permit",
        "property_certificate",
        "construction_start",
    ):
        create(commission_user, project, kind=kind, planned_date=day, actual_date=day)
    assert set(Milestone.objects.values_list("planned_date", "actual_date")) == {(day, day)}
    assert Milestone.objects.count() == 6


@pytest.mark.django_db
def test_baseline_is_the_first_planned_date_and_stays_when_the_plan_moves(project, commission_user):
    node = create(commission_user, project, kind="construction_start", planned_date=D(2026, 3, 1))
    milestone_update(user=commission_user, milestone=node, data={"planned_date": D(2026, 5, 20)})
    milestone_update(user=commission_user, milestone=node, data={"planned_date": D(2026, 6, 30)})
    node.refresh_from_db()
    assert (node.baseline_date, node.planned_date) == (D(2026, 3, 1), D(2026, 6, 30))
    assert [h.planned_date for h in node.history.order_by("history_date", "history_id")] == [
        D(2026, 3, 1),
        D(2026, 5, 20),
        D(2026, 6, 30),
    ]
    assert {h.history_user.username for h in node.history.all()} == {"commission"}


@pytest.mark.django_db
def test_plain_save_sets_the_baseline_once(project):
    node = Milestone.objects.create(project=project, kind="completion", planned_date=D(2027, 1, 1))
    node.planned_date = D(2027, 3, 1)
    node.save()
    node.refresh_from_db()
    assert node.baseline_date == D(2027, 1, 1)


@pytest.mark.django_db
def test_database_refuses_an_unnamed_other_node(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.bulk_create(
            [Milestone(project=project, kind="other", name="", planned_date=D(2026, 1, 1), baseline_date=D(2026, 1, 1))]
        )
    node = Milestone.objects.create(project=project, kind="other", name="环评批复", planned_date=D(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(pk=node.pk).update(name="")
    assert Milestone.objects.get(pk=node.pk).name == "环评批复"
