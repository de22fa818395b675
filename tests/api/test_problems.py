"""`/api/v1/problems/`: the permission matrix of every endpoint and step × role, bad input
(400 on the field, nothing stored), wrong-status steps (409), filters, exports, query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from escalation.models import Department, Problem

URL = "/api/v1/problems/"


@pytest.fixture
def depts(db):
    return Department.objects.create(name="供电公司", email="power@example.cn")


def make(project, **kw):
    kw.setdefault("raised_on", dt.date(2026, 11, 1))
    return Problem.objects.create(project=project, category="utilities", description="=未通电", **kw)


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


def test_raise_permissions(clients, data, depts):
    body = {"project": data.project_a.pk, "category": "utilities", "description": "电力未接入"}
    assert post(clients.anonymous, URL, body).status_code == 401
    assert post(clients.viewer, URL, body).status_code == 403
    r = post(clients.admin_b, URL, body)
    assert r.status_code == 400 and "project" in r.json()
    assert Problem.objects.count() == 0
    r = post(clients.admin_a, URL, body)
    assert r.status_code == 201, r.json()
    got = r.json()
    assert (got["status"], got["dispatch_no"], got["raised_on"]) == ("open", None, timezone.localdate().isoformat())
    assert post(clients.commission, URL, {**body, "project": data.project_b.pk}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"category": "weather"}, "category"),
        ({"raised_on": "2999-01-01"}, "raised_on"),
        ({"raised_on": "2026-02-30"}, "raised_on"),
    ],
)
def test_raise_bad_input(clients, data, body, field):
    full = {"project": data.project_a.pk, "category": "land", "description": "未供地", **body}
    r = post(clients.admin_a, URL, full)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert Problem.objects.count() == 0


def test_step_matrix(clients, data, depts):
    p = make(data.project_a)
    other = make(data.project_b)
    assign = {"department": "供电公司", "deadline": "2026-12-31"}
    # viewer 403 on every step; other park 404; park admin 403 on commission steps
    for step, body in [("assign", assign), ("handle", {"note": "x"}), ("confirm", {}), ("reopen", {"reason": "x"})]:
        assert post(clients.viewer, f"{URL}{p.pk}/{step}/", body).status_code == 403
        assert post(clients.admin_b, f"{URL}{p.pk}/{step}/", body).status_code == 404
        assert post(clients.admin_a, f"{URL}{other.pk}/{step}/", body).status_code == 404
    for step, body in [("assign", assign), ("confirm", {}), ("reopen", {"reason": "x"})]:
        assert post(clients.admin_a, f"{URL}{p.pk}/{step}/", body).status_code == 403
    assert clients.admin_b.get(f"{URL}{p.pk}/").status_code == 404
    assert clients.viewer.get(f"{URL}{p.pk}/").status_code == 200
    p.refresh_from_db()
    assert p.status == "open"

    r = post(clients.commission, f"{URL}{p.pk}/assign/", assign)
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["department"], r.json()["dispatch_no"]) == (
        "assigned",
        "供电公司",
        f"{timezone.localdate().year}-0001",
    )
    r = post(clients.admin_a, f"{URL}{p.pk}/handle/", {"note": "已接电", "handled_on": "2026-11-30"})
    assert r.status_code == 200 and r.json()["handled_on"] == "2026-11-30"
    r = post(clients.commission, f"{URL}{p.pk}/reopen/", {"reason": "未通电"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["handled_on"]) == ("assigned", None)
    post(clients.admin_a, f"{URL}{p.pk}/handle/", {"note": "已通电"})
    r = post(clients.commission, f"{URL}{p.pk}/confirm/")
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert r.json()["confirmed_on"] == timezone.localdate().isoformat()


def test_wrong_status_is_409(clients, data, depts):
    p = make(data.project_a)
    for step, body in [("handle", {"note": "x"}), ("confirm", {}), ("reopen", {"reason": "x"})]:
        r = post(clients.commission, f"{URL}{p.pk}/{step}/", body)
        assert r.status_code == 409 and "status" in r.json(), r.json()
    p.status = "confirmed"
    p.save()
    r = post(clients.commission, f"{URL}{p.pk}/assign/", {"department": "供电公司", "deadline": "2026-12-31"})
    assert r.status_code == 409 and "status" in r.json()


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("assign", {"deadline": "2026-12-31"}, "department"),
        ("assign", {"department": "没有这个局", "deadline": "2026-12-31"}, "department"),
        ("assign", {"department": "供电公司"}, "deadline"),
        ("assign", {"department": "供电公司", "deadline": "2026-10-31"}, "deadline"),
        ("assign", {"department": "供电公司", "deadline": 20261231}, "deadline"),
        ("handle", {}, "note"),
        ("handle", {"note": "   "}, "note"),
        ("handle", {"note": "x", "handled_on": "2999-01-01"}, "handled_on"),
        ("handle", {"note": "x", "handled_on": "2026-10-01"}, "handled_on"),
        ("reopen", {}, "reason"),
    ],
)
def test_step_bad_input(clients, data, depts, step, body, field):
    p = make(data.project_a)
    if step != "assign":
        post(clients.commission, f"{URL}{p.pk}/assign/", {"department": "供电公司", "deadline": "2026-12-31"})
    if step == "reopen":
        post(clients.commission, f"{URL}{p.pk}/handle/", {"note": "x"})
    before = Problem.objects.values().get(pk=p.pk)
    r = post(clients.commission, f"{URL}{p.pk}/{step}/", body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert Problem.objects.values().get(pk=p.pk) == before


def test_english_message(clients, data, depts):
    p = make(data.project_a)
    r = clients.commission.post(
        f"{URL}{p.pk}/assign/", {"department": "供电公司"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 400
    assert r.json()["deadline"] == ["Please enter the deadline."]


def test_filters_and_overdue(clients, data, depts):
    land = Department.objects.create(name="自然资源和规划局")
    late = make(data.project_a, deadline=dt.date(2026, 11, 10), status="assigned", department=depts)
    red = make(data.project_b, deadline=dt.date(2026, 11, 2), status="assigned", department=land)
    handled = make(data.project_a, deadline=dt.date(2026, 11, 10), handled_on=dt.date(2026, 11, 12), status="handled")
    fresh = make(data.project_a)
    c = clients.commission
    r = c.get(URL, {"overdue": "true", "as_of": "2026-11-11"})
    rows = {row["id"]: (row["days_overdue"], row["severity"]) for row in r.json()["results"]}
    assert rows == {late.pk: (1, "yellow"), red.pk: (9, "red"), handled.pk: (1, "yellow")}
    r = c.get(URL, {"overdue": "true", "as_of": "2026-11-12"})
    assert {row["id"] for row in r.json()["results"]} == {late.pk, red.pk}
    r = c.get(URL, {"overdue": "false", "as_of": "2026-11-12"})
    assert {row["id"] for row in r.json()["results"]} == {handled.pk, fresh.pk}
    assert [row["id"] for row in c.get(URL, {"department": "自然资源和规划局"}).json()["results"]] == [red.pk]
    assert {row["id"] for row in c.get(URL, {"status": "assigned"}).json()["results"]} == {late.pk, red.pk}
    assert {row["id"] for row in c.get(URL, {"park": data.city.park_a.code}).json()["results"]} == {
        late.pk,
        handled.pk,
        fresh.pk,
    }
    assert c.get(URL, {"category": "land"}).json()["count"] == 0
    assert c.get(URL, {"overdue": "maybe"}).status_code == 400
    assert c.get(URL, {"as_of": "2026-13-01"}).status_code == 400
    # sorted by deadline (no deadline last on PostgreSQL, first on SQLite: compare the dated ones)
    dated = [row["id"] for row in c.get(URL).json()["results"] if row["deadline"]]
    assert dated == [red.pk, late.pk, handled.pk]
    # scope: park B's admin sees its own only
    assert {row["id"] for row in clients.admin_b.get(URL).json()["results"]} == {red.pk}


def test_exports(clients, data, depts):
    make(data.project_a, deadline=dt.date(2026, 11, 10), status="assigned", department=depts)
    r = clients.commission.get(URL, {"format": "csv"})
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    assert "督办单号" in text.splitlines()[0]
    assert "'=未通电" in text  # formula neutralised
    r = clients.commission.get(URL, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert "'=未通电" in values and "供电公司" in values


def test_list_queries_constant(clients, data, depts):
    def count(n):
        have = Problem.objects.count()
        Problem.objects.bulk_create(
            [
                Problem(project=data.project_a, category="land", description="x", raised_on=dt.date(2026, 11, 1))
                for _ in range(n - have)
            ]
        )
        clients.commission.get(URL, {"page_size": 500})  # warm-up (token, settings row)
        with CaptureQueriesContext(connection) as ctx:
            r = clients.commission.get(URL, {"page_size": 500, "overdue": "false"})
        assert r.json()["count"] == n
        return len(ctx.captured_queries)

    assert count(10) == count(200)
