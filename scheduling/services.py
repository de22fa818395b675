"""Writes: milestones, backward schedules from templates, and the two scheduling jobs
(flag_delays, compute_industry_growth). Each write is one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dates import DateError, check_date, range_message
from common.money import AmountError, check_amount, parse_amount
from common.periods import INVALID_PERIOD, PeriodError, check_period, parse_period
from parks.access import is_commission
from parks.models import Industry
from projects.models import AnnualPlan, InvestmentReport, Project
from projects.rules import sql_counted, sql_recent_stored_sum
from projects.selectors import can_write_park

from . import rules
from .calendar import WorkCalendar
from .models import (
    CloseReason,
    ComparableBase,
    DelayRecord,
    DurationUnit,
    GrowthSnapshot,
    IndustryGrowth,
    Milestone,
    MilestoneKind,
    ScheduleTemplate,
    SchedulingSettings,
    milestone_order_errors,
)
from .selectors import compute_growth_figures, jsonable

logger = logging.getLogger(__name__)

MILESTONE_EDITABLE_FIELDS = ["kind", "name", "planned_date", "actual_date", "sequence"]


def _check(user, project) -> None:
    if not can_write_park(user, project.park_id):
        raise PermissionDenied(_("您无权修改该项目的节点。"))


@transaction.atomic
def milestone_create(*, user, project, data: dict[str, Any]) -> Milestone:
    _check(user, project)
    milestone = Milestone(project=project, **{k: v for k, v in data.items() if k in MILESTONE_EDITABLE_FIELDS})
    milestone.baseline_date = milestone.planned_date
    milestone.full_clean()
    milestone._history_user = user
    milestone.save()
    _refresh_after_commit(milestone.project_id)
    return milestone


@transaction.atomic
def milestone_update(*, user, milestone: Milestone, data: dict[str, Any]) -> Milestone:
    """Moving the planned date keeps the baseline (the first planned date)."""
    _check(user, milestone.project)
    for key, value in data.items():
        if key in MILESTONE_EDITABLE_FIELDS:
            setattr(milestone, key, value)
    milestone.full_clean()
    milestone._history_user = user
    milestone.save()
    _refresh_after_commit(milestone.project_id)
    return milestone


@transaction.atomic
def milestone_delete(*, user, milestone: Milestone) -> None:
    _check(user, milestone.project)
    milestone._history_user = user
    project_id = milestone.project_id
    # Its delay history stays (the record keeps project, kind and name); an open one closes.
    DelayRecord.objects.filter(milestone=milestone, closed_on__isnull=True).update(
        closed_on=timezone.localdate(), close_reason=CloseReason.DELETED
    )
    milestone.delete()
    _refresh_after_commit(project_id)


@dataclass
class MilestoneChange:
    """One row of a project's milestone table: `milestone` the stored one (None for a new one),
    `data` its new values (kind, name, planned_date, actual_date); `delete` removes it."""

    milestone: Milestone | None
    data: dict[str, Any] = field(default_factory=dict)
    delete: bool = False


@transaction.atomic
def milestones_save(*, user, project, changes: list[MilestoneChange]) -> None:
    """Apply a whole table of milestone changes of one project in the order that keeps the order
    rule satisfied after every single write: deletions first; then the dates that move later in
    descending order and those that move earlier in ascending order; new ones last, by date."""
    _check(user, project)
    later, earlier, new = [], [], []
    moved = [c for c in changes if c.milestone is not None and c.milestone.pk and not c.delete]
    stored = dict(Milestone.objects.filter(pk__in=[c.milestone.pk for c in moved]).values_list("pk", "planned_date"))
    for change in changes:
        if change.delete:
            if change.milestone is not None and change.milestone.pk:
                milestone_delete(user=user, milestone=change.milestone)
        elif change.milestone is None or change.milestone.pk is None:
            new.append(change.data)
        else:
            goes_later = change.data["planned_date"] >= stored[change.milestone.pk]
            (later if goes_later else earlier).append(change)
    for change in sorted(later, key=lambda c: c.data["planned_date"], reverse=True):
        milestone_update(user=user, milestone=change.milestone, data=change.data)
    for change in sorted(earlier, key=lambda c: c.data["planned_date"]):
        milestone_update(user=user, milestone=change.milestone, data=change.data)
    for data in sorted(new, key=lambda d: d["planned_date"]):
        milestone_create(user=user, project=project, data=data)


# --- Delay detection (flag_delays) ------------------------------------------------------------

# One flag_delays at a time on PostgreSQL: a second run (beat plus a manual one) waits for the
# first to commit and then finds nothing left to change. The unique index and the guarded
# updates below would keep the data right without it; the lock only avoids wasted work.
FLAG_DELAYS_LOCK = 0x5C4ED001
GROWTH_LOCK = 0x5C4ED002


def advisory_lock(key: int) -> None:
    """One run at a time: a transaction-scoped advisory lock on PostgreSQL (SQLite serialises
    writers by itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def job_session_settings() -> None:
    """For this transaction only: PostgreSQL's JIT compiler misjudges these statements (large
    estimated costs, short real runs) and spends about a second compiling, so it is off; and the
    year-to-date aggregate gets enough work_mem to hash 100k projects without spilling to disk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")


def _tables() -> dict[str, str]:
    return {
        "m": Milestone._meta.db_table,
        "dr": DelayRecord._meta.db_table,
        "p": Project._meta.db_table,
        "ap": AnnualPlan._meta.db_table,
        "r": InvestmentReport._meta.db_table,
    }


def _delay_record_parts(t: dict[str, str]) -> dict[str, str]:
    """The pieces of the delay records' lifecycle shared by the separate statements (SQLite) and
    the data-modifying CTEs of the combined statement (PostgreSQL): what a closed record gets,
    what an updated one gets, the columns of a new one, and which open records are left to `d`'s
    run (one checked for a later day than `d` is left alone: a run for a past date never
    rewrites newer knowledge)."""
    dr = t["dr"]
    completed = (
        f"SELECT m.actual_date FROM {t['m']} m WHERE m.id = {dr}.milestone_id "  # noqa: S608
        f"AND NOT {rules.sql_open('m')}"
    )
    archived = (
        f"SELECT p.archived_at FROM {t['m']} m JOIN {t['p']} p ON p.id = m.project_id "  # noqa: S608
        f"WHERE m.id = {dr}.milestone_id"
    )
    severity = rules.sql_severity(f"{dr}.planned_date")
    return {
        "open_to_d": f"{dr}.closed_on IS NULL AND {dr}.last_seen_on <= %(d)s",
        # Closed on the completion date if the node was completed, else on `d`. Scalar lookups
        # by primary key (a completion date, an archiving time: never NULL when found), not
        # EXISTS: the planner would hash every completed milestone for a few closed records.
        "close_set": (
            f"closed_on = COALESCE(({completed}), %(d)s), "
            f"close_reason = CASE WHEN {dr}.milestone_id IS NULL THEN 'deleted' "
            f"WHEN ({completed}) IS NOT NULL THEN 'completed' "
            f"WHEN ({archived}) IS NOT NULL THEN 'archived' ELSE 'replanned' END"
        ),
        "update_set": (
            f"last_seen_on = %(d)s, days_overdue = {rules.sql_days_overdue(f'{dr}.planned_date')}, "
            f"severity = {severity}"
        ),
        # Guarded: only rows that would change.
        "update_changes": f"({dr}.last_seen_on < %(d)s OR {dr}.severity <> {severity})",
        "insert_columns": (
            "milestone_id, planned_date, opened_on, last_seen_on, days_overdue, severity, "
            "closed_on, close_reason, project_id, kind, name"
        ),
    }


def _delay_record_values(m: str) -> str:
    """A new record's values for the overdue milestone `m` (alias with id, planned_date,
    project_id, kind, name). opened_on is the first day it was overdue (planned + 1), so a missed
    run or a run for a past date gives the same record."""
    return (
        f"{m}.id, {m}.planned_date, {rules.sql_next_day(f'{m}.planned_date')}, %(d)s, "
        f"{rules.sql_days_overdue(f'{m}.planned_date')}, {rules.sql_severity(f'{m}.planned_date')}, NULL, '', "
        f"{m}.project_id, {m}.kind, {m}.name"
    )


def _recorded(t: dict[str, str], m: str, still_open: str) -> str:
    """Whether overdue milestone `m` already has its record for `d`: one still open
    (`still_open`, a condition on the record r), or one of the same planned date that `d` falls
    within (opened on or before it, closed after it: a run for a past date)."""
    return (
        f"EXISTS (SELECT 1 FROM {t['dr']} r WHERE r.milestone_id = {m}.id AND ({still_open} "  # noqa: S608
        f"OR (r.planned_date = {m}.planned_date AND r.opened_on <= %(d)s AND r.closed_on > %(d)s)))"
    )


def _delay_record_sql(t: dict[str, str]) -> dict[str, str]:
    """Statements 1–3 on SQLite: the delay records' lifecycle (close, update, open). On
    PostgreSQL the same three are data-modifying CTEs of the combined statement
    (_status_totals_pg_sql); tests compare the two."""
    dr, parts = t["dr"], _delay_record_parts(t)
    # Whether milestone m's project is archived, looked up by primary key for each milestone the
    # statement keeps (tens of thousands at most): a join would read the whole projects table.
    active = f"(SELECT p.archived_at FROM {t['p']} p WHERE p.id = m.project_id) IS NULL"  # noqa: S608
    overdue_same_plan = (
        f"SELECT 1 FROM {t['m']} m "  # noqa: S608
        f"WHERE m.id = {dr}.milestone_id AND m.planned_date = {dr}.planned_date "
        f"AND {rules.sql_overdue('m')} AND {active}"
    )
    return {
        # 1. Close the open records whose milestone is no longer overdue on the same planned
        #    date: completed (closed on the completion date), project archived, or replanned.
        "close": (
            f"UPDATE {dr} SET {parts['close_set']} "  # noqa: S608
            f"WHERE {parts['open_to_d']} AND NOT EXISTS ({overdue_same_plan})"
        ),
        # 2. Bring the open records up to `d` (after 1, those still overdue on the same plan).
        "update": (
            f"UPDATE {dr} SET {parts['update_set']} "  # noqa: S608
            f"WHERE {parts['open_to_d']} AND {parts['update_changes']}"
        ),
        # 3. Open a record for each overdue milestone without one. ON CONFLICT DO NOTHING: the
        #    partial unique index (one open record per milestone) settles a race with a
        #    concurrent run.
        "open": (
            f"INSERT INTO {dr} ({parts['insert_columns']}) "  # noqa: S608
            f"SELECT {_delay_record_values('m')} FROM {t['m']} m "
            f"WHERE {rules.sql_overdue('m')} AND {active} AND NOT {_recorded(t, 'm', 'r.closed_on IS NULL')} "
            "ON CONFLICT DO NOTHING"
        ),
    }


def _delay_record_ctes(t: dict[str, str]) -> str:
    """The delay records' statements 1–3 as data-modifying CTEs of the combined statement on
    PostgreSQL, from `ov` (the overdue milestones of the active projects, already read there):
    no second read of the milestones or the projects, the records matched to them by hash. All
    three see the records as they were before the statement (one snapshot), hence:
    - the update takes the open records still overdue on the same plan (those 1 leaves open),
      joined to ov (one row per milestone);
    - the insert counts an open record as the milestone's unless it is one closed by 1 (the ids
      `dclose` returns; reading them also has the close done before any insert, so a replanned
      milestone's new record does not meet its old one in the unique index)."""
    dr, parts = t["dr"], _delay_record_parts(t)
    same_plan = f"SELECT 1 FROM ov WHERE ov.id = {dr}.milestone_id AND ov.planned_date = {dr}.planned_date"  # noqa: S608
    still_open = "(r.closed_on IS NULL AND r.id <> ALL(ARRAY(SELECT id FROM dclose)))"
    return (
        f"dclose AS (UPDATE {dr} SET {parts['close_set']} "  # noqa: S608
        f"WHERE {parts['open_to_d']} AND NOT EXISTS ({same_plan}) RETURNING {dr}.id), "
        f"dupd AS (UPDATE {dr} SET {parts['update_set']} FROM ov "
        f"WHERE ov.id = {dr}.milestone_id AND ov.planned_date = {dr}.planned_date "
        f"AND {parts['open_to_d']} AND {parts['update_changes']} RETURNING 1), "
        f"dopen AS (INSERT INTO {dr} ({parts['insert_columns']}) "
        f"SELECT {_delay_record_values('ov')} FROM ov WHERE NOT {_recorded(t, 'ov', still_open)} "
        "ON CONFLICT DO NOTHING RETURNING 1), "
    )


