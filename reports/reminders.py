"""催报 (reporting reminders): `remind_missing_reports(as_of=D)`, what `manage.py
remind_missing_reports [--as-of D]` and the daily Celery task both call.

1. The month is the one now due on D (projects.rules.period_now_due: the last full month), due
   on report_due_date (REPORT_DUE_DAY, default the 5th, of the next month). D is a step of the
   schedule when it is three days before the due day, the due day itself, or 3, 6, 9 … days
   after it (`reminder_step`); on any other day, or when the month is closed (关账), nothing
   happens. The month after, the month now due has moved on: the old month's chase ends with
   the month (the commission closes it).
2. Read every park's figures in a constant number of statements (projects.reporting): the
   expected projects without a report that counts (none, a draft or a returned one), at most
   REMINDER_LISTED names per park.
3. In one transaction write one ReportReminder per park that has administrators with an
   address and something to list (its own and its sub-parks' projects, like its section of the
   weekly report), and one summary for the commission (its users and
   settings.REPORT_REMINDER_COMMISSION_EMAILS), never a row with an empty list. The rows are
   unique per (month, step, park): a second run, a concurrent one or a retry inserts nothing
   (INSERT … ON CONFLICT DO NOTHING).
4. After the commit, claim the month and step's pending rows (SELECT … FOR UPDATE SKIP LOCKED,
   then a guarded update to `sending`), send, record sent (or pending again with the error, so
   the next run retries it). Only the run that claimed a row sends it: each list is mailed
   exactly once.

Mails are in Chinese (LANGUAGE_CODE): users carry no language preference yet."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parks import access
from parks.models import descendants_of_each
from projects.reporting import ParkStatus, ReportingStatus, reporting_status_all
from projects.rules import period_is_closed, period_now_due, report_due_date

from .models import DeliveryStatus, ReportReminder

logger = logging.getLogger(__name__)

REMINDER_LISTED = 200  # projects named per park in a mail; the counts are the whole park's
FIRST_STEP = -3  # three days before the due day
STEP_EVERY = 3  # then on it and every three days after


def reminder_step(as_of: dt.date) -> tuple[dt.date, dt.date, int | None]:
    """(the month now due, its due date, the step of `as_of` in days from the due date, or None
    when `as_of` is no step of the schedule)."""
    period = period_now_due(as_of)
    due = report_due_date(period)
    offset = (as_of - due).days
    is_step = offset == FIRST_STEP or (offset >= 0 and offset % STEP_EVERY == 0)
    return period, due, offset if is_step else None


@dataclass
class RemindResult:
    period: dt.date
    due_date: dt.date
    step: int | None
    closed: bool = False
    created: int = 0  # rows written by this run
    sent: int = 0  # mails sent by this run

    def as_dict(self) -> dict:
        return {
            "period": f"{self.period:%Y-%m}",
            "due_date": self.due_date.isoformat(),
            "step": self.step,
            "closed": self.closed,
            "created": self.created,
            "sent": self.sent,
        }


def _park_admin_emails() -> dict[int, list[str]]:
    emails: dict[int, list[str]] = {}
    rows = access.park_admin_users().exclude(email="").order_by("park_id", "pk").values_list("park_id", "email")
    for park_id, email in rows:
        if email not in emails.setdefault(park_id, []):
            emails[park_id].append(email)
    return emails


def _commission_emails() -> list[str]:
    users = access.commission_users().exclude(email="").order_by("pk").values_list("email", flat=True)
    extra = list(getattr(settings, "REPORT_REMINDER_COMMISSION_EMAILS", []) or [])
    return list(dict.fromkeys([*users, *extra]))


def _park_item(row: ParkStatus) -> dict:
    return {
        "id": row.park_id,
        "code": row.code,
        "name": row.name,
        "expected": row.expected,
        "reported": row.reported,
        "missing": row.missing_count,
        "returned": row.returned,
        "projects": [[pk, name, state] for pk, name, state in row.missing_projects],
    }


def _rows(status: ReportingStatus, *, step: int, as_of: dt.date) -> list[ReportReminder]:
    """The unsaved reminders of this step: one per park with administrators and something to
    list, and the commission's summary when any park has something."""
    base = {"due_date": status.due_date.isoformat(), "as_of": as_of.isoformat()}
    by_id = {row.park_id: row for row in status.parks}
    below = descendants_of_each((row.park_id, row.parent_id) for row in status.parks)
    admins = _park_admin_emails()
    reminders = []
    for row in status.parks:
        emails = admins.get(row.park_id)
        if not emails:
            continue
        # Its own park first, then its sub-parks in park order.
        covered = [r for r in status.parks if r.park_id in below[row.park_id] and r.missing_count]
        if not covered:
            continue  # never a mail with an empty list
        reminders.append(
            ReportReminder(
                period=status.period,
                step=step,
                park_id=row.park_id,
                recipients=emails,
                items={**base, "parks": [_park_item(r) for r in covered]},
            )
        )
    lagging = [r for r in status.parks if r.missing_count]
    commission = _commission_emails()
    if lagging and commission:
        notified = {pk for reminder in reminders for pk in below[reminder.park_id]}
        parks = []
        for r in lagging:
            item = _park_item(by_id[r.park_id])
            item["projects"] = []  # the summary gives the counts; the names are in the parks' mails
            item["notified"] = r.park_id in notified
            parks.append(item)
        reminders.append(
            ReportReminder(
                period=status.period, step=step, park_id=None, recipients=commission, items={**base, "parks": parks}
            )
        )
    return reminders


