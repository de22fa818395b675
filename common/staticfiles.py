"""Vendor static files served without their last reference to the internet.

The users' intranet has no internet, so nothing a page loads may point outside this server. One
packaged bundle does: ReDoc (drf-spectacular-sidecar) renders a "powered by" logo from
cdn.redoc.ly. `VendorPatchFinder`, first in STATICFILES_FINDERS, answers for the files listed in
PATCHES with a copy whose outside URL is replaced (kept in VAR_DIR/vendor-static, rewritten when
the packaged file changes); the app finders' original is then shadowed everywhere: in
`collectstatic` (the first finder to list a path wins), in the development server and in the
test live server (the first finder to find a path wins). The copy is made from the installed
package, so an upgrade needs no vendored file, and a test fails if a patch stops matching."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import AppDirectoriesFinder, BaseFinder
from django.core.files.storage import FileSystemStorage

# An empty 1×1 SVG: the logo's place stays empty and nothing is requested.
BLANK_IMAGE = "data:image/svg+xml,%3Csvg%20xmlns=%22http://www.w3.org/2000/svg%22%20width=%221%22%20height=%221%22/%3E"
REDOC_LOGO = ("https://cdn.redoc.ly/redoc/logo-mini.svg", BLANK_IMAGE)
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
PATCHES: dict[str, tuple[tuple[str, str], ...]] = {
    REDOC_BUNDLE: (REDOC_LOGO,),
    f"{REDOC_BUNDLE}.map": (REDOC_LOGO,),
}


class VendorPatchFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = Path(settings.VAR_DIR) / "vendor-static"
        self.storage = FileSystemStorage(location=str(self.location))
        self.originals = AppDirectoriesFinder()

    def patched(self, path: str) -> str | None:
        """The patched copy of `path` (made or refreshed now), or None when it isn't patched."""
        replacements = PATCHES.get(path)
        source = self.originals.find(path) if replacements else None
        if not source:
            return None
        target = self.location / path
        if not target.exists() or target.stat().st_mtime < os.stat(source).st_mtime:
            text = Path(source).read_text(encoding="utf-8")
            for old, new in replacements:
                text = text.replace(old, new)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: another process never reads half a file.
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False) as out:
                out.write(text)
            os.replace(out.name, target)
        return str(target)

    def find(self, path, find_all=False, **kwargs):
        find_all = kwargs.get("all", find_all)  # Django < 6.1 still passes `all`
        match = self.patched(path)
        if find_all:
            return [match] if match else []
        return match

    def list(self, ignore_patterns):
        for path in PATCHES:
            if self.patched(path):
                yield path, self.storage
