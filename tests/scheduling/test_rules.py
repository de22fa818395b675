"""scheduling.rules: each rule's three forms (ORM expression, SQL fragment, Python predicate)
agree with each other and with the contract's definition, and every page, the API and the weekly
report follow the commission's thresholds when they change."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import DecimalField, Value
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.models import Project
from reports.rendering import render_html
from reports.selectors import week_of, weekly_report_data
from scheduling import rules
from scheduling.models import Milestone, MilestoneKind, SchedulingSettings, milestone_label
from scheduling.selectors import due_soon_milestones, overdue_milestones
from tests import factories

pytestmark = pytest.mark.django_db

BASE = dt.date(2026, 3, 1)
days = st.integers(min_value=-90, max_value=90)
milestone_dates = st.tuples(days, st.one_of(st.none(), days))
thresholds = st.builds(
    lambda red, soon: SchedulingSettings(red_after_days=red, due_soon_days=soon),
    st.integers(min_value=2, max_value=60),
    st.integers(min_value=0, max_value=60),
)


def expected(planned: dt.date, actual: dt.date | None, as_of: dt.date, cfg) -> dict:
    """The contract's definitions, written out independently of scheduling.rules."""
    open_ = actual is None or actual > as_of
    overdue = planned < as_of and open_
    late = (as_of - planned).days
    return {
        "overdue": overdue,
        "due_soon": open_ and as_of <= planned <= as_of + dt.timedelta(days=cfg.due_soon_days),
        "days_overdue": late if overdue else None,
        "severity": ("red" if late >= cfg.red_after_days else "yellow") if overdue else None,
    }


def sql_rows(project_id: int, as_of: dt.date, cfg) -> dict[int, dict]:
    """The SQL fragments evaluated through a cursor, as flag_delays runs them."""
    sql = (
        f"SELECT m.id, CASE WHEN {rules.sql_overdue('m')} THEN 1 ELSE 0 END, "  # noqa: S608
        f"CASE WHEN {rules.sql_due_soon('m')} THEN 1 ELSE 0 END, "
        f"CASE WHEN {rules.sql_overdue('m')} THEN {rules.sql_days_overdue('m.planned_date')} END, "
        f"CASE WHEN {rules.sql_overdue('m')} THEN {rules.sql_severity('m.planned_date')} END, "
        f"{rules.sql_status_rank('m')}, CASE WHEN {rules.sql_flagged('m')} THEN 1 ELSE 0 END "
        f"FROM {Milestone._meta.db_table} m WHERE m.project_id = %(project)s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**rules.sql_params(as_of, cfg), "project": project_id})
        return {
            pk: {
                "overdue": bool(o),
                "due_soon": bool(s),
                "days_overdue": None if d is None else int(d),
                "severity": sev,
                "rank": rank,
                "flagged": bool(f),
            }
            for pk, o, s, d, sev, rank, f in cursor.fetchall()
        }


RANK = {"red": 3, "yellow": 2, "due_soon": 1, "green": None, None: None}


@pytest.fixture
def project(city):
    return factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(milestone_dates, min_size=1, max_size=12), offset=days, cfg=thresholds)
def test_orm_sql_and_python_forms_agree(project, items, offset, cfg):
    as_of = BASE + dt.timedelta(days=offset)
    with transaction.atomic():
        rows = Milestone.objects.bulk_create(
            Milestone(
                project=project,
                kind=MilestoneKind.OTHER,
                name=f"节点{i}",
                planned_date=BASE + dt.timedelta(days=p),
                baseline_date=BASE + dt.timedelta(days=p),
                actual_date=None if a is None else BASE + dt.timedelta(days=a),
            )
            for i, (p, a) in enumerate(items)
        )
        mine = Milestone.objects.filter(project=project)
        overdue = {
            m.pk: (m.days_overdue, m.severity) for m in overdue_milestones(as_of=as_of, queryset=mine, settings=cfg)
        }
        due = set(due_soon_milestones(as_of=as_of, queryset=mine, settings=cfg).values_list("pk", flat=True))
        flagged = set(mine.filter(rules.flagged_q(as_of, cfg)).values_list("pk", flat=True))
        red = set(mine.filter(rules.red_q(as_of, cfg)).values_list("pk", flat=True))
        yellow = set(mine.filter(rules.yellow_q(as_of, cfg)).values_list("pk", flat=True))
        sql = sql_rows(project.pk, as_of, cfg)
        transaction.set_rollback(True)
    assert len(sql) == len(rows)
    for m in rows:
        want = expected(m.planned_date, m.actual_date, as_of, cfg)
        orm = {
            "overdue": m.pk in overdue,
            "due_soon": m.pk in due,
            "days_overdue": overdue.get(m.pk, (None, None))[0],
            "severity": overdue.get(m.pk, (None, None))[1],
        }
        late = rules.days_overdue(m.planned_date, as_of)
        python = {
            "overdue": rules.is_overdue(m, as_of),
            "due_soon": rules.is_due_soon(m, as_of, cfg),
            "days_overdue": late if rules.is_overdue(m, as_of) else None,
            "severity": rules.severity_of(late, cfg) if rules.is_overdue(m, as_of) else None,
        }
        from_sql = {k: sql[m.pk][k] for k in want}
        assert orm == want, (m.planned_date, m.actual_date, as_of)
        assert from_sql == want, (m.planned_date, m.actual_date, as_of)
        assert python == want, (m.planned_date, m.actual_date, as_of)
        level = rules.milestone_level(m, as_of, cfg)
        assert sql[m.pk]["rank"] == RANK[level]
        assert (m.pk in red, m.pk in yellow) == (level == "red", level == "yellow")
        assert (m.pk in flagged) == sql[m.pk]["flagged"] == (want["overdue"] or want["due_soon"])


