"""The list fast path (api.values): the JSON of a list page read with `.values_list()`
is the JSON DRF's serializer gives for the same rows, value for value, and serializers it
cannot reproduce keep DRF's path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from api.projects import InvestmentReportSerializer, ProjectDetailSerializer, ProjectSerializer
from api.values import values_plan
from projects.models import InvestmentReport, Project
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(city, park_a_admin):
    """Projects with every nullable field empty and filled, odd decimals, old and new dates."""
    plain = factories.ProjectFactory(park=city.park_a, industry=city.bio, code=None, total_investment=Decimal("0.00"))
    full = factories.ProjectFactory(
        park=city.park_a_sub,
        industry=city.bio_drug,
        code="2023-130171-27-03-000009",
        level="provincial",
        stage="planning",
        phase="二期",
        total_investment=Decimal("99999999.99"),
        annual_output=Decimal("0.10"),
        special_bond_amount=Decimal("12.30"),
        is_special_bond=True,
        latitude=Decimal("38.042300"),
        longitude=Decimal("-114.514300"),
        target_date=dt.date(2027, 12, 31),
        construction_content='<script>alert("x")</script>',
        leader="王副市长",
        contact_phone="0311-12345678",
    )
    factories.ReportFactory(project=full, period=dt.date(2026, 3, 1), amount=Decimal("0.05"), submitted_by=park_a_admin)
    factories.ReportFactory(project=plain, period=dt.date(2026, 4, 1), amount=Decimal("1234567.80"), submitted_by=None)
    return plain, full


def drf_page(serializer_class, queryset):
    return [dict(row) for row in serializer_class(queryset, many=True).data]


def test_project_list_matches_the_serializer(varied, commission_user):
    response = token_client(commission_user).get("/api/v1/projects/?ordering=id&page_size=500")
    assert response.status_code == 200
    rows = response.json()["results"]
    expected = drf_page(ProjectSerializer, Project.objects.active().order_by("id"))
    # The view adds the spend-ahead columns (scheduling.rules): no total investment (plain) or
    # no standard node (full) leaves them undefined.
    extra = [{key: row.pop(key) for key in ("spend_ahead_pp", "spend_ahead")} for row in rows]
    assert extra == [{"spend_ahead_pp": None, "spend_ahead": False}] * 2
    assert rows == expected
    full = next(r for r in rows if r["id"] == varied[1].pk)
    # The formats themselves, not only "same as DRF".
    assert full["total_investment"] == "99999999.99"
    assert full["annual_output"] == "0.10"
    assert full["latitude"] == "38.042300" and full["longitude"] == "-114.514300"
    assert full["target_date"] == "2027-12-31"
    assert full["park"] == "GXQ-BIO" and full["park_name"] == "国际生物医药园"
    assert full["is_special_bond"] is True
    assert full["created_at"].endswith("+08:00")
    plain = next(r for r in rows if r["id"] == varied[0].pk)
    assert plain["code"] is None and plain["annual_output"] is None and plain["target_date"] is None
    assert plain["total_investment"] == "0.00"


def test_report_list_matches_the_serializer(varied, commission_user):
    response = token_client(commission_user).get("/api/v1/investment-reports/?ordering=id")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows == drf_page(InvestmentReportSerializer, InvestmentReport.objects.order_by("id"))
    assert [r["amount"] for r in rows] == ["0.05", "1234567.80"]
    assert [r["submitted_by"] for r in rows] == [varied[1].reports.get().submitted_by.username, None]
    assert [r["period"] for r in rows] == ["2026-03", "2026-04"]


def test_datetimes_follow_the_active_time_zone(varied):
    plan = values_plan(ProjectSerializer)
    tuples = Project.objects.order_by("id").values_list(*plan.paths)
    with timezone.override(dt.UTC):
        fast = plan.rows(tuples)
        slow = drf_page(ProjectSerializer, Project.objects.order_by("id"))
    assert fast == slow
    assert fast[0]["created_at"].endswith("Z")


def test_values_at_another_scale_are_quantized_like_drf():
    class Amounts(serializers.ModelSerializer):
        total_investment = serializers.DecimalField(max_digits=20, decimal_places=3)
        year = serializers.CharField()  # an integer column read by a CharField: str()

        class Meta:
            model = Project
            fields = ["id", "total_investment", "year"]

    plan = values_plan(Amounts)
    assert plan is not None
    [row] = plan.rows([(1, Decimal("12.5"), 2026)])
    assert row == {"id": 1, "total_investment": "12.500", "year": "2026"}


def test_serializers_the_fast_path_cannot_reproduce_have_no_plan():
    class WithProperty(serializers.ModelSerializer):
        label = serializers.CharField(source="__str__")

        class Meta:
            model = Project
            fields = ["id", "label"]

    class ThroughReverse(serializers.ModelSerializer):
        first_report = serializers.DecimalField(source="reports.amount", max_digits=20, decimal_places=2)

        class Meta:
            model = Project
            fields = ["id", "first_report"]

    assert values_plan(ProjectDetailSerializer) is None  # method fields, nested milestones
    assert values_plan(WithProperty) is None
    assert values_plan(ThroughReverse) is None
    assert values_plan(ProjectSerializer) is not None


def test_the_filter_backend_builds_no_filter_set_without_filter_parameters(varied, commission_user):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.backends import FilterBackend
    from api.projects import ProjectViewSet

    view = ProjectViewSet()
    queryset = Project.objects.active()
    plain = Request(APIRequestFactory().get("/api/v1/projects/?page=1&page_size=10&ordering=id"))
    assert FilterBackend().filter_queryset(plain, queryset, view) is queryset
    filtered = Request(APIRequestFactory().get("/api/v1/projects/?park=GXQ-BIO"))
    assert list(FilterBackend().filter_queryset(filtered, queryset, view)) == [varied[1]]
    client = token_client(commission_user)
    assert client.get("/api/v1/projects/?level=bogus").status_code == 400
    assert client.get("/api/v1/projects/?is_special_bond=true").json()["count"] == 1


def test_ordering_by_a_related_key_follows_the_related_models_order(city, commission_user):
    """`?ordering=project` orders by Project's own order (-year, id), as DRF's path and the
    export do, not by the raw key."""
    older = factories.ProjectFactory(park=city.park_a, industry=city.bio, year=2025)
    newer = factories.ProjectFactory(park=city.park_a, industry=city.bio, year=2026)
    factories.ReportFactory(project=older, period=dt.date(2026, 1, 1))
    factories.ReportFactory(project=newer, period=dt.date(2026, 1, 1))
    client = token_client(commission_user)
    for ordering, expected in (("project", [newer.pk, older.pk]), ("-project", [older.pk, newer.pk])):
        rows = client.get(f"/api/v1/investment-reports/?ordering={ordering}").json()["results"]
        assert [r["project"] for r in rows] == expected, ordering
        csv = client.get(f"/api/v1/investment-reports/?ordering={ordering}&format=csv").content.decode("utf-8-sig")
        names = [Project.objects.get(pk=pk).name for pk in expected]
        assert csv.index(names[0]) < csv.index(names[1]), ordering  # the export agrees


def test_fields_whose_drf_output_the_plan_cannot_match_keep_drfs_path(varied):
    class ParkAsText(serializers.ModelSerializer):
        park = serializers.CharField(read_only=True)  # str(park): its name, not the key

        class Meta:
            model = Project
            fields = ["id", "park"]

    class WhoWithoutDefault(serializers.ModelSerializer):
        who = serializers.CharField(source="submitted_by.username", read_only=True)  # key left out when null

        class Meta:
            model = InvestmentReport
            fields = ["id", "who"]

    class TwoDigitYear(serializers.ModelSerializer):
        target_date = serializers.DateField(format="%y-%m-%d")

        class Meta:
            model = Project
            fields = ["id", "target_date"]

    assert values_plan(ParkAsText) is None
    assert values_plan(WhoWithoutDefault) is None
    plan = values_plan(TwoDigitYear)
    [row] = plan.rows([(1, dt.date(2027, 12, 31))])
    assert row["target_date"] == "27-12-31"
    assert values_plan(InvestmentReportSerializer).paths[1] == "project_id"


def test_boolean_filters_refuse_an_unknown_word(varied, commission_user):
    client = token_client(commission_user)
    for param in ("delayed", "is_special_bond"):
        response = client.get(f"/api/v1/projects/?{param}=maybe")
        assert response.status_code == 400, param
        assert response.json() == {param: ["应为 true 或 false。"]}
        english = client.get(f"/api/v1/projects/?{param}=maybe", HTTP_ACCEPT_LANGUAGE="en")
        assert english.json() == {param: ["Must be true or false."]}
    assert client.get("/api/v1/projects/?is_special_bond=1").json()["count"] == 1
    assert client.get("/api/v1/projects/?is_special_bond=false").json()["count"] == 1
    assert client.get("/api/v1/projects/?delayed=").json()["count"] == 2


def test_unfiltered_total_comes_with_the_page(city, commission_user, park_a_admin):
    """On PostgreSQL an unfiltered project list reads its total (the per-park counts) and the
    spend-ahead threshold in the statement of its page: the token and the page, two statements
    for the commission;
    the pages past the end, `last`, and a filtered list answer as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import require_postgres

    require_postgres()
    factories.ProjectFactory.create_batch(3, park=city.park_a, industry=city.bio)
    factories.ProjectFactory.create_batch(2, park=city.park_b, industry=city.ei)
    # (the park admin's park tree is one statement more, as before)
    for user, total, in_b, statements in ((commission_user, 5, 2, 2), (park_a_admin, 3, 0, 3)):
        client = token_client(user)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/projects/?page_size=2&page=2").json()
        assert len(ctx.captured_queries) == statements
        assert body["count"] == total and len(body["results"]) == min(2, total - 2)
        assert (body["next"] is None) == (total <= 4) and body["previous"] is not None
        last = client.get("/api/v1/projects/?page_size=2&page=last").json()
        assert last["count"] == total and len(last["results"]) == 2 - total % 2
        assert client.get("/api/v1/projects/?page_size=2&page=9").status_code == 404
        assert client.get("/api/v1/projects/?page_size=2&page=0").status_code == 404
        assert client.get("/api/v1/projects/?page_size=2&page=x").status_code == 404
        assert client.get(f"/api/v1/projects/?park={city.park_b.code}").json()["count"] == in_b
