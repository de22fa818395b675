"""The wall chart in a real browser at 1366×768: 200 projects with crowded, slipped and finished
timetables; no label's drawn box touches another's (nor the axis' labels one another), and the
print view of the whole selection comes out as numbered A3 landscape pages, each with the
header and the legend."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import unicodedata
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from projects.models import Project
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = settings.BASE_DIR / "var" / "screenshots"
KINDS = ["signing", "land", "land_use_permit", "planning_permit", "construction_start", "topping_out", "completion"]
N = 200


def populate(city, today) -> None:
    """200 open projects in three parks: timetables spread over the axis, crowded ones (four
    permits within days), moved plans (baseline ≠ plan) and progress; plus 20 finished ones."""
    from scheduling.services import flag_delays

    parks = [city.park_a, city.park_a_sub, city.park_b]
    industries = [city.bio_drug, city.ei_ic]
    for i in range(N):
        p = factories.ProjectFactory(
            name=f"挂图项目{i:03d}号生产基地",
            park=parks[i % 3],
            industry=industries[i % 2],
            total_investment=Decimal(10000 + 500 * i),
        )
        first = today - dt.timedelta(days=120 - (i * 7) % 150)
        step = 3 if i % 4 == 0 else 25 + i % 40  # every fourth project is crowded
        kinds = KINDS[: 3 + i % 5]
        for j, kind in enumerate(kinds):
            planned = first + dt.timedelta(days=j * step)
            done = planned + dt.timedelta(days=2) < today and j < len(kinds) - 1  # the last one stays open
            factories.MilestoneFactory(
                project=p,
                kind=kind,
                planned_date=planned,
                baseline_date=planned - dt.timedelta(days=20) if (i + j) % 5 == 0 else None,
                actual_date=planned + dt.timedelta(days=2) if done else None,
            )
    for i in range(20):
        p = factories.ProjectFactory(name=f"已完成项目{i:02d}", park=parks[i % 3], industry=industries[0])
        factories.MilestoneFactory(
            project=p,
            kind="signing",
            planned_date=today - dt.timedelta(days=400),
            actual_date=today - dt.timedelta(days=399),
        )
    flag_delays(as_of=today)


def boxes(page, selector):
    return list(page.eval_on_selector_all(selector, JS_BOXES))


JS_BOXES = """els => els.map(e => {
  const r = e.getBoundingClientRect();
  const s = e.ownerSVGElement ? e.ownerSVGElement.getBoundingClientRect() : r;
  return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, sx0: s.left, sx1: s.right, text: e.textContent};
})"""


def intersect(a, b, tol=0.5) -> bool:
    return a["x0"] + tol < b["x1"] and b["x0"] + tol < a["x1"] and a["y0"] + tol < b["y1"] and b["y0"] + tol < a["y1"]


def assert_apart(found):
    for a, b in itertools.combinations(found, 2):
        assert not intersect(a, b), (a, b)


def test_board_labels_apart_and_print_of_200_projects(browser, live_server, city, commission_user):
    today = timezone.localdate()
    populate(city, today)
    assert Project.objects.count() == N + 20
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    context.set_default_timeout(30000)
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", commission_user.username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/board/")
    assert page.locator(".brow[data-project]").count() == N  # the finished ones are collapsed
    assert page.locator("#finished-switch").inner_text() == "显示已完成项目（20）"
    page.screenshot(path=str(SHOTS / "board-gantt.png"))
    page.screenshot(path=str(SHOTS / "board-gantt-full.png"), full_page=True)
    labels = boxes(page, "svg.grow text.blabel")
    assert len(labels) > N  # most nodes keep a visible label
    assert_apart(labels)
    assert all(b["x0"] >= b["sx0"] - 0.5 and b["x1"] <= b["sx1"] + 0.5 for b in labels)  # none clipped
    ticks = boxes(page, "svg.gaxis text.btick")
    assert len(ticks) >= 15 and all(b["x0"] >= b["sx0"] - 0.5 and b["x1"] <= b["sx1"] + 0.5 for b in ticks)
    assert_apart(ticks)
    # the page fits the window: only the board's own box scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    # The finished projects behind the switch.
    page.click("#finished-switch")
    page.wait_for_url(re.compile(r"finished=1"))
    assert page.locator(".brow[data-project]").count() == N  # 220 rows: a page of 200, then 20
    assert "第 1 / 2 页" in page.locator(".pager").inner_text()

    # The print view: the whole selection on numbered A3 landscape pages.
    page.goto(f"{base}/board/?print=1")
    assert page.locator(".brow[data-project]").count() == N
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    pdf = page.pdf(path=str(SHOTS / "board-a3-200.pdf"), prefer_css_page_size=True, print_background=True)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    for p in reader.pages:
        assert (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (1191, 842)
    # A3 landscape less the margins is 273 mm ≈ 1032 px high; 200 rows of 49 px need at least
    # ten pages, and with the repeated header (about 110 px) and 3 group bars at most fifteen.
    assert math.ceil(N * 49 / 1032) <= pages <= 15, pages
    # (NFKC: the PDF's text layer spells some CJK characters as Kangxi radicals, ⽬ for 目)
    texts = [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]
    for i, text in enumerate(texts, start=1):
        assert f"{i} / {pages}" in text, (i, text[-200:])  # numbered
        assert "重点项目挂图作战" in text and "实际进度" in text  # header and legend repeated
    everything = "".join(texts)
    assert all(f"挂图项目{i:03d}号" in everything for i in range(N))  # every project printed
    page.emulate_media(media="screen")
    context.close()
