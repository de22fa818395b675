"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` on every cache call; building
one fills its table of ~170 response callbacks (about 80 µs), and a report filed makes four or
five such calls (the API throttle, the data version's counters). A `redis.Redis` is safe to share
between threads (each command takes a connection from the pool), so one per pool is kept and
handed out again. Everything else is Django's backend unchanged (config/settings/base.py names
this class for the `throttle` and `pages` aliases)."""

from __future__ import annotations

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


def redis_client(cache):
    """The redis-py client (for writes) behind a Redis cache backend (this one or Django's), or
    None for any other backend."""
    inner = getattr(cache, "_cache", None)
    if inner is None or not hasattr(inner, "get_client"):
        return None
    return inner.get_client(write=True)
