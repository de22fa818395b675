"""Stored weekly reports and uploaded workbooks are never served from MEDIA_URL, not even with
DEBUG on: only the permission-checked download views hand them out."""

from __future__ import annotations

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import config.urls


@pytest.fixture
def debug_urls():
    with override_settings(DEBUG=True):
        clear_url_caches()
        importlib.reload(config.urls)
        yield
    clear_url_caches()
    importlib.reload(config.urls)


def test_media_files_are_not_served_even_in_debug(settings, client, db, debug_urls):
    weekly = settings.MEDIA_ROOT / "weekly"
    weekly.mkdir(parents=True)
    (weekly / "2026-W01.pdf").write_bytes(b"%PDF-1.4 secret")
    upload = settings.MEDIA_ROOT / "imports" / ("a" * 32)
    upload.mkdir(parents=True)
    (upload / "upload.xlsx").write_bytes(b"PK secret")
    assert client.get("/media/weekly/2026-W01.pdf").status_code == 404
    assert client.get(f"/media/imports/{'a' * 32}/upload.xlsx").status_code == 404
