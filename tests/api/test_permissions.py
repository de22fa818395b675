"""The permission matrix: every endpoint × {anonymous, viewer, park admin of the object's park,
park admin of another park, commission} × {list, retrieve, create, update, delete}.

The object is always in park A's sub-park (GXQ-BIO), so `admin_a` administers it through the
park tree and `admin_b` (park LQ) must not even learn that it exists (404). Lists must contain
exactly the expected objects."""

from __future__ import annotations

import pytest

from parks.models import Industry, Park
from projects.models import InvestmentReport, Project
from scheduling.models import Milestone

ROLES = ["anonymous", "viewer", "admin_a", "admin_b", "commission"]
API = "/api/v1/"

pytestmark = pytest.mark.django_db


def _client(clients, role):
    return getattr(clients, role)


# --- lists: status and exactly the expected objects ----------------------------------------------

LIST_EXPECTED = {
    # resource: role -> expected set of names of data objects ("a", "b"), or None for 401
    "projects": {"viewer": {"a", "b"}, "admin_a": {"a"}, "admin_b": {"b"}, "commission": {"a", "b"}},
    "milestones": {"viewer": {"a", "b"}, "admin_a": {"a"}, "admin_b": {"b"}, "commission": {"a", "b"}},
    "investment-reports": {"viewer": {"a", "b"}, "admin_a": {"a"}, "admin_b": {"b"}, "commission": {"a", "b"}},
    "delays": {"viewer": {"a", "b"}, "admin_a": {"a"}, "admin_b": {"b"}, "commission": {"a", "b"}},
}


def _object_ids(data, resource):
    if resource == "projects":
        return {"a": data.project_a.pk, "b": data.project_b.pk}
    if resource in ("milestones", "delays"):
        return {"a": data.milestone_a.pk, "b": data.milestone_b.pk}
    return {"a": data.report_a.pk, "b": data.report_b.pk}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(LIST_EXPECTED))
def test_list_scoped_per_role(clients, data, resource, role):
    url = f"{API}{resource}/?page_size=500" + ("&as_of=2026-12-01" if resource == "delays" else "")
    response = _client(clients, role).get(url)
    if role == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        return
    assert response.status_code == 200, response.content
    key = "milestone" if resource == "delays" else "id"
    got = {row[key] for row in response.json()["results"]}
    by_name = _object_ids(data, resource)
    assert got == {by_name[n] for n in LIST_EXPECTED[resource][role]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", ["parks", "industries", "stats/industry-investment", "weekly-reports"])
def test_reference_and_stats_lists_readable_by_every_role(clients, data, resource, role):
    response = _client(clients, role).get(f"{API}{resource}/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    if resource == "parks":
        assert {row["code"] for row in response.json()["results"]} == {"GXQ", "GXQ-BIO", "LQ"}
    if resource == "industries":
        assert {row["code"] for row in response.json()["results"]} == {"BIO", "BIO-DRUG", "EI", "EI-IC"}


# --- projects --------------------------------------------------------------------------------------

RETRIEVE = {"anonymous": 401, "viewer": 200, "admin_a": 200, "admin_b": 404, "commission": 200}
UPDATE = {"anonymous": 401, "viewer": 403, "admin_a": 200, "admin_b": 404, "commission": 200}


@pytest.mark.parametrize("role", ROLES)
def test_project_retrieve(clients, data, role):
    response = _client(clients, role).get(f"{API}projects/{data.project_a.pk}/")
    assert response.status_code == RETRIEVE[role]
    if response.status_code == 200:
        assert response.json()["name"] == "森朗生物CAR-T商业化生产基地"


def _project_payload(park="GXQ-BIO"):
    return {
        "name": "石药巨石生物抗体二期",
        "owner": "石药集团巨石生物制药有限公司",
        "park": park,
        "industry": "BIO-DRUG",
        "level": "municipal",
        "year": 2026,
        "stage": "signed",
        "total_investment": "35000.50",
    }


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 401), ("viewer", 403), ("admin_a", 201), ("admin_b", 400), ("commission", 201)]
)
def test_project_create_in_park_a(clients, data, role, expected):
    before = Project.objects.count()
    response = _client(clients, role).post(f"{API}projects/", _project_payload(), format="json")
    assert response.status_code == expected, response.content
    if expected == 400:
        assert "park" in response.json()
    assert Project.objects.count() == before + (1 if expected == 201 else 0)


