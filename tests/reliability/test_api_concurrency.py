"""The same races through the REST API on a live server (a threaded WSGI server: each request
its own thread and database connection), and archive-not-delete through the API."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from projects.models import InvestmentReport, Project
from tests import factories
from tests.conftest import require_postgres

pytestmark = [pytest.mark.django_db(transaction=True)]

N = 20
DUPLICATE = "该项目 2026-03 的月度报告已报送；如需更正，请修改原报告。"


def call(base: str, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict | str]:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read().decode(), exc.code
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, raw


def together(n: int, fn) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = fn(i)
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


@pytest.fixture
def tokens(city):
    admin = factories.UserFactory(username="gx", role="park_admin", park=city.park_a)
    commission = factories.UserFactory(username="fgw", role="commission")
    return {
        "admin": Token.objects.create(user=admin).key,
        "commission": Token.objects.create(user=commission).key,
        "users": {"admin": admin, "commission": commission},
    }


def test_twenty_concurrent_api_submissions_one_stored_others_400(live_server, city, tokens):
    require_postgres()
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    results = together(
        N,
        lambda i: call(
            live_server.url,
            "POST",
            "/api/v1/investment-reports/",
            tokens["admin"],
            {"project": project.pk, "period": "2026-03", "amount": f"{100 + i}.50", "progress": f"第{i}次"},
        ),
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * (N - 1), results
    for status, body in results:
        if status == 400:
            assert body == {"period": [DUPLICATE]} or body.get("non_field_errors") == [DUPLICATE], body
    created = next(body for status, body in results if status == 201)
    stored = InvestmentReport.objects.get(project=project)
    assert (stored.pk, f"{stored.amount:.2f}", stored.progress) == (
        created["id"],
        created["amount"],
        created["progress"],
    )
    assert InvestmentReport.objects.filter(project=project).count() == 1


def test_two_concurrent_api_edits_second_409_no_lost_update(live_server, city, tokens):
    require_postgres()
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio, total_investment=Decimal("10000.00"))
    edits = [
        ("admin", {"version": 1, "total_investment": "12000.00"}),
        ("commission", {"version": 1, "name": "并发修改的项目名"}),
    ]
    results = together(
        2, lambda i: call(live_server.url, "PATCH", f"/api/v1/projects/{project.pk}/", tokens[edits[i][0]], edits[i][1])
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser == {"version": ["该项目已被他人修改，您的修改未保存。请刷新后对照最新内容重新修改。"]}
    winner = next(i for i, (status, _) in enumerate(results) if status == 200)
    project.refresh_from_db()
    assert project.version == 2
    if winner == 0:
        assert project.total_investment == Decimal("12000.00") and project.name != "并发修改的项目名"
    else:
        assert project.name == "并发修改的项目名" and project.total_investment == Decimal("10000.00")


def test_delete_by_commission_archives_and_keeps_reports_and_history(live_server, city, tokens):
    require_postgres()
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    for month in (1, 2):
        status, _ = call(
            live_server.url,
            "POST",
            "/api/v1/investment-reports/",
            tokens["admin"],
            {"project": project.pk, "period": f"2026-{month:02d}", "amount": "10.00"},
        )
        assert status == 201

    # A park administrator may not archive, even in its own park.
    status, body = call(live_server.url, "DELETE", f"/api/v1/projects/{project.pk}/", tokens["admin"])
    assert status == 403, body
    assert Project.objects.get(pk=project.pk).archived_at is None

    status, _ = call(live_server.url, "DELETE", f"/api/v1/projects/{project.pk}/", tokens["commission"])
    assert status == 204
    archived = Project.objects.get(pk=project.pk)  # still there
    assert archived.archived_at is not None
    assert InvestmentReport.objects.filter(project=project).count() == 2
    history = list(Project.history.filter(id=project.pk).order_by("history_id"))
    assert history[-1].archived_at is not None
    assert history[-1].history_user_id == tokens["users"]["commission"].pk
    assert InvestmentReport.history.filter(project_id=project.pk).count() == 2
    # Gone from the lists.
    status, listing = call(live_server.url, "GET", "/api/v1/projects/", tokens["commission"])
    assert status == 200 and project.pk not in [p["id"] for p in listing["results"]]
