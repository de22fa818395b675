"""Fixtures for the web page tests: logged-in clients per persona and a small data set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture
def today():
    return timezone.localdate()


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def client_a(client, park_a_admin):
    return login(client, park_a_admin)


@pytest.fixture
def client_commission(client, commission_user):
    return login(client, commission_user)


@pytest.fixture
def client_viewer(client, viewer_user):
    return login(client, viewer_user)


@pytest.fixture
def project_a(city, today):
    """A park-A project (in the sub-park) with one overdue and one due-soon milestone."""
    p = factories.ProjectFactory(
        name="森朗生物CAR-T商业化生产基地",
        park=city.park_a_sub,
        industry=city.bio_drug,
        total_investment=Decimal("60000.00"),
    )
    factories.MilestoneFactory(project=p, kind="signing", planned_date=today - dt.timedelta(days=40))
    factories.MilestoneFactory(project=p, kind="construction_start", planned_date=today + dt.timedelta(days=5))
    factories.AnnualPlanFactory(project=p, year=today.year, planned_investment=Decimal("12000.00"))
    return p


@pytest.fixture
def project_b(city, today):
    p = factories.ProjectFactory(name="鹿泉电子信息产业园项目", park=city.park_b, industry=city.ei_ic)
    factories.MilestoneFactory(project=p, kind="construction_start", planned_date=today + dt.timedelta(days=30))
    return p


def make_projects(city, n: int, today):
    """n projects spread over both parks, each with two milestones and a report and a plan."""
    parks = [city.park_a, city.park_a_sub, city.park_b]
    industries = [city.bio_drug, city.ei_ic]
    for i in range(n):
        p = factories.ProjectFactory(
            park=parks[i % 3], industry=industries[i % 2], status=["red", "green", "yellow"][i % 3]
        )
        factories.MilestoneFactory(project=p, kind="signing", planned_date=today - dt.timedelta(days=10 + i % 50))
        factories.MilestoneFactory(project=p, kind="construction_start", planned_date=today + dt.timedelta(days=i % 20))
        factories.ReportFactory(project=p, period=today.replace(day=1), amount=Decimal("10.50"))
        factories.AnnualPlanFactory(project=p, year=today.year)