def reminders_create(*, as_of: dt.date, period: dt.date, step: int) -> int:
    """Steps 2 and 3: write this step's reminders (those not written yet). Returns how many rows
    the run inserted."""
    status = reporting_status_all(period=period, missing_names=REMINDER_LISTED)
    rows = _rows(status, step=step, as_of=as_of)
    run = secrets.token_hex(16)  # tells this run's rows from a concurrent run's
    for row in rows:
        row.run = run
    with transaction.atomic():
        ReportReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return ReportReminder.objects.filter(period=period, step=step, run=run).count()


def _claim(period: dt.date, step: int) -> list[int]:
    """Mark the step's pending reminders as being sent by this run; rows another run holds are
    skipped, never sent twice (the guarded update re-checks `pending`)."""
    with transaction.atomic():
        qs = ReportReminder.objects.filter(period=period, step=step, status=DeliveryStatus.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True))
        if ids:
            ReportReminder.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SENDING
            )
    return ids


def _countdown(due: dt.date, as_of: dt.date) -> str:
    days = (due - as_of).days
    if days > 0:
        return _("距截止还有 %(n)s 天") % {"n": days}
    if days == 0:
        return _("今天截止")
    return _("已逾期 %(n)s 天") % {"n": -days}


STATE_LABELS = {
    None: "未报送",
    "draft": "草稿未报送",
    "returned": "已退回，请修改后重新报送",
}


def _state(state: str | None) -> str:
    return _(STATE_LABELS.get(state, STATE_LABELS[None]))


def mail_subject(reminder: ReportReminder) -> str:
    parks = reminder.items.get("parks", [])
    missing = sum(p["missing"] for p in parks)
    returned = sum(p["returned"] for p in parks)
    if reminder.park_id is None:
        return _("【催报汇总】%(period)s 月度投资：%(parks)s 个园区未报齐，未报 %(m)s 个（其中退回 %(r)s 个）") % {
            "period": f"{reminder.period:%Y-%m}",
            "parks": len(parks),
            "m": missing,
            "r": returned,
        }
    return _("【催报】%(period)s 月度投资 %(park)s：未报 %(m)s 个（其中退回 %(r)s 个）") % {
        "period": f"{reminder.period:%Y-%m}",
        "park": parks[0]["name"] if parks else "",
        "m": missing,
        "r": returned,
    }