def _ytd_sql(t: dict[str, str], only: str = "") -> str:
    """Each project's completed investment from January to the graded month (the reports that
    count: projects.rules.sql_counted)."""
    return (
        f"SELECT project_id, SUM(amount) AS ytd FROM {t['r']} rc "  # noqa: S608
        f"WHERE period >= %(year_start)s AND period <= %(period)s AND {sql_counted('rc')} {only}GROUP BY project_id"
    )


def _project_status(rank: str, t: dict[str, str], *, no_nodes: str | None = None, extra: str | None = None) -> str:
    """The colour of project p2 from its worst milestone's rank, no_schedule without milestones;
    a rank registered by an app above (rules.PROJECT_RANK_SOURCES: an overdue problem) counts
    like a milestone's and outranks 无节点. `no_nodes` and `extra` (SQL expressions already
    computed by the caller: whether p2 has no milestone, its registered rank) default to the
    correlated forms."""
    no_schedule = no_nodes or rules.sql_no_schedule("p2.id", t["m"])
    if extra is None:
        extra = rules.sql_extra_rank("p2.id")
    if extra:
        rank = rules.sql_greatest(f"COALESCE({rank}, 0)", extra)
        no_schedule = f"({no_schedule} AND {extra} = 0)"
    return rules.sql_project_status(rank, no_schedule)


