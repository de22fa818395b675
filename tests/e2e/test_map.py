"""The map and the leaders' screen in a real browser: the districts and a dot are drawn, the dot
links to the project card, the form's map sets the coordinates by a click, and the screen swaps
in its fragment without a reload."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parks.geo import city_map
from tests import factories
from tests.e2e.test_park_admin_flow import SHOTS, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_map_dot_links_to_card_and_form_picks(page, live_server, city, commission_user):
    base = live_server.url
    project = factories.ProjectFactory(
        name="鹿泉光电项目", park=city.park_b, industry=city.ei_ic, status="red",
        latitude=Decimal("38.085"), longitude=Decimal("114.310"), total_investment=Decimal("80000"),
    )  # fmt: skip
    factories.ProjectFactory(name="待定位项目", park=city.park_a, industry=city.bio_drug)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "commission")
    page.click("nav.mainnav >> text=项目分布图")
    page.wait_for_url(f"{base}/map/")
    assert page.locator("svg.citymap path.district").count() == 22
    assert "待定位项目" in page.locator("#unlocated").inner_text()
    dot = page.locator(f"a.dotlink[data-project='{project.pk}'] circle")
    assert dot.is_visible()
    box = page.locator("svg.citymap").bounding_box()
    assert box["width"] > 500 and box["height"] > 400
    page.screenshot(path=str(SHOTS / "map.png"), full_page=True)
    dot.click()
    page.wait_for_url(f"{base}/projects/{project.pk}/")
    assert "鹿泉光电项目" in page.locator("h1").inner_text()

    # The form: a click on 正定县's label point sets its coordinates.
    page.goto(f"{base}/projects/{project.pk}/edit/")
    zhengding = next(d for d in city_map().districts if d.code == "130123")
    svg = page.locator(".mappick svg.citymap")
    svg.scroll_into_view_if_needed()
    svg_box = svg.bounding_box()
    scale = svg_box["width"] / city_map().width
    page.mouse.click(svg_box["x"] + zhengding.label[0] * scale, svg_box["y"] + zhengding.label[1] * scale)
    lon, lat = page.input_value("#id_longitude"), page.input_value("#id_latitude")
    assert city_map().district_at(Decimal(lon), Decimal(lat)).code == "130123", (lon, lat)
    assert page.locator(".mappick circle.pick").count() == 1


def test_screen_refreshes_by_fragment(page, live_server, city, commission_user, settings):
    base = live_server.url
    factories.ProjectFactory(name="大屏项目", park=city.park_b, industry=city.ei_ic, status="yellow",
                             latitude=Decimal("38.08"), longitude=Decimal("114.31"))  # fmt: skip
    login(page, base, "commission")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.clock.install()
    page.goto(f"{base}/screen/")
    assert page.locator("svg.citymap path.district").count() == 22
    assert page.locator("#screen-supervision").count() == 1
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, size
    page.screenshot(path=str(SHOTS / "screen.png"))
    page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
    factories.ProjectFactory(name="新增项目", park=city.park_b, industry=city.ei_ic, status="red")
    page.clock.fast_forward(settings.SCREEN_REFRESH_SECONDS * 1000 + 1000)  # the script's own timer
    from playwright.sync_api import expect

    expect(page.locator(".sfig.red b")).to_have_text("1")
    assert page.locator("#screen[data-refreshed]").count() == 1
    assert page.evaluate("window.__marker") == 1
