"""Writes to projects, annual plans and monthly reports: one function per action, one
transaction each. The web forms, the API, the Excel import and the jobs all call these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.exceptions import VersionConflict
from parks import access

from .models import InvestmentReport, Project
from .selectors import can_write_park

PROJECT_EDITABLE_FIELDS = [
    "code",
    "name",
    "owner",
    "park",
    "industry",
    "level",
    "year",
    "stage",
    "phase",
    "total_investment",
    "construction_content",
    "annual_output",
    "target_date",
    "leader",
    "contact_person",
    "contact_phone",
    "latitude",
    "longitude",
    "is_special_bond",
    "special_bond_amount",
]


def _check_park(user, park) -> None:
    if not can_write_park(user, getattr(park, "pk", None)):
        raise PermissionDenied(_("您无权在该园区录入或调整项目。"))


@transaction.atomic
def project_create(*, user, data: dict[str, Any]) -> Project:
    project = Project(**{k: v for k, v in data.items() if k in PROJECT_EDITABLE_FIELDS})
    if project.code == "":
        project.code = None
    _check_park(user, project.park)
    project.full_clean()
    project._history_user = user
    project.save()
    return project


@transaction.atomic
def project_update(*, user, project: Project, data: dict[str, Any], expected_version: int | None = None) -> Project:
    """Apply `data` to `project`. With `expected_version`, the write happens only if nobody has
    saved the project since that version (a guarded UPDATE), so two people editing at once can't
    silently overwrite each other: the second gets VersionConflict and nothing is stored."""
    _check_park(user, project.park)
    for key, value in data.items():
        if key in PROJECT_EDITABLE_FIELDS:
            setattr(project, key, value)
    if project.code == "":
        project.code = None
    _check_park(user, project.park)
    project.full_clean()
    base = project.version if expected_version is None else expected_version
    bumped = Project.objects.filter(pk=project.pk, version=base).update(version=F("version") + 1)
    if bumped != 1:
        raise VersionConflict()
    project.version = base + 1
    project._history_user = user
    project.save()
    return project


def normalize_period(value: dt.date | str) -> dt.date:
    """'YYYY-MM' or a date → the first day of that month."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        year, month = str(value).split("-")
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise ValidationError({"period": [_("报告期格式应为 YYYY-MM，如 2026-03。")]})


# Marked for makemessages here, translated where it is raised (API and service alike).
DUPLICATE_REPORT = gettext_noop("该项目 %(period)s 的月度报告已报送；如需更正，请修改原报告。")


@transaction.atomic
def report_submit(
    *, user, project: Project, period: dt.date | str, amount: Decimal, progress: str = "", problems: str = ""
) -> InvestmentReport:
    """File one month's report. A second report for the same project and month is refused
    (the unique constraint decides, so concurrent submissions cannot both land)."""
    _check_park(user, project.park)
    report = InvestmentReport(
        project=project,
        period=normalize_period(period),
        amount=amount,
        progress=progress or "",
        problems=problems or "",
        submitted_by=user if getattr(user, "is_authenticated", False) else None,
    )
    report.full_clean(validate_unique=False, validate_constraints=False)
    report._history_user = user
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ValidationError({"period": [_(DUPLICATE_REPORT) % {"period": report.period.strftime("%Y-%m")}]})
    return report


@transaction.atomic
def report_correct(*, user, report: InvestmentReport, data: dict[str, Any]) -> InvestmentReport:
    _check_park(user, report.project.park)
    for key in ("amount", "progress", "problems"):
        if key in data:
            setattr(report, key, data[key] if data[key] is not None else "")
    report.full_clean(validate_unique=False, validate_constraints=False)
    report._history_user = user
    report.save()
    return report


@transaction.atomic
def project_archive(*, user, project: Project) -> Project:
    """Projects are archived, never deleted, so their reports and history stay; commission only."""
    from django.utils import timezone

    if not access.is_commission(user):
        raise PermissionDenied(_("只有发改委可以归档项目。"))
    project.archived_at = timezone.now()
    project._history_user = user
    project.save(update_fields=["archived_at", "updated_at"])
    return project


# Folds the rows of changes into one row per park (dropping parks at zero). One statement:
# it deletes only the rows its snapshot sees, so rows added by transactions still running are
# kept, and two runs at once cannot lose or double a change.
COMPACT_PARK_COUNTS = """
WITH gone AS (DELETE FROM projects_parkprojectcount RETURNING park_id, active)
INSERT INTO projects_parkprojectcount (park_id, active)
SELECT park_id, sum(active) FROM gone GROUP BY park_id HAVING sum(active) <> 0
"""


def compact_park_counts() -> int:
    """The nightly job of `ParkProjectCount`; returns the rows left (one per park with projects)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COMPACT_PARK_COUNTS)
        return cursor.rowcount
