"""The project list's XLSX export, streamed (issue #16): the file opens in openpyxl, every row
of the filter is there across the writer's flushes and the cursor's chunks, amounts are the
exact Decimals (never a float's digits), dates are dates and the countdown is in days."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from tests import factories
from web.exports import project_headers

pytestmark = pytest.mark.django_db


def _read(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="projects-')
    content = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return list(wb.active.iter_rows(values_only=True))


def test_export_rows_amounts_dates_and_countdown(client_commission, city, project_a, today):
    big = factories.ProjectFactory(
        name="精确金额项目", park=city.park_b, industry=city.ei_ic, total_investment=Decimal("12345678.91")
    )
    factories.MilestoneFactory(project=big, kind="construction_start", planned_date=today + dt.timedelta(days=9))
    rows = _read(client_commission.get("/projects/?export=xlsx"))
    header, body = rows[0], rows[1:]
    assert list(header) == [str(h) for h in project_headers()]
    by_id = {r[0]: r for r in body}
    assert set(by_id) == {project_a.pk, big.pk}
    row = by_id[big.pk]
    assert row[2] == "精确金额项目"
    assert Decimal(str(row[9])) == Decimal("12345678.91")
    assert row[12].date() == today + dt.timedelta(days=9)
    assert row[13] == 9
    assert by_id[project_a.pk][13] == -40  # project_a's next open node: signing, 40 days overdue


def test_export_of_more_rows_than_a_chunk_and_a_flush(client_commission, city, today):
    park = city.park_b
    factories.ProjectFactory.create_batch(1203, park=park, industry=city.ei_ic, total_investment=Decimal("0.01"))
    rows = _read(client_commission.get(f"/projects/?export=xlsx&park={park.pk}"))
    body = rows[1:]
    assert len(body) == 1203
    assert len({r[0] for r in body}) == 1203
    assert all(Decimal(str(r[9])) == Decimal("0.01") for r in body)