def _project_status_sql(t: dict[str, str], ids: str) -> dict[str, str]:
    """Statements 4–5, one per status, optionally limited to the projects `ids` (integers
    formatted in, never text)."""
    only_p2 = f"WHERE p2.id IN ({ids}) " if ids else ""
    only_r = f"AND project_id IN ({ids}) " if ids else ""
    return {
        # 4. Each project's colour: its worst milestone open on `d` (red > yellow > due soon >
        #    green), no_schedule without any milestone. Only rows whose colour changes are written.
        "status": (
            f"UPDATE {t['p']} AS p SET status = s.status FROM ("  # noqa: S608
            f"SELECT p2.id AS id, {_project_status(f'MAX({rules.sql_status_rank()})', t)} AS status "
            f"FROM {t['p']} p2 LEFT JOIN {t['m']} m ON m.project_id = p2.id AND {rules.sql_flagged('m')} "
            f"{only_p2}GROUP BY p2.id) AS s WHERE s.id = p.id AND p.status <> s.status"
        ),
        # 5. 投资滞后 (scheduling.rules.sql_investment_status).
        "investment": (
            f"UPDATE {t['p']} AS p SET investment_status = s.st FROM ("  # noqa: S608
            f"SELECT p2.id AS id, {rules.sql_investment_status('r.ytd', 'ap.planned_investment')} AS st "
            f"FROM {t['p']} p2 LEFT JOIN {t['ap']} ap ON ap.project_id = p2.id AND ap.year = %(year)s "
            f"LEFT JOIN ({_ytd_sql(t, only_r)}) r "
            f"ON r.project_id = p2.id {only_p2}) AS s WHERE s.id = p.id AND p.investment_status <> s.st"
        ),
    }


