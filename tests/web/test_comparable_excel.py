"""The comparable base's Excel door (可比口径 从 Excel 导入): the commission downloads the month's
template (the city and every industry, with the bases already entered), fills it in and uploads
it; the growth figures use the bases at once. A bad row anywhere stores nothing and names the
row; a broken or hostile file is refused with a message; others get a 403."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scheduling.models import ComparableBase
from scheduling.selectors import industry_growth
from tests.scheduling import test_growth

pytestmark = pytest.mark.django_db
town = test_growth.town  # city 800.00 against 600.00 in 2026-03; EI 50.00 against 0
URL = "/comparable/?period=2026-03"
MARCH = dt.date(2026, 3, 1)


def workbook(*rows) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["报告期*", "产业代码", "产业名称", "可比上年同期（万元）*"])
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("可比口径.xlsx", buffer.getvalue())


def upload(client, file):
    return client.post(URL, {"action": "import", "file": file}, follow=True)


def test_the_template_lists_the_city_and_every_industry(client, town, city, commission_user):
    ComparableBase.objects.create(period=MARCH, industry=None, prior_ytd=Decimal("640.00"))
    client.force_login(commission_user)
    response = client.get("/comparable/template.xlsx?period=2026-03")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("报告期*", "产业代码*（全市填“全市”）", "产业名称（仅供参考）", "可比上年同期（万元）*")
    assert rows[1] == ("2026-03", "全市", "全市", 640)
    assert [r[1] for r in rows[2:]] == sorted(["BIO", "BIO-DRUG", "EI", "EI-IC"])


def test_an_upload_sets_the_bases_and_the_growth_follows(client, town, city, commission_user):
    client.force_login(commission_user)
    response = upload(client, workbook(("2026-03", "全市", "全市", 640), ("2026-03", "EI", "电子信息", "40.00")))
    assert "已导入 2 条可比口径。" in response.content.decode()
    assert dict(ComparableBase.objects.values_list("industry__code", "prior_ytd")) == {
        None: Decimal("640.00"),
        "EI": Decimal("40.00"),
    }
    figures = industry_growth(period=MARCH)
    assert (figures["city"]["prior_source"], figures["city"]["growth_pct"]) == ("comparable", Decimal("25.0"))
    ei = next(i for i in figures["industries"] if "EI" in (i.get("industry"), i.get("code")))
    assert (ei["prior_source"], ei["growth_pct"]) == ("comparable", Decimal("25.0"))
    # A second upload replaces the figure (one base per period and industry), with history.
    upload(client, workbook(("2026-03", "全市", None, 600)))
    base = ComparableBase.objects.get(industry=None)
    assert base.prior_ytd == Decimal("600.00") and base.history.count() == 2


def test_one_bad_row_stores_nothing_and_names_the_rows(client, town, city, commission_user):
    client.force_login(commission_user)
    response = upload(
        client,
        workbook(
            ("2026-03", "全市", None, 640),
            ("2026-03", "NOPE", None, 10),  # row 3
            ("2026-13", "EI", None, 10),  # row 4
            ("2026-03", "BIO", None, "-5"),  # row 5
            ("2026-03", "全市", None, 1),  # row 6: the city twice
        ),
    )
    page = response.content.decode()
    assert "未导入任何数据" in page
    for text in ("第 3 行：产业代码“NOPE”不存在。", "第 4 行", "第 5 行", "第 6 行：与第 2 行重复"):
        assert text in page, text
    assert ComparableBase.objects.count() == 0


@pytest.mark.parametrize(
    "file, message",
    [
        (SimpleUploadedFile("a.xlsx", b"not a zip"), "文件不是有效的 .xlsx 文件"),
        (SimpleUploadedFile("a.csv", b"PK\x03\x04"), "只接受 Excel 2007 及以上版本的 .xlsx 文件"),
        (SimpleUploadedFile("a.xlsx", b""), "文件为空"),
    ],
)
def test_a_broken_file_is_refused(client, town, city, commission_user, file, message):
    client.force_login(commission_user)
    assert message in upload(client, file).content.decode()
    assert ComparableBase.objects.count() == 0


def test_an_empty_sheet_and_formulas(client, town, city, commission_user):
    client.force_login(commission_user)
    assert "文件中没有可比口径数据行。" in upload(client, workbook()).content.decode()
    page = upload(client, workbook(("2026-03", '=HYPERLINK("http://x")', None, 1))).content.decode()
    # A formula has no value until Excel computes it: the code is blank, refused (not the city).
    assert "第 2 行：产业代码为空（全市请填“全市”）。" in page and ComparableBase.objects.count() == 0


def test_only_the_commission(client, town, city, park_a_admin, viewer_user):
    for user in (park_a_admin, viewer_user):
        client.force_login(user)
        assert client.get("/comparable/template.xlsx").status_code == 403
        assert client.post(URL, {"action": "import", "file": workbook(("2026-03", "全市", None, 1))}).status_code == 403
    assert ComparableBase.objects.count() == 0


def test_the_template_cells_are_safe(client, town, city, commission_user):
    type(city.ei).objects.filter(pk=city.ei.pk).update(name='=HYPERLINK("http://x")\x1b')
    client.force_login(commission_user)
    rows = openpyxl.load_workbook(io.BytesIO(client.get("/comparable/template.xlsx?period=2026-03").content)).active
    names = [r[2] for r in rows.iter_rows(min_row=3, values_only=True)]
    assert '\'=HYPERLINK("http://x")\ufffd' in names
