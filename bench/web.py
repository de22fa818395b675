"""Web page benchmarks: server time and SQL statements of the pages on the bench database.

Each page is requested through Django's test client (no network) as the commission (the whole
city) and as a park administrator; the figure is the median of 3 requests after one warm-up.
Goals (100k projects, the commission's city-wide view): dashboard 2 s, list 1 s, board (200 rows)
300 ms, its print view (up to BOARD_PRINT_MAX rows) 10 s, map and screen 300 ms each (issue #15),
list export of one park (streamed) 3 s, its first byte 1 s; an Excel dry run of 5,000 rows 15 s. The statement count must not
depend on the number of projects (the tests in tests/web/test_queries.py assert it)."""

from __future__ import annotations

import io

from bench.common import timed

PAGES = [
    ("web_dashboard", "/"),
    ("web_list", "/projects/"),
    ("web_list_sorted_by_next_node", "/projects/?sort=next"),
    ("web_board", "/board/"),
    ("web_board_by_industry", "/board/?group=industry"),
    ("web_board_with_finished", "/board/?finished=1"),
    ("web_board_print", "/board/?print=1"),
    ("web_monthly_grid", "/monthly/"),
    ("web_map", "/map/"),
    ("web_screen", "/screen/"),
]


def _client(user):
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def _measure(client, url) -> tuple[float, int]:
    from django.db import connection

    # Counted with an execute wrapper: Django's request_started signal clears queries_log, so
    # CaptureQueriesContext can miscount around a request in a long-lived process.
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    client.get(url)
    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return timed(lambda: client.get(url), repeat=3), len(statements)


def _measure_stream(client, url) -> tuple[float, float, int, int, int]:
    """A streamed download read to its end: total seconds, seconds to the first byte, the peak
    of Python memory allocated meanwhile (tracemalloc), the size and the SQL statements; the best
    of 3 after one warm-up (the peak of the last)."""
    import time
    import tracemalloc

    from django.db import connection

    def fetch():
        start = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        chunks = iter(response.streaming_content)
        size = len(next(chunks))
        first = time.perf_counter() - start
        for chunk in chunks:
            size += len(chunk)
        response.close()
        return time.perf_counter() - start, first, size

    fetch()
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fetch()
    runs = []
    for _i in range(3):
        tracemalloc.start()
        total, first, size = fetch()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        runs.append((total, first))
    total, first = min(runs)
    return total, first, peak, size, len(statements)


def _import_file(rows: int, park_code: str, industry_code: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["项目名称", "建设单位", "园区代码", "产业代码", "项目级别", "列入年度", "总投资（万元）"])
    for i in range(rows):
        ws.append([f"压测导入{i}", "压测单位", park_code, industry_code, "市重点", 2026, "1234.56"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(ctx) -> None:
    import tempfile

    from parks.models import Industry, Park, Role, User
    from projects.imports import run_import
    from projects.models import Project

    commission, _ = User.objects.get_or_create(username="bench-web-commission", defaults={"role": Role.COMMISSION})
    park = Park.objects.filter(parent__isnull=True).order_by("pk").first()
    admin, _ = User.objects.get_or_create(username="bench-web-park", defaults={"role": Role.PARK_ADMIN, "park": park})
    for user in (commission, admin):
        who = user.role
        client = _client(user)
        for name, url in PAGES:
            seconds, statements = _measure(client, url)
            print(f"{name}: {seconds:.3f} s ({who}, {ctx.projects} projects, {statements} SQL statements)")
    # One park of the bench city (no sub-parks, about 9,000 rows), then the first top-level park
    # with its sub-parks (the line's figure before issue #16, about 36,000 rows).
    leaf = Park.objects.filter(parent__isnull=False).order_by("pk").first() or park
    for name, export_park in (("web_list_export_one_park", leaf), ("web_list_export_park_with_subparks", park)):
        rows = Project.objects.filter(park__in=Park.objects.descendant_ids([export_park.pk])).count()
        total, first_byte, peak, size, statements = _measure_stream(
            _client(commission), f"/projects/?park={export_park.pk}&export=xlsx"
        )
        print(
            f"{name}: {total:.3f} s, first byte {first_byte:.3f} s, "
            f"peak memory {peak / 2**20:.1f} MiB (tracemalloc), {size / 2**20:.1f} MiB file "
            f"({export_park.name}, {rows} rows, {statements} SQL statements)"
        )

    industry = Industry.objects.order_by("pk").first()
    content = _import_file(5000, park.code, industry.code)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as fh:
        fh.write(content)
        fh.flush()
        seconds = timed(lambda: run_import(user=admin, kind="projects", path=fh.name, commit=False))
    print(f"web_import_dry_run_5000_rows: {seconds:.3f} s (projects, validated, nothing written)")