def _status_totals_pg_sql(t: dict[str, str]) -> str:
    """Statements 1–6, the next-node refresh and the stored finished flag in one on PostgreSQL
    (data-modifying CTEs): milestones, projects and reports are each read once, both statuses,
    the stored next node (rules.sql_next_milestones, as refresh_next_milestones) and the finished
    flag (rules.sql_finished_of, from that next node) written in one pass, only to the rows that
    change, the delay records kept from the same overdue milestones (_delay_record_ctes), the
    totals counted on the way. Same rules as "close", "update", "open", "status", "investment"
    and _next_milestones_sql (tests run both vendors and compare the forms)."""
    extra_ranks = rules.sql_extra_ranks()
    # Whether the project has no milestone and its registered rank, computed once per project in
    # `base` (OFFSET 0 keeps the subquery from being pulled up and its subplan repeated in each
    # expression using it); the registered ranks are one grouped read joined by project.
    extra_col = "COALESCE(xr.rank, 0)" if extra_ranks else "0"
    extra_join = f"LEFT JOIN ({extra_ranks}) xr ON xr.project_id = p2.id " if extra_ranks else ""
    # The year to date: the running sum the database keeps on each report (sql_stored_sum) of
    # the project's report of the graded month or of one of the two months before it (index-only
    # month slices: sql_recent_reports), a probe backwards only for a project silent for three
    # months. Summing the year's counted reports (1,000,000 of them at the bench city in
    # October) took 0.65 s of the job's 1.5 s.
    recent_joins, ytd = sql_recent_stored_sum(t["r"], "p2.id", "%(period)s", year_start="%(year_start)s")
    return (
        f"WITH om AS ({rules.sql_open_ranked(t['m'], with_id=True)}), "  # noqa: S608
        f"ms AS (SELECT m.project_id, MAX({rules.sql_status_rank()}) AS worst, "
        f"COUNT(*) FILTER (WHERE {rules.sql_red()}) AS n_red, "
        f"COUNT(*) FILTER (WHERE {rules.sql_yellow()}) AS n_yellow, "
        f"COUNT(*) FILTER (WHERE {rules.sql_due_soon()}) AS n_soon "
        f"FROM om m WHERE {rules.sql_flagged('m')} GROUP BY m.project_id), "
        "nx AS (SELECT project_id, planned_date, kind, name FROM om WHERE rn = 1), "
        "base AS (SELECT p2.id, p2.archived_at, ms.worst, ms.n_red, ms.n_yellow, ms.n_soon, "
        "p2.status AS old_status, p2.investment_status AS old_inv, p2.finished AS old_finished, "
        f"{rules.sql_investment_status(ytd, 'ap.planned_investment')} AS new_inv, "
        "nx.planned_date AS next_date, COALESCE(nx.kind, '') AS next_kind, COALESCE(nx.name, '') AS next_name, "
        f"p2.next_date IS DISTINCT FROM nx.planned_date OR p2.next_kind <> COALESCE(nx.kind, '') "
        "OR p2.next_name <> COALESCE(nx.name, '') AS next_changed, "
        f"{rules.sql_no_schedule('p2.id', t['m'])} AS no_nodes, {extra_col} AS extra "
        f"FROM {t['p']} p2 LEFT JOIN ms ON ms.project_id = p2.id "
        f"LEFT JOIN {t['ap']} ap ON ap.project_id = p2.id AND ap.year = %(year)s "
        f"{recent_joins}LEFT JOIN nx ON nx.project_id = p2.id {extra_join}OFFSET 0), "
        "calc AS (SELECT b.*, "
        f"{_project_status('b.worst', t, no_nodes='b.no_nodes', extra='b.extra' if extra_ranks else '')} "
        f"AS new_status, {rules.sql_finished_of('b.next_date', 'NOT b.no_nodes')} AS new_finished FROM base b), "
        # Only the rows that change are looked up again (by primary key, not a second scan of
        # the projects); the same test on the row being updated settles a concurrent edit.
        "changed AS (SELECT * FROM calc WHERE old_status <> new_status OR old_inv <> new_inv OR next_changed "
        "OR old_finished <> new_finished), "
        f"upd AS (UPDATE {t['p']} AS p SET status = c.new_status, investment_status = c.new_inv, "
        "next_date = c.next_date, next_kind = c.next_kind, next_name = c.next_name, finished = c.new_finished "
        "FROM changed c WHERE c.id = p.id AND p.id = ANY(ARRAY(SELECT id FROM changed)) "
        "AND (p.status <> c.new_status OR p.investment_status <> c.new_inv "
        "OR p.next_date IS DISTINCT FROM c.next_date OR p.next_kind <> c.next_kind OR p.next_name <> c.next_name "
        "OR p.finished <> c.new_finished) "
        "RETURNING c.old_status <> c.new_status AS status_changed, c.old_inv <> c.new_inv AS inv_changed), "
        # The overdue milestones of the active projects (rules.sql_overdue: om holds the open
        # ones), for the delay records; the archived projects (few) hashed, not the active ones.
        "ov AS (SELECT o.id, o.project_id, o.planned_date, o.kind, o.name FROM om o WHERE o.planned_date < %(d)s "
        "AND NOT EXISTS (SELECT 1 FROM calc a WHERE a.id = o.project_id AND a.archived_at IS NOT NULL)), "
        f"{_delay_record_ctes(t)}"
        "tot AS (SELECT COALESCE(SUM(n_red), 0) AS n_red, COALESCE(SUM(n_yellow), 0) AS n_yellow, "
        "COALESCE(SUM(n_soon), 0) AS n_soon FROM calc WHERE archived_at IS NULL) "
        "SELECT n_red, n_yellow, n_soon, "
        "(SELECT COUNT(*) FILTER (WHERE status_changed) FROM upd), "
        "(SELECT COUNT(*) FILTER (WHERE inv_changed) FROM upd), "
        "(SELECT COUNT(*) FROM dclose), (SELECT COUNT(*) FROM dupd), (SELECT COUNT(*) FROM dopen) "
        "FROM tot"
    )


