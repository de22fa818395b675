"""common.cache's Redis backend (one redis-py client per pool) and the data version's counters
moved in one round trip (common.dataversion.bump), on the broker's Redis."""

from __future__ import annotations

import contextlib
import uuid

from django.core.cache import caches
from django.test import override_settings

from common import dataversion
from common.cache import redis_client
from tests.conftest import require_redis


def _caches(url: str, prefix: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {"BACKEND": "common.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix},
    }


@contextlib.contextmanager
def round_trips(monkeypatch):
    """The list that gets one item per command packet sent to Redis while the block runs."""
    import redis.connection

    sent: list[int] = []
    original = redis.connection.Connection.send_packed_command

    def counting(self, command, *args, **kwargs):
        sent.append(1)
        return original(self, command, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(redis.connection.Connection, "send_packed_command", counting)
        yield sent


def test_one_client_per_pool_and_django_behaviour_otherwise():
    broker = require_redis()
    with override_settings(CACHES=_caches(broker, f"t-{uuid.uuid4().hex[:8]}")):
        cache = caches["pages"]
        assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False) is redis_client(cache)
        cache.set("a", {"x": 1})
        cache.set("n", 5)
        assert (
            cache.get("a") == {"x": 1}
            and cache.incr("n") == 6
            and cache.get_many(["a", "n"]) == {"a": {"x": 1}, "n": 6}
        )
        cache.delete_many(["a", "n"])


def test_bump_moves_every_counter_in_one_round_trip(monkeypatch):

    broker = require_redis()
    with override_settings(CACHES=_caches(broker, f"t-{uuid.uuid4().hex[:8]}")):
        cache = caches["pages"]
        tables = ("projects_investmentreport", "projects_historicalinvestmentreport")
        before = dataversion.current(tables), dataversion.current(("projects_project",)), dataversion.current()
        keys = [dataversion._key(), *(dataversion._key(t) for t in tables)]
        values = cache.get_many(keys)
        with round_trips(monkeypatch) as sent:
            dataversion.bump(set(tables))
        assert len(sent) == 1
        assert {k: v + 1 for k, v in values.items()} == cache.get_many(keys)  # each moved by one
        assert dataversion.current(tables) != before[0] and dataversion.current() != before[2]
        assert dataversion.current(("projects_project",)) == before[1]  # a table not written
        # a counter never set (or evicted) starts above any value it had, and keeps no expiry
        missing = dataversion._key("never_written_table")
        dataversion.bump({"never_written_table"})
        started = cache.get(missing)
        assert isinstance(started, int) and started > max(values.values())
        assert redis_client(cache).ttl(cache.make_key(missing)) == -1
        dataversion.bump()  # tables not known: the "*" counter moves
        assert cache.get(dataversion._key(None)) is not None
        cache.delete_many([*keys, missing, dataversion._key(None)])


def test_current_reads_every_counter_in_one_round_trip(monkeypatch):
    """The version of an entry computed from many tables: one MGET, the same counters as
    Django's get_many (a table never written starts a counter, as before)."""

    broker = require_redis()
    with override_settings(CACHES=_caches(broker, f"t-{uuid.uuid4().hex[:8]}")):
        cache = caches["pages"]
        tables = tuple(f"table_{i}" for i in range(60))
        dataversion.bump(set(tables[:30]))  # half of them set, half never written
        first = dataversion.current(tables)  # sets the missing ones
        keys = [dataversion._key(None), *(dataversion._key(t) for t in tables)]
        assert set(dataversion._counters(cache, keys).values()) and dataversion._counters(
            cache, keys
        ) == cache.get_many(keys)
        with round_trips(monkeypatch) as sent:
            assert dataversion.current(tables) == first
        assert len(sent) == 1
        dataversion.bump({"table_59"})  # one that was never written before the first read
        assert dataversion.current(tables) != first
        cache.delete_many(keys + [dataversion._key()])


def test_bump_with_redis_down_warns_and_does_not_fail(caplog):
    with override_settings(CACHES=_caches("redis://127.0.0.1:1/0", "down")):
        dataversion.bump({"projects_project"})
    assert any("data version not bumped" in r.getMessage() for r in caplog.records)
