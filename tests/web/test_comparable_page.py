"""The 可比口径 page: the commission enters, changes and removes a period's comparable base per
row; the growth table and the dashboard mark the rows that use one; others get a 403; a bad
amount stores nothing; a constant number of statements."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import ComparableBase
from tests import factories
from tests.scheduling import test_growth

pytestmark = pytest.mark.django_db
town = test_growth.town  # the fixture: city 800.00 against 600.00 in 2026-03 (+33.3 %)
URL = "/comparable/?period=2026-03"


def test_only_the_commission(client, city, park_a_admin, viewer_user):
    for user in (park_a_admin, viewer_user):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"action": "save", "industry": "", "prior_ytd": "1.00"}).status_code == 403
    assert ComparableBase.objects.count() == 0


def test_enter_change_and_remove_a_base(client, town, city, commission_user):
    client.force_login(commission_user)
    page = client.get(URL).content.decode()
    assert 'data-prior-source="comparable"' not in page and "33.3" in page
    response = client.post(URL, {"action": "save", "industry": "", "prior_ytd": "700.00"})
    assert response.status_code == 302
    base = ComparableBase.objects.get()
    assert (base.period, base.industry, base.prior_ytd, base.updated_by) == (
        dt.date(2026, 3, 1),
        None,
        Decimal("700.00"),
        commission_user,
    )
    page = client.get(URL).content.decode()
    assert page.count('data-prior-source="comparable"') == 1 and "14.3" in page  # 800 / 700 − 1
    client.post(URL, {"action": "save", "industry": str(city.bio.pk), "prior_ytd": "500.00"})
    client.post(URL, {"action": "save", "industry": "", "prior_ytd": "400.00"})  # a change, not a second row
    assert sorted(ComparableBase.objects.values_list("prior_ytd", flat=True)) == [Decimal("400.00"), Decimal("500.00")]
    client.post(URL, {"action": "delete", "industry": str(city.bio.pk)})
    assert list(ComparableBase.objects.values_list("industry", "prior_ytd")) == [(None, Decimal("400.00"))]
    assert list(ComparableBase.history.order_by("history_id").values_list("history_type", flat=True)) == [
        "+",
        "+",
        "~",
        "-",
    ]


@pytest.mark.parametrize("amount", ["-1", "1.001", "abc", "", "1e30"])
def test_a_bad_amount_stores_nothing_and_says_why(client, city, commission_user, amount):
    client.force_login(commission_user)
    response = client.post(URL, {"action": "save", "industry": "", "prior_ytd": amount}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert ComparableBase.objects.count() == 0


@pytest.mark.parametrize("industry", ["99999", "x", "１", "1" * 40])
def test_an_unknown_industry_stores_nothing(client, city, commission_user, industry):
    client.force_login(commission_user)
    response = client.post(URL, {"action": "save", "industry": industry, "prior_ytd": "1.00"}, follow=True)
    assert response.status_code == 200
    assert ComparableBase.objects.count() == 0


def test_the_dashboard_marks_a_comparable_city(client, town, commission_user):
    from projects.services import period_close
    from scheduling.services import comparable_base_save

    period_close(user=commission_user, period=dt.date(2026, 3, 1), today=dt.date(2026, 4, 10))
    client.force_login(commission_user)
    assert 'data-testid="city-comparable"' not in client.get("/").content.decode()
    comparable_base_save(user=commission_user, period=dt.date(2026, 3, 1), industry=None, prior_ytd=Decimal("700.00"))
    page = client.get("/").content.decode()
    assert 'data-testid="city-comparable"' in page and "14.3" in page


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_statements_do_not_grow_with_bases(client, city, commission_user):
    client.force_login(commission_user)
    industries = [factories.IndustryFactory(code=f"W{n}", name=f"行业{n}") for n in range(30)]
    for industry in industries[:3]:
        ComparableBase.objects.create(period=dt.date(2026, 3, 1), industry=industry, prior_ytd=Decimal("1.00"))
    few = _queries(client)
    for industry in industries[3:]:
        ComparableBase.objects.create(period=dt.date(2026, 3, 1), industry=industry, prior_ytd=Decimal("1.00"))
    assert _queries(client) == few
