"""The Celery task of the nightly problem flagging: thin, idempotent (acknowledged late,
retried on a database or broker hiccup, like scheduling's jobs); does exactly what
`manage.py flag_problems` does."""

from __future__ import annotations

import logging

from celery import shared_task

from scheduling.selectors import parse_as_of
from scheduling.tasks import JOB_OPTIONS

from . import jobs

logger = logging.getLogger(__name__)


@shared_task(name="escalation.flag_problems", **JOB_OPTIONS)
def flag_problems_task(as_of: str | None = None) -> dict:
    """Overdue problems as of `as_of` ('YYYY-MM-DD', default today in Asia/Shanghai)."""
    summary = jobs.flag_problems(as_of=parse_as_of(as_of))
    logger.info("flag_problems %s", summary)
    return summary


@shared_task(name="escalation.send_problem_mails", **JOB_OPTIONS)
def send_problem_mails_task() -> int:
    from .mails import send_pending

    return send_pending()
