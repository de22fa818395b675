"""Writes to projects, annual plans and monthly reports: one function per action, one
transaction each. The web forms, the API, the Excel import and the jobs all call these."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from common.exceptions import VersionConflict
from common.money import AmountError, check_amount, parse_amount
from common.periods import PeriodError, parse_period
from parks import access

from . import review
from .models import AnnualPlan, InvestmentReport, Project, ReportStatus
from .selectors import can_write_park, projects_writable_by
from .signals import reports_changed

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


# Rows per INSERT of the set-based writes (reports and their history, imported projects).
BULK_BATCH_SIZE = 1000
PARK_NOT_WRITABLE = gettext_noop("您无权在该园区录入或调整项目。")


def _check_park(user, park) -> None:
    if not can_write_park(user, getattr(park, "pk", None)):
        raise PermissionDenied(_(PARK_NOT_WRITABLE))


def project_build(data: dict[str, Any]) -> Project:
    project = Project(**{k: v for k, v in data.items() if k in PROJECT_EDITABLE_FIELDS})
    if project.code == "":
        project.code = None
    return project


def project_create(*, user, data: dict[str, Any]) -> Project:
    return project_insert(user=user, project=project_build(data))


@transaction.atomic
def project_insert(*, user, project: Project) -> Project:
    """Store a new project built by a door (the API's and the form's data, or the admin's form
    instance): scope, then the model's whole validation, then the insert with its history user."""
    _check_park(user, project.park)
    project.full_clean()
    project._history_user = user
    project.save()
    return project


PARK_NOT_WRITABLE_NAMED = gettext_noop("您无权在园区“%(value)s”录入项目。")
CODE_TAKEN = gettext_noop("项目代码 %(code)s 已存在。")
CODE_REPEATED = gettext_noop("项目代码 %(code)s 与第%(row)d行重复。")


def projects_create_bulk(*, user, rows: Sequence[tuple[Any, dict[str, Any]]], commit: bool = True) -> list[Project]:
    """project_create for many rows at once (the Excel import), all or nothing: the same model
    validation, scope and code uniqueness, set-based. `rows` are (ref, data); raises RowsRefused
    naming each bad row by its ref."""
    built = [(ref, project_build(data)) for ref, data in rows]
    codes = [p.code for _ref, p in built if p.code]
    taken = set(Project.objects.filter(code__in=codes).values_list("code", flat=True))
    writable = {pk: can_write_park(user, pk) for pk in {p.park_id for _ref, p in built}}
    seen: dict[str, Any] = {}
    problems: list[RowErrors] = []
    for ref, project in built:
        errors = project_errors(project, exclude=["park", "industry"])
        if not writable[project.park_id]:
            errors.setdefault("park", []).append(_(PARK_NOT_WRITABLE_NAMED) % {"value": project.park.name})
        if project.code in taken:
            errors.setdefault("code", []).append(_(CODE_TAKEN) % {"code": project.code})
        elif project.code in seen:
            errors.setdefault("code", []).append(_(CODE_REPEATED) % {"code": project.code, "row": seen[project.code]})
        elif project.code:
            seen[project.code] = ref
        if errors:
            problems.append(RowErrors(ref, None, errors))
    if problems:
        raise RowsRefused(problems)
    projects = [p for _ref, p in built]
    if commit:
        projects = projects_insert_bulk(user=user, projects=projects)
    return projects


def projects_insert_bulk(*, user, projects: list[Project]) -> list[Project]:
    """Store projects validated by projects_create_bulk(commit=False): set-based, with history."""
    with transaction.atomic():
        return bulk_create_with_history(projects, Project, batch_size=BULK_BATCH_SIZE, default_user=user)


# --- Many rows that may name projects already stored (the Excel import) ----------------------

MATCHES_EXISTING = gettext_noop("与已有项目重复：%(name)s（ID %(id)d）")
MATCHES_ROW = gettext_noop("与第%(row)s行重复（项目代码相同，或项目名称、建设单位、园区相同）。")
ARCHIVED_PROJECT = gettext_noop("已有项目 %(name)s（ID %(id)d）已归档，不能通过导入更新。")
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class RowPlan:
    """What a row of projects_save_bulk writes: `action` create / update / unchanged; `project`
    the new project or the stored one it matches; `changes` {field: (old, new)} of an update."""

    ref: Any
    action: str
    project: Project
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _same_project_key(data: dict[str, Any]) -> tuple:
    park = data.get("park")
    return (data.get("name"), data.get("owner"), getattr(park, "pk", park))


