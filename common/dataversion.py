"""The data version: one counter that every write to the database moves, and page caches keyed
by it (the dashboard's figures per scope, issue #16).

Every write path is covered without listing them: a wrapper on every database connection
(installed by common.apps) sees each INSERT, UPDATE, DELETE, TRUNCATE and MERGE (also inside a WITH) — services, imports, the
set-based jobs' bulk updates, admin saves, raw SQL — and bumps the version after the
transaction commits (at once in autocommit). A process that has read a cached page also bumps
at once on its next write, so it never reads its own uncommitted change from a stale entry
(and a test that saves and reads at once sees the change). Writes to the sessions and the
login-attempt tables do not change any figure and do not bump.

The counter and the entries live in the "pages" cache: Redis in production (shared by every
gunicorn worker and the Celery workers, PAGES_CACHE_URL, by default the broker's Redis),
files under var/pages-cache/ without Redis (`make run`'s web server, worker and beat share
them); the tests' per-process memory.
Entries also expire after PAGES_CACHE_SECONDS. A cache that fails (Redis down) is skipped: the
page is computed as without a cache."""

from __future__ import annotations

import logging
import re
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connections

logger = logging.getLogger(__name__)

CACHE = "pages"
_WRITE = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO)\s+"?([A-Za-z0-9_]+)', re.IGNORECASE
)
# A data-modifying WITH (the set-based jobs' "WITH ms AS (...) UPDATE ..."); a WITH … SELECT …
# FOR UPDATE also matches: one needless bump.
_CTE_WRITE = re.compile(r"\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE | re.DOTALL)
IGNORED_TABLES = ("django_session", "axes_")

_state = threading.local()


def _key() -> str:
    """The counter of this database (two databases sharing a Redis never invalidate each other)."""
    return f"dataversion:{settings.DATABASES['default']['NAME']}"


def _served() -> bool:
    return getattr(_state, "served", False)


def bump() -> None:
    """Move the version: every cached page is stale from now on."""
    _state.served = False
    cache = caches[CACHE]
    try:
        try:
            cache.incr(_key())
        except ValueError:  # never set, or evicted: start above any value it ever had
            cache.add(_key(), time.time_ns() // 1000, timeout=None)
    except Exception:  # noqa: BLE001 (a cache outage must not fail the write)
        logger.warning("data version not bumped: cache unavailable", exc_info=True)


def current() -> int:
    cache = caches[CACHE]
    version = cache.get(_key())
    if version is None:
        cache.add(_key(), time.time_ns() // 1000, timeout=None)
        version = cache.get(_key())
    return version


def cached(key: str, compute):
    """`compute()`, from the cache while nothing was written since it was stored."""
    _state.served = True
    cache = caches[CACHE]
    try:
        full = f"{settings.DATABASES['default']['NAME']}:{current()}:{key}"
        hit = cache.get(full)
    except Exception:  # noqa: BLE001 (fail open)
        logger.warning("page cache unavailable", exc_info=True)
        return compute()
    if hit is not None:
        return hit
    value = compute()
    try:
        cache.set(full, value, timeout=settings.PAGES_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("page cache unavailable", exc_info=True)
    return value


def _written(connection) -> None:
    if _served():
        bump()
    if not connection.in_atomic_block:
        bump()
    elif not any(func is bump for _sids, func, _robust in connection.run_on_commit):
        connection.on_commit(bump)


def wrapper(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if is_write(sql):
        _written(context["connection"])
    return result


def is_write(sql: str) -> bool:
    match = _WRITE.match(sql)
    if match:
        return not match.group(1).lower().startswith(IGNORED_TABLES)
    return bool(_CTE_WRITE.match(sql))


def install(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: wrap the new connection's statements."""
    if wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, wrapper)


def install_all() -> None:
    for conn in connections.all(initialized_only=True):
        install(connection=conn)
