"""The data version: one counter that every write to the database moves, and page caches keyed
by it (the dashboard's figures per scope, issue #16).

Every write path is covered without listing them: a wrapper on every database connection
(installed by common.apps) sees each INSERT, UPDATE, DELETE, TRUNCATE and MERGE (also inside a WITH) — services, imports, the
set-based jobs' bulk updates, admin saves, raw SQL — and bumps the version after the
transaction commits (at once in autocommit). A process that has read a cached page also bumps
at once on its next write, so it never reads its own uncommitted change from a stale entry
(and a test that saves and reads at once sees the change). Writes to the sessions and the
login-attempt tables do not change any figure and do not bump.

Per table too: the wrapper knows which tables a statement writes, and an entry may name the
tables it is computed from (`cached(..., tables=...)`), so a monthly report filed does not throw
away figures computed from projects and milestones only; an entry that names none depends on
every write.

The counters and the entries live in the "pages" cache: Redis in production (shared by every
gunicorn worker and the Celery workers, PAGES_CACHE_URL, by default the broker's Redis),
files under var/pages-cache/ without Redis (`make run`'s web server, worker and beat share
them); the tests' per-process memory.
Entries also expire after PAGES_CACHE_SECONDS. A cache that fails (Redis down) is skipped: the
page is computed as without a cache."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connections

from common.cache import redis_client
from common.db_router import caught_up_reads

logger = logging.getLogger(__name__)

CACHE = "pages"
_WRITE = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO)\s+(?:ONLY\s+)?"?([A-Za-z0-9_]+)',
    re.IGNORECASE,
)
# TRUNCATE may name several tables and CASCADE to others: its tables are not known.
_TRUNCATE = re.compile(r"\s*TRUNCATE\b", re.IGNORECASE)
# A data-modifying WITH (the set-based jobs' "WITH ms AS (...) UPDATE ..."); a WITH … SELECT …
# FOR UPDATE also matches: one needless bump.
_CTE_WRITE = re.compile(r"\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE | re.DOTALL)
# The tables written anywhere in such a statement.
_TABLES = re.compile(
    r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO)\s+(?:ONLY\s+)?"?([A-Za-z0-9_]+)', re.IGNORECASE
)
_NOT_TABLES = {"set", "of", "skip", "nowait"}  # "ON CONFLICT DO UPDATE SET", "FOR UPDATE OF / SKIP LOCKED"
IGNORED_TABLES = ("django_session", "axes_")
EVERY = None  # a write whose tables are not known: every cached entry is stale

_state = threading.local()


def _key(table: str | None = "") -> str:
    """The counters of this database (two databases sharing a Redis never invalidate each
    other): one that every write moves, and one per table written ("*": tables not known)."""
    name = settings.DATABASES["default"]["NAME"]
    if table == "":
        return f"dataversion:{name}"
    return f"dataversion:{name}:t:{'*' if table is None else table}"


def _served() -> bool:
    return getattr(_state, "served", False)


def _incr(cache, key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never set, or evicted: start above any value it ever had
        cache.add(key, time.time_ns() // 1000, timeout=None)


def _incr_redis(client, cache, keys: list[str]) -> None:
    """`_incr` of every key in one round trip: SET NX starts a counter never set (or evicted)
    above any value it ever had, INCR moves it (Django's `incr` is two round trips a key)."""
    start = time.time_ns() // 1000
    pipe = client.pipeline(transaction=False)
    for key in keys:
        full = cache.make_and_validate_key(key)
        pipe.set(full, start, nx=True)
        pipe.incr(full)
    pipe.execute()


def bump(tables=EVERY) -> None:
    """Move the version of `tables` (all of them by default): every cached page that depends
    on one of them is stale from now on."""
    _state.served = False
    cache = caches[CACHE]
    keys = [_key(), *(_key(table) for table in ([None] if tables is EVERY else sorted(tables)))]
    try:
        client = redis_client(cache)
        if client is not None:
            _incr_redis(client, cache, keys)
        else:
            for key in keys:
                _incr(cache, key)
    except Exception:  # noqa: BLE001 (a cache outage must not fail the write)
        logger.warning("data version not bumped: cache unavailable", exc_info=True)


def _current(keys: list[str]) -> str:
    cache = caches[CACHE]
    found = _counters(cache, keys)
    for key in keys:
        if found.get(key) is None:
            cache.add(key, time.time_ns() // 1000, timeout=None)
            found[key] = cache.get(key)
    return "-".join(str(found[k]) for k in keys)


def _counters(cache, keys: list[str]) -> dict:
    """The counters of `keys` that are set. With Redis one MGET of the full keys, the values
    read as the integers they are (Django's get_many validates and unpickles key by key: 1.7 ms
    for the ~100 tables of an entry computed from every table but a few)."""
    client = redis_client(cache)
    if client is None:
        return cache.get_many(keys)
    values = client.mget([cache.make_key(key) for key in keys])
    return {key: int(value) for key, value in zip(keys, values, strict=True) if value is not None}


@functools.cache
def tables_except(*excluded: str) -> tuple[str, ...]:
    """Every table of the project's models but `excluded`: for an entry computed from almost
    everything (a new table is included by itself)."""
    from django.apps import apps

    return tuple(sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)} - set(excluded)))


