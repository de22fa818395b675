"""Sessions kept in the database and read from the shared Redis cache (Django's `cached_db`
engine; config/settings/base.py picks it when the page cache is Redis): every signed-in page
reads its session, and a Redis read costs a fraction of a database statement.

The database stays the record. A Redis outage never breaks a page: a failed cache read or write
falls back to the database (one log line). A failed cache *delete* is not swallowed (Django's
own behaviour, kept): a logged-out session must not live on in the cache."""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    """Django's cached_db store; its `load` writes the database's copy back to the cache
    unguarded (a Redis outage would fail every page), this one logs and serves it."""

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 (fail open to the database)
            logger.warning("session cache unavailable, reading the session from the database", exc_info=True)
            return DBStore.load(self)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:  # noqa: BLE001 (the database has it)
            logger.warning("session cache unavailable, session served from the database", exc_info=True)
        return data

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        key = self.cache_key_prefix + session_key
        self._cache.delete(key)
        DBStore.delete(self, session_key)
        self._cache.delete(key)