def projects_matching(rows: Sequence[tuple[Any, dict[str, Any]]]) -> dict[Any, Project]:
    """The stored project each row names (one query): the same project code, or for a row
    without a code the same name, owner and park. {ref: project} of the rows that match."""
    codes = {data["code"] for _ref, data in rows if data.get("code")}
    keys = {_same_project_key(data) for _ref, data in rows if not data.get("code")}
    if not codes and not keys:
        return {}
    names, owners, parks = ({k[i] for k in keys} for i in range(3))
    found = (
        Project.objects.filter(Q(code__in=codes) | Q(name__in=names, owner__in=owners, park_id__in=parks))
        .select_related("park", "industry")
        .order_by("id")
    )
    by_code: dict[str, Project] = {}
    by_key: dict[tuple, Project] = {}
    for project in found:
        if project.code:
            by_code[project.code] = project
        by_key.setdefault((project.name, project.owner, project.park_id), project)
    matches = {}
    for ref, data in rows:
        project = by_code.get(data["code"]) if data.get("code") else by_key.get(_same_project_key(data))
        if project is not None:
            matches[ref] = project
    return matches


def _repeated_rows(rows: Sequence[tuple[Any, dict[str, Any]]]) -> dict[Any, Any]:
    """{ref: the earlier row's ref} of the rows naming the same project as an earlier row of the
    same file: the same code, or (either without a code) the same name, owner and park."""
    by_code: dict[str, Any] = {}
    by_key: dict[tuple, Any] = {}
    codeless: dict[tuple, Any] = {}
    repeated = {}
    for ref, data in rows:
        code, key = data.get("code"), _same_project_key(data)
        earlier = by_code.get(code) if code else by_key.get(key)
        if earlier is None and code:
            earlier = codeless.get(key)
        if earlier is not None:
            repeated[ref] = earlier
            continue
        if code:
            by_code[code] = ref
        else:
            codeless.setdefault(key, ref)
        by_key.setdefault(key, ref)
    return repeated