def current(tables=EVERY) -> str:
    """The version of the data an entry depends on: the counter every write moves, or those of
    `tables` and of writes whose tables are not known."""
    if tables is EVERY:
        return _current([_key()])
    versions = _current([_key(None), *(_key(t) for t in sorted(tables))])
    return hashlib.blake2b(versions.encode(), digest_size=12).hexdigest()


def cached(key: str, compute, tables=EVERY):
    """`compute()`, from the cache while nothing it depends on was written since it was stored:
    `tables`, the tables whose rows the figures are computed from (those written by the
    database's own triggers included through the tables that fire them), or any write."""
    _state.served = True
    cache = caches[CACHE]
    try:
        full = f"{settings.DATABASES['default']['NAME']}:{current(tables)}:{key}"
        hit = cache.get(full)
    except Exception:  # noqa: BLE001 (fail open)
        logger.warning("page cache unavailable", exc_info=True)
        return compute()
    if hit is not None:
        return hit
    with caught_up_reads():  # never a replica's older copy under this version
        value = compute()
    try:
        cache.set(full, value, timeout=settings.PAGES_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("page cache unavailable", exc_info=True)
    return value


class _Pending:
    """The tables written by the open transaction, bumped when it commits (dropped with it when
    it rolls back: Django discards the transaction's on_commit callbacks)."""

    def __init__(self) -> None:
        self.tables: set[str] | None = set()

    def add(self, tables) -> None:
        if tables is EVERY or self.tables is EVERY:
            self.tables = EVERY
        else:
            self.tables |= tables

    def __call__(self) -> None:
        bump(self.tables)


def _written(connection, tables) -> None:
    if _served():
        bump(tables)
    if not connection.in_atomic_block:
        bump(tables)
        return
    pending = next((func for _sids, func, _robust in connection.run_on_commit if isinstance(func, _Pending)), None)
    if pending is None:
        pending = _Pending()
        connection.on_commit(pending)
    pending.add(tables)


def wrapper(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    tables = written_tables(sql)
    if tables is EVERY or tables:
        _written(context["connection"], tables)
    return result


def written_tables(sql: str):
    """The tables a statement writes: an empty set for a read (or a write to the sessions and
    login-attempt tables, which change no figure), EVERY for a write whose tables are not known."""
    match = _WRITE.match(sql)
    if match:
        if _TRUNCATE.match(sql):
            return EVERY if not match.group(1).lower().startswith(IGNORED_TABLES) else frozenset()
        table = match.group(1).lower()
        return frozenset() if table.startswith(IGNORED_TABLES) else frozenset({table})
    if not _CTE_WRITE.match(sql):
        return frozenset()
    tables = {t.lower() for t in _TABLES.findall(sql)} - _NOT_TABLES
    tables = {t for t in tables if not t.startswith(IGNORED_TABLES)}
    return frozenset(tables) or EVERY


def is_write(sql: str) -> bool:
    tables = written_tables(sql)
    return tables is EVERY or bool(tables)


def install(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: wrap the new connection's statements."""
    if wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, wrapper)


def install_all() -> None:
    for conn in connections.all(initialized_only=True):
        install(connection=conn)
