"""The leaders' screen holds up (issue 15): at 1920×1080 (the wall screen) and 1366×768, in
Chinese and English, /screen/ never scrolls sideways and its panels lie inside the window's
width. Screenshots in var/screenshots/ (fit-screen-*.png)."""

from __future__ import annotations

import pytest

from tests.e2e.test_pages_fit import (  # noqa: F401 (delayed_city: a fixture)
    LOCALES,
    SHOTS,
    _signed_in,
    delayed_city,
    visit_and_fit,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = {"wall": (1920, 1080), "desktop": (1366, 768)}

JS_PANELS_OUTSIDE = """(() => [...document.querySelectorAll('main section, main svg')]
  .map(e => [e.id || e.className.baseVal || e.className, e.getBoundingClientRect()])
  .filter(([, r]) => r.width > 0 && (r.left < -0.5 || r.right > window.innerWidth + 0.5))
  .map(([n, r]) => `${n} ${Math.round(r.left)}..${Math.round(r.right)}`))()"""


@pytest.mark.parametrize("lang", list(LOCALES))
@pytest.mark.parametrize("size", list(SCREENS))
def test_screen_fits(browser, live_server, delayed_city, commission_user, size, lang):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = _signed_in(browser, live_server, commission_user, SCREENS[size], LOCALES[lang])
    page = context.new_page()
    try:
        visit_and_fit(page, live_server, "screen", "/screen/", size, lang)
        assert page.locator("#screen-supervision").count() == 1
        assert page.evaluate(JS_PANELS_OUTSIDE) == []
    finally:
        context.close()