def project_changes(project: Project, data: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field: (stored, given)} of the editable fields `data` gives a different value."""
    changes = {}
    for key, new in data.items():
        if key not in PROJECT_EDITABLE_FIELDS:
            continue
        old = getattr(project, key)
        if key == "code" and new == "":
            new = None
        if getattr(old, "pk", old) != getattr(new, "pk", new):
            changes[key] = (old, new)
    return changes


def _update_errors(writable, project: Project, changes: dict[str, tuple[Any, Any]]) -> dict[str, list[str]]:
    """The checks of project_update without its queries: scope (stored and new park, `writable`
    the user's parks_writable_by) and the model's validation of the changed project."""
    if project.archived_at is not None:
        return {"": [_(ARCHIVED_PROJECT) % {"name": project.name, "id": project.pk}]}
    changed = copy.copy(project)
    for key, (_old, new) in changes.items():
        setattr(changed, key, new)
    errors = project_errors(changed, exclude=["park", "industry"])
    for park in (project.park, changed.park):
        if writable is not None and park.pk not in writable:
            errors.setdefault("park", []).append(_(PARK_NOT_WRITABLE_NAMED) % {"value": park.name})
            break
    return errors


def projects_save_bulk(
    *, user, rows: Sequence[tuple[Any, dict[str, Any]]], update_existing: bool = False, commit: bool = True
) -> list[RowPlan]:
    """Many project rows at once (the Excel import), all or nothing. A row naming a stored
    project (projects_matching) is refused as a duplicate, or with `update_existing` updates it
    (only the fields that differ; unchanged rows write nothing); a row naming the same project
    as an earlier row is refused. New rows go through projects_create_bulk (set-based); updates
    through project_update, one per changed row (its version guard and history; a bounded
    number of statements per row). Raises RowsRefused; with `commit=False` only validates."""
    matches = projects_matching(rows)
    repeated = _repeated_rows(rows)
    writable = access.parks_writable_by(user) if matches else None
    problems: list[RowErrors] = []
    plans: list[RowPlan] = []
    new_rows = []
    for ref, data in rows:
        project = matches.get(ref)
        if ref in repeated:
            problems.append(RowErrors(ref, None, {"": [_(MATCHES_ROW) % {"row": repeated[ref]}]}))
        elif project is None:
            new_rows.append((ref, data))
        elif not update_existing:
            message = _(MATCHES_EXISTING) % {"name": project.name, "id": project.pk}
            problems.append(RowErrors(ref, project.pk, {"": [message]}))
        elif changes := project_changes(project, data):
            if errors := _update_errors(writable, project, changes):
                problems.append(RowErrors(ref, project.pk, errors))
            plans.append(RowPlan(ref, UPDATE, project, changes))
        else:
            plans.append(RowPlan(ref, UNCHANGED, project))
    try:
        created = projects_create_bulk(user=user, rows=new_rows, commit=False)
    except RowsRefused as refused:
        problems.extend(refused.rows)
        created = []
    if problems:
        raise RowsRefused(problems)
    plans.extend(RowPlan(ref, CREATE, project) for (ref, _data), project in zip(new_rows, created, strict=True))
    order = {ref: i for i, (ref, _data) in enumerate(rows)}
    plans.sort(key=lambda plan: order[plan.ref])
    if commit:
        _save_plans(user, plans)
    return plans


@transaction.atomic
def _save_plans(user, plans: list[RowPlan]) -> None:
    new = [plan for plan in plans if plan.action == CREATE]
    if new:
        stored = projects_insert_bulk(user=user, projects=[plan.project for plan in new])
        for plan, project in zip(new, stored, strict=True):
            plan.project = project
    for plan in plans:
        if plan.action == UPDATE:
            data = {key: new for key, (_old, new) in plan.changes.items()}
            project_update(user=user, project=plan.project, data=data, expected_version=plan.project.version)


def project_errors(project: Project, *, exclude: Sequence[str] = ()) -> dict[str, list[str]]:
    """The model's own field and record validation, without uniqueness (no query per row)."""
    try:
        project.clean_fields(exclude=list(exclude))
        project.clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


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
    """'YYYY-MM' or a date → the first day of that month (common.periods), as a form error."""
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise ValidationError({"period": [exc.message]}, code=exc.code) from None


# --- Monthly reports: the checks, one place each ---------------------------------------------

# Marked for makemessages here, translated where it is raised (every door alike).
DUPLICATE_REPORT = gettext_noop("该项目 %(period)s 的月度报告已报送；如需更正，请修改原报告。")
REPEATED_IN_REQUEST = gettext_noop("同一项目同一报告期在本次报送中出现了多次。")
NOT_IN_SCOPE = gettext_noop("项目不存在或不在您的管辖范围内。")
ARCHIVED = gettext_noop("该项目已归档，不能再报送或更正月报。")
FILED_MEANWHILE = gettext_noop("本月部分项目的月报已由他人同时报送，本次报送未保存，请刷新后重试。")


def duplicate_message(period: dt.date) -> str:
    return _(DUPLICATE_REPORT) % {"period": period.strftime("%Y-%m")}


def _report_value_errors(*, period, amount) -> tuple[dt.date | None, Decimal | None, dict[str, list[str]]]:
    """The period range and the amount rule, as {field: [message]}."""
    errors: dict[str, list[str]] = {}
    try:
        period = parse_period(period)
    except PeriodError as exc:
        errors["period"] = [exc.message]
        period = None
    try:
        amount = check_amount(amount) if isinstance(amount, Decimal) else parse_amount(amount)
    except AmountError as exc:
        errors["amount"] = [exc.message]
        amount = None
    return period, amount, errors


def _report_text_errors(row) -> dict[str, list[str]]:
    """Progress and problems by their model fields' text rule (common.text), as {field: [message]}."""
    errors: dict[str, list[str]] = {}
    for name in ("progress", "problems"):
        try:
            InvestmentReport._meta.get_field(name).run_validators(getattr(row, name) or "")
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors


def _archived_error(project: Project) -> dict[str, list[str]]:
    return {"project": [_(ARCHIVED)]} if project.archived_at is not None else {}


def _submitter(user):
    return user if getattr(user, "is_authenticated", False) else None


FILED_STATUSES = (ReportStatus.SUBMITTED.value, ReportStatus.DRAFT.value)
BAD_FILED_STATUS = gettext_noop("新报送的月报状态只能是 submitted（报送）或 draft（草稿）。")


def _filed_status(status: str | None) -> str:
    if status in (None, ""):
        return ReportStatus.SUBMITTED
    if status not in FILED_STATUSES:
        raise ValidationError({"status": [_(BAD_FILED_STATUS)]})
    return status


def _reports_changed(reports) -> None:
    reports_changed.send(sender=InvestmentReport, project_ids=sorted({r.project_id for r in reports}))


def _read_relations(report: InvestmentReport) -> list[str]:
    """The report's foreign keys that hold an object read from the database (the project the
    door looked up in the caller's scope, the signed-in user): full_clean's existence query for
    them would only repeat that read."""
    return [
        name
        for name in ("project", "submitted_by")
        if (related := getattr(report, name)) is not None and not related._state.adding and related.pk is not None
    ]


@transaction.atomic
def report_submit(
    *,
    user,
    project: Project,
    period: dt.date | str,
    amount: Decimal,
    progress: str = "",
    problems: str = "",
    status: str | None = None,
    correction_reason: str | None = None,
) -> InvestmentReport:
    """File one month's report, `submitted` or (status "draft") a draft. A second report for the
    same project and month is refused (the unique constraint decides, so concurrent submissions
    cannot both land). A closed month: a park admin's is a 409, the commission's needs a
    correction reason (projects.review.check_closed_write)."""
    _check_park(user, project.park)
    status = _filed_status(status)
    period, amount, errors = _report_value_errors(period=period, amount=amount)
    errors = errors or _archived_error(project)
    if errors:
        raise ValidationError(errors)
    reason = review.check_closed_write(user=user, periods=[period], correction_reason=correction_reason)
    report = InvestmentReport(
        project=project,
        period=period,
        amount=amount,
        progress=progress or "",
        problems=problems or "",
        submitted_by=_submitter(user),
        status=status,
        correction_reason=reason,
    )
    report.full_clean(exclude=_read_relations(report), validate_unique=False, validate_constraints=False)
    report._history_user = user
    report._change_reason = _(
        review.CHANGE_REASONS["correct" if reason else "draft" if status == "draft" else "submit"]
    )
    # A savepoint only when a caller's transaction encloses this one (it may go on after the
    # 400); when this function's own transaction is the outermost, a refused insert rolls it
    # all back (it has only read before the insert).
    nested = len(transaction.get_connection().atomic_blocks) > 1
    try:
        with transaction.atomic(savepoint=nested):
            report.save()
    except IntegrityError:
        raise ValidationError({"period": [duplicate_message(report.period)]}) from None
    _reports_changed([report])
    return report


@transaction.atomic
def report_correct(
    *, user, report: InvestmentReport, data: dict[str, Any], correction_reason: str | None = None
) -> InvestmentReport:
    """A PATCH: a park admin may change its report while draft, submitted or returned (a returned
    one stays returned until submitted again), not an approved one (409 {"status"}); in a closed
    month a park admin not at all (409 {"period"}), the commission with a correction reason."""
    _check_park(user, report.project.park)
    review.check_not_approved_for_park(user=user, report=report)
    reason = review.check_closed_write(user=user, periods=[report.period], correction_reason=correction_reason)
    if reason:
        report.correction_reason = reason
        report._change_reason = _(review.CHANGE_REASONS["correct"])
    if "amount" in data:
        _period, amount, errors = _report_value_errors(period=report.period, amount=data["amount"])
        if errors.get("amount"):
            raise ValidationError({"amount": errors["amount"]})
        report.amount = amount
    if errors := _archived_error(report.project):
        raise ValidationError(errors)
    for key in ("progress", "problems"):
        if key in data:
            setattr(report, key, data[key] if data[key] is not None else "")
    report.full_clean(validate_unique=False, validate_constraints=False)
    report._history_user = user
    report.save()
    _reports_changed([report])
    return report


# --- The review and the period close (projects.review): the doors call these ------------------


def report_review_submit(*, user, report: InvestmentReport) -> InvestmentReport:
    """draft or returned → submitted (its park's admin or the commission); clears the return reason."""
    return review.report_step(user=user, report=report, step="submit")


def report_return(*, user, report: InvestmentReport, reason: str | None) -> InvestmentReport:
    """submitted or approved → returned with a reason (commission)."""
    return review.report_step(user=user, report=report, step="return", reason=reason)


def report_approve(*, user, report: InvestmentReport) -> InvestmentReport:
    """submitted → approved (commission)."""
    return review.report_step(user=user, report=report, step="approve")


def reports_approve(*, user, report_ids: Sequence[int], period: dt.date | None = None) -> list[InvestmentReport]:
    """Approve many submitted reports at once (set-based)."""
    return review.reports_approve(user=user, report_ids=report_ids, period=period)


def period_close(*, user, period: dt.date | str, today: dt.date | None = None):
    return review.period_close(user=user, period=period, today=today)


def period_reopen(*, user, period: dt.date | str):
    return review.period_reopen(user=user, period=period)


@dataclass
class ReportRow:
    """One row of a filing: `project` is a Project or an id (looked up in the caller's scope);
    `period` defaults to the filing's. `ref` is the caller's name for the row (an index, an Excel
    row number), given back with its errors."""

    project: Project | int | None
    amount: Decimal | str | None
    progress: str = ""
    problems: str = ""
    period: dt.date | str | None = None
    ref: Any = None


@dataclass
class RowErrors:
    ref: Any
    project: int | None
    errors: dict[str, list[str]]


class RowsRefused(ValidationError):
    """Some rows of a bulk write are refused (nothing was stored): `rows` names each with its errors."""

    def __init__(self, rows: list[RowErrors]):
        self.rows = rows
        super().__init__({"rows": [f"{r.ref}: {m}" for r in rows for messages in r.errors.values() for m in messages]})


@dataclass
class Filing:
    created: list[InvestmentReport] = field(default_factory=list)
    corrected: list[InvestmentReport] = field(default_factory=list)


def report_file(
    *,
    user,
    rows: Sequence[ReportRow],
    period: dt.date | str | None = None,
    correct_existing: bool = False,
    commit: bool = True,
    status: str | None = None,
    correction_reason: str | None = None,
) -> Filing:
    """File many monthly reports at once, all or nothing: every check of a single filing (scope,
    archived, period range, amount rule, one report per project and month), each in one place and
    set-based (a constant number of statements whatever the number of rows). With
    `correct_existing` (the monthly grid) a row whose month is already filed corrects it; a row
    without an amount is skipped (the grid never deletes a report). Otherwise an existing report
    is the duplicate error. Raises RowsRefused; with `commit=False` only validates.

    The review (CONTRACT v2): new reports are stored `submitted`, or `draft` with status
    "draft". With status "submitted" and `correct_existing` the grid's drafts and returned
    reports of the rows are submitted too (the return reason cleared); with "draft" existing
    reports keep their status. A park admin's row changing an approved report is refused. A
    closed month: a park admin's filing is a 409 {"period"} (nothing stored), the commission's
    needs `correction_reason` (400 otherwise) — the same check as report_submit/report_correct.
    Existing reports are read FOR UPDATE when committing, so a review step in between either
    waits for this filing or makes it see the new status."""
    status = _filed_status(status)
    periods = {p for p in (_period_or_none(r.period or period) for r in rows) if p is not None}
    reason = review.check_closed_write(user=user, periods=periods, correction_reason=correction_reason)
    with transaction.atomic():
        filing = _report_file_checked(
            user=user,
            rows=rows,
            period=period,
            periods=periods,
            correct_existing=correct_existing,
            commit=commit,
            status=status,
            reason=reason,
        )
        if commit:
            filing_write(user=user, filing=filing, reason=reason, status=status)
    return filing


def _report_file_checked(*, user, rows, period, periods, correct_existing, commit, status, reason) -> Filing:
    projects = _projects_in_scope(user, rows)
    found = InvestmentReport.objects.filter(project_id__in=list(projects), period__in=periods)
    if commit and projects:
        found = found.select_for_update()
    existing = {(r.project_id, r.period): r for r in found}
    park_admin = not access.is_commission(user)
    closed = review.closed_periods(list(periods)) if reason else set()
    filing, problems, seen = Filing(), [], set()
    for row in rows:
        if row.amount is None and correct_existing:
            continue
        report, errors = _check_row(row, period, projects, existing, seen, correct_existing, user)
        if report is None and not errors and status == ReportStatus.SUBMITTED:
            # An unchanged draft or returned report: the grid's submit button submits it.
            pk = row.project.pk if isinstance(row.project, Project) else row.project
            stored = existing.get((pk, _period_or_none(row.period or period)))
            if stored is not None and stored.status in review.STEPS["submit"][0]:
                report = stored
        if report is not None and report.pk is not None and report.status == ReportStatus.APPROVED and park_admin:
            errors, report = {"status": [_(review.APPROVED_LOCKED)]}, None
        if report is not None:
            if report.pk is None:
                report.status = status
            elif status == ReportStatus.SUBMITTED and report.status in review.STEPS["submit"][0]:
                report.status, report.return_reason = ReportStatus.SUBMITTED, ""
                if park_admin:
                    report.submitted_by = _submitter(user)
            if reason and report.period in closed:
                report.correction_reason = reason
        if errors:
            pk = row.project.pk if isinstance(row.project, Project) else row.project
            problems.append(RowErrors(row.ref, pk, errors))
        elif report is not None and report.pk is None:
            filing.created.append(report)
        elif report is not None:
            filing.corrected.append(report)
    if problems:
        raise RowsRefused(problems)
    return filing


def _period_or_none(value) -> dt.date | None:
    try:
        return parse_period(value)
    except PeriodError:
        return None


def _projects_in_scope(user, rows: Sequence[ReportRow]) -> dict[int, Project]:
    """The rows' projects the user may write (the one scope check, one query)."""
    ids = {r.project.pk if isinstance(r.project, Project) else r.project for r in rows}
    ids = {pk for pk in ids if isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk < 2**63}
    given = {r.project.pk: r.project for r in rows if isinstance(r.project, Project)}
    found = projects_writable_by(user).filter(pk__in=ids)
    if len(given) == len(ids):
        return {pk: given[pk] for pk in found.values_list("pk", flat=True)}
    return {p.pk: p for p in found.select_related("park")}


def _check_row(row, period, projects, existing, seen, correct_existing, user):
    pk = row.project.pk if isinstance(row.project, Project) else row.project
    project = projects.get(pk)
    if project is None:
        return None, {"project": [_(NOT_IN_SCOPE)]}
    month, amount, errors = _report_value_errors(period=row.period or period, amount=row.amount)
    errors = {**errors, **_report_text_errors(row)} or _archived_error(project)
    if errors:
        return None, errors
    key = (project.pk, month)
    if key in seen:
        return None, {"period": [_(REPEATED_IN_REQUEST)]}
    seen.add(key)
    report = existing.get(key)
    if report is not None and not correct_existing:
        return None, {"period": [duplicate_message(month)]}
    if report is None:
        report = InvestmentReport(project=project, period=month, submitted_by=_submitter(user))
    elif (report.amount, report.progress, report.problems) == (amount, row.progress or "", row.problems or ""):
        return None, {}
    report.amount, report.progress, report.problems = amount, row.progress or "", row.problems or ""
    return report, {}


def filing_write(*, user, filing: Filing, reason: str = "", status: str = ReportStatus.SUBMITTED) -> None:
    """Store a filing validated by report_file(commit=False): one transaction, set-based."""
    change = _(review.CHANGE_REASONS["correct" if reason else "draft" if status == ReportStatus.DRAFT else "submit"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                if filing.created:
                    filing.created = bulk_create_with_history(
                        filing.created,
                        InvestmentReport,
                        batch_size=BULK_BATCH_SIZE,
                        default_user=user,
                        default_change_reason=change,
                    )
        except IntegrityError:
            raise ValidationError({"period": [_(FILED_MEANWHILE)]}) from None
        if filing.corrected:
            now = timezone.now()
            for report in filing.corrected:
                report.updated_at = now
            bulk_update_with_history(
                filing.corrected,
                InvestmentReport,
                [
                    "amount",
                    "progress",
                    "problems",
                    "updated_at",
                    "status",
                    "return_reason",
                    "submitted_by",
                    "correction_reason",
                ],
                batch_size=BULK_BATCH_SIZE,
                default_user=user,
                default_change_reason=change,
            )
        _reports_changed([*filing.created, *filing.corrected])


# --- Annual plans ----------------------------------------------------------------------------


@dataclass
class PlanChange:
    """One annual plan of a project: `plan` the stored one (None for a new one); `delete` removes it."""

    year: int | None
    planned_investment: Decimal | None
    plan: AnnualPlan | None = None
    delete: bool = False


def plan_changes(formset) -> list[PlanChange]:
    """The filled rows of an AnnualPlan formset (the web card's or the admin's inline) that add,
    change or delete a plan, as changes for annual_plans_save."""
    forms = [f for f in formset.forms if getattr(f, "cleaned_data", None)]
    return [
        PlanChange(
            year=form.cleaned_data.get("year"),
            planned_investment=form.cleaned_data.get("planned_investment"),
            plan=form.instance if form.instance.pk else None,
            delete=formset._should_delete_form(form),
        )
        for form in forms
        if formset._should_delete_form(form) or not form.instance.pk or form.has_changed()
    ]


@transaction.atomic
def annual_plans_save(*, user, project: Project, changes: Sequence[PlanChange]) -> dict[str, list[AnnualPlan]]:
    """Create, change and delete annual plans of one project (scope checked, the amount rule and
    the model's validation; one plan per project and year). Returns the plans by what happened
    to them ("new", "changed", "deleted"), for the doors that report it (the admin's log)."""
    _check_park(user, project.park)
    done: dict[str, list[AnnualPlan]] = {"new": [], "changed": [], "deleted": []}
    for change in changes:
        plan = change.plan
        if change.delete:
            if plan is not None and plan.pk:
                plan._history_user = user
                plan.delete()
                done["deleted"].append(plan)
            continue
        done["changed" if plan is not None and plan.pk else "new"].append(plan := plan or AnnualPlan(project=project))
        plan.project, plan.year, plan.planned_investment = project, change.year, change.planned_investment
        plan.full_clean(validate_unique=False)
        plan._history_user = user
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            raise ValidationError({"year": [_("%(year)d 年的计划已在上面填写。") % {"year": change.year}]}) from None
    return done


@transaction.atomic
def project_archive(*, user, project: Project) -> Project:
    """Projects are archived, never deleted, so their reports and history stay; commission only."""
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
WITH gone AS (DELETE FROM projects_parkprojectcount RETURNING park_id, active, expected)
INSERT INTO projects_parkprojectcount (park_id, active, expected)
SELECT park_id, sum(active), sum(expected) FROM gone GROUP BY park_id HAVING sum(active) <> 0 OR sum(expected) <> 0
"""


# The same for ParkStatusCount (migration 0022): one row per (park, stage, status) left.
COMPACT_STATUS_COUNTS = """
WITH gone AS (DELETE FROM projects_parkstatuscount RETURNING park_id, stage, status, n)
INSERT INTO projects_parkstatuscount (park_id, stage, status, n)
SELECT park_id, stage, status, sum(n) FROM gone GROUP BY 1, 2, 3 HAVING sum(n) <> 0
"""


def compact_park_counts() -> int:
    """The nightly job of `ParkProjectCount` (and of `ParkStatusCount`, compact_status_counts);
    returns the rows left of the first (one per park with projects)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    compact_status_counts()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COMPACT_PARK_COUNTS)
        return cursor.rowcount


def compact_status_counts() -> int:
    """`ParkStatusCount`'s rows folded into one per (park, stage, status); returns the rows left."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COMPACT_STATUS_COUNTS)
        return cursor.rowcount
