from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from escalation.models import Department
from tests import factories


@pytest.fixture
def esc(city):
    project_a = factories.ProjectFactory(name="森朗生物基地", park=city.park_a_sub, industry=city.bio_drug)
    project_b = factories.ProjectFactory(name="晶澳二期", park=city.park_b, industry=city.ei_ic)
    power = Department.objects.create(name="供电公司", email="power@example.cn")
    land = Department.objects.create(name="自然资源和规划局", email="")
    return SimpleNamespace(project_a=project_a, project_b=project_b, power=power, land=land, today=dt.date(2026, 12, 2))