def _flag_delays_sql(project_ids: list[int] | None = None) -> dict[str, str]:
    """The statements of flag_delays, each one set-based, built from the fragments of
    `scheduling.rules` (named parameters of `rules.sql_params`). Only table names from the
    models and integer ids are formatted in (hence the S608 noqa); every value is a bound
    parameter. Statements 4 and 5 may be limited to some projects (a refresh after an edit)."""
    t = _tables()
    ids = ",".join(str(int(pk)) for pk in project_ids) if project_ids else ""
    return {
        **_delay_record_sql(t),
        **_project_status_sql(t, ids),
        "status_investment_totals_pg": _status_totals_pg_sql(t),
    }


def flag_delays_params(*, as_of: dt.date, settings: SchedulingSettings) -> dict[str, Any]:
    return rules.sql_params(as_of, settings)


def flag_delays(*, as_of: dt.date) -> dict[str, Any]:
    """Find what is overdue and due soon as of `as_of` (any date, past ones included), keep the
    delay records' lifecycle, and store each project's status colour and investment status.

    1. Close open delay records that are no longer overdue (completed / replanned / archived).
    2. Update the remaining open records to `as_of` (days overdue, severity).
    3. Open records for newly overdue milestones.
    4. Project status = worst open milestone; 5. investment status for the last full month.
    6. Count overdue (red, yellow) and due-soon milestones for the summary.
    Also the projects' stored next node and finished flag (refresh_next_milestones), not in the
    summary. (1–6, the next node and the flag are one statement on PostgreSQL, seven on SQLite.)

    A constant number of SQL statements whatever the number of milestones; one transaction;
    safe to run twice (the second run changes nothing) or concurrently. Investment status uses
    the last full month before `as_of` (the period whose reports are due by then)."""
    settings = SchedulingSettings.load()
    params = flag_delays_params(as_of=as_of, settings=settings)
    statements = _flag_delays_sql()
    counts: dict[str, int] = {}
    with transaction.atomic():
        advisory_lock(FLAG_DELAYS_LOCK)
        job_session_settings()
        # The projects' stored next node and finished flag follow the day too (a node completed
        # on a future actual date closes when that day comes): changed rows only, in the
        # statement of the statuses on PostgreSQL, one statement of its own on SQLite.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(statements["status_investment_totals_pg"], params)
                row = [int(value) for value in cursor.fetchone()]
                red, yellow, due_soon = row[:3]
                counts.update(zip(("status", "investment", "close", "update", "open"), row[3:], strict=True))
            else:
                for name in ("close", "update", "open"):
                    cursor.execute(statements[name], params)
                    counts[name] = max(cursor.rowcount, 0)
                refresh_next_milestones(as_of=as_of)
                for name in ("status", "investment"):
                    cursor.execute(statements[name], params)
                    counts[name] = max(cursor.rowcount, 0)
                totals = Milestone.objects.filter(
                    rules.flagged_q(as_of, settings), project__archived_at__isnull=True
                ).aggregate(
                    red=Count("id", filter=rules.red_q(as_of, settings)),
                    yellow=Count("id", filter=rules.yellow_q(as_of, settings)),
                    due_soon=Count("id", filter=rules.due_soon_q(as_of, settings)),
                )
                red, yellow, due_soon = totals["red"], totals["yellow"], totals["due_soon"]
    return {
        "as_of": as_of.isoformat(),
        "overdue": red + yellow,
        "red": red,
        "yellow": yellow,
        "due_soon": due_soon,
        "opened": counts["open"],
        "updated": counts["update"],
        "closed": counts["close"],
        "projects_status_changed": counts["status"],
        "projects_investment_status_changed": counts["investment"],
    }


