"""Swagger UI and ReDoc render in a real Chromium under the site's CSP, fetching nothing but
this server (no CDN, no web fonts)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _watch(pw_page, live_server):
    """Record every request to another host, even one the CSP would block (the ReDoc bundle's
    CDN logo is replaced by common/staticfiles.py, so none is even attempted), and console errors."""
    foreign, errors = [], []
    pw_page.on(
        "request",
        lambda r: (
            None if r.url.startswith(live_server.url) or r.url.startswith(("data:", "blob:")) else foreign.append(r.url)
        ),
    )
    pw_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return foreign, errors


def test_swagger_ui_renders_offline(page, live_server):
    foreign, errors = _watch(page, live_server)
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "重点项目挂图作战 API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/projects/")
    assert foreign == []
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_redoc_renders_offline(page, live_server):
    foreign, errors = _watch(page, live_server)
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_selector("h1:has-text('重点项目挂图作战 API')")
    assert foreign == []
