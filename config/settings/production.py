"""Production: DEBUG off, secrets only from the environment, HTTPS-only cookies, HSTS, CSP.

Passes `python manage.py check --deploy --fail-level WARNING` (tests/security/test_deploy.py).
Refuses to start without DJANGO_SECRET_KEY: a missing secret is a configuration error, never a
silent fallback to the development key."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env_bool, env_list

DEBUG = False

_INSECURE_DEFAULT = "insecure-local-key-change-me-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY == _INSECURE_DEFAULT or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (50+ random characters) in production.")
# Old keys still accepted for signed values (sessions, password-reset links) during a rotation.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# --- HTTPS ----------------------------------------------------------------------------------
# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Government office PCs are shared: a session ends with the browser and after 8 idle hours.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Login lockout behind the proxy -----------------------------------------------------------
# django-axes locks username+IP; behind the proxy the client address is the first
# X-Forwarded-For entry (the proxy must overwrite, not append to, a client-sent header).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "1"))
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# The API's anon throttle identifies the client the same way: the X-Forwarded-For entry the
# proxy wrote (the last one, counting AXES_PROXY_COUNT proxies from the end), or REMOTE_ADDR.
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": AXES_IPWARE_PROXY_COUNT}  # noqa: F405

# --- Database -------------------------------------------------------------------------------
# Persistent connections, re-checked before reuse (CONN_HEALTH_CHECKS in base), so a PostgreSQL
# restart costs the next request nothing but a reconnect.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))

# --- Static files: hashed names, compressed, served by whitenoise -------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Mail: real SMTP unless told otherwise ----------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost"))
ADMINS = [("ops", addr) for addr in env_list("DJANGO_ADMINS", "")]
