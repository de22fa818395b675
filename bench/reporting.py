"""Who has reported (填报进度) and the reminders (催报): the commission's `/monthly/status/`
page (server time and statements, median of 3 after a warm-up) and `remind_missing_reports`
for the month now due at 100k projects (goals: the page ≤ 100 ms, the job ≤ 2 s, statements
constant; the tests at 10 and 200 projects assert the constancy).

The job runs on a step day of the bench city's last reported month + 1 (every expected project
of it is missing, so every park with an administrator gets a mail): the rows it writes and the
mails it sends (to the local-memory backend) are rolled back, so the bench can run again."""

from __future__ import annotations

import datetime as dt
import time


class _Rollback(Exception):
    pass


def _page(ctx) -> None:
    from bench.web import _client, _measure
    from parks.models import Role, User

    commission, _ = User.objects.get_or_create(username="bench-web-commission", defaults={"role": Role.COMMISSION})
    seconds, statements = _measure(_client(commission), "/monthly/status/")
    print(
        f"reporting_status_page: {seconds * 1000:.1f} ms (commission, every park, {ctx.projects} projects, "
        f"{statements} SQL statements)"
    )


def _park_admins() -> None:
    from parks.models import Park, Role, User

    for pk, code in Park.objects.values_list("pk", "code"):
        User.objects.get_or_create(
            username=f"bench-admin-{code}",
            defaults={"role": Role.PARK_ADMIN, "park_id": pk, "email": f"admin-{code.lower()}@bench.invalid"},
        )


def _job(ctx) -> None:
    from django.core import mail
    from django.db import connection, transaction
    from django.test.utils import override_settings

    from projects.models import InvestmentReport
    from projects.rules import report_due_date
    from reports.reminders import reminder_step, reminders_create, reminders_send

    _park_admins()
    latest = InvestmentReport.objects.order_by("-period").values_list("period", flat=True).first()
    period = (latest.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    as_of = report_due_date(period)  # step 0: the due day
    assert reminder_step(as_of)[0] == period, (as_of, period)
    statements: list[str] = []
    figures = {}

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        try:
            with transaction.atomic(), connection.execute_wrapper(count):
                started = time.perf_counter()
                figures["created"] = reminders_create(as_of=as_of, period=period, step=0)
                figures["sent"] = reminders_send(period=period, step=0)
                figures["seconds"] = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
    print(
        f"remind_missing_reports: {figures['seconds']:.2f} s ({ctx.projects} projects, month {period:%Y-%m}, "
        f"{figures['created']} reminders written, {figures['sent']} mails sent, {len(statements)} SQL statements)"
    )


def run(ctx) -> None:
    _page(ctx)
    _job(ctx)