@pytest.mark.parametrize("role", ROLES)
def test_project_update(clients, data, role):
    response = _client(clients, role).patch(f"{API}projects/{data.project_a.pk}/", {"phase": "一期"}, format="json")
    assert response.status_code == UPDATE[role]
    data.project_a.refresh_from_db()
    assert data.project_a.phase == ("一期" if UPDATE[role] == 200 else "")


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 401), ("viewer", 403), ("admin_a", 403), ("admin_b", 404), ("commission", 204)]
)
def test_project_delete_archives_commission_only(clients, data, role, expected):
    response = _client(clients, role).delete(f"{API}projects/{data.project_a.pk}/")
    assert response.status_code == expected
    data.project_a.refresh_from_db()
    assert (data.project_a.archived_at is not None) == (expected == 204)
    assert Project.objects.filter(pk=data.project_a.pk).exists()  # archived, never deleted


# --- milestones ------------------------------------------------------------------------------------


def _retrieved(clients, role, resource: str, pk: int) -> dict | None:
    """GET one object as `role`: the body when readable (200), else None. A 404 (another park's
    object) must read exactly as the 404 for an id that does not exist."""
    client = _client(clients, role)
    response = client.get(f"{API}{resource}/{pk}/")
    assert response.status_code == RETRIEVE[role]
    if response.status_code == 404:
        assert response.json() == client.get(f"{API}{resource}/999999999/").json()
    return response.json() if response.status_code == 200 else None


@pytest.mark.parametrize("role", ROLES)
def test_milestone_retrieve(clients, data, role):
    body = _retrieved(clients, role, "milestones", data.milestone_a.pk)
    if body is not None:
        assert (body["id"], body["project"], body["kind"], body["planned_date"]) == (
            data.milestone_a.pk,
            data.project_a.pk,
            "construction_start",
            data.milestone_a.planned_date.isoformat(),
        )


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 401), ("viewer", 403), ("admin_a", 201), ("admin_b", 400), ("commission", 201)]
)
def test_milestone_create(clients, data, role, expected):
    payload = {"project": data.project_a.pk, "kind": "topping_out", "planned_date": "2026-10-01"}
    response = _client(clients, role).post(f"{API}milestones/", payload, format="json")
    assert response.status_code == expected, response.content
    if expected == 400:
        assert "project" in response.json()
    assert Milestone.objects.filter(project=data.project_a, kind="topping_out").exists() == (expected == 201)


@pytest.mark.parametrize("role", ROLES)
def test_milestone_update(clients, data, role):
    url = f"{API}milestones/{data.milestone_a.pk}/"
    response = _client(clients, role).patch(url, {"actual_date": "2026-03-05"}, format="json")
    assert response.status_code == UPDATE[role]
    data.milestone_a.refresh_from_db()
    assert (data.milestone_a.actual_date is not None) == (UPDATE[role] == 200)


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 401), ("viewer", 403), ("admin_a", 204), ("admin_b", 404), ("commission", 204)]
)
def test_milestone_delete(clients, data, role, expected):
    response = _client(clients, role).delete(f"{API}milestones/{data.milestone_a.pk}/")
    assert response.status_code == expected
    assert Milestone.objects.filter(pk=data.milestone_a.pk).exists() == (expected != 204)


# --- investment reports ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_report_retrieve(clients, data, role):
    body = _retrieved(clients, role, "investment-reports", data.report_a.pk)
    if body is not None:
        assert (body["id"], body["project"], body["period"], body["amount"]) == (
            data.report_a.pk,
            data.project_a.pk,
            f"{data.report_a.period:%Y-%m}",
            f"{data.report_a.amount:.2f}",
        )


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 401), ("viewer", 403), ("admin_a", 201), ("admin_b", 400), ("commission", 201)]
)
def test_report_create(clients, data, role, expected):
    payload = {"project": data.project_a.pk, "period": "2026-02", "amount": "10.00"}
    response = _client(clients, role).post(f"{API}investment-reports/", payload, format="json")
    assert response.status_code == expected, response.content
    assert InvestmentReport.objects.filter(project=data.project_a).count() == (2 if expected == 201 else 1)


