"""督办 mails to the responsible department's contact: the problem when it is assigned to the
department, a reminder when it becomes overdue.

Exactly once per problem and event: the delivery row (ProblemMail) is unique per (problem,
event, key) — key the department for an assignment, the overdue episode for a reminder — and is
inserted with ON CONFLICT DO NOTHING in the step's (or the job's) transaction. After the commit
the sender claims pending rows with a guarded update (pending → sending: only one worker wins a
row), sends, and marks them sent (or pending again with the error, to be retried). A worker
killed between claiming and sending leaves the row `sending`: it is not sent again
automatically (at most once; the admin shows it)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Problem, ProblemMail, ProblemMailEvent

log = logging.getLogger(__name__)


def _queue(rows: list[ProblemMail]) -> None:
    rows = [r for r in rows if r.recipient]
    if not rows:
        return
    ProblemMail.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(send_pending)


def queue_assigned(problem: Problem) -> None:
    dept = problem.department
    if dept is None or not dept.email:
        return
    _queue([ProblemMail(problem=problem, event=ProblemMailEvent.ASSIGNED, key=str(dept.pk), recipient=dept.email)])


def queue_overdue(items: list[tuple[int, int, str]]) -> None:
    """(problem id, overdue episode id, address) for each problem newly overdue."""
    _queue([ProblemMail(problem_id=p, event=ProblemMailEvent.OVERDUE, key=str(e), recipient=a) for p, e, a in items])


def mail_subject(mail: ProblemMail) -> str:
    p = mail.problem
    if mail.event == ProblemMailEvent.ASSIGNED:
        return _("【督办】%(no)s：%(project)s") % {"no": p.dispatch_no, "project": p.project.name}
    return _("【督办超期提醒】%(no)s：%(project)s") % {"no": p.dispatch_no, "project": p.project.name}


def mail_body(mail: ProblemMail) -> str:
    p = mail.problem
    lines = [
        _("督办单号：%(no)s") % {"no": p.dispatch_no},
        _("项目：%(project)s") % {"project": p.project.name},
        _("问题类别：%(category)s") % {"category": p.get_category_display()},
        _("办结时限：%(deadline)s") % {"deadline": p.deadline.isoformat() if p.deadline else "—"},
        "",
        p.description,
    ]
    if mail.event == ProblemMailEvent.OVERDUE:
        lines.insert(0, _("该督办问题已超过办结时限，请尽快办理。"))
    return "\n".join(lines)


def send_pending() -> int:
    """Claim and send every pending mail; returns how many were sent."""
    sent = 0
    for pk in list(ProblemMail.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True)):
        if ProblemMail.objects.filter(pk=pk, status="pending").update(status="sending") != 1:
            continue  # another worker claimed it
        mail = ProblemMail.objects.select_related("problem__project").get(pk=pk)
        try:
            with translation.override(settings.LANGUAGE_CODE):
                EmailMessage(mail_subject(mail), mail_body(mail), to=[mail.recipient]).send()
        except Exception as exc:  # noqa: BLE001 - retried by the next run
            log.warning("problem mail %s failed: %s", pk, exc)
            ProblemMail.objects.filter(pk=pk).update(status="pending", error=str(exc)[:500])
            continue
        ProblemMail.objects.filter(pk=pk).update(status="sent", sent_at=timezone.now(), error="")
        sent += 1
    return sent
