"""A real Celery worker (solo pool, in a thread) consuming from Redis, for the integration
tests; the task states it finished, to wait on."""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery_app import app
from tests.conftest import require_postgres, require_redis


class Finished:
    """Task ids the worker has finished (success or failure), with their states."""

    def __init__(self):
        self.states: dict[str, str] = {}
        self.threads: dict[str, str] = {}
        self.lock = threading.Condition()

    def __call__(self, sender=None, task_id=None, state=None, **kwargs):
        # Runs in the worker thread: give its database connections back (CONN_MAX_AGE would
        # keep them open past the test and block dropping the test database).
        connections.close_all()
        with self.lock:
            self.states[task_id] = state
            self.threads[task_id] = threading.current_thread().name
            self.lock.notify_all()

    def wait(self, task_id: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        with self.lock:
            while task_id not in self.states:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the worker did not finish task {task_id} within {timeout} s")
                self.lock.wait(remaining)
            return self.states[task_id]


@pytest.fixture
def worker():
    require_postgres()
    broker = require_redis()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)  # nothing left over from other runs
    finished = Finished()
    task_postrun.connect(finished, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60, loglevel="WARNING"):
            yield finished
    finally:
        task_postrun.disconnect(finished)
        for key, value in saved.items():
            app.conf[key] = value
