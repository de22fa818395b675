"""The wall chart as a Gantt chart: bars between consecutive nodes, the baseline's ghost bar,
actual progress, labels that never touch, an axis whose labels never overlap, groups with
their totals, finished projects collapsed, and the print view of the whole selection."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from projects.models import Project
from scheduling.models import SchedulingSettings
from tests import factories
from web import gantt
from web.views import board as board_view

pytestmark = pytest.mark.django_db


def rows_of(response) -> dict[int, object]:
    return {p.pk: p for g in response.context["groups"] for p in g["rows"]}


def window_of(response) -> gantt.Window:
    return gantt.Window(response.context["start"], response.context["end"])


def no_overlap(boxes):
    for a, b in itertools.combinations(boxes, 2):
        assert not a.intersects(b), (a, b)


@pytest.fixture
def three_nodes(city, today):
    """Signed 60 days ago (done 55 days ago), construction start in 20 days, topping out in 120."""
    p = factories.ProjectFactory(name="三节点项目", park=city.park_a, total_investment=Decimal("25000.00"))
    factories.MilestoneFactory(
        project=p,
        kind="signing",
        planned_date=today - dt.timedelta(days=60),
        actual_date=today - dt.timedelta(days=55),
    )
    factories.MilestoneFactory(project=p, kind="construction_start", planned_date=today + dt.timedelta(days=20))
    factories.MilestoneFactory(project=p, kind="topping_out", planned_date=today + dt.timedelta(days=120))
    return p


def test_bars_run_between_consecutive_nodes(client_a, three_nodes, today):
    response = client_a.get("/board/")
    w = window_of(response)
    row = rows_of(response)[three_nodes.pk].gantt
    starts = [today - dt.timedelta(days=60), today + dt.timedelta(days=20), today + dt.timedelta(days=120)]
    assert [(b["x"], b["w"]) for b in row.bars] == [
        (w.x(starts[0]), round(w.x(starts[1]) - w.x(starts[0]), 1)),
        (w.x(starts[1]), round(w.x(starts[2]) - w.x(starts[1]), 1)),
    ]
    # each phase has the colour of the node it leads to: 开工 in 20 days is green (due soon is 7)
    assert [b["css"] for b in row.bars] == ["ok", "ok"]
    # the nodes are marks on the bars, at their planned dates
    assert [m["x"] for m in row.marks] == [w.x(d) for d in starts]
    # actual progress: from the signing's actual date to today (the next node is open)
    assert [(a["x"], a["w"]) for a in row.actuals] == [
        (w.x(today - dt.timedelta(days=55)), round(w.x(today) - w.x(today - dt.timedelta(days=55)), 1))
    ]
    assert row.ghosts == []  # the plan never moved
    html = response.content.decode()
    assert html.count('<rect class="bbar ok"') == 2 and '<rect class="bact ok"' in html
    assert f'<line class="btoday" x1="{w.x(today)}"' in html


def test_a_ghost_bar_where_the_baseline_differs(client_a, city, today):
    p = factories.ProjectFactory(park=city.park_a)
    first = today + dt.timedelta(days=10)
    factories.MilestoneFactory(project=p, kind="signing", planned_date=first)
    moved = factories.MilestoneFactory(
        project=p,
        kind="construction_start",
        planned_date=today + dt.timedelta(days=90),
        baseline_date=today + dt.timedelta(days=40),
    )
    factories.MilestoneFactory(project=p, kind="topping_out", planned_date=today + dt.timedelta(days=150))
    response = client_a.get("/board/")
    w = window_of(response)
    row = rows_of(response)[p.pk].gantt
    # both phases touching the moved node differ from their baseline; each has its ghost
    assert [(g["x"], g["w"]) for g in row.ghosts] == [
        (w.x(first), round(w.x(moved.baseline_date) - w.x(first), 1)),
        (w.x(moved.baseline_date), round(w.x(today + dt.timedelta(days=150)) - w.x(moved.baseline_date), 1)),
    ]
    assert [b["x"] for b in row.bases] == [w.x(moved.baseline_date)]
    assert "<title>开工 计划" in response.content.decode() and "基线" in row.marks[1]["title"]


def test_crowded_labels_never_touch_and_the_rest_go_to_tooltips(client_a, city, today):
    p = factories.ProjectFactory(park=city.park_a)
    kinds = ["signing", "land", "land_use_permit", "planning_permit", "construction_permit", "property_certificate"]
    kinds += ["construction_start", "topping_out", "completion", "production_start"]
    for i, kind in enumerate(kinds):
        factories.MilestoneFactory(project=p, kind=kind, planned_date=today + dt.timedelta(days=5 + 4 * i))
    response = client_a.get("/board/")
    row = rows_of(response)[p.pk].gantt
    boxes = [lb["box"] for lb in row.labels]
    no_overlap(boxes)
    assert all(b.x0 >= 0 and b.x1 <= gantt.TRACK_W for b in boxes)
    assert all(b.y1 <= gantt.LANE_A[1] or b.y0 >= gantt.LANE_B[0] for b in boxes)  # never on the bars
    assert len(row.marks) == 10 and 0 < len(row.labels) < 10  # some fit, the others do not
    full = {m["texts"][0] for m in row.marks}
    assert any(lb["text"] not in full for lb in row.labels) or len(row.labels) < 10
    # the nearest node is labelled first, in full; every mark keeps its full text as a tooltip
    assert row.labels[0]["text"] == "签约 还有5天"
    html = response.content.decode()
    assert all(f"<title>{m['title']}" in html for m in row.marks)


def test_label_placement_tries_shorter_forms_then_gives_up():
    marks = [
        {
            "x": 100,
            "texts": ["很长很长的节点名称 还有3天", "很长很长的节点名称", "很长很…"],
            "priority": (0, i),
            "css": "ok",
        }
        for i in range(6)
    ]
    labels = gantt.place_labels(marks)
    no_overlap([lb["box"] for lb in labels])
    # four places around one mark (above/below × right/left): the first four take them; on the
    # left the full text would run past the chart's edge, so it is cut there
    assert [bool(m.get("labelled")) for m in marks] == [True] * 4 + [False] * 2
    assert [(lb["text"], lb["anchor"]) for lb in labels] == [
        ("很长很长的节点名称 还有3天", "start"),
        ("很长很长的节点名称 还有3天", "start"),
        ("很长很…", "end"),
        ("很长很…", "end"),
    ]
    edge = [
        {"x": gantt.TRACK_W - 2, "texts": ["竣工验收 还有9天", "竣工验收", "竣工验…"], "priority": (0,), "css": "ok"}
    ]
    (label,) = gantt.place_labels(edge)
    assert label["anchor"] == "end" and label["box"].x1 <= gantt.TRACK_W  # turned left, not clipped


@pytest.mark.parametrize("months", [3, 6, 15, 24, 36])
def test_axis_labels_never_overlap(months):
    window = gantt.Window(dt.date(2026, 9, 1), gantt.month_add(dt.date(2026, 9, 1), months))
    ax = gantt.axis(window, dt.date(2026, 12, 2))
    for tier in ("quarters", "months"):
        boxes = gantt.label_boxes(ax[tier])
        no_overlap(boxes)
        assert all(b.x0 >= 0 and b.x1 <= gantt.TRACK_W for b in boxes), tier
    assert len(ax["months"]) == months  # every month labelled, at 36 months by its number only
    assert ax["months"][0]["text"] == ("9" if months == 36 else "9月")
    if months == 15:  # room for the long forms, but not in the one month of 2026 Q3 on the axis
        assert [q["text"] for q in ax["quarters"]][:2] == ["2026 Q3", "2026年第4季度"]


def test_groups_have_their_count_and_total_investment(client_commission, city, today):
    Project.objects.all().delete()
    for amount, park in [("30000", city.park_a), ("12000.50", city.park_a), ("5000", city.park_b)]:
        p = factories.ProjectFactory(park=park, industry=city.bio_drug, total_investment=Decimal(amount))
        factories.MilestoneFactory(project=p, kind="signing", planned_date=today + dt.timedelta(days=30))
    response = client_commission.get("/board/")
    totals = {g["obj"].name: (g["n"], g["total"]) for g in response.context["groups"]}
    assert totals == {city.park_a.name: (2, Decimal("42000.50")), city.park_b.name: (1, Decimal("5000.00"))}
    html = response.content.decode()
    assert "2 个项目 · 总投资 4.20 亿元" in html and "1 个项目 · 总投资 0.50 亿元" in html
    by_industry = client_commission.get("/board/", {"group": "industry"}).context["groups"]
    assert [(g["obj"].name, g["n"], g["total"]) for g in by_industry] == [(city.bio_drug.name, 3, Decimal("47000.50"))]


def test_finished_projects_are_collapsed_until_the_switch(client_a, city, today, three_nodes):
    done = factories.ProjectFactory(name="已竣工项目", park=city.park_a, total_investment=Decimal("10000"))
    factories.MilestoneFactory(
        project=done,
        kind="signing",
        planned_date=today - dt.timedelta(days=300),
        actual_date=today - dt.timedelta(days=290),
    )
    bare = factories.ProjectFactory(name="无节点项目", park=city.park_a)  # no nodes: not finished
    response = client_a.get("/board/")
    shown = rows_of(response)
    assert done.pk not in shown and {three_nodes.pk, bare.pk} <= set(shown)
    (group,) = [g for g in response.context["groups"] if g["obj"] == city.park_a]
    assert (group["n"], group["done"]) == (3, 1)  # counted in the totals even when collapsed
    html = response.content.decode()
    assert "1 个已完成项目已收起" in html and 'id="finished-switch" href="?finished=1"' in html
    response = client_a.get("/board/", {"finished": "1"})
    assert done.pk in rows_of(response) and rows_of(response)[done.pk].finished
    assert "收起已完成项目" in response.content.decode()


def test_a_group_of_finished_projects_only_still_shows_its_totals(client_commission, city, today):
    Project.objects.all().delete()
    p = factories.ProjectFactory(park=city.park_b, total_investment=Decimal("20000"))
    factories.MilestoneFactory(project=p, kind="signing", planned_date=today - dt.timedelta(days=9), actual_date=today)
    response = client_commission.get("/board/")
    (group,) = response.context["groups"]
    assert (group["obj"], group["n"], group["done"], group["rows"]) == (city.park_b, 1, 1, [])


def test_print_view_draws_the_whole_selection(client_commission, city, today, monkeypatch):
    from tests.web.conftest import make_projects

    Project.objects.all().delete()
    make_projects(city, 12, today)
    monkeypatch.setattr(board_view, "PAGE_SIZE", 5)
    screen = client_commission.get("/board/")
    assert len(rows_of(screen)) == 5 and screen.context["page"].paginator.num_pages == 3
    printed = client_commission.get("/board/", {"print": "1", "page": "2"})
    assert len(rows_of(printed)) == 12
    html = printed.content.decode()
    assert 'class="boardpage boardprint"' in html and 'class="bprinthead"' in html and 'id="print-btn"' in html
    assert 'class="pager"' not in html


def test_print_view_says_when_the_selection_is_over_its_limit(client_commission, city, today, settings):
    from tests.web.conftest import make_projects

    Project.objects.all().delete()
    make_projects(city, 6, today)
    settings.BOARD_PRINT_MAX = 4
    response = client_commission.get("/board/", {"print": "1"})
    assert len(rows_of(response)) == 4
    assert "选中 6 个项目，打印视图最多 4 个" in response.content.decode()


def test_row_geometry_needs_no_query(django_assert_num_queries, three_nodes, today):
    milestones = list(three_nodes.milestones.all())
    window = gantt.Window(dt.date(2026, 1, 1), dt.date(2027, 4, 1))
    thresholds = SchedulingSettings.load()
    with django_assert_num_queries(0):
        row = gantt.project_row(milestones, as_of=today, window=window, settings=thresholds)
    assert len(row.bars) + row.before + row.after >= 1


def test_the_spend_ahead_filter_narrows_rows_and_totals(client_commission, city, today):
    """The rows leave the selection's spend_* columns unselected (the board does not draw them);
    the ?spend_ahead=1 filter on them still narrows both the rows and the groups' totals."""
    Project.objects.all().delete()
    ahead = factories.ProjectFactory(name="超前", park=city.park_a, total_investment=Decimal("100"))
    even = factories.ProjectFactory(name="匹配", park=city.park_a, total_investment=Decimal("100"))
    for p in (ahead, even):
        factories.MilestoneFactory(project=p, kind="signing", planned_date=today + dt.timedelta(days=30))
    # 50 of 100 万元 spent, no node done: 50 points ahead of the schedule (over the 15 allowed)
    factories.ReportFactory(project=ahead, period=today.replace(day=1), amount=Decimal("50"), status="approved")
    response = client_commission.get("/board/", {"spend_ahead": "1"})
    assert set(rows_of(response)) == {ahead.pk}
    assert [(g["obj"], g["n"], g["total"]) for g in response.context["groups"]] == [(city.park_a, 1, Decimal("100.00"))]
    assert set(rows_of(client_commission.get("/board/"))) == {ahead.pk, even.pk}
