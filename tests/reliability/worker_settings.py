"""Settings for the Celery workers and web servers the fault tests start as subprocesses: the
local settings (DEBUG off) pointed by the environment at the test database and a private Redis.

One difference from production, on purpose: the Redis visibility timeout. A message taken by a
worker that then dies without acknowledging it (SIGKILL, power loss) is handed to another worker
once the visibility timeout has passed: one hour in base.py, FAULT_VISIBILITY_TIMEOUT seconds here
so the test does not wait an hour for the redelivery it proves."""

import os

from config.settings.local import *  # noqa: F403

DEBUG = False
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("FAULT_VISIBILITY_TIMEOUT", "5"))}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the test users' hashes
# Lets a test send a small file down the queued (Celery) import path.
IMPORT_ASYNC_ROWS = int(os.environ.get("IMPORT_ASYNC_ROWS", "500"))
