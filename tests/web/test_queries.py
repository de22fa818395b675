"""Every page (and the grid save and the Excel import) costs the same number of SQL statements
with 10 projects as with 200: no query per row. The set-based INSERTs of the saves are one
statement per batch: one on PostgreSQL, as many as SQLite's parameter limit needs there; the
tests check that number exactly and compare the rest."""

from __future__ import annotations

import io
import math
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import AutoField

from common import dataversion
from common.spreadsheets import XLSX_CONTENT_TYPE
from projects.models import InvestmentReport, Project
from projects.services import BULK_BATCH_SIZE
from tests.web.conftest import make_projects
from tests.web.helpers import form_data

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/projects/",
    "/projects/?export=xlsx",
    "/projects/?sort=-next",
    "/board/",
    "/board/?group=industry",
    "/board/?finished=1&group=industry",
    "/board/?print=1",
    "/monthly/",
]


class Statements:
    """Counts every SQL statement sent (an execute wrapper, immune to reset_queries())."""

    def __init__(self):
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def __len__(self):
        return len(self.sql)


def count(client, method, url, **kwargs) -> int:
    if method == "get":
        client.get(url)  # warm-up: one-off rows such as SchedulingSettings.load() are created once
        dataversion.bump()  # the page cache (common.dataversion) cold: the figures are computed
    statements = Statements()
    with connection.execute_wrapper(statements):
        response = getattr(client, method)(url, **kwargs)
        if getattr(response, "streaming", False):  # a streamed export reads its rows as it is sent
            b"".join(response.streaming_content)
    assert response.status_code in (200, 302), (url, response.status_code)
    assert len(statements) >= 3, statements.sql  # session, user and the page's own queries
    return len(statements)


def counts_for(client, city, today, n, measure):
    Project.objects.all().delete()
    make_projects(city, n, today)
    return measure()


@pytest.mark.parametrize("url", PAGES)
def test_page_queries_do_not_grow_with_projects(client_commission, city, today, url):
    small = counts_for(client_commission, city, today, 10, lambda: count(client_commission, "get", url))
    large = counts_for(client_commission, city, today, 200, lambda: count(client_commission, "get", url))
    assert small == large, f"{url}: {small} queries for 10 projects, {large} for 200"


def test_park_admin_pages_constant_too(client_a, city, today):
    for url in ["/", "/projects/", "/board/", "/board/?print=1&finished=1", "/monthly/"]:
        small = counts_for(client_a, city, today, 10, lambda url=url: count(client_a, "get", url))
        large = counts_for(client_a, city, today, 200, lambda url=url: count(client_a, "get", url))
        assert small == large, url


def insert_batches(model, n: int) -> int:
    """The INSERT statements bulk_create needs for `n` new rows of `model` (and as many of its
    history) on this backend, with the services' BULK_BATCH_SIZE: PostgreSQL takes them in one;
    SQLite in as many as its 999-parameter limit requires (Django's bulk_batch_size)."""

    def batches(m) -> int:
        # As bulk_create: neither the primary key nor a generated column (status_rank) is inserted.
        fields = [f for f in m._meta.concrete_fields if not isinstance(f, AutoField) and not f.generated]
        size = min(BULK_BATCH_SIZE, max(connection.ops.bulk_batch_size(fields, [None] * n), 1))
        return math.ceil(n / size)

    return batches(model) + batches(model.history.model)


def inserts_into(statements, model) -> int:
    tables = {model._meta.db_table, model.history.model._meta.db_table}
    return sum(1 for sql in statements.sql if sql.startswith("INSERT INTO") and sql.split('"')[1] in tables)


def constant_part(statements, model, n: int) -> int:
    """Statements apart from the set-based INSERTs, after checking those are exactly the batches
    the backend needs (so nothing per row hides among them)."""
    assert inserts_into(statements, model) == insert_batches(model, n), statements.sql
    return len(statements) - insert_batches(model, n)


def test_grid_save_is_constant(client_a, city, today):
    def measure():
        url = f"/monthly/?park={city.park_a.pk}&period={today.replace(month=1):%Y-%m}"
        data = form_data(client_a.get(url), "grid-form")
        rows = 0
        for key in data:
            if key.endswith("-amount"):
                data[key] = "12.34"
                rows += 1
        statements = Statements()
        with connection.execute_wrapper(statements):
            response = client_a.post(url, data=data)
        assert response.status_code == 302
        assert InvestmentReport.objects.filter(amount=Decimal("12.34")).count() == rows
        return constant_part(statements, InvestmentReport, rows)

    assert counts_for(client_a, city, today, 10, measure) == counts_for(client_a, city, today, 200, measure)


def _file(n: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "建设单位", "园区代码", "产业代码", "项目级别", "列入年度", "总投资（万元）"])
    for i in range(n):
        ws.append([f"批量{n}-{i}", "单位", "GXQ", "BIO", "市重点", 2026, 100])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_dry_run_and_commit_are_constant(client_a, city):
    def run(n):
        upload = SimpleUploadedFile("x.xlsx", _file(n), XLSX_CONTENT_TYPE)
        dry, commit = Statements(), Statements()
        with connection.execute_wrapper(dry):
            response = client_a.post("/imports/", {"kind": "projects", "file": upload})
        token = response["Location"].rstrip("/").split("/")[-1]
        with connection.execute_wrapper(commit):
            client_a.post(f"/imports/{token}/commit/")
        assert Project.objects.filter(name__startswith=f"批量{n}-").count() == n
        return len(dry), constant_part(commit, Project, n)

    assert run(10) == run(200)
