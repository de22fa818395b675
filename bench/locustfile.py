"""Locust scenario for `bench/load.py` (loopback only): people and the commission's systems using
the site at once — project lists, project pages, the dashboard, the API, and monthly report
submissions.

Reads its accounts from the JSON file named by LOAD_CONFIG (written by bench/load.py):
{"users": [{"session": "...", "token": "...", "projects": [ids...]}], "periods": ["YYYY-MM", ...]}
Every report submission uses a (project, period) pair no other simulated user uses, so a
refusal would be a real error, not a planned duplicate."""

from __future__ import annotations

import itertools
import json
import os
import random
import threading

from locust import FastHttpUser, between, events, task
from requests.cookies import create_cookie

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
_next_user = itertools.count()
_lock = threading.Lock()
# bench/chaos.py: every acknowledged (201) report and every 5xx answer, one line each.
_ACK = open(os.environ["LOAD_ACK_FILE"], "a", encoding="utf-8") if os.environ.get("LOAD_ACK_FILE") else None  # noqa: SIM115


@events.request.add_listener
def _record_5xx(request_type, name, response=None, **kwargs) -> None:
    if _ACK is not None and response is not None and getattr(response, "status_code", 0) >= 500:
        _ACK.write(f"5xx {request_type} {name} {response.status_code}\n")
        _ACK.flush()


class Office(FastHttpUser):
    """One logged-in person (park administrator or commission officer) with an API token."""

    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        with _lock:
            self.index = next(_next_user)
        account = CONFIG["users"][self.index % len(CONFIG["users"])]
        # The session was created ahead of time (bench/load.py), so the run measures the pages,
        # not 50 password hashes. Plain-HTTP loopback: the cookie is sent without the Secure flag.
        self.client.cookiejar.set_cookie(create_cookie("sessionid", account["session"], domain="127.0.0.1", path="/"))
        self.api_headers = {"Authorization": f"Token {account['token']}", "Accept": "application/json"}
        self.projects = account["projects"]
        # This user's private (project, period) pairs for submissions.
        self.pairs = iter((pid, period) for period in CONFIG["periods"] for pid in account["report_projects"])

    @task(3)
    def project_list(self) -> None:
        page = random.randint(1, 5)
        self.client.get(f"/projects/?page={page}", name="/projects/")

    @task(3)
    def project_page(self) -> None:
        self.client.get(f"/projects/{random.choice(self.projects)}/", name="/projects/<id>/")

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/", name="/ (dashboard)")

    @task(2)
    def api_project_list(self) -> None:
        self.client.get("/api/v1/projects/?page_size=50", headers=self.api_headers, name="/api/v1/projects/")

    @task(1)
    def submit_report(self) -> None:
        pair = next(self.pairs, None)
        if pair is None:
            return
        project, period = pair
        with self.client.post(
            "/api/v1/investment-reports/",
            json={
                "project": project,
                "period": period,
                "amount": f"{random.randint(1, 99999)}.{random.randint(0, 99):02d}",
                "progress": "主体结构施工中（负载测试）",
                "problems": "",
            },
            headers=self.api_headers,
            name="/api/v1/investment-reports/ (POST)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            elif _ACK is not None:
                _ACK.write(f"ack {project} {period}\n")
                _ACK.flush()


class Bare(FastHttpUser):
    """The ceiling of bench/load.py: the same people (sessions, think times), every request the
    bare `.values()` view of bench/api.py through the same middleware, gunicorn and database."""

    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        with _lock:
            self.index = next(_next_user)
        account = CONFIG["users"][self.index % len(CONFIG["users"])]
        self.client.cookiejar.set_cookie(create_cookie("sessionid", account["session"], domain="127.0.0.1", path="/"))

    @task
    def values(self) -> None:
        self.client.get("/__bench__/projects-values/", name="/__bench__/projects-values/")
