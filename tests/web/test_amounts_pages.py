"""Amounts on the pages go through common.money.format_amount in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_card_amounts_in_chinese(client_a, project_a):
    html = client_a.get(f"/projects/{project_a.pk}/").content.decode()
    assert "60,000.00 万元（6.00 亿元）" in html


def test_card_amounts_in_english(client_a, project_a):
    html = client_a.get(f"/projects/{project_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "600,000 thousand yuan (600 million yuan)" in html
    for wrong in ("100M yuan", "10k yuan</dd>", "M yuan"):
        assert wrong not in html.replace("million yuan", "")


def test_dashboard_amounts_and_plural_in_english(client_a, project_a, today):
    factories.ReportFactory(project=project_a, period=today.replace(day=1), amount=Decimal("3000.50"))
    html = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "30 million yuan / 120 million yuan" in html
    assert "Key projects" in html
    assert "100M yuan" not in html


def test_review_threshold_is_an_amount(client_commission, settings):
    html = client_commission.get("/review/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "thousand yuan)" in html
    assert "×10⁴ yuan" not in html
