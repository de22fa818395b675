"""Excel imports as jobs: small files run in the request, large ones in a Celery task whose
progress the page polls.

A job is a directory under MEDIA_ROOT/imports/<token>/ holding the uploaded file and a small
``state.json`` (written atomically with os.replace). The web server and the worker share
MEDIA_ROOT already (the weekly reports live there too), so no table or cache is needed for a
job that lives a few minutes; only the uploader may read it."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .imports import ImportRefused, run_import

STATE = "state.json"
UPLOAD = "upload.xlsx"


def jobs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


JOB_TOKEN_BYTES = 16
JOB_TOKEN_RE = re.compile(rf"[0-9a-f]{{{2 * JOB_TOKEN_BYTES}}}")


def new_job_token() -> str:
    return secrets.token_hex(JOB_TOKEN_BYTES)


def is_job_token(token: str) -> bool:
    """Whether `token` has the form new_job_token() gives (32 lower-case hex digits); anything
    else (a 1,000-character id, other digits) names no job and never reaches the file system."""
    return isinstance(token, str) and JOB_TOKEN_RE.fullmatch(token) is not None


def job_dir(token: str) -> Path:
    if not is_job_token(token):
        raise FileNotFoundError(token)
    return jobs_root() / token


def job_create(*, user, kind: str, upload, filename: str, update_existing: bool = False) -> str:
    token = new_job_token()
    directory = job_dir(token)
    directory.mkdir(parents=True, exist_ok=False)
    with open(directory / UPLOAD, "wb") as out:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
            out.write(chunk)
    job_write(
        token,
        {
            "token": token,
            "user_id": user.pk,
            "kind": kind,
            "filename": filename,
            "update_existing": bool(update_existing),
            "status": "queued",
            "phase": "dry_run",
            "processed": 0,
            "total": 0,
            "result": None,
            "message": "",
            "created_at": timezone.now().isoformat(),
        },
    )
    return token


def job_read(token: str) -> dict:
    with open(job_dir(token) / STATE, encoding="utf-8") as fh:
        return json.load(fh)


def job_write(token: str, state: dict) -> None:
    path = job_dir(token) / STATE
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False)
    os.replace(tmp, path)


def job_update(token: str, **changes) -> dict:
    state = job_read(token)
    state.update(changes)
    job_write(token, state)
    return state


def job_run(token: str, *, commit: bool) -> dict:
    """Run the dry run or the import of a job and record the outcome in its state."""
    state = job_read(token)
    user = get_user_model().objects.get(pk=state["user_id"])
    phase = "commit" if commit else "dry_run"
    job_update(token, status="running", phase=phase, processed=0)

    def progress(done: int, total: int) -> None:
        job_update(token, processed=done, total=total)

    try:
        result = run_import(
            user=user,
            kind=state["kind"],
            path=job_dir(token) / UPLOAD,
            commit=commit,
            progress=progress,
            update_existing=state.get("update_existing", False),
        )
    except ImportRefused as exc:
        return job_update(token, status="failed", message=exc.message)
    except PermissionDenied as exc:
        return job_update(token, status="failed", message=str(exc))
    except Exception:  # recorded for the user; the worker log has the traceback
        job_update(token, status="failed", message=_("导入出错，未导入任何数据。请联系管理员。"))
        raise
    return job_update(
        token,
        status="done",
        phase=phase,
        processed=result.total_rows,
        total=result.total_rows,
        result=result.as_dict(),
    )


@shared_task(name="projects.import_file")
def import_file(token: str, commit: bool = False) -> None:
    """Thin wrapper: the job's dry run or import in the worker. Re-running it is safe: an
    import that already landed fails its re-run on the duplicate projects/periods (or, updating
    existing projects, finds every row unchanged) and stores nothing."""
    state = job_read(token)
    if commit and state.get("result", {}) and state["result"].get("committed"):
        return
    job_run(token, commit=commit)


def jobs_purge(*, older_than_days: int = 7) -> int:
    """Delete import jobs (uploaded file and state) older than `older_than_days`; returns how
    many. Meant for a periodic task; safe to run any time (a running job is never that old)."""
    import shutil
    import time

    root = jobs_root()
    if not root.exists():
        return 0
    cutoff = time.time() - older_than_days * 86400
    removed = 0
    for directory in root.iterdir():
        if directory.is_dir() and is_job_token(directory.name) and directory.stat().st_mtime < cutoff:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    return removed


@shared_task(name="projects.purge_import_jobs")
def purge_import_jobs(older_than_days: int = 7) -> int:
    return jobs_purge(older_than_days=older_than_days)


@shared_task(name="projects.compact_park_counts")
def compact_park_counts() -> int:
    return services.compact_park_counts()