amounts = st.integers(min_value=0, max_value=10**6).map(Decimal)  # whole 万元: SQLite computes in floats
pcts = st.integers(min_value=0, max_value=100).map(Decimal)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ytd=amounts, plan=st.one_of(st.none(), amounts), months=st.integers(1, 12), yellow=pcts, red=pcts)
def test_investment_status_forms_agree(project, ytd, plan, months, yellow, red):
    cfg = SchedulingSettings(invest_yellow_pct=yellow, invest_red_pct=red)
    if not plan:
        want = "none"
    elif ytd / (plan * months / 12) * 100 < red:
        want = "red"
    elif ytd / (plan * months / 12) * 100 < yellow:
        want = "yellow"
    else:
        want = "green"
    money = DecimalField(max_digits=20, decimal_places=2)
    orm = (
        Project.objects.filter(pk=project.pk)
        .annotate(st=rules.investment_status_expr(Value(ytd, money), Value(plan, money), months=months, settings=cfg))
        .values_list("st", flat=True)
        .get()
    )
    params = {**rules.sql_params(BASE, cfg), "months": months, "ytd": ytd, "plan": plan}
    cast = "CAST(%({})s AS NUMERIC)"  # a column's type, for a bound parameter
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rules.sql_investment_status(cast.format('ytd'), cast.format('plan'))}",
            params,
        )
        from_sql = cursor.fetchone()[0]
    python = rules.investment_status(ytd, plan, months=months, settings=cfg)
    assert (orm, from_sql, python) == (want, want, want)


def test_milestone_label_is_one_rule():
    assert milestone_label("signing", "") == "签约"
    assert milestone_label("signing", "框架协议") == "框架协议"
    assert milestone_label("other", "GMP验证") == "GMP验证"
    # An unnamed "other" node (or a record without a kind) is not called 其他.
    assert milestone_label("other", "") == ""
    assert milestone_label("", "旧节点") == "旧节点"
    assert milestone_label(None, None) == ""


# --- Every page follows the settings ---------------------------------------------------------


@pytest.fixture
def changed(city):
    """red_after_days 20 and due_soon_days 30: a node 25 days late is red (yellow by default) and
    one due in 25 days is due soon (not by default)."""
    cfg = SchedulingSettings.load()
    cfg.red_after_days, cfg.due_soon_days = 20, 30
    cfg.save()
    today = timezone.localdate()
    late_p = factories.ProjectFactory(name="红色项目", park=city.park_a, industry=city.bio_drug)
    soon_p = factories.ProjectFactory(name="临期项目", park=city.park_a, industry=city.bio_drug)
    late = factories.MilestoneFactory(
        project=late_p, kind="other", name="迟到节点", planned_date=today - dt.timedelta(days=25)
    )
    soon = factories.MilestoneFactory(
        project=soon_p, kind="other", name="临近节点", planned_date=today + dt.timedelta(days=25)
    )
    return today, late, soon


def _cd_class(html: str, text: str) -> str:
    """The countdown class of the span whose text starts with `text`."""
    match = re.search(r'<span class="cd (cd-[a-z]+)">' + re.escape(text), html)
    assert match, text
    return match.group(1)


def test_every_page_api_and_report_use_the_settings(client, commission_user, changed):
    today, late, soon = changed
    client.force_login(commission_user)
    late_text, soon_text = "迟到节点已逾期 25 天", "距临近节点还有 25 天"

    dashboard = client.get("/").content.decode()
    assert _cd_class(dashboard, late_text) == "cd-red"
    assert "30 天内到期的节点" in dashboard and soon_text in dashboard

    listing = client.get("/projects/").content.decode()
    assert (_cd_class(listing, late_text), _cd_class(listing, soon_text)) == ("cd-red", "cd-soon")

    board = client.get("/board/").content.decode()
    assert (_cd_class(board, late_text), _cd_class(board, soon_text)) == ("cd-red", "cd-soon")
    assert "临期（30天内）" in board
    # The Gantt marks: the node's colour class and its full text in the tooltip.
    assert re.search(r'class="bmark soon[^"]*"><circle[^>]*/><title>临近节点 ', board)
    assert re.search(r'class="bmark red[^"]*"><circle[^>]*/><title>迟到节点 ', board)

    card = client.get(f"/projects/{late.project_id}/").content.decode()
    assert _cd_class(card, late_text) == "cd-red" and 'class="plan late"' in card
    card = client.get(f"/projects/{soon.project_id}/").content.decode()
    assert _cd_class(card, soon_text) == "cd-soon" and 'class="plan soon"' in card

    delays = client.get("/api/v1/delays/").json()["results"]
    assert [(d["milestone"], d["days_overdue"], d["severity"]) for d in delays] == [(late.pk, 25, "red")]
    due = client.get("/api/v1/milestones/?status=due_soon").json()["results"]
    assert [m["id"] for m in due] == [soon.pk]

    data = weekly_report_data(week=week_of(today), as_of=today)
    assert [(r.milestone_id, r.days_overdue, r.severity) for r in data.delays] == [(late.pk, 25, "red")]
    assert [(r.milestone_id, r.days_left) for r in data.due_soon] == [(soon.pk, 25)]
    assert (data.red_after_days, data.summary()["due_soon_days"]) == (20, 30)
    html = render_html(data, generated_at=timezone.now())
    assert "未来30天到期节点" in html and "逾期 1–19 天为黄色，20 天及以上为红色" in html
