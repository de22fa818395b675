"""`make backup` / `make restore` (scripts/backup.sh, scripts/restore.sh): a backup restored into
a fresh database holds every row of every table, the audit history included."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from decimal import Decimal

import pytest

from projects.services import project_archive, project_create, project_update, report_correct, report_submit
from scheduling.services import milestone_create, milestone_update
from tests import factories
from tests.conftest import require_postgres
from tests.reliability.conftest import ROOT, pg_connect, pg_url, table_counts

pytestmark = [pytest.mark.django_db(transaction=True)]


def run_script(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def populate(city) -> dict:
    commission = factories.UserFactory(username="fgw", role="commission")
    admin_a = factories.UserFactory(username="gx", role="park_admin", park=city.park_a)
    project = project_create(
        user=admin_a,
        data={
            "name": "森朗生物CAR-T商业化生产基地",
            "owner": "石家庄森朗生物科技有限公司",
            "park": city.park_a_sub,
            "industry": city.bio_drug,
            "level": "provincial",
            "year": 2024,
            "stage": "under_construction",
            "total_investment": Decimal("60000.00"),
        },
    )
    project = project_update(user=admin_a, project=project, data={"total_investment": Decimal("65000.50")})
    other = project_create(
        user=commission,
        data={
            "name": "晶澳太阳能一期",
            "owner": "晶澳太阳能有限公司",
            "park": city.park_b,
            "industry": city.ei_ic,
            "level": "municipal",
            "year": 2023,
            "stage": "completed",
            "total_investment": Decimal("1020000.00"),
        },
    )
    for month in range(1, 4):
        report_submit(user=admin_a, project=project, period=f"2025-{month:02d}", amount=Decimal("1234.56"))
    report = report_submit(user=commission, project=other, period="2025-01", amount=Decimal("99.99"))
    report_correct(user=commission, report=report, data={"amount": Decimal("100.01"), "problems": "用地指标待落实"})
    milestone = milestone_create(
        user=admin_a, project=project, data={"kind": "construction_start", "planned_date": dt.date(2025, 3, 1)}
    )
    milestone_update(user=admin_a, milestone=milestone, data={"planned_date": dt.date(2025, 4, 1)})
    project_archive(user=commission, project=other)
    return {"project": project.pk, "other": other.pk, "milestone": milestone.pk}


def test_backup_then_restore_into_fresh_database_keeps_every_row(city, tmp_path, scratch_database):
    require_postgres()
    ids = populate(city)
    before = table_counts()

    backup = run_script("backup.sh", DATABASE_URL=pg_url(), BACKUP_DIR=str(tmp_path))
    assert backup.returncode == 0, backup.stderr
    dump = backup.stdout.strip().splitlines()[-1]
    assert dump.startswith(str(tmp_path)) and dump.endswith(".dump")
    assert not list(tmp_path.glob("*.partial"))

    restore = run_script("restore.sh", dump, RESTORE_DATABASE_URL=pg_url(scratch_database))
    assert restore.returncode == 0, restore.stderr
    assert restore.stdout.startswith(f"restored {dump} into postgres://")

    after = table_counts(scratch_database)
    assert after == before
    # The tables that matter are really populated, not equal because both are empty.
    assert before["projects_project"] == 2
    assert before["projects_investmentreport"] == 4
    assert before["scheduling_milestone"] == 1
    assert before["projects_historicalproject"] == 4  # create, update, create, archive
    assert before["projects_historicalinvestmentreport"] == 5  # 4 submissions + 1 correction
    assert before["scheduling_historicalmilestone"] == 2

    with pg_connect(scratch_database) as conn:
        total, archived = conn.execute(
            "SELECT total_investment, archived_at IS NOT NULL FROM projects_project WHERE id = %s", [ids["project"]]
        ).fetchone()
        assert total == Decimal("65000.50") and archived is False
        assert conn.execute(
            "SELECT archived_at IS NOT NULL FROM projects_project WHERE id = %s", [ids["other"]]
        ).fetchone()[0]
        history = conn.execute(
            "SELECT history_type, total_investment, u.username FROM projects_historicalproject h "
            "JOIN parks_user u ON u.id = h.history_user_id WHERE h.id = %s ORDER BY history_id",
            [ids["project"]],
        ).fetchall()
        assert history == [("+", Decimal("60000.00"), "gx"), ("~", Decimal("65000.50"), "gx")]
        corrected = conn.execute(
            "SELECT amount, problems FROM projects_historicalinvestmentreport WHERE project_id = %s ORDER BY history_id",
            [ids["other"]],
        ).fetchall()
        assert corrected == [(Decimal("99.99"), ""), (Decimal("100.01"), "用地指标待落实")]
        baseline, planned = conn.execute(
            "SELECT baseline_date, planned_date FROM scheduling_milestone WHERE id = %s", [ids["milestone"]]
        ).fetchone()
        assert (baseline, planned) == (dt.date(2025, 3, 1), dt.date(2025, 4, 1))


def test_restore_over_a_changed_database_brings_back_the_backup(city, tmp_path, scratch_database):
    """--clean --if-exists: restoring over a database that has since changed replaces it."""
    require_postgres()
    populate(city)
    dump = run_script("backup.sh", DATABASE_URL=pg_url(), BACKUP_DIR=str(tmp_path)).stdout.strip()
    target = pg_url(scratch_database)
    assert run_script("restore.sh", dump, RESTORE_DATABASE_URL=target).returncode == 0
    with pg_connect(scratch_database) as conn:
        conn.execute("UPDATE projects_project SET name = 'changed after backup'")
        conn.execute("DELETE FROM projects_investmentreport")
    second = run_script("restore.sh", dump, RESTORE_DATABASE_URL=target)
    assert second.returncode == 0, second.stderr
    assert table_counts(scratch_database) == table_counts()
    with pg_connect(scratch_database) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM projects_project")}
    assert names == {"森朗生物CAR-T商业化生产基地", "晶澳太阳能一期"}


def test_backup_keeps_only_the_newest_when_asked(city, tmp_path):
    require_postgres()
    for _ in range(3):
        assert run_script("backup.sh", DATABASE_URL=pg_url(), BACKUP_DIR=str(tmp_path), BACKUP_KEEP="2").returncode == 0
    assert len(list(tmp_path.glob("*.dump"))) == 2


def test_backup_refuses_a_non_postgres_url(tmp_path):
    proc = run_script("backup.sh", DATABASE_URL="sqlite:///var/db.sqlite3", BACKUP_DIR=str(tmp_path))
    assert proc.returncode == 2
    assert "DATABASE_URL must be a postgres:// URL" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_restore_refuses_missing_and_non_dump_files(tmp_path):
    require_postgres()
    assert "usage: scripts/restore.sh FILE" in run_script("restore.sh").stderr
    bogus = tmp_path / "not-a-dump.dump"
    bogus.write_bytes(b"PK\x03\x04 this is a zip, not a dump")
    proc = run_script("restore.sh", str(bogus), RESTORE_DATABASE_URL=pg_url())
    assert proc.returncode == 2
    assert "is not a pg_dump custom-format archive" in proc.stderr
    assert "cannot read" in run_script("restore.sh", str(tmp_path / "missing.dump")).stderr
