"""Web pages of the weekly report: the list, the HTML view and the permission-checked
downloads (the API's `xlsx`/`pdf` links point here too, so they accept `Authorization: Token`
as well as the session).

Who gets what: the commission and viewers the whole city report (or, with `?park=CODE`, one
park's section); a park administrator only its own park's section (its park and sub-parks),
with `?park=` limited to the parks it administers; anything else answers 404."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed

from parks import access
from parks.access import sees_whole_report
from parks.models import Park
from parks.tokens import ExpiringTokenAuthentication
from reports.models import WeeklyReport, WeeklyReportSection
from reports.rendering import render_html, render_pdf, render_xlsx
from reports.selectors import WeekError, parse_week, weekly_report_data

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _user(request):
    """The session user, or the user of a valid (unexpired) `Authorization: Token …` header."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = ExpiringTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def _unauthenticated(request):
    if request.headers.get("Authorization"):
        response = HttpResponse(_("身份认证信息无效或未提供。"), status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = "Token"
        return response
    return redirect_to_login(request.get_full_path())


class Scope:
    """What one user may read of one report: the whole (section None) or one park's section."""

    def __init__(self, report: WeeklyReport, park: Park | None, section: WeeklyReportSection | None):
        self.report, self.park, self.section = report, park, section


def resolve_scope(user, report: WeeklyReport, park_code: str | None) -> Scope:
    if sees_whole_report(user):
        if not park_code:
            return Scope(report, None, None)
        park = get_object_or_404(Park, code=park_code)
    elif access.reads_report_section(user):
        allowed = access.administered_park_ids(user)
        if park_code:
            park = Park.objects.filter(code=park_code, pk__in=allowed).first()
            if park is None:
                raise Http404
        else:
            park = user.park
    else:
        raise Http404
    section = WeeklyReportSection.objects.filter(report=report, park=park).first()
    return Scope(report, park, section)


def _section_on_the_fly(scope: Scope):
    """A park with no stored section (its admin was added after the report was made): the
    section is computed now, as of the report's Monday."""
    data = weekly_report_data(week=scope.report.week, as_of=scope.report.as_of)
    return data.section(scope.park.pk)


def report_list(request):
    user = _user(request)
    if user is None:
        return _unauthenticated(request)
    reports = WeeklyReport.objects.order_by("-as_of")[:200]
    return render(
        request,
        "reports/weekly_list.html",
        {"reports": reports, "whole": sees_whole_report(user), "park": None if sees_whole_report(user) else user.park},
    )


def _bad_week(week: str) -> HttpResponse | None:
    """A week in the URL that is no ISO week inside the date range: a 400 saying so."""
    try:
        parse_week(week)
    except WeekError as exc:
        return HttpResponseBadRequest(f"week: {exc}", content_type="text/plain; charset=utf-8")
    return None


def report_detail(request, week: str):
    user = _user(request)
    if user is None:
        return _unauthenticated(request)
    if bad := _bad_week(week):
        return bad
    report = get_object_or_404(WeeklyReport, week=week)
    scope = resolve_scope(user, report, request.GET.get("park"))
    source = scope.section if scope.park is not None else report
    if source is not None:
        with default_storage.open(source.html.name, "rb") as fh:
            body = fh.read().decode()
    else:
        body = render_html(_section_on_the_fly(scope), generated_at=report.generated_at, compact=False)
    sections = report.sections.select_related("park").order_by("park__sort_order", "park__code")
    if not sees_whole_report(user):
        sections = sections.filter(park_id__in=access.administered_park_ids(user))
    return render(
        request,
        "reports/weekly_detail.html",
        {
            "report": report,
            "scope": scope,
            "body": mark_safe(body),  # noqa: S308 - our own rendering, every value escaped there
            "sections": sections,
            "park_query": f"?park={scope.park.code}" if scope.park is not None else "",
        },
    )


def report_download(request, week: str, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404
    user = _user(request)
    if user is None:
        return _unauthenticated(request)
    if bad := _bad_week(week):
        return bad
    report = get_object_or_404(WeeklyReport, week=week)
    scope = resolve_scope(user, report, request.GET.get("park"))
    scope_name = scope.park.name if scope.park is not None else _("全市")
    filename = _("每周滞后项目通报-%(week)s-%(scope)s") % {"week": report.week, "scope": scope_name} + f".{fmt}"
    source = scope.section if scope.park is not None else report
    if source is None:
        data = _section_on_the_fly(scope)
        render_fn = render_xlsx if fmt == "xlsx" else render_pdf
        content = render_fn(data, generated_at=timezone.now())
        response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
        return response
    handle = default_storage.open(getattr(source, fmt).name, "rb")
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
