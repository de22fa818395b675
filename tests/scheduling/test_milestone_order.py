"""The order rule in both directions: a node may not move before a node that must precede it,
nor after one that must follow it; old out-of-order data does not block unrelated edits."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from scheduling.models import Milestone
from scheduling.services import milestone_create, milestone_update
from tests import factories

D = dt.date

pytestmark = pytest.mark.django_db


def test_moving_start_after_completion_is_refused_with_a_message(city, commission_user):
    project = factories.ProjectFactory(park=city.park_a)
    start = milestone_create(
        user=commission_user, project=project, data={"kind": "construction_start", "planned_date": D(2026, 3, 1)}
    )
    milestone_create(user=commission_user, project=project, data={"kind": "completion", "planned_date": D(2026, 12, 1)})
    with pytest.raises(ValidationError) as exc:
        milestone_update(user=commission_user, milestone=start, data={"planned_date": D(2027, 1, 1)})
    assert exc.value.message_dict == {"planned_date": ["“开工”的日期（2027-01-01）不能晚于“竣工验收”（2026-12-01）。"]}
    assert Milestone.objects.get(pk=start.pk).planned_date == D(2026, 3, 1)


def test_old_out_of_order_data_does_not_block_an_unrelated_edit(city, commission_user):
    project = factories.ProjectFactory(park=city.park_a)
    # Imported long ago in the wrong order (saved without clean()).
    factories.MilestoneFactory(project=project, kind="topping_out", planned_date=D(2026, 1, 1))
    factories.MilestoneFactory(project=project, kind="construction_start", planned_date=D(2026, 2, 1))
    signing = milestone_create(
        user=commission_user, project=project, data={"kind": "signing", "planned_date": D(2025, 1, 1)}
    )
    milestone_update(user=commission_user, milestone=signing, data={"planned_date": D(2025, 2, 1)})
    assert Milestone.objects.get(pk=signing.pk).planned_date == D(2025, 2, 1)