@pytest.mark.parametrize("role", ROLES)
def test_report_update(clients, data, role):
    url = f"{API}investment-reports/{data.report_a.pk}/"
    response = _client(clients, role).patch(url, {"amount": "1600.00"}, format="json")
    assert response.status_code == UPDATE[role]
    data.report_a.refresh_from_db()
    assert str(data.report_a.amount) == ("1600.00" if UPDATE[role] == 200 else "1500.25")


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 401), ("viewer", 403), ("admin_a", 405), ("admin_b", 405), ("commission", 405)]
)
def test_report_delete_not_offered(clients, data, role, expected):
    """Reports are corrected (PATCH), never deleted; 405 reveals nothing about scope."""
    assert _client(clients, role).delete(f"{API}investment-reports/{data.report_a.pk}/").status_code == expected
    assert InvestmentReport.objects.filter(pk=data.report_a.pk).exists()


# --- delays, stats, weekly reports: read only ---------------------------------------------------------


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 401), ("viewer", 405), ("admin_a", 405), ("admin_b", 405), ("commission", 405)]
)
@pytest.mark.parametrize("resource", ["delays", "stats/industry-investment", "weekly-reports"])
def test_read_only_resources_refuse_writes(clients, data, resource, role, expected):
    assert _client(clients, role).post(f"{API}{resource}/", {}, format="json").status_code == expected


# --- parks and industries: commission writes ------------------------------------------------------------

WRITE_COMMISSION = {"anonymous": 401, "viewer": 403, "admin_a": 403, "admin_b": 403}


@pytest.mark.parametrize("role", ROLES)
def test_park_crud(clients, data, role):
    client = _client(clients, role)
    created = client.post(
        f"{API}parks/", {"code": "ZD", "name": "正定县", "region_code": "130100", "parent": None}, format="json"
    )
    retrieved = client.get(f"{API}parks/GXQ-BIO/")
    updated = client.patch(f"{API}parks/GXQ-BIO/", {"name": "国际生物医药园（更名）"}, format="json")
    if role == "commission":
        assert created.status_code == 201, created.content
        assert retrieved.status_code == 200 and retrieved.json()["parent"] == "GXQ"
        assert updated.status_code == 200
        assert client.delete(f"{API}parks/ZD/").status_code == 204
        assert not Park.objects.filter(code="ZD").exists()
        # In use (projects, a sub-park): refused with a message, nothing deleted.
        refused = client.delete(f"{API}parks/GXQ/")
        assert refused.status_code == 400 and refused.json()["non_field_errors"]
        assert Park.objects.filter(code="GXQ").exists()
        return
    expected = WRITE_COMMISSION[role]
    assert created.status_code == expected
    assert retrieved.status_code == (401 if role == "anonymous" else 200)
    assert updated.status_code == expected
    assert client.delete(f"{API}parks/GXQ-BIO/").status_code == expected
    assert not Park.objects.filter(code="ZD").exists()
    assert Park.objects.get(code="GXQ-BIO").name == "国际生物医药园"


@pytest.mark.parametrize("role", ROLES)
def test_industry_crud(clients, data, role):
    client = _client(clients, role)
    created = client.post(f"{API}industries/", {"code": "CHEM", "name": "化工新材料", "parent": None}, format="json")
    retrieved = client.get(f"{API}industries/BIO-DRUG/")
    updated = client.patch(f"{API}industries/BIO-DRUG/", {"name": "创新生物药（改）"}, format="json")
    if role == "commission":
        assert created.status_code == 201
        assert retrieved.status_code == 200 and retrieved.json()["parent"] == "BIO"
        assert updated.status_code == 200
        assert client.delete(f"{API}industries/CHEM/").status_code == 204
        assert client.delete(f"{API}industries/BIO/").status_code == 400
        return
    expected = WRITE_COMMISSION[role]
    assert created.status_code == expected
    assert retrieved.status_code == (401 if role == "anonymous" else 200)
    assert updated.status_code == expected
    assert client.delete(f"{API}industries/BIO-DRUG/").status_code == expected
    assert not Industry.objects.filter(code="CHEM").exists()
    assert Industry.objects.get(code="BIO-DRUG").name == "创新生物药"