def _next_milestones_sql(project_ids: list[int] | None) -> str:
    """One set-based UPDATE storing each project's next node (rules.sql_next_milestones, the SQL
    form of rules.next_milestones) in its summary columns, whether its dated nodes break the
    nodes' order (rules.sql_order_conflict_projects, Project.order_conflict) and its standard
    nodes, all and dated (rules.sql_standard_counts): these three have no day, so the nightly
    job has nothing to follow there; rows already right are not written."""
    t = _tables()
    ids = ",".join(str(int(pk)) for pk in project_ids) if project_ids is not None else ""
    only_m = f"m.project_id IN ({ids})" if ids else ""
    only_p = f"WHERE p2.id IN ({ids})" if ids else ""
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return (
        f"UPDATE {t['p']} AS p SET next_date = c.planned_date, next_kind = c.kind, next_name = c.name, "  # noqa: S608
        "finished = c.finished, order_conflict = c.order_conflict, "
        "standard_nodes = c.standard_nodes, standard_dated = c.standard_dated "
        "FROM (SELECT p2.id, n.planned_date, COALESCE(n.kind, '') AS kind, COALESCE(n.name, '') AS name, "
        f"{rules.sql_finished('p2', 'n.planned_date', t['m'])} AS finished, "
        "(oc.project_id IS NOT NULL) AS order_conflict, "
        "COALESCE(sc.nodes, 0) AS standard_nodes, COALESCE(sc.dated, 0) AS standard_dated "
        f"FROM {t['p']} p2 LEFT JOIN ({rules.sql_next_milestones(t['m'], only_m)}) n ON n.project_id = p2.id "
        f"LEFT JOIN ({rules.sql_order_conflict_projects(t['m'], only_m)}) oc ON oc.project_id = p2.id "
        f"LEFT JOIN ({rules.sql_standard_counts(t['m'], only_m)}) sc ON sc.project_id = p2.id "
        f"{only_p}) c "
        f"WHERE c.id = p.id AND (p.next_date {differs} c.planned_date OR p.next_kind <> c.kind "
        "OR p.next_name <> c.name OR p.finished <> c.finished OR p.order_conflict <> c.order_conflict "
        "OR p.standard_nodes <> c.standard_nodes OR p.standard_dated <> c.standard_dated)"
    )


def refresh_next_milestones(*, project_ids: list[int] | None = None, as_of: dt.date | None = None) -> int:
    """Store the next node on `as_of` (default today) of the projects (all without
    `project_ids`) in their summary columns (Project.next_date / next_kind / next_name): one
    statement, in the caller's transaction, so a milestone edit and the list agree at once.
    Returns the number of projects whose next node changed."""
    if project_ids is not None:
        project_ids = sorted({int(pk) for pk in project_ids})
        if not project_ids:
            return 0
    with connection.cursor() as cursor:
        cursor.execute(_next_milestones_sql(project_ids), {"d": as_of or timezone.localdate()})
        return max(cursor.rowcount, 0)


def refresh_next_milestone_of(sender, instance, raw=False, **kwargs) -> None:
    """post_save / post_delete of a Milestone: its project's stored next node, at once (one
    statement). A fixture load (raw) is left to the loader's refresh_next_milestones."""
    if not raw and instance.project_id:
        refresh_next_milestones(project_ids=[instance.project_id])


def refresh_project_status(*, project_ids: list[int], as_of: dt.date) -> dict[str, int]:
    """Recompute the status colour and investment status of some projects right after an edit
    (the wall chart follows at once); delay records stay the daily job's. Same statements as
    flag_delays steps 4–5, limited to the projects: a constant number of statements."""
    project_ids = sorted({int(pk) for pk in project_ids})
    if not project_ids:
        return {"projects_status_changed": 0, "projects_investment_status_changed": 0}
    params = flag_delays_params(as_of=as_of, settings=SchedulingSettings.load())
    statements = _flag_delays_sql(project_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statements["status"], params)
        status = max(cursor.rowcount, 0)
        cursor.execute(statements["investment"], params)
        investment = max(cursor.rowcount, 0)
    return {"projects_status_changed": status, "projects_investment_status_changed": investment}


def _refresh_after_commit(project_id: int | list[int]) -> None:
    """Queue a status refresh of the project(s) once the edit is committed. A broker that is down
    must not turn a saved edit into an error page: the nightly flag_delays catches up."""
    project_ids = [project_id] if isinstance(project_id, int) else list(project_id)
    if not project_ids:
        return

    def send():
        from .tasks import refresh_project_status_task  # not at the top: tasks import this module

        try:
            refresh_project_status_task.delay(project_ids=project_ids)
        except Exception:  # the broker is unreachable; logged, the daily job will catch up
            logger.exception("could not queue refresh_project_status for projects %s", project_ids[:10])

    transaction.on_commit(send)


def refresh_after_commit(project_ids: list[int]) -> None:
    """Queue a status refresh of the projects once the transaction commits (for the apps above,
    e.g. a problem step)."""
    _refresh_after_commit(sorted({int(pk) for pk in project_ids}))


def refresh_after_reports_changed(sender, *, project_ids, **kwargs) -> None:
    """Receiver of projects.signals.reports_changed (connected in SchedulingConfig.ready): a
    report filed, corrected or moved through the review changes what counts, so its projects'
    investment status is refreshed after commit, as after a milestone edit."""
    _refresh_after_commit(sorted({int(pk) for pk in project_ids}))


# --- Investment growth snapshots --------------------------------------------------------------

_GROWTH_FIELDS = (
    "ytd",
    "prior_ytd",
    "growth_pct",
    "diff_pp",
    "project_count",
    "total_investment",
    "listed_investment",
    "prior_listed_investment",
    "listed_growth_pct",
    "prior_source",
)
CITY_FIELDS = (  # the city row's figures, also the API's (api/scheduling.py)
    "ytd",
    "prior_ytd",
    "growth_pct",
    "listed_investment",
    "prior_listed_investment",
    "listed_growth_pct",
    "prior_source",
)


