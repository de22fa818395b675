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
    ("web_project_card", "/projects/{project}/"),
    ("web_map", "/map/"),
    ("web_screen", "/screen/"),
]


def _only() -> set[str]:
    """BENCH_PAGES=web_board,web_screen runs only those lines (all of them when unset)."""
    import os

    return {n.strip() for n in os.environ.get("BENCH_PAGES", "").split(",") if n.strip()}


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


# Pages whose figures come from the page cache (common.dataversion): their PAGES line is the warm
# figure (nothing written since the last request); a "_cold" line times the first request after
# a write (the version bumped before each of 3 requests: the figures computed).
CACHED = {"web_dashboard", "web_screen"}
# What filing a monthly report writes (the report and its history row; the stored sums are the
# database's triggers'), as common.dataversion sees it.
REPORT_WRITE = {"projects_investmentreport", "projects_historicalinvestmentreport"}


def _measure_cold(client, url, tables=None) -> tuple[float, int]:
    import statistics
    import time

    from django.db import connection

    from common import dataversion

    client.get(url)
    times, counts = [], []
    for _ in range(3):
        dataversion.bump(tables)
        statements = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        start = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(statements))
    assert len(set(counts)) == 1, counts
    return statistics.median(times), counts[0]


def _project_save(user) -> tuple[float, int, int]:
    """POST of the edit form of a project with its milestones (the largest of the user's first
    park's projects by number of milestones among the first 200), as a clerk saves it: the form
    read back from the page, one field changed. Median of 3 saves; statements of one."""
    import statistics
    import time

    from django.db import connection
    from django.db.models import Count

    from projects.models import Project
    from tests.web.helpers import form_data

    project = (
        Project.objects.filter(pk__in=Project.objects.active().order_by("id").values("pk")[:200])
        .annotate(n=Count("milestones"))
        .order_by("-n", "id")
        .first()
    )
    client = _client(user)
    url = f"/projects/{project.pk}/edit/"
    times, counts = [], []
    for i in range(4):
        data = form_data(client.get(url), "project-form")
        data["leader"] = f"压测领导{i % 2}"
        statements = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        start = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.post(url, data)
        elapsed = time.perf_counter() - start
        assert response.status_code == 302, (url, response.status_code, response.content[:2000])
        if i:  # the first is a warm-up
            times.append(elapsed)
            counts.append(len(statements))
    return statistics.median(times), counts[-1], project.n


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

    from bench.common import vacuum
    from parks.models import Industry, Park, Role, User
    from projects.imports import run_import
    from projects.models import Project

    # The database as the night leaves it for the day's pages: the scheduling module before this
    # one runs flag_delays again and again after resetting every project's colour (15,582 rows of
    # per-park status changes at the 100k city, where a day adds a few hundred), which the nightly
    # compact_park_counts (03:10, after flag_delays at 01:00) folds into one row per park, stage
    # and colour; and autovacuum, off on this machine, after which the pages' index-only scans
    # visited the heap (the dashboard's cold figure 0.045 -> 0.064 s in the same process).
    from projects.services import compact_park_counts

    compact_park_counts()
    vacuum()

    commission, _ = User.objects.get_or_create(username="bench-web-commission", defaults={"role": Role.COMMISSION})
    park = Park.objects.filter(parent__isnull=True).order_by("pk").first()
    admin, _ = User.objects.get_or_create(username="bench-web-park", defaults={"role": Role.PARK_ADMIN, "park": park})
    # The card of a project the park admin may see too: the park's first project.
    project = park.projects.filter(archived_at__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    only = _only()
    for user in (commission, admin):
        who = user.role
        client = _client(user)
        for name, url in PAGES:
            if only and name not in only:
                continue
            seconds, statements = _measure(client, url.format(project=project))
            warm = ", warm: from the page cache" if name in CACHED else ""
            print(f"{name}: {seconds:.3f} s ({who}, {ctx.projects} projects, {statements} SQL statements{warm})")
            if name in CACHED:
                seconds, statements = _measure_cold(client, url.format(project=project))
                print(
                    f"{name}_cold: {seconds:.3f} s ({who}, {ctx.projects} projects, {statements} SQL statements,"
                    " first request after a write)"
                )
                # The tables a monthly report filed writes (the load run's writes).
                seconds, statements = _measure_cold(client, url.format(project=project), tables=REPORT_WRITE)
                print(
                    f"{name}_after_report: {seconds:.3f} s ({who}, {ctx.projects} projects, {statements} SQL"
                    " statements, first request after a monthly report filed)"
                )
    if not only or "web_project_save" in only:
        seconds, statements, nodes = _project_save(commission)
        print(
            f"web_project_save: {seconds:.3f} s (commission, a project with {nodes} milestones, {statements} SQL statements)"
        )
    if only and not only & {
        "web_list_export_one_park",
        "web_list_export_park_with_subparks",
        "web_import_dry_run_5000_rows",
    }:
        return
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
