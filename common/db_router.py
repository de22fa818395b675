"""Reads on the read replica, writes on the primary (issue #16, "Read replica").

Installed only when DATABASE_REPLICA_URL is set (config/settings/base.py adds the `replica`
alias, this router to DATABASE_ROUTERS and ReplicaPinMiddleware to MIDDLEWARE). Where a
statement goes:

- every write, and every read with a write intent (select_for_update, get_or_create, ...): the
  primary (`default`);
- a read inside a transaction on the primary: the primary (it must see the transaction's own
  rows and hold its locks);
- a read while serving a safe request (GET, HEAD, OPTIONS) of a client that has not written in
  the last REPLICA_PIN_SECONDS (read-your-own-writes; the pin is the cookie `replica_pin` that
  ReplicaPinMiddleware sets on the response to every other request): the replica, when it is
  up and at most REPLICA_MAX_LAG_SECONDS behind; otherwise the primary, with a log line;
- everything else, Celery jobs and management commands included: the primary. Jobs do not set
  the request context, so they read what they have just written and never a lagging copy; a job
  that only reads before it writes may say so with `replica_reads()` (the weekly report's data).

The replica's health (can connect; replay lag) is checked at most every REPLICA_CHECK_SECONDS
per process while it is healthy and every REPLICA_RETRY_SECONDS while it is not, on the raw
connection (not a counted statement); at its first read each request also checks that its
replica connection still answers, so a replica that went down since the last check costs no
page; the request's decision holds for all its reads. A replica lost in the middle of a safe
request (stopped, restarted, its connection cut: a database error raised while the request read
there) is marked down and the request is served once more, from the primary: the client gets
its page, not a 500 (the first attempt's error is still logged by Django).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import sys
import threading
import time

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "replica_pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Lag (replay behind the primary), in seconds. In recovery and caught up with what the WAL
# receiver has received, while it streams: 0 (an idle primary makes no transactions, so the
# age of the last replayed one alone would read as lag). Otherwise the age of the last replayed
# transaction. The receiver's status is NULL for a role without pg_read_all_stats: then the
# caught-up test alone decides. Not in recovery (a promoted replica): 0.
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
       AND COALESCE((SELECT status = 'streaming' OR status IS NULL FROM pg_stat_wal_receiver), false) THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""

_lock = threading.Lock()
_health = {"checked_at": -math.inf, "ok": False}
# The router's last choice for a read, for the replica tests and the log.
last_read_alias: str | None = None


def reset_health() -> None:
    """Forget the cached health check (tests; after the replica was started or stopped)."""
    with _lock:
        _health["checked_at"] = -math.inf
        _health["ok"] = False


def _mark_down(reason: str) -> None:
    with _lock:
        _health["checked_at"] = time.monotonic()
        _health["ok"] = False
    logger.warning("read replica skipped: %s; reads go to the primary", reason)


def _check() -> bool:
    """Connect to the replica (this thread's connection) and compare its lag with the limit."""
    conn = connections[REPLICA]
    try:
        conn.ensure_connection()
        with conn.connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            row = cursor.fetchone()
        lag = float(row[0]) if row and row[0] is not None else math.inf
    except Exception as exc:
        with contextlib.suppress(Exception):  # closing a broken connection; the reason is logged
            conn.close()
        _mark_down(f"down ({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''})")
        return False
    limit = float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 10))
    if lag > limit:
        _mark_down(f"lagging {lag:.1f} s behind the primary (limit {limit:g} s)")
        return False
    with _lock:
        if not _health["ok"]:
            logger.info("read replica in use (lag %.1f s, limit %g s)", lag, limit)
        _health["checked_at"] = time.monotonic()
        _health["ok"] = True
    return True


def replica_healthy() -> bool:
    """The cached health, checked again when older than REPLICA_CHECK_SECONDS (healthy) or
    REPLICA_RETRY_SECONDS (not)."""
    with _lock:
        ok, age = _health["ok"], time.monotonic() - _health["checked_at"]
    ttl = float(getattr(settings, "REPLICA_CHECK_SECONDS", 2) if ok else getattr(settings, "REPLICA_RETRY_SECONDS", 10))
    if age < ttl:
        return ok
    return _check()


class _RequestReads:
    """One request's replica decision, made at its first read and kept for the rest of it (the
    request's reads all see one snapshot source)."""

    __slots__ = ("alias", "failed")

    def __init__(self):
        self.alias: str | None = None
        self.failed = False  # a database error while this request read on the replica


# A _RequestReads while serving a request whose reads may go to the replica; None elsewhere.
_replica_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar("replica_reads", default=None)