def mail_body(reminder: ReportReminder) -> str:
    items = reminder.items
    due = dt.date.fromisoformat(items["due_date"])
    as_of = dt.date.fromisoformat(items["as_of"])
    head = _("%(period)s 月度完成投资报告的报送截止日期为 %(due)s（%(countdown)s）。") % {
        "period": f"{reminder.period:%Y-%m}",
        "due": due.isoformat(),
        "countdown": _countdown(due, as_of),
    }
    lines = []
    if reminder.park_id is None:
        lines += [
            _("各位领导："),
            "",
            head,
            _("截至 %(as_of)s，各园区未报齐情况如下：") % {"as_of": as_of.isoformat()},
            "",
        ]
        for p in items["parks"]:
            lines.append(
                _("%(name)s：应报 %(e)s 个，已报 %(r)s 个，未报 %(m)s 个（其中退回 %(t)s 个）")
                % {"name": p["name"], "e": p["expected"], "r": p["reported"], "m": p["missing"], "t": p["returned"]}
                + ("" if p.get("notified") else _("；该园区无可接收邮件的管理员，未发送催报"))
            )
    else:
        lines += [_("各位园区管理员："), "", head]
        lines.append(_("截至 %(as_of)s，以下项目尚未报送或被退回，请尽快报送：") % {"as_of": as_of.isoformat()})
        for p in items["parks"]:
            lines += [
                "",
                f"【{p['name']}】" + _("未报 %(m)s 个（其中退回 %(t)s 个）") % {"m": p["missing"], "t": p["returned"]},
            ]
            for n, (pk, name, state) in enumerate(p["projects"], start=1):
                lines.append(f"  {n}. {name}（ID {pk}）— {_state(state)}")
            more = p["missing"] - len(p["projects"])
            if more > 0:
                lines.append("  " + _("……另有 %(n)s 个未列出，请在系统“填报进度”页面查看。") % {"n": more})
        lines += ["", _("请登录系统“月度填报”页面报送（金额为空的项目视为未报）。")]
    lines += ["", _("（本邮件由重点项目挂图作战系统自动发送，同一月份同一催报节点只发送一次。）")]
    return "\n".join(lines)


def reminders_send(*, period: dt.date, step: int) -> int:
    """Step 4: send the claimed reminders. Returns how many mails were sent."""
    ids = _claim(period, step)
    if not ids:
        return 0
    sent, failed = [], {}
    mail = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        for reminder in ReportReminder.objects.filter(pk__in=ids).order_by("pk"):
            try:
                EmailMessage(
                    subject=mail_subject(reminder),
                    body=mail_body(reminder),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=list(reminder.recipients),
                    connection=mail,
                ).send()
                sent.append(reminder.pk)
            except Exception as exc:  # one bad address must not stop the other parks
                logger.exception("reminder %s: mail failed", reminder.pk)
                failed[reminder.pk] = str(exc)[:2000]
    if sent:
        ReportReminder.objects.filter(pk__in=sent).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), error="")
    for pk, error in failed.items():
        # It raised before anything left: safe to send again on the next run.
        ReportReminder.objects.filter(pk=pk).update(status=DeliveryStatus.PENDING, error=error)
    return len(sent)


def remind_missing_reports(*, as_of: dt.date | None = None) -> RemindResult:
    """The job (module docstring): safe to run any day, any number of times."""
    as_of = as_of or timezone.localdate()
    period, due, step = reminder_step(as_of)
    outcome = RemindResult(period=period, due_date=due, step=step)
    if step is None:
        return outcome
    if period_is_closed(period):
        outcome.closed = True
        return outcome
    outcome.created = reminders_create(as_of=as_of, period=period, step=step)

    def send():
        outcome.sent = reminders_send(period=period, step=step)

    transaction.on_commit(send)
    return outcome
