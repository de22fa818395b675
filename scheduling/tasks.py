"""Celery tasks of the scheduling jobs: thin (parse the argument, call the service), idempotent,
so they are acknowledged late and redelivered if a worker dies (CELERY_TASK_ACKS_LATE and
CELERY_TASK_REJECT_ON_WORKER_LOST in settings, repeated here for these tasks). A database or
broker hiccup retries with exponential backoff; time limits stop a runaway job.

Each task does exactly what its management command does (`manage.py flag_delays`,
`manage.py compute_industry_growth`); "today" is today in Asia/Shanghai."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from . import services
from .selectors import parse_as_of, parse_period

logger = logging.getLogger(__name__)

RETRYABLE = (OperationalError, InterfaceError, BrokerOperationalError, ConnectionError)

JOB_OPTIONS = {
    "autoretry_for": RETRYABLE,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 20 * 60,
    "time_limit": 25 * 60,
}


@shared_task(name="scheduling.flag_delays", **JOB_OPTIONS)
def flag_delays_task(as_of: str | None = None) -> dict:
    """Delay detection as of `as_of` ('YYYY-MM-DD', default today in Asia/Shanghai)."""
    summary = services.flag_delays(as_of=parse_as_of(as_of))
    logger.info("flag_delays %s", summary)
    return summary


@shared_task(name="scheduling.compute_industry_growth", **JOB_OPTIONS)
def compute_industry_growth_task(period: str | None = None) -> dict:
    """Growth snapshot of `period` ('YYYY-MM', default the last full month)."""
    snapshot = services.compute_industry_growth(period=parse_period(period))
    result = {"period": f"{snapshot.period:%Y-%m}", "computed_at": snapshot.computed_at.isoformat()}
    logger.info("compute_industry_growth %s", result)
    return result


@shared_task(name="scheduling.refresh_project_status", **JOB_OPTIONS)
def refresh_project_status_task(project_ids: list[int], as_of: str | None = None) -> dict:
    """Status colour and investment status of the given projects after an edit (sent with
    transaction.on_commit by the milestone services)."""
    return services.refresh_project_status(project_ids=project_ids, as_of=parse_as_of(as_of))