def compute_industry_growth(*, period: dt.date) -> GrowthSnapshot:
    """Compute the growth figures of `period` and store them as its snapshot (one per period).

    Idempotent: when the stored figures are already the computed ones nothing is written (and
    `computed_at` keeps the time they were produced); otherwise the snapshot is updated in place
    and its industry rows replaced. One transaction, one run at a time (advisory lock on
    PostgreSQL; the unique period settles any race elsewhere); a constant number of statements."""
    period = period.replace(day=1)
    with transaction.atomic():
        advisory_lock(GROWTH_LOCK)
        job_session_settings()
        return _store_growth(period=period, figures=compute_growth_figures(period=period))


def _store_growth(*, period: dt.date, figures: dict) -> GrowthSnapshot:
    city = figures["city"]
    breakdowns = {
        **figures["breakdowns"],
        "city": jsonable({"project_count": city["project_count"], "total_investment": city["total_investment"]}),
    }
    wanted_rows = {item["industry_id"]: tuple(item[name] for name in _GROWTH_FIELDS) for item in figures["industries"]}
    snapshot = GrowthSnapshot.objects.select_for_update().filter(period=period).first()
    if snapshot is not None:
        stored_rows = {
            row[0]: tuple(row[1:])
            for row in IndustryGrowth.objects.filter(snapshot=snapshot).values_list("industry_id", *_GROWTH_FIELDS)
        }
        if (
            all(getattr(snapshot, name) == city[name] for name in CITY_FIELDS)
            and snapshot.breakdowns == breakdowns
            and stored_rows == wanted_rows
        ):
            return snapshot
    else:
        snapshot = GrowthSnapshot(period=period)
    for name in CITY_FIELDS:
        setattr(snapshot, name, city[name])
    snapshot.breakdowns = breakdowns
    snapshot.computed_at = timezone.now()
    snapshot.save()
    IndustryGrowth.objects.filter(snapshot=snapshot).delete()
    IndustryGrowth.objects.bulk_create(
        [
            IndustryGrowth(snapshot=snapshot, industry_id=industry_id, **dict(zip(_GROWTH_FIELDS, values, strict=True)))
            for industry_id, values in wanted_rows.items()
        ]
    )
    return snapshot


# --- Comparable base (可比口径) ---------------------------------------------------------------

COMPARABLE_COMMISSION_ONLY = "只有发改委可以填写可比口径。"
COMPARABLE_DUPLICATE = "%(period)s 的%(who)s已有可比口径，请修改原记录。"


def _comparable_errors(*, period, industry, prior_ytd, base: ComparableBase | None) -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}
    clean: dict = {"industry": industry}
    try:
        clean["period"] = check_period(period)
    except PeriodError as exc:
        errors["period"] = [exc.message]
    except (TypeError, AttributeError):
        errors["period"] = [str(INVALID_PERIOD)]
    try:
        clean["prior_ytd"] = check_amount(prior_ytd)
    except AmountError as exc:
        errors["prior_ytd"] = [exc.message]
    if "period" in clean:
        taken = ComparableBase.objects.filter(period=clean["period"], industry=industry)
        if base is not None and base.pk:
            taken = taken.exclude(pk=base.pk)
        if taken.exists():
            who = industry.name if industry is not None else _("全市")
            errors["industry"] = [_(COMPARABLE_DUPLICATE) % {"period": f"{clean['period']:%Y-%m}", "who": who}]
    return errors, clean


def comparable_base_save(*, user, period, industry, prior_ytd, base: ComparableBase | None = None) -> ComparableBase:
    """Create (base None) or change a comparable base; commission only (PermissionDenied), bad
    input a ValidationError by field with nothing stored. The stored growth snapshot of the
    period (and of the old period when it moved) is recomputed in the same transaction, so the
    published figures follow at once. History: the model's HistoricalRecords, by `user`."""
    if not is_commission(user):
        raise PermissionDenied(_(COMPARABLE_COMMISSION_ONLY))
    with transaction.atomic():
        errors, clean = _comparable_errors(period=period, industry=industry, prior_ytd=prior_ytd, base=base)
        if errors:
            raise ValidationError(errors)
        base = base or ComparableBase()
        old_period = base.period if base.pk else None
        base.period, base.industry, base.prior_ytd = clean["period"], clean["industry"], clean["prior_ytd"]
        base.updated_by = user
        base._history_user = user
        base.save()
        _refresh_growth_snapshots({clean["period"], old_period} - {None})
    return base


def comparable_base_delete(*, user, base: ComparableBase) -> None:
    """Remove a comparable base (the figures fall back to the reports); commission only."""
    if not is_commission(user):
        raise PermissionDenied(_(COMPARABLE_COMMISSION_ONLY))
    with transaction.atomic():
        period = base.period
        base._history_user = user
        base.delete()
        _refresh_growth_snapshots({period})


CITY_CODES = ("全市", "city", "CITY")


