"""Pages that hold up (issue 15): at 1366×768 and 390×844, in Chinese and English, the dashboard,
the list, the card and the weekly report never scroll sideways; at 1366 px the top bar is one
line in both languages; the dashboard's delayed list is one line per project with its dates on
one line. Screenshots in var/screenshots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from reports.services import weekly_report_generate
from scheduling.services import flag_delays
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = settings.BASE_DIR / "var" / "screenshots"
VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}
LOCALES = {"zh": "zh-CN", "en": "en-US"}


@pytest.fixture
def delayed_city(city, commission_user):
    today = timezone.localdate()
    projects = []
    for i in range(6):
        p = factories.ProjectFactory(
            name=f"高端生物医药产业化基地及配套研发中心建设项目（第{i + 1}期）",
            park=city.park_a_sub if i % 2 else city.park_b,
            industry=city.bio_drug,
            total_investment=Decimal("451000.00"),
        )
        for k, kind in enumerate(("signing", "land", "construction_start", "topping_out", "completion")):
            factories.MilestoneFactory(project=p, kind=kind, planned_date=today - dt.timedelta(days=200 - 30 * k))
        factories.AnnualPlanFactory(project=p, year=today.year, planned_investment=Decimal("45100.00"))
        projects.append(p)
    flag_delays(as_of=today)
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    weekly_report_generate(week=week, as_of=today, force=True)
    return projects, week


def _signed_in(browser, live_server, user, viewport, locale):
    client = Client()
    client.force_login(user)
    width, height = viewport
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    context.set_default_timeout(15000)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context


def _overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def visit_and_fit(page, live_server, name: str, url: str, size: str, lang: str) -> None:
    """Open one page (200), keep its screenshot, and assert it does not scroll sideways."""
    response = page.goto(live_server.url + url)
    assert response.status == 200, (name, response.status)
    page.screenshot(path=str(SHOTS / f"fit-{name}-{size}-{lang}.png"), full_page=True)
    scroll_width, inner = _overflow(page)
    assert scroll_width <= inner, f"{name} at {size}/{lang}: {scroll_width} > {inner}"


@pytest.mark.parametrize("lang", list(LOCALES))
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_pages_fit_the_screen(browser, live_server, delayed_city, commission_user, size, lang):
    projects, week = delayed_city
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = _signed_in(browser, live_server, commission_user, VIEWPORTS[size], LOCALES[lang])
    page = context.new_page()
    urls = {
        "dashboard": "/",
        "list": "/projects/",
        "card": f"/projects/{projects[0].pk}/",
        "weekly": f"/reports/{week}/",
    }
    try:
        for name, url in urls.items():
            visit_and_fit(page, live_server, name, url, size, lang)
        if size == "desktop":
            page.goto(live_server.url + "/")
            bar = page.evaluate(
                "(() => { const b = document.querySelector('header.topbar');"
                " const kids = [...b.children].map(e => e.getBoundingClientRect());"
                " return [b.getBoundingClientRect().height, Math.max(...kids.map(r => r.top)) - Math.min(...kids.map(r => r.top))]; })()"
            )
            assert bar[1] < 8, f"top bar wraps in {lang}: {bar}"
            overlaps = page.evaluate(
                "(() => { const r = [...document.querySelector('header.topbar').children].map(e => e.getBoundingClientRect());"
                " return r.slice(1).filter((x, i) => x.left < r[i].right - 1).length; })()"
            )
            assert overlaps == 0, f"top bar items overlap in {lang}"
            nav = page.evaluate(
                "(() => { const n = document.querySelector('nav.mainnav'); return n.scrollWidth - n.clientWidth; })()"
            )
            assert nav <= 0
            rows = page.locator("table.delayed tbody tr")
            assert rows.count() == len(projects)  # one line per project, not one per node
            lines = page.evaluate(
                "[...document.querySelectorAll('table.delayed td.date')].map(td => {"
                " const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; })"
            )
            assert lines and set(lines) == {1}  # every date on one line
            box = page.evaluate(
                "(() => { const c = document.querySelector('table.delayed').closest('.card'); return c.scrollWidth - c.clientWidth; })()"
            )
            assert box <= 0  # the delayed list fits its card, nothing cut off
    finally:
        context.close()