def _replica_usable() -> bool:
    if not replica_healthy():
        return False
    conn = connections[REPLICA]
    try:
        # Once per request: a reused connection answers (a SELECT 1 on the raw connection, not
        # a counted statement) or is reopened, so a replica stopped since the last health
        # check is found here and costs no page.
        if conn.connection is not None and not conn.is_usable():
            conn.close()
        conn.ensure_connection()
    except Exception as exc:
        with contextlib.suppress(Exception):  # closing a broken connection; the reason is logged
            conn.close()
        _mark_down(f"down ({type(exc).__name__})")
        return False
    return True


@contextlib.contextmanager
def replica_reads():
    """The reads inside (outside a transaction on the primary) go where a safe request's go: to
    the replica while it is usable, else the primary. For jobs that only read before they
    write, such as the weekly report's data (a report as of Monday does not need the last
    milliseconds). Without DATABASE_REPLICA_URL nothing changes."""
    if REPLICA not in settings.DATABASES:
        yield
        return
    token = _replica_reads.set(_RequestReads())
    try:
        yield
    finally:
        _replica_reads.reset(token)


@contextlib.contextmanager
def caught_up_reads():
    """The reads inside see every write committed before entry. Where they would go to the
    replica, the replica must have replayed the primary's WAL up to its position at entry (two
    statements on the raw connections, not counted); if it has not, they go to the primary.
    For figures stored under the data version read just before (common.dataversion.cached):
    computed on a replica a moment behind, they would be kept under a version whose writes
    they do not show, until the next write."""
    state = _replica_reads.get()
    if state is None or REPLICA not in settings.DATABASES or read_alias() != REPLICA:
        yield
        return
    try:
        primary = connections[DEFAULT_DB_ALIAS]
        primary.ensure_connection()
        with primary.connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cursor.fetchone()[0]
        with connections[REPLICA].connection.cursor() as cursor:
            cursor.execute("SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            reached = bool(cursor.fetchone()[0])
    except Exception:  # noqa: BLE001 (the replica's errors are the health check's to log)
        reached = False
    if reached:
        yield
        return
    on_primary = _RequestReads()
    on_primary.alias = DEFAULT_DB_ALIAS
    token = _replica_reads.set(on_primary)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    """Where a read goes now (see the module docstring)."""
    global last_read_alias
    alias = DEFAULT_DB_ALIAS
    state = _replica_reads.get()
    if state is not None and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        if state.alias is None:
            state.alias = REPLICA if _replica_usable() else DEFAULT_DB_ALIAS
        alias = state.alias
    last_read_alias = alias
    return alias


def _note_replica_failure(sender, request=None, **kwargs) -> None:
    """got_request_exception: a database error in a request that reads on the replica."""
    state = _replica_reads.get()
    if (
        state is not None
        and state.alias == REPLICA
        and isinstance(sys.exc_info()[1], OperationalError | InterfaceError)
    ):
        state.failed = True


got_request_exception.connect(_note_replica_failure, dispatch_uid="common.db_router.replica_failure")


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives the schema from the primary through the WAL.
        return db == DEFAULT_DB_ALIAS


def pinned(request) -> bool:
    """The client wrote within REPLICA_PIN_SECONDS: the cookie holds the pin's end (Unix
    seconds). A cookie that is not a number pins nothing."""
    raw = request.COOKIES.get(PIN_COOKIE, "")
    try:
        until = float(raw)
    except ValueError:
        return False
    return math.isfinite(until) and until > time.time()


class ReplicaPinMiddleware:
    """Marks the reads of a safe request of an unpinned client as replica reads, and pins the
    client to the primary for REPLICA_PIN_SECONDS after any other request (its own reads of
    that request go to the primary too). Before the session middleware, so the session and
    the user are read where the rest of the request reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in SAFE_METHODS
        state = _RequestReads() if safe and not pinned(request) else None
        token = _replica_reads.set(state)
        try:
            response = self.get_response(request)
            if state is not None and state.failed:
                # The replica went away under this (safe, so repeatable) request: once more,
                # every read on the primary.
                with contextlib.suppress(Exception):
                    connections[REPLICA].close()
                _mark_down(f"lost during {request.method} {request.path[:200]}; served again from the primary")
                state.alias, state.failed = DEFAULT_DB_ALIAS, False
                response = self.get_response(request)
        finally:
            _replica_reads.reset(token)
        if not safe:
            seconds = int(getattr(settings, "REPLICA_PIN_SECONDS", 5))
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
            )
        return response
