"""Web pages of the weekly report: the list, the HTML view and the permission-checked downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse


@login_required
def report_list(request):  # replaced below by the real implementation
    return HttpResponse("")


@login_required
def report_detail(request, week):
    raise Http404


def report_download(request, week, fmt):
    raise Http404
