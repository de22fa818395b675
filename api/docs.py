"""ReDoc served offline: drf-spectacular's own template preconnects to Google Fonts, so this
view renders a minimal page whose only asset is the ReDoc bundle from drf-spectacular-sidecar
(under /static/), with no inline script (the site's CSP allows scripts from 'self' only)."""

from __future__ import annotations

from django.http import HttpResponse
from django.template import Context, Template
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

PAGE = Template(
    """<!DOCTYPE html>
<html lang="zh-hans">
  <head>
    <title>{{ title }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="{{ schema_url }}"></redoc>
    <script src="{{ redoc_standalone }}"></script>
  </body>
</html>
"""
)


class OfflineRedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        schema_url = self._get_schema_url(request)
        html = PAGE.render(
            Context(
                {
                    "title": self.title or "ReDoc",
                    "schema_url": schema_url,
                    "redoc_standalone": self._redoc_standalone(),
                }
            )
        )
        return HttpResponse(html)
