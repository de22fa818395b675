"""The edit form after a refused save: an error summary at the top naming every problem, and
the row whose date was moved marked (not only the rows it now conflicts with)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.helpers import form_data

pytestmark = pytest.mark.django_db


def test_moved_row_marked_and_summary_at_the_top(client_a, project_a, today):
    data = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    assert data["ms-0-kind"] == "signing"
    data["ms-0-planned_date"] = (today + dt.timedelta(days=10)).isoformat()  # after 开工 (today + 5)
    response = client_a.post(f"/projects/{project_a.pk}/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    summary = response.context["error_summary"]
    assert summary and all(line.startswith("节点") for line in summary)
    assert "不能早于" in " ".join(summary)
    assert html.index('id="error-summary"') < html.index('id="project-form"')  # at the top
    rows = html[html.index('id="ms-table"') : html.index("</table>", html.index('id="ms-table"'))].split("<tr")[2:]
    signing, start = rows[0], rows[1]
    assert "moved" in signing.split(">", 1)[0] and "已调整" in signing
    assert "has-error" in start.split(">", 1)[0] and "moved" not in start.split(">", 1)[0]


def test_card_field_errors_are_summarised_by_label(client_a, project_a):
    data = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    data["total_investment"] = "-5"
    data["name"] = ""
    response = client_a.post(f"/projects/{project_a.pk}/edit/", data)
    summary = response.context["error_summary"]
    assert any(line.startswith("项目名称：") for line in summary)
    assert any(line.startswith("总投资（万元）：") for line in summary)


def test_no_summary_on_a_fresh_form(client_a, project_a):
    response = client_a.get(f"/projects/{project_a.pk}/edit/")
    assert response.context["error_summary"] == []
    assert 'id="error-summary"' not in response.content.decode()
