"""Deployment settings: `check --deploy` is clean, secrets come only from the environment, and
the production settings really send secure cookies, HSTS, CSP and the HTTPS redirect.

Production settings are loaded in a subprocess (they refuse to import without a secret, and
must not leak into the test process's settings)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def prod_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_at_warning_level():
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=prod_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


@pytest.mark.parametrize(
    "secret",
    [None, "", "short", "insecure-local-key-change-me-in-production", "a" * 60],
    ids=["unset", "empty", "short", "dev-default", "one-char-repeated"],
)
def test_production_refuses_to_start_without_a_real_secret(secret):
    env = prod_env()
    if secret is None:
        env.pop("DJANGO_SECRET_KEY")
    else:
        env["DJANGO_SECRET_KEY"] = secret
    proc = run_python("import django; django.setup()", env)
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert "DJANGO_SECRET_KEY must be set" in proc.stderr


def test_production_settings_values():
    code = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_PROXY_SSL_HEADER": list(s.SECURE_PROXY_SSL_HEADER),
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "CSP": s.CONTENT_SECURITY_POLICY,
    "VALIDATORS": [v["NAME"].rsplit(".", 1)[-1] for v in s.AUTH_PASSWORD_VALIDATORS],
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "CONN_HEALTH_CHECKS": s.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "MIDDLEWARE": s.MIDDLEWARE,
}))
"""
    key = secrets.token_urlsafe(64)
    proc = run_python(code, prod_env(DJANGO_SECRET_KEY=key))
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == key  # from the environment, nowhere else
    assert values["SESSION_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    directives = values["CSP"]["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    # No inline or foreign script: an injected <script> cannot run even if escaping failed.
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert set(values["VALIDATORS"]) >= {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["CONN_HEALTH_CHECKS"] is True
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]
    assert values["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"


def test_ssl_redirect_can_be_turned_off_for_loopback_only_by_env():
    proc = run_python(
        "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT)",
        prod_env(DJANGO_SECURE_SSL_REDIRECT="false"),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.django_db(transaction=True)
def test_production_responses_carry_secure_cookies_hsts_and_csp():
    """A real login under the production settings (against this test database): the HTTP
    request is redirected to HTTPS; the HTTPS login sets Secure+HttpOnly session and Secure CSRF
    cookies, and every answer carries HSTS, CSP, nosniff and X-Frame-Options."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.factories import UserFactory

    user = UserFactory(username="ops-admin", role="commission", is_staff=True, is_superuser=True)
    # The test settings hash with MD5, which production does not accept: store a PBKDF2 hash.
    user.password = PBKDF2PasswordHasher().encode("pw-for-tests-1", "saltsaltsalt", iterations=1000)
    user.save(update_fields=["password"])
    db = settings.DATABASES["default"]
    if settings.IS_POSTGRES:
        url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
        if "memory" in str(db["NAME"]) or str(db["NAME"]).startswith("file:"):
            pytest.skip("the in-memory SQLite test database is not reachable from a subprocess")
    code = """
import json, django
django.setup()
from django.test import Client
c = Client()
plain = c.get("/admin/login/", HTTP_HOST="localhost")
login = c.post("/admin/login/?next=/admin/", {"username": "ops-admin", "password": "pw-for-tests-1", "next": "/admin/"},
               secure=True, HTTP_HOST="localhost")
cookies = {k: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"])} for k, m in login.cookies.items()}
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location"),
    "login_status": login.status_code, "login_location": login.get("Location"),
    "cookies": cookies,
    "hsts": login.get("Strict-Transport-Security"),
    "csp": login.get("Content-Security-Policy"),
    "nosniff": login.get("X-Content-Type-Options"),
    "xfo": login.get("X-Frame-Options"),
}))
"""
    proc = run_python(code, prod_env(DATABASE_URL=url, DJANGO_ALLOWED_HOSTS="localhost"))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["plain_status"] == 301
    assert out["plain_location"] == "https://localhost/admin/login/"
    assert out["login_status"] == 302, out
    assert out["login_location"] == "/admin/"
    assert out["cookies"]["sessionid"] == {"secure": True, "httponly": True}
    assert out["cookies"]["csrftoken"]["secure"] is True
    assert out["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in out["csp"] and "script-src 'self'" in out["csp"]
    assert "frame-ancestors 'none'" in out["csp"]
    assert out["nosniff"] == "nosniff"
    assert out["xfo"] == "DENY"
