"""Pages that hold up, the rest (issue 15): every other page at 1366×768 and 390×844, in Chinese
and English, never scrolls sideways (the board scrolls inside its own box, an element with
overflow-x auto/scroll); on a phone, form fields have a font of at least 16 px (iOS does not
zoom) and buttons are at least 40 px high; in English the board's labels do not collide and no
Chinese unit is left on it. Screenshots in var/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_board import assert_apart, boxes
from tests.e2e.test_pages_fit import (  # noqa: F401 (delayed_city: a fixture)
    LOCALES,
    SHOTS,
    VIEWPORTS,
    _signed_in,
    delayed_city,
    visit_and_fit,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JS_TOUCH = """(() => {
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const fields = [...document.querySelectorAll('main input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=file]), main select, main textarea')]
    .filter(shown).filter(e => parseFloat(getComputedStyle(e).fontSize) < 16).map(e => e.name || e.id || e.outerHTML.slice(0, 60));
  const buttons = [...document.querySelectorAll('main button, main input[type=submit], main a.button')]
    .filter(shown).filter(e => e.getBoundingClientRect().height < 40 - 0.5).map(e => e.textContent.trim().slice(0, 30) || e.outerHTML.slice(0, 60));
  return [fields, buttons];
})()"""

# Sideways overflow that is not inside a box of its own that scrolls (the board).
JS_SCROLLBOX = """(() => [...document.querySelectorAll('main *')].some(e => {
  const s = getComputedStyle(e).overflowX; return (s === 'auto' || s === 'scroll') && e.scrollWidth > e.clientWidth; }))()"""

CJK = re.compile(r"[亿万元]")


@pytest.mark.parametrize("lang", list(LOCALES))
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_other_pages_fit_the_screen(browser, live_server, delayed_city, commission_user, size, lang):  # noqa: F811
    projects, week = delayed_city
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = _signed_in(browser, live_server, commission_user, VIEWPORTS[size], LOCALES[lang])
    page = context.new_page()
    urls = {
        "board": "/board/",
        "map": "/map/",
        "monthly": "/monthly/",
        "review": "/review/",
        "status": "/monthly/status/",
        "problems": "/problems/",
        "comparable": "/comparable/",
        "imports": "/imports/",
        "edit": f"/projects/{projects[0].pk}/edit/",
        "weekly-list": "/reports/",
    }
    try:
        for name, url in urls.items():
            visit_and_fit(page, live_server, name, url, size, lang)
            if size == "phone":
                fields, buttons = page.evaluate(JS_TOUCH)
                assert fields == [], f"{name} {lang}: fields under 16 px: {fields}"
                assert buttons == [], f"{name} {lang}: buttons under 40 px: {buttons}"
            if name == "board":
                if size == "phone":
                    assert page.evaluate(JS_SCROLLBOX)  # the wide chart scrolls inside its own box
                if lang == "en":
                    text = page.locator("main").inner_text()
                    assert not CJK.findall(text), CJK.findall(text)[:5]
                    if size == "desktop":
                        labels = boxes(page, "svg.grow text.blabel")
                        assert labels
                        assert_apart(labels)
                        assert_apart(boxes(page, "svg.gaxis text.btick"))
    finally:
        context.close()
