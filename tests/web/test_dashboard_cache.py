"""The dashboard's figures come from the page cache keyed by the data version
(common.dataversion): a write through a service, a bulk update of a job or a direct ORM write
shows at once; a warm request costs fewer statements than a cold one, both constant."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from common import dataversion
from projects.models import Project
from projects.services import report_submit
from scheduling.models import Milestone
from scheduling.services import milestone_update
from tests.web.conftest import make_projects
from tests.web.test_queries import Statements

pytestmark = pytest.mark.django_db


def statements(client, url="/") -> int:
    counted = Statements()
    with connection.execute_wrapper(counted):
        assert client.get(url).status_code == 200
    return len(counted)


def test_a_milestone_completed_through_the_service_shows_at_once(client_commission, project_a, commission_user, today):
    assert client_commission.get("/").context["overdue_count"] == 1
    assert client_commission.get("/").context["overdue_count"] == 1  # now from the cache
    signing = project_a.milestones.get(kind="signing")
    milestone_update(user=commission_user, milestone=signing, data={"actual_date": today})
    page = client_commission.get("/")
    assert page.context["overdue_count"] == 0 and page.context["delayed_count"] == 0


def test_a_report_submitted_through_the_service_shows_at_once(client_a, project_a, park_a_admin, today):
    assert client_a.get("/").context["done"] == Decimal(0)
    report_submit(user=park_a_admin, project=project_a, period=today.replace(day=1), amount=Decimal("345.60"))
    page = client_a.get("/")
    assert page.context["done"] == Decimal("345.60") and page.context["plan"] == Decimal("12000.00")


def test_a_bulk_update_bumps_the_version(client_commission, project_a, today):
    assert client_commission.get("/").context["overdue_count"] == 1
    Milestone.objects.filter(project=project_a, kind="signing").update(actual_date=today)  # a set-based job
    assert client_commission.get("/").context["overdue_count"] == 0
    Project.objects.filter(pk=project_a.pk).update(status="red")
    assert client_commission.get("/").context["status_totals"][0] == {"code": "red", "label": "红色滞后", "n": 1}


def test_scopes_do_not_share_an_entry(client, commission_user, park_a_admin, project_a, project_b):
    client.force_login(commission_user)
    assert client.get("/").context["project_total"] == 2
    client.force_login(park_a_admin)
    assert client.get("/").context["project_total"] == 1
    assert client.get(f"/?park={project_a.park.parent_id}").context["project_total"] == 1


@pytest.mark.parametrize("client_name", ["client_commission", "client_a"])
def test_cold_and_warm_statements_are_constant(request, city, today, client_name):
    client = request.getfixturevalue(client_name)
    cold, warm = [], []
    for n in (10, 200):
        make_projects(city, n - (10 if n == 200 else 0), today)
        client.get("/")  # one-off rows (settings) created
        dataversion.bump()
        cold.append(statements(client))
        warm.append(statements(client))
    assert cold[0] == cold[1] and warm[0] == warm[1]
    assert warm[0] < cold[0] - 8, (warm, cold)


def test_the_page_is_computed_when_the_cache_fails(client_commission, project_a, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(dataversion, "current", broken)
    assert client_commission.get("/").context["overdue_count"] == 1
    assert project_a.milestones.count() == 2


def test_a_job_s_data_modifying_with_bumps_the_version(client_commission, project_a):
    assert client_commission.get("/").context["status_totals"][0]["n"] == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH x AS (SELECT id FROM projects_project WHERE id = %s) "
            "UPDATE projects_project SET status = 'red' WHERE id IN (SELECT id FROM x)",
            [project_a.pk],
        )
    assert client_commission.get("/").context["status_totals"][0] == {"code": "red", "label": "红色滞后", "n": 1}


@pytest.mark.parametrize(
    ("sql", "write"),
    [
        ('SELECT "projects_project"."id" FROM "projects_project" FOR UPDATE', False),
        ('UPDATE "projects_project" SET "status" = %s', True),
        ('INSERT INTO "scheduling_milestone" ("kind") VALUES (%s)', True),
        ('DELETE FROM "projects_investmentreport" WHERE "id" = %s', True),
        ('TRUNCATE "projects_parkprojectcount"', True),
        ("WITH gone AS (DELETE FROM projects_parkprojectcount RETURNING park_id) INSERT INTO x SELECT 1", True),
        ("WITH a AS (SELECT 1) SELECT * FROM a", False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', False),
    ],
)
def test_which_statements_bump(sql, write):
    assert dataversion.is_write(sql) is write


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ('UPDATE "projects_project" SET "status" = %s', {"projects_project"}),
        ('INSERT INTO "scheduling_milestone" ("kind") VALUES (%s)', {"scheduling_milestone"}),
        ('SELECT "projects_project"."id" FROM "projects_project" FOR UPDATE', set()),
        ('UPDATE "django_session" SET "session_data" = %s', set()),
        ("UPDATE ONLY projects_project SET status = 'red'", {"projects_project"}),
        ('TRUNCATE "projects_project", "scheduling_milestone" CASCADE', None),  # tables not known
        ('TRUNCATE "django_session"', set()),
        (
            "WITH ms AS (UPDATE scheduling_milestone SET status = 'red' RETURNING project_id) "
            "UPDATE projects_project p SET status = 'red' FROM ms WHERE p.id = ms.project_id",
            {"scheduling_milestone", "projects_project"},
        ),
        (
            "WITH gone AS (DELETE FROM projects_parkprojectcount RETURNING park_id) "
            "INSERT INTO projects_parkprojectcount (park_id) SELECT park_id FROM gone "
            "ON CONFLICT (park_id) DO UPDATE SET park_id = EXCLUDED.park_id",
            {"projects_parkprojectcount"},
        ),
        ("WITH x AS (SELECT id FROM projects_project) SELECT id FROM x FOR UPDATE SKIP LOCKED", None),
    ],
)
def test_which_tables_a_statement_writes(sql, tables):
    written = dataversion.written_tables(sql)
    assert (written if written is None else set(written)) == tables


def test_an_entry_naming_its_tables_survives_writes_to_others(db):
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    def read():
        return dataversion.cached("t", compute, tables=("projects_project", "scheduling_milestone"))

    assert read() == 1 and read() == 1
    dataversion.bump({"projects_investmentreport"})  # a report filed: not a table of the entry
    assert read() == 1
    dataversion.bump({"scheduling_milestone"})
    assert read() == 2
    dataversion.bump()  # a write whose tables are not known
    assert read() == 3
    assert dataversion.cached("u", compute) == 4  # an entry naming no tables: any write
    dataversion.bump({"projects_investmentreport"})
    assert dataversion.cached("u", compute) == 5 and read() == 3


@pytest.mark.django_db(transaction=True)
def test_the_tables_of_a_transaction_are_bumped_when_it_commits_only(city):
    from django.db import transaction

    from tests import factories

    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    before = dataversion.current(("projects_project",)), dataversion.current(("scheduling_milestone",))
    with pytest.raises(RuntimeError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(status="red")
        raise RuntimeError
    assert (dataversion.current(("projects_project",)), dataversion.current(("scheduling_milestone",))) == before
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(status="red")
        assert dataversion.current(("projects_project",)) == before[0]  # not before the commit
    assert dataversion.current(("projects_project",)) != before[0]
    assert dataversion.current(("scheduling_milestone",)) == before[1]


def test_a_filed_report_recomputes_only_the_report_figures(client_a, project_a, park_a_admin, today):
    """The project figures (stages, delays, 督办) are cached apart from the report figures: a
    report filed recomputes these (done changes at once), not those (fewer statements than a
    cold page, more than a warm one)."""
    client_a.get("/")
    dataversion.bump()
    cold = statements(client_a)
    warm = statements(client_a)
    report_submit(user=park_a_admin, project=project_a, period=today.replace(day=1), amount=Decimal("12.34"))
    after_report = statements(client_a)
    assert client_a.get("/").context["done"] == Decimal("12.34")
    assert warm < after_report < cold, (warm, after_report, cold)
    Milestone.objects.filter(project=project_a, kind="signing").update(actual_date=today)  # a project figure
    assert statements(client_a) > after_report  # the project figures computed again
    assert client_a.get("/").context["overdue_count"] == 0


def delayed_section(page) -> str:
    html = page.content.decode()
    start = html.index('data-testid="delayed-projects"')
    return html[start : html.index("</section>", start)]


def test_the_cached_list_fragments_follow_a_milestone_edit_and_survive_a_report(
    client_a, project_a, park_a_admin, today
):
    """The delay list is HTML cached with the project figures (PROJECT_FRAGMENTS): a milestone
    completed shows at once in the page's HTML, and a filed report re-renders the investment
    tile around the same fragment."""
    section = delayed_section(client_a.get("/"))
    assert project_a.name in section and ">1<" in section
    report_submit(user=park_a_admin, project=project_a, period=today.replace(day=1), amount=Decimal("345.60"))
    page = client_a.get("/")
    assert delayed_section(page) == section  # the fragment, unchanged
    assert "0.03 亿元 / 1.20 亿元" in page.content.decode()  # 345.60 万元 of 12,000.00 万元
    milestone_update(user=park_a_admin, milestone=project_a.milestones.get(kind="signing"), data={"actual_date": today})
    section = delayed_section(client_a.get("/"))
    assert project_a.name not in section and ">0<" in section
