"""Every static file a page can load is served by this server and points nowhere else: the
packaged ReDoc bundle's CDN logo is replaced (common/staticfiles.py), in collectstatic's output
and wherever the finders serve files (development server, test live server)."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import AppDirectoriesFinder
from django.core.management import call_command

from common.staticfiles import BLANK_IMAGE, PATCHES, REDOC_BUNDLE

# An address a browser would fetch from another host: a CDN, or a font or script service.
OUTSIDE = re.compile(r"https?://(cdn\.|[a-z0-9.-]*cdn[a-z0-9.-]*\.|fonts\.(googleapis|gstatic)\.com|unpkg\.com)")


def test_every_patch_still_matches_the_packaged_file():
    for path, replacements in PATCHES.items():
        original = Path(AppDirectoriesFinder().find(path)).read_text(encoding="utf-8")
        for old, _new in replacements:
            assert old in original, f"{path} no longer contains {old}: update common/staticfiles.py"


def test_the_finders_serve_the_patched_bundle():
    served = Path(finders.find(REDOC_BUNDLE)).read_text(encoding="utf-8")
    assert "cdn.redoc.ly" not in served
    assert BLANK_IMAGE in served
    copy, original = finders.find(REDOC_BUNDLE, find_all=True)  # the copy first, then the original
    assert copy == finders.find(REDOC_BUNDLE) and "cdn.redoc.ly" in Path(original).read_text(encoding="utf-8")


def test_collected_static_files_point_nowhere_else(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    offenders = [
        str(f.relative_to(tmp_path))
        for f in tmp_path.rglob("*")
        if f.is_file()
        and f.suffix in {".js", ".css", ".html", ".map"}
        and OUTSIDE.search(f.read_text("utf-8", "ignore"))
    ]
    assert offenders == []
    assert BLANK_IMAGE in (tmp_path / REDOC_BUNDLE).read_text(encoding="utf-8")
