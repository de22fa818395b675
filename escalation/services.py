"""The steps of a problem (CONTRACT v2, Problem escalation); every door (API, web) calls these.

Each step locks the problem row (SELECT … FOR UPDATE), checks the role (403), the status the
step starts from (409 {"status"}) and its input (400 on the field), then saves with one history
row (who, when, old → new, the step as the change reason). Scope: a problem outside the
caller's parks is not found by the callers' scoped querysets (404); the role checks here ask
`parks.access`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.exceptions import Conflict
from common.text import LONG_TEXT_RULE
from parks import access
from projects.models import Project
from projects.selectors import projects_visible_to
from scheduling.services import refresh_after_commit

from .models import Department, DispatchCounter, Problem, ProblemCategory, ProblemStatus, dispatch_label

STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": ((ProblemStatus.OPEN, ProblemStatus.ASSIGNED), ProblemStatus.ASSIGNED),
    "handle": ((ProblemStatus.ASSIGNED,), ProblemStatus.HANDLED),
    "confirm": ((ProblemStatus.HANDLED,), ProblemStatus.CONFIRMED),
    "reopen": ((ProblemStatus.HANDLED,), ProblemStatus.ASSIGNED),
}
STEP_NAMES = {
    "raise": gettext_noop("提出问题"),
    "assign": gettext_noop("交办"),
    "handle": gettext_noop("办理"),
    "confirm": gettext_noop("确认办结"),
    "reopen": gettext_noop("退回重办"),
}
STEP_NOT_ALLOWED = gettext_noop("该问题当前状态为“%(status)s”，不能%(step)s。")
COMMISSION_ONLY = gettext_noop("只有发改委可以交办、确认办结或退回督办问题。")
NOT_WRITABLE = gettext_noop("您无权处理该项目的督办问题。")
DESCRIPTION_REQUIRED = gettext_noop("请填写问题描述。")
CATEGORY_INVALID = gettext_noop("请选择问题类别。")
RAISED_FUTURE = gettext_noop("提出日期不能晚于今天。")
DEPARTMENT_REQUIRED = gettext_noop("请选择责任部门。")
DEPARTMENT_UNKNOWN = gettext_noop("没有名为“%(name)s”的责任部门（请在部门表中维护）。")
DEADLINE_REQUIRED = gettext_noop("请填写办结时限。")
DEADLINE_BEFORE_RAISED = gettext_noop("办结时限（%(deadline)s）不能早于问题提出日期（%(raised)s）。")
NOTE_REQUIRED = gettext_noop("请填写办理情况。")
HANDLED_FUTURE = gettext_noop("办理日期不能晚于今天。")
HANDLED_BEFORE_RAISED = gettext_noop("办理日期（%(handled)s）不能早于问题提出日期（%(raised)s）。")
REASON_REQUIRED = gettext_noop("请填写退回原因。")
DATE_INVALID = gettext_noop("日期格式应为 YYYY-MM-DD。")


def problems_visible_to(user):
    """The problems of the projects the user may see (another park's are not found: 404)."""
    return Problem.objects.filter(project__in=projects_visible_to(user))


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _text(field: str, value, *, required: str) -> str:
    cleaned = value.strip() if isinstance(value, str) else ""
    if not cleaned:
        raise ValidationError({field: [_(required)]})
    try:
        LONG_TEXT_RULE(cleaned)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return cleaned


def _date(field: str, value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else _bad_date(field)
        except ValueError:
            pass
    return _bad_date(field)


def _bad_date(field: str):
    raise ValidationError({field: [_(DATE_INVALID)]})


def _save(problem: Problem, *, user, step: str) -> Problem:
    problem._history_user = user if getattr(user, "pk", None) else None
    problem._change_reason = _(STEP_NAMES[step])
    problem.full_clean(exclude=["project", "department", "raised_by", "assigned_by", "handled_by", "confirmed_by"])
    problem.save()
    if step != "raise":
        # The project's colour counts an overdue problem (scheduling.rules.PROJECT_RANK_SOURCES).
        refresh_after_commit([problem.project_id])
    return problem


def _check_writable(user, project: Project) -> None:
    if not access.can_write_park(user, project.park_id):
        raise PermissionDenied(_(NOT_WRITABLE))


def _check_commission(user) -> None:
    if not access.is_commission(user):
        raise PermissionDenied(_(COMMISSION_ONLY))


def _locked(problem: Problem, step: str) -> Problem:
    """The row as it is now, locked; a status the step does not start from is a 409."""
    locked = Problem.objects.select_for_update().select_related("project").get(pk=problem.pk)
    sources, _target = STEPS[step]
    if locked.status not in sources:
        raise Conflict(
            "status",
            _(STEP_NOT_ALLOWED) % {"status": ProblemStatus(locked.status).label, "step": _(STEP_NAMES[step])},
            code="status",
        )
    return locked


@transaction.atomic
def problem_raise(
    *, user, project: Project, category: str, description: str, raised_on=None, today: dt.date | None = None
) -> Problem:
    """A park admin (its parks) or the commission raises a problem: status open."""
    _check_writable(user, project)
    if category not in ProblemCategory.values:
        raise ValidationError({"category": [_(CATEGORY_INVALID)]})
    text = _text("description", description, required=DESCRIPTION_REQUIRED)
    day = _date("raised_on", raised_on) or _today(today)
    if day > _today(today):
        raise ValidationError({"raised_on": [_(RAISED_FUTURE)]})
    problem = Problem(
        project=project, category=category, description=text, raised_on=day, raised_by=user, status=ProblemStatus.OPEN
    )
    return _save(problem, user=user, step="raise")


def resolve_department(value) -> Department:
    """A Department, or its name as text (the API and the pages); an unknown name is a 400."""
    if isinstance(value, Department):
        return value
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise ValidationError({"department": [_(DEPARTMENT_REQUIRED)]})
    found = Department.objects.filter(name=name, active=True).first()
    if found is None:
        raise ValidationError({"department": [_(DEPARTMENT_UNKNOWN) % {"name": name[:100]}]})
    return found


def next_dispatch(year: int) -> tuple[int, str]:
    """The next number of `year`, from the year's counter row locked until the transaction
    ends: concurrent assignments wait for each other, and a rolled-back one gives its number
    back, so the numbers are gap-free."""
    DispatchCounter.objects.bulk_create([DispatchCounter(year=year)], ignore_conflicts=True)
    counter = DispatchCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, dispatch_label(year, counter.last)


@transaction.atomic
def problem_assign(*, user, problem: Problem, department, deadline, today: dt.date | None = None) -> Problem:
    """Commission: open or assigned → assigned, to `department` with `deadline` (not before
    raised_on); the first assignment gives the dispatch number, a reassignment keeps it."""
    _check_commission(user)
    locked = _locked(problem, "assign")
    dept = resolve_department(department)
    day = _date("deadline", deadline)
    if day is None:
        raise ValidationError({"deadline": [_(DEADLINE_REQUIRED)]})
    if day < locked.raised_on:
        raise ValidationError(
            {"deadline": [_(DEADLINE_BEFORE_RAISED) % {"deadline": day.isoformat(), "raised": locked.raised_on}]}
        )
    previous = locked.department_id
    locked.department, locked.deadline, locked.status = dept, day, ProblemStatus.ASSIGNED
    locked.assigned_on, locked.assigned_by = _today(today), user
    if locked.dispatch_no is None:
        year = _today(today).year
        locked.dispatch_seq, locked.dispatch_no = next_dispatch(year)
        locked.dispatch_year = year
    _save(locked, user=user, step="assign")
    if previous != dept.pk:
        from .mails import queue_assigned

        queue_assigned(locked)
    return locked


@transaction.atomic
def problem_handle(*, user, problem: Problem, note, handled_on=None, today: dt.date | None = None) -> Problem:
    """Its park's admin or the commission: assigned → handled, with a note; handled_on defaults
    to today, neither in the future nor before raised_on."""
    _check_writable(user, problem.project)
    locked = _locked(problem, "handle")
    text = _text("note", note, required=NOTE_REQUIRED)
    day = _date("handled_on", handled_on) or _today(today)
    if day > _today(today):
        raise ValidationError({"handled_on": [_(HANDLED_FUTURE)]})
    if day < locked.raised_on:
        raise ValidationError(
            {"handled_on": [_(HANDLED_BEFORE_RAISED) % {"handled": day.isoformat(), "raised": locked.raised_on}]}
        )
    locked.status, locked.handling_note, locked.handled_on, locked.handled_by = (
        ProblemStatus.HANDLED,
        text,
        day,
        user,
    )
    return _save(locked, user=user, step="handle")


@transaction.atomic
def problem_confirm(*, user, problem: Problem, today: dt.date | None = None) -> Problem:
    """Commission: handled → confirmed (confirmed_on today)."""
    _check_commission(user)
    locked = _locked(problem, "confirm")
    locked.status, locked.confirmed_on, locked.confirmed_by = ProblemStatus.CONFIRMED, _today(today), user
    return _save(locked, user=user, step="confirm")


@transaction.atomic
def problem_reopen(*, user, problem: Problem, reason) -> Problem:
    """Commission: handled → assigned with a reason; handled_on cleared (the deadline counts
    again)."""
    _check_commission(user)
    locked = _locked(problem, "reopen")
    text = _text("reason", reason, required=REASON_REQUIRED)
    locked.status, locked.handled_on, locked.handled_by, locked.reopen_reason = (
        ProblemStatus.ASSIGNED,
        None,
        None,
        text,
    )
    return _save(locked, user=user, step="reopen")