def comparable_bases_file(*, user, rows: list[tuple[int, Any, Any, Any]]) -> int:
    """The Excel door of the comparable base: `rows` are (Excel row number, period, industry
    code — 全市 for the city; a blank code is an error, not the city, so that an unreadable cell
    such as a formula without a value never lands on the city —, comparable prior-year amount). All or nothing: every
    row is checked by the same rules as one save (period, amount, industry, one row per period
    and industry, also within the file); any error → ValidationError listing "第 N 行：…",
    nothing stored. Otherwise each row creates or replaces its base (history by `user`) and
    the stored snapshots of the periods are recomputed once. Returns the number of rows."""
    if not is_commission(user):
        raise PermissionDenied(_(COMPARABLE_COMMISSION_ONLY))
    industries = {i.code: i for i in Industry.objects.all()}
    errors: list[str] = []
    plan: dict[tuple[dt.date, int | None], tuple[int, Any, Decimal]] = {}
    for number, raw_period, raw_code, raw_amount in rows:
        problems: list[str] = []
        code = "" if raw_code is None else str(raw_code).strip()
        industry = None
        if not code:
            problems.append(_("产业代码为空（全市请填“全市”）。"))
        elif code not in CITY_CODES:
            industry = industries.get(code)
            if industry is None:
                problems.append(_("产业代码“%(code)s”不存在。") % {"code": code[:40]})
        try:
            period = parse_period(raw_period, cell=True)
        except PeriodError as exc:
            problems.append(exc.message)
            period = None
        try:
            amount = check_amount(parse_amount(raw_amount, cell=True))
        except AmountError as exc:
            problems.append(exc.message)
            amount = None
        if period is not None and not problems:
            key = (period, industry.pk if industry else None)
            if key in plan:
                problems.append(_("与第 %(n)s 行重复（同一报告期和产业只能有一个可比口径）。") % {"n": plan[key][0]})
            else:
                plan[key] = (number, industry, amount)
        errors += [_("第 %(n)s 行：%(message)s") % {"n": number, "message": m} for m in problems]
    if not rows:
        errors.append(_("文件中没有可比口径数据行。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = {
            (b.period, b.industry_id): b
            for b in ComparableBase.objects.filter(period__in={k[0] for k in plan}).select_for_update()
        }
        for (period, industry_id), (_number, industry, amount) in plan.items():
            base = existing.get((period, industry_id)) or ComparableBase(period=period, industry=industry)
            base.prior_ytd, base.updated_by, base._history_user = amount, user, user
            base.save()
        _refresh_growth_snapshots({k[0] for k in plan})
    return len(plan)


def _refresh_growth_snapshots(periods: set[dt.date]) -> None:
    """Recompute the stored snapshots of `periods` that exist (a period without one is computed
    live anyway)."""
    for period in sorted(GrowthSnapshot.objects.filter(period__in=periods).values_list("period", flat=True)):
        advisory_lock(GROWTH_LOCK)
        _store_growth(period=period, figures=compute_growth_figures(period=period))


# --- Backward schedules (倒排工期) --------------------------------------------------------------


def template_dates(*, template: ScheduleTemplate, target_date: dt.date, calendar: WorkCalendar | None = None):
    """[(kind, name, planned_date)] for a template worked back from `target_date`, earliest
    first. A step of N working days lands on the N-th working day before the target (like
    WORKDAY(target, −N)); calendar-day steps are target − N. The target node itself (the
    template's target kind) is included at the target date unless a step already names it."""
    cal = calendar or WorkCalendar()
    items = []
    for step in template.steps.all():
        try:  # a step landing outside the one date range is the target's error, never an overflow
            if step.unit == DurationUnit.WORKING:
                day = cal.add_workdays(target_date, -step.offset)
            else:
                day = check_date(target_date - dt.timedelta(days=step.offset))
        except (DateError, OverflowError):
            raise ValidationError({"target_date": [range_message()]}) from None
        items.append((step.kind, step.name, day))
    if not any(kind == template.target_kind for kind, _name, _day in items):
        items.append((template.target_kind, "", target_date))
    items.sort(key=lambda item: item[2])
    return items


@transaction.atomic
def apply_template(*, user, project, template: ScheduleTemplate, target_date: dt.date) -> list[Milestone]:
    """Create the project's milestones from a schedule template by working backwards from
    `target_date` (倒排工期). Nodes the project already has (same kind; same name for “other”)
    are left as they are, so applying a template twice creates nothing the second time. The
    order rule is checked against the existing nodes; any error rolls the whole set back."""
    _check(user, project)
    current = list(Milestone.objects.filter(project=project))
    existing = {(m.kind, m.name if m.kind == MilestoneKind.OTHER else "") for m in current}
    planned = [
        Milestone(project=project, kind=kind, name=name, planned_date=day, sequence=sequence)
        for sequence, (kind, name, day) in enumerate(template_dates(template=template, target_date=target_date), 1)
        if (kind, name if kind == MilestoneKind.OTHER else "") not in existing
    ]
    # The order rule over the whole resulting set: a new node may also contradict an existing
    # one that must come after it (e.g. 达效 already planned before the new 投产 date).
    errors = milestone_order_errors([*planned, *current])
    if errors:
        raise ValidationError({"target_date": [message for item in errors.values() for message in item.values()]})
    return [
        milestone_create(
            user=user,
            project=project,
            data={"kind": m.kind, "name": m.name, "planned_date": m.planned_date, "sequence": m.sequence},
        )
        for m in planned
    ]
