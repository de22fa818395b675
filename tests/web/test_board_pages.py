"""The wall chart's pages read each group's slice along the board indexes (web.views.board.
_page_ids, PostgreSQL): every page holds exactly the rows, in the order, of the one sorted
statement it replaced — grouped by park or industry, finished shown or collapsed, filtered."""

from __future__ import annotations

import datetime as dt

import pytest

from projects.models import Project
from scheduling import rules
from tests import factories
from web.views import board

pytestmark = [pytest.mark.django_db]


def expected_ids(group: str, show_finished: bool, **filters) -> list[int]:
    order = ["park__sort_order", "park__code"] if group == "park" else ["industry__sort_order", "industry__code"]
    qs = Project.objects.active().filter(**filters)
    if not show_finished:
        qs = qs.exclude(rules.finished_stored_q())
    return list(qs.order_by(*order, f"{group}_id", "status_rank", "name", "id").values_list("id", flat=True))


@pytest.mark.parametrize("group", ["park", "industry"])
@pytest.mark.parametrize("show_finished", [False, True])
def test_every_page_holds_the_rows_of_the_sorted_statement(
    client, commission_user, city, monkeypatch, group, show_finished
):
    today = dt.date.today()
    parks = [city.park_a, city.park_a_sub, city.park_b]
    industries = [city.bio_drug, city.ei_ic, city.bio]
    for i in range(23):
        p = factories.ProjectFactory(
            park=parks[i % 3], industry=industries[i % 2 if i % 5 else 2], name=f"项目{(i * 7) % 23:02d}"
        )
        done = today if i % 4 == 0 else None  # every fourth one finished
        factories.MilestoneFactory(
            project=p, kind="signing", planned_date=today - dt.timedelta(days=i), actual_date=done
        )
    Project.objects.filter(pk__in=Project.objects.order_by("id").values("pk")[:5]).update(status="red")
    monkeypatch.setattr(board, "PAGE_SIZE", 4)
    client.force_login(commission_user)
    want = expected_ids(group, show_finished)
    assert len(want) == (23 if show_finished else 17)
    got, page, pages = [], 1, 1
    while page <= pages:
        url = f"/board/?group={group}&page={page}" + ("&finished=1" if show_finished else "")
        shown = client.get(url).context["page"]
        got += [p.pk for p in shown.object_list]
        pages, page = shown.paginator.num_pages, page + 1
    assert pages == -(-len(want) // 4)
    assert got == want
    # A filter narrows both the totals and the slices.
    url = f"/board/?group={group}&park={city.park_b.pk}" + ("&finished=1" if show_finished else "")
    first = [p.pk for p in client.get(url).context["page"].object_list]
    assert first == expected_ids(group, show_finished, park=city.park_b)[:4]
