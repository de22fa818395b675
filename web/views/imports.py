"""Excel import: upload, dry run, commit, job status, templates."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.periods import PeriodError, parse_period
from parks.access import can_write_anything, parks_writable_by
from projects import imports, tasks
from projects.imports import ImportRefused
from projects.reporting import expected_q
from projects.rules import period_now_due
from projects.selectors import projects_visible_to
from web.forms import ImportUploadForm
from web.views.base import XLSX, today

logger = logging.getLogger(__name__)


@login_required
@require_GET
def import_template(request, kind: str):
    if kind not in imports.KINDS:
        raise Http404
    projects = ()
    period = None
    if kind == "reports":
        asked = request.GET.get("period") or ""
        try:  # a file, not a page: a bad month is a 400 naming the parameter, not a message later
            period = parse_period(asked) if asked.strip() else period_now_due(today())
        except PeriodError as exc:
            return HttpResponseBadRequest(f"period: {exc.message}", content_type="text/plain; charset=utf-8")
        ids = parks_writable_by(request.user)
        # The projects expected to report, as the monthly grid lists them (not 谋划/投产/达效).
        projects = projects_visible_to(request.user).filter(expected_q()).order_by("park_id", "name")
        if ids is not None:
            projects = projects.filter(park_id__in=ids)
        projects = projects.only("id", "code", "name")
    content = imports.template_workbook(kind, projects=projects, period=period)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response


def _own_job(request, token: str) -> dict:
    try:
        state = tasks.job_read(token)
    except (FileNotFoundError, ValueError):
        raise Http404
    if state.get("user_id") != request.user.pk:
        raise Http404
    return state


def _queue_import(token: str, *, commit: bool) -> None:
    """Hand a large import to the worker. With the broker unreachable the job fails with a
    message the clerk can act on, instead of the upload answering a server error."""
    try:
        tasks.import_file.delay(token, commit)
    except Exception:
        logger.exception("import job %s could not be queued", token)
        tasks.job_update(
            token,
            status="failed",
            message=_(
                "后台任务服务暂时不可用，大文件导入未能开始，未导入任何数据。请稍后重新上传，或将文件拆分为较小的文件。"
            ),
        )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not can_write_anything(request.user):
        raise PermissionDenied(_("只读用户不能导入数据。"))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = tasks.job_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            upload=upload,
            filename=upload.name,
            update_existing=form.cleaned_data["update_existing"],
        )
        try:
            rows = imports.count_rows(tasks.job_dir(token) / tasks.UPLOAD)
        except ImportRefused as exc:
            form.add_error("file", exc.message)
        else:
            if rows > imports.import_async_rows():
                tasks.job_update(token, total=rows)
                transaction.on_commit(lambda: _queue_import(token, commit=False))
            else:
                tasks.job_run(token, commit=False)
            return redirect("web:import_job", token=token)
    return render(
        request,
        "projects/import_upload.html",
        {"form": form, "async_rows": imports.import_async_rows(), "max_rows": imports.import_max_rows(),
         "max_mb": imports.import_max_bytes() // 1048576, "period": f"{today():%Y-%m}"},
    )  # fmt: skip


NOTHING_TO_WRITE = gettext_noop("所有行均与现有项目一致，无需导入。")
PREVIEW_PAGE_SIZE = 200


@login_required
@require_GET
def import_job(request, token: str):
    """The job's state; the dry run's preview of every row, a page at a time (read from the
    job's state file: no query per row)."""
    state = _own_job(request, token)
    preview = (state.get("result") or {}).get("preview") or []
    page = Paginator(preview, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/import_job.html",
        {
            "job": state,
            "kind_label": imports.KIND_LABELS[state["kind"]],
            "preview": page,
            "nothing_to_write": _(NOTHING_TO_WRITE),
        },
    )


@login_required
@require_GET
def import_status(request, token: str):
    state = _own_job(request, token)
    result = state.get("result") or {}
    return JsonResponse(
        {
            "status": state["status"],
            "phase": state["phase"],
            "processed": state["processed"],
            "total": state["total"],
            "message": state.get("message", ""),
            "errors": len(result.get("errors", [])),
            "committed": result.get("committed", False),
        }
    )


@login_required
@require_POST
def import_commit(request, token: str):
    state = _own_job(request, token)
    result = state.get("result") or {}
    if state["status"] != "done" or state["phase"] != "dry_run" or result.get("errors"):
        messages.error(request, _("试运行未通过或尚未完成，不能导入。"))
        return redirect("web:import_job", token=token)
    if result.get("nothing_to_write"):
        messages.info(request, _(NOTHING_TO_WRITE))
        return redirect("web:import_job", token=token)
    if result.get("total_rows", 0) > imports.import_async_rows():
        tasks.job_update(token, status="queued", phase="commit", processed=0)
        transaction.on_commit(lambda: _queue_import(token, commit=True))
    else:
        state = tasks.job_run(token, commit=True)
        res = state.get("result") or {}
        if res.get("committed"):
            messages.success(
                request,
                _("导入成功：新建 %(created)d 个项目，更新 %(updated)d 个。")
                % {"created": res["created"], "updated": res.get("updated", 0)}
                if state["kind"] == "projects"
                else _("导入成功：共 %(n)d 行。") % {"n": res["created"]},
            )
            if res.get("skipped"):
                messages.info(request, _("另有 %(n)d 行当月完成投资为空，已跳过（不报送）。") % {"n": res["skipped"]})
    return redirect("web:import_job", token=token)
