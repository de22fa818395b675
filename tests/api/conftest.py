"""API fixtures: a token client per persona and a small data set in two parks.

Park A (GXQ) has a sub-park (GXQ-BIO); project_a sits in the sub-park, so park A's admin
administers it through the park tree. project_b is in park B (LQ)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def clients(commission_user, viewer_user, park_a_admin, park_b_admin):
    return SimpleNamespace(
        anonymous=APIClient(),
        viewer=token_client(viewer_user),
        admin_a=token_client(park_a_admin),
        admin_b=token_client(park_b_admin),
        commission=token_client(commission_user),
    )


@pytest.fixture
def data(city):
    project_a = factories.ProjectFactory(
        name="森朗生物CAR-T商业化生产基地",
        code="2023-130171-27-03-000001",
        owner="森朗生物科技有限公司",
        park=city.park_a_sub,
        industry=city.bio_drug,
        level="provincial",
        year=2026,
        total_investment=Decimal("60000.00"),
    )
    project_b = factories.ProjectFactory(
        name="晶澳太阳能二期",
        code="2023-130110-39-03-000002",
        owner="晶澳太阳能有限公司",
        park=city.park_b,
        industry=city.ei_ic,
        level="municipal",
        year=2025,
        total_investment=Decimal("1020000.00"),
    )
    milestone_a = factories.MilestoneFactory(
        project=project_a, kind="construction_start", planned_date=dt.date(2026, 3, 1)
    )
    milestone_b = factories.MilestoneFactory(project=project_b, kind="completion", planned_date=dt.date(2026, 9, 30))
    report_a = factories.ReportFactory(project=project_a, period=dt.date(2026, 1, 1), amount=Decimal("1500.25"))
    report_b = factories.ReportFactory(project=project_b, period=dt.date(2026, 1, 1), amount=Decimal("8000.00"))
    return SimpleNamespace(
        city=city,
        project_a=project_a,
        project_b=project_b,
        milestone_a=milestone_a,
        milestone_b=milestone_b,
        report_a=report_a,
        report_b=report_b,
    )


def ids(response) -> set:
    return {row.get("id", row.get("code")) for row in response.json()["results"]}
