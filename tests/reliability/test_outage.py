"""Outages under the real web server (gunicorn) and a real worker:

- Redis (the broker, and the API throttle counters) stopped: web forms and API writes are still
  stored and answered normally (the throttles fail open), including the edits that queue a
  follow-up job after their commit; when Redis is back the same web server queues jobs again
  and a worker runs them, without a restart.
- PostgreSQL connections dropped (what a restart or failover does): the next request succeeds
  (CONN_HEALTH_CHECKS with persistent connections). The shared PostgreSQL is not restarted
  here: the server's own connections are terminated with pg_terminate_backend. The real
  cluster restart is test_pg_restart.py, run on its own by scripts/pg_restart_check.sh.

The broker is a private redis-server that the test stops and starts; the shared one is never
touched."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
import requests
from rest_framework.authtoken.models import Token

from projects.models import InvestmentReport, Project
from scheduling.models import Milestone
from tests import factories
from tests.conftest import require_postgres
from tests.factories import PASSWORD
from tests.reliability.conftest import (
    WEB_APP_NAME,
    WORKER_APP_NAME,
    PrivateRedis,
    WebServer,
    Worker,
    app_env,
    backends,
    terminate_backends,
)

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class FormFields(HTMLParser):
    """The fields a browser would submit from the form whose action matches `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "") in ("", self.action) and (a.get("method", "").lower() == "post")
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file"):
                return
            self.fields.append((a["name"], a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data


def login(server: WebServer, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{server.url}/accounts/login/", timeout=30)
    response = session.post(
        f"{server.url}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def edit_project_via_form(
    server: WebServer, session: requests.Session, project: Project, **changes
) -> requests.Response:
    path = f"/projects/{project.pk}/edit/"
    page = session.get(server.url + path, timeout=30)
    assert page.status_code == 200
    parser = FormFields(path)
    parser.feed(page.text)
    fields = dict(parser.fields)
    assert "name" in fields and "csrfmiddlewaretoken" in fields, sorted(fields)
    for key, value in changes.items():
        name = next((f for f in fields if f == key or f.endswith(key)), key)
        fields[name] = value
    return session.post(server.url + path, data=fields, allow_redirects=False, timeout=60)


def one_row_import() -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["项目名称", "建设单位", "园区代码", "产业代码", "项目级别", "列入年度", "总投资（万元）"])
    for i in range(3):
        ws.append([f"断网导入{i}", "单位", "GXQ", "BIO", "市重点", 2026, "100.50"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def broker(tmp_path):
    require_postgres()
    from tests.reliability.conftest import free_port

    server = PrivateRedis(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def web(broker, tmp_path):
    server = WebServer(
        app_env(
            broker_url=broker.url,
            workdir=tmp_path,
            application_name=WEB_APP_NAME,
            IMPORT_ASYNC_ROWS="1",
            # The API throttle counters live in the same private Redis the outage test stops.
            THROTTLE_CACHE_URL=broker.url,
        ),
        tmp_path,
    ).start()
    yield server
    server.stop()
    terminate_backends(WEB_APP_NAME)


@pytest.fixture
def people(city):
    admin = factories.UserFactory(username="gx", role="park_admin", park=city.park_a)
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio, name="断网测试项目")
    milestone = factories.MilestoneFactory(project=project, kind="construction_start", planned_date=dt.date(2026, 9, 1))
    return {"admin": admin, "token": Token.objects.create(user=admin).key, "project": project, "milestone": milestone}


def test_writes_are_stored_while_redis_is_down_and_jobs_resume_after(web, broker, people, tmp_path):
    token, project, milestone = people["token"], people["project"], people["milestone"]
    session = login(web, "gx")
    broker.stop()

    # API: a monthly report.
    r = web.api(
        token,
        "POST",
        "/api/v1/investment-reports/",
        json={"project": project.pk, "period": "2026-04", "amount": "321.09"},
    )
    assert r.status_code == 201, r.text
    report_id = r.json()["id"]
    assert InvestmentReport.objects.get(project=project, period=dt.date(2026, 4, 1)).amount == Decimal("321.09")
    # API: milestone create and move (each queues a status refresh after its commit).
    r = web.api(
        token,
        "POST",
        "/api/v1/milestones/",
        json={"project": project.pk, "kind": "completion", "planned_date": "2027-06-30"},
    )
    assert r.status_code == 201, r.text
    r = web.api(token, "PATCH", f"/api/v1/milestones/{milestone.pk}/", json={"planned_date": "2026-10-15"})
    assert r.status_code == 200, r.text
    milestone.refresh_from_db()
    assert (milestone.planned_date, milestone.baseline_date) == (dt.date(2026, 10, 15), dt.date(2026, 9, 1))
    assert Milestone.objects.filter(project=project, kind="completion").count() == 1
    # Web form: the project card with its milestones.
    r = edit_project_via_form(web, session, project, name="断网期间改名")
    assert r.status_code == 302, r.text[:2000]
    project.refresh_from_db()
    assert project.name == "断网期间改名"
    # The API throttles found their Redis down and let the writes through (fail open), quickly.
    assert web.log.read_text().count("API throttling is off") == 1
    started = time.monotonic()
    r = web.api(token, "PATCH", f"/api/v1/investment-reports/{report_id}/", json={"amount": "321.10"})
    assert r.status_code == 200, r.text
    assert time.monotonic() - started < 2.0

    broker.start()  # same port: the web server's broker connection must recover by itself
    worker = Worker("w1", app_env(broker_url=broker.url, workdir=tmp_path, application_name=WORKER_APP_NAME), tmp_path)
    try:
        worker.start()
        r = web.api(token, "PATCH", f"/api/v1/milestones/{milestone.pk}/", json={"planned_date": "2026-11-01"})
        assert r.status_code == 200, r.text
        worker.wait_for_log("scheduling.refresh_project_status", timeout=60)
        worker.wait_for_log("succeeded", timeout=60)
    finally:
        worker.kill()
        terminate_backends(WORKER_APP_NAME)
    assert " 500 " not in (tmp_path / "access.log").read_text()


# The message web.views.imports._queue_import stores on the job when the broker refuses it.
BROKER_DOWN_MESSAGE = {
    "zh-hans": "后台任务服务暂时不可用，大文件导入未能开始，未导入任何数据。请稍后重新上传，或将文件拆分为较小的文件。",
    "en": (
        "The background task service is temporarily unavailable, so the import of this large file could not "
        "start; nothing was imported. Please upload it again later, or split it into smaller files."
    ),
}


def test_large_import_upload_while_redis_is_down_is_a_clear_message(web, broker, people):
    session = login(web, "gx")
    broker.stop()
    for language, message in BROKER_DOWN_MESSAGE.items():
        r = session.post(
            f"{web.url}/imports/",
            data={"kind": "projects", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            files={"file": ("big.xlsx", one_row_import())},
            headers={"Accept-Language": language},
            allow_redirects=False,
            timeout=60,
        )
        # Not a server error: the upload goes to its job page, which says why nothing happens.
        assert r.status_code == 302, (r.status_code, r.text[:500])
        job_url = web.url + r.headers["Location"]
        status = session.get(f"{job_url}status.json", timeout=30).json()
        assert (status["status"], status["message"]) == ("failed", message), status
        page = session.get(job_url, headers={"Accept-Language": language}, timeout=30)
        assert page.status_code == 200
        assert f'<p class="errors" role="alert">{message}</p>' in page.text
    assert not Project.objects.filter(name__startswith="断网导入").exists()


def test_dropped_database_connections_next_request_succeeds(web, people):
    token, project = people["token"], people["project"]
    session = login(web, "gx")
    assert session.get(f"{web.url}/projects/", timeout=30).status_code == 200
    assert web.api(token, "GET", "/api/v1/projects/").status_code == 200
    assert backends(WEB_APP_NAME), "gunicorn keeps persistent connections (CONN_MAX_AGE)"
    assert terminate_backends(WEB_APP_NAME) >= 1

    page = session.get(f"{web.url}/projects/{project.pk}/", timeout=30)
    assert page.status_code == 200 and "断网测试项目" in page.text
    r = web.api(
        token,
        "POST",
        "/api/v1/investment-reports/",
        json={"project": project.pk, "period": "2026-05", "amount": "1.00"},
    )
    assert r.status_code == 201, r.text
    assert re.search(r'" 500 ', (web.log.parent / "access.log").read_text()) is None
