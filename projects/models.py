"""Key projects, their annual investment plans and monthly investment reports.

Every amount is a Decimal in 万元 (10^4 yuan), never negative, enforced both by validators (for
forms and the API) and by database constraints (for everything else)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest, Least, NullIf
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.dates import validate_date_in_range
from common.money import AmountModelField
from common.periods import MAX_YEAR, MIN_YEAR, PeriodError, check_period
from common.text import LONG_TEXT, LONG_TEXT_RULE, TextRule
from parks.models import Industry, Park

PROJECT_CODE_RE = r"^\d{4}-\d{6}-\d{2}-0[123]-\d{6}$"
project_code_validator = RegexValidator(
    PROJECT_CODE_RE,
    _("项目代码应为24位投资项目统一代码，格式如 2023-130110-39-03-012345（年份-行政区划-行业-类型01/02/03-序号）。"),
)


def who_field(verbose_name):
    """The user who did something to a row (filed, reviewed, closed …): kept when the user goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def amount_field(verbose_name, **kwargs):
    """A 万元 amount under the one amount rule (common.money)."""
    return AmountModelField(verbose_name, **kwargs)


class Level(models.TextChoices):
    PROVINCIAL = "provincial", _("省重点")
    MUNICIPAL = "municipal", _("市重点")


class Stage(models.TextChoices):
    PLANNING = "planning", _("谋划")
    SIGNED = "signed", _("签约")
    UNDER_CONSTRUCTION = "under_construction", _("在建")
    COMPLETED = "completed", _("竣工")
    IN_PRODUCTION = "in_production", _("投产")
    AT_CAPACITY = "at_capacity", _("达效")


class Status(models.TextChoices):
    """A project's colour on the wall chart: its worst open milestone, or no_schedule without
    any milestone (set by flag_delays and refresh_project_status, scheduling.rules)."""

    ON_TRACK = "green", _("正常")
    DUE_SOON = "due_soon", _("临期")
    YELLOW = "yellow", _("黄色滞后")
    RED = "red", _("红色滞后")
    NO_SCHEDULE = "no_schedule", _("无节点")


# The order of the colours on every page and in the list's default sort (worst first): a
# project's `status_rank` is its status's place here (9 for an unknown one).
STATUS_ORDER = ["red", "yellow", "due_soon", "green", "no_schedule"]


def status_rank_expr():
    """The rank of `status` in STATUS_ORDER, as an expression (the stored `status_rank`)."""
    return models.Case(
        *[models.When(status=code, then=models.Value(i)) for i, code in enumerate(STATUS_ORDER)],
        default=models.Value(9),
        output_field=models.SmallIntegerField(),
    )


class InvestmentStatus(models.TextChoices):
    """Year-to-date completed investment against the annual plan pro rata (投资滞后)."""

    ON_TRACK = "green", _("正常")
    YELLOW = "yellow", _("投资偏慢")
    RED = "red", _("投资严重滞后")
    NO_PLAN = "none", _("无年度计划")


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Project(models.Model):
    code = models.CharField(
        _("项目代码"),
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        validators=[project_code_validator],
        help_text=_("24位投资项目统一代码；谋划阶段可暂缺"),
    )
    name = models.CharField(_("项目名称"), max_length=200, validators=[TextRule()])
    owner = models.CharField(_("建设单位"), max_length=200, validators=[TextRule()])
    park = models.ForeignKey(Park, verbose_name=_("所在园区"), on_delete=models.PROTECT, related_name="projects")
    industry = models.ForeignKey(
        Industry, verbose_name=_("所属产业"), on_delete=models.PROTECT, related_name="projects"
    )
    level = models.CharField(_("项目级别"), max_length=16, choices=Level.choices)
    year = models.PositiveSmallIntegerField(
        _("列入年度"),
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        help_text=_("项目列入重点项目清单的年份"),
    )
    stage = models.CharField(_("建设阶段"), max_length=24, choices=Stage.choices, default=Stage.PLANNING)
    phase = models.CharField(
        _("期次"), max_length=50, blank=True, help_text=_("如 一期、二期"), validators=[TextRule()]
    )
    total_investment = amount_field(_("总投资（万元）"))
    construction_content = models.TextField(
        _("建设内容"), blank=True, max_length=LONG_TEXT, validators=[LONG_TEXT_RULE]
    )
    annual_output = amount_field(_("达产后年产值（万元）"), null=True, blank=True)
    target_date = models.DateField(
        _("目标日期"),
        null=True,
        blank=True,
        help_text=_("倒排工期的目标（如投产）日期"),
        validators=[validate_date_in_range],
    )
    leader = models.CharField(_("包联领导"), max_length=100, blank=True, validators=[TextRule()])
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True, validators=[TextRule()])
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True, validators=[TextRule()])
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    is_special_bond = models.BooleanField(_("申报专项债"), default=False)
    special_bond_amount = amount_field(_("申请专项债（万元）"), null=True, blank=True)
    # Derived by the scheduling jobs; never typed in.
    status = models.CharField(
        _("节点状态"), max_length=16, choices=Status.choices, default=Status.NO_SCHEDULE, editable=False
    )
    investment_status = models.CharField(
        _("投资状态"), max_length=16, choices=InvestmentStatus.choices, default=InvestmentStatus.NO_PLAN, editable=False
    )
    status_rank = models.GeneratedField(
        expression=status_rank_expr(),
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name=_("状态排序"),
    )
    # The summary of the project's schedule (项目摘要列), stored so that lists sort and page on
    # an index instead of a subquery per project: its next node (scheduling.rules.next_milestones,
    # the first milestone still open, by planned date, sequence, id) — date, kind and name, or
    # NULL without an open node. Written in the same transaction as every milestone edit and by
    # the nightly flag_delays (scheduling.services.refresh_next_milestones); never typed in.
    next_date = models.DateField(_("下一节点日期"), null=True, blank=True, editable=False)
    next_kind = models.CharField(
        _("下一节点类型"), max_length=32, blank=True, default="", db_default="", editable=False
    )
    next_name = models.CharField(
        _("下一节点名称"), max_length=100, blank=True, default="", db_default="", editable=False
    )
    # 已完成: it has nodes and none is open (scheduling.rules.finished_q), stored with the next
    # node by the same statements (scheduling.rules.sql_finished); the wall chart reads it.
    finished = models.BooleanField(_("节点已全部完成"), default=False, db_default=False, editable=False)
    # 顺序异常 possible: its nodes' actual dates (whatever the day) break the nodes' order
    # (scheduling.rules.sql_order_conflict_projects), stored with the next node by the same
    # statement; the weekly report checks only these projects' nodes (order_conflict_stored_q).
    order_conflict = models.BooleanField(_("节点实际日期顺序异常"), default=False, db_default=False, editable=False)
    # Its standard nodes (every kind but “other”) and, of those, the ones with an actual date
    # whatever the day (scheduling.rules.sql_standard_counts), stored by the same statement: the
    # spend-ahead rule's inputs without reading every milestone of the city.
    standard_nodes = models.PositiveIntegerField(_("标准节点数"), default=0, db_default=0, editable=False)
    standard_dated = models.PositiveIntegerField(_("已填实际日期的标准节点数"), default=0, db_default=0, editable=False)
    # Optimistic locking: every edit sends the version it started from; a stale one is refused.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "status",
            "investment_status",
            "updated_at",
            "status_rank",
            "next_date",
            "next_kind",
            "next_name",
            "finished",
            "order_conflict",
            "standard_nodes",
            "standard_dated",
        ]
    )
    objects = ProjectQuerySet.as_manager()

    # The columns only set-based statements write (the nightly jobs and the milestone services:
    # the colour, the investment status, the next node, finished). An edit of a project loaded
    # before such a statement ran saves without them, so it cannot put back what it had read.
    KEPT_BY_STATEMENTS = (
        "status",
        "investment_status",
        "next_date",
        "next_kind",
        "next_name",
        "finished",
        "order_conflict",
        "standard_nodes",
        "standard_dated",
    )

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and not f.generated and f.name not in self.KEPT_BY_STATEMENTS
            ]
        super().save(*args, **kwargs)

    class Meta:
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        ordering = ["-year", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_investment__gte=0), name="project_total_investment_non_negative"),
            models.CheckConstraint(condition=Q(annual_output__gte=0), name="project_annual_output_non_negative"),
            models.CheckConstraint(condition=Q(special_bond_amount__gte=0), name="project_special_bond_non_negative"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="project_level_valid"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="project_stage_valid"),
        ]
        indexes = [
            # The default list order of active projects: without it every list sorts the whole
            # table; being partial, it also answers the pagination COUNT by an index-only scan.
            models.Index(
                fields=["-year", "id"], name="project_active_list_order", condition=Q(archived_at__isnull=True)
            ),
            models.Index(fields=["park", "industry"]),
            models.Index(fields=["industry", "year"]),
            models.Index(fields=["status"]),
            # The list's default order (worst colour, then the nearest next node) and its
            # next-node sort, served with LIMIT by an index scan (no sort of the city).
            models.Index(
                fields=["status_rank", "next_date", "id"],
                name="project_active_status_next",
                condition=Q(archived_at__isnull=True),
            ),
            # The next-node sort; the dashboard's and the screen's delayed candidates (next node
            # before the day) of a park admin's parks too, by an index-only scan (the park covered).
            models.Index(
                fields=["next_date", "id"],
                name="project_active_next",
                include=["park"],
                condition=Q(archived_at__isnull=True),
            ),
            # The few projects the weekly report's 顺序异常 section reads the nodes of.
            models.Index(fields=["id"], name="project_order_conflict", condition=Q(order_conflict=True)),
            # The monthly grid's and the review page's order within each park (their pages are one
            # LIMIT slice per park: no sort of the city's projects); covering the stage, it also
            # counts a park's expected projects by an index-only scan.
            models.Index(
                fields=["park", "name", "id"],
                name="project_active_park_name",
                include=["stage"],
                condition=Q(archived_at__isnull=True),
            ),
            # The wall chart's order within a park or an industry (web.views.board._page_ids
            # reads each group's slice of a page along them): unfinished first, by colour, name;
            # the groups' totals are an index-only scan of them.
            models.Index(
                fields=["park", "finished", "status_rank", "name", "id"],
                name="project_board_park",
                include=["total_investment"],
                condition=Q(archived_at__isnull=True),
            ),
            models.Index(
                fields=["industry", "finished", "status_rank", "name", "id"],
                name="project_board_industry",
                include=["total_investment"],
                condition=Q(archived_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ParkProjectCount(models.Model):
    """Changes to the number of active (not archived) projects of each park: PostgreSQL triggers
    on the project table (migration 0005) add a row (park, +n / −n) in the same transaction as
    every insert, move, archive and delete; a park's count is the sum of its rows, so an
    unfiltered API list answers its total from a few rows instead of COUNT(*) over every
    project. Rows are only ever added (no row is shared by two writers: no lock waits, no
    deadlocks); the nightly `projects.compact_park_counts` job folds them into one per park.
    On SQLite (the embedded demo) the table stays empty and lists count the usual way
    (`projects.selectors.visible_project_count`)."""

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="+")
    active = models.IntegerField()
    # Of those, the projects expected to file a monthly report (projects.reporting.EXPECTED_STAGES:
    # the SQL function projects_expected_stage, migration 0018).
    expected = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("园区项目数")
        verbose_name_plural = _("园区项目数")
        default_permissions = ()


class ParkStatusCount(models.Model):
    """Changes to the number of active (not archived) projects of each park per stage and status
    colour (节点状态): PostgreSQL triggers on the project table (migration 0022) add rows
    (park, stage, status, +n / −n) in the same transaction as every insert, update (per
    statement: the grouped changes of its rows, when a stage, status, park or archive changes)
    and delete; a count is the sum of its rows, so the dashboard's stage × colour grid
    (projects.selectors.stage_status_counts) reads a few rows instead of every project. Rows are
    only ever added, like ParkProjectCount's (writers never wait for each other); the nightly
    `projects.compact_park_counts` job folds them into one per (park, stage, status). On SQLite
    the table stays empty and the projects are counted the usual way."""

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=24)
    status = models.CharField(max_length=16)
    n = models.IntegerField()

    class Meta:
        verbose_name = _("园区项目阶段状态数")
        verbose_name_plural = _("园区项目阶段状态数")
        default_permissions = ()


class AnnualPlan(models.Model):
    """年度计划投资: one figure per project per year."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="annual_plans")
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    planned_investment = amount_field(_("年度计划投资（万元）"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度投资计划")
        verbose_name_plural = _("年度投资计划")
        ordering = ["project_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="annual_plan_one_per_project_year"),
            models.CheckConstraint(condition=Q(planned_investment__gte=0), name="annual_plan_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}"


class ParkPlanTotal(models.Model):
    """The sum of the annual plans (年度计划投资) of one park's active projects for one year:
    kept by PostgreSQL triggers (migration 0019) in the transaction of every write of annual
    plans and of every project that changes park or is archived or unarchived; one row per
    (park, year), added to in place. The year's plan of the dashboard and the leaders' screen
    sums these rows (projects.selectors.planned_investment), not every project's plan. On
    SQLite the table stays empty and the plans are summed the usual way."""

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=24, decimal_places=2)

    class Meta:
        verbose_name = _("园区年度计划投资合计")
        verbose_name_plural = _("园区年度计划投资合计")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["park", "year"], name="park_plan_total_key")]


class ReportStatus(models.TextChoices):
    """The review workflow (CONTRACT v2): draft → submitted → returned (with a reason) or
    approved. Which of them count in the figures: `projects.rules.COUNTED_STATUSES`."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核")


def jump_ratio(amount="amount", prior="prior_amount"):
    """The larger of this month's amount and the month before's over the smaller (10^30 when the
    smaller is 0): the expression of the index report_jump_ratio, which the review's jump
    filter repeats as a pre-filter (projects.selectors.reports_for_review)."""
    return Coalesce(
        Greatest(F(amount), F(prior)) / NullIf(Least(F(amount), F(prior)), Value(Decimal("0"))),
        Value(Decimal("1e30")),
    )


class InvestmentReport(models.Model):
    """月度完成投资: the amount completed in one month, with the progress note and problems.

    `period` is stored as the first day of its month so that year-to-date sums are range
    queries on an index."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="reports")
    period = models.DateField(_("报告期"), help_text=_("月份，存为当月1日"))
    amount = amount_field(_("当月完成投资（万元）"))
    progress = models.TextField(_("形象进度"), blank=True, max_length=LONG_TEXT, validators=[LONG_TEXT_RULE])
    problems = models.TextField(_("存在问题"), blank=True, max_length=LONG_TEXT, validators=[LONG_TEXT_RULE])
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    submitted_by = who_field(_("填报人"))
    submitted_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # db_default: the set-based INSERTs written in SQL (the synthetic bench city) need not list them.
    return_reason = models.TextField(
        _("退回原因"),
        blank=True,
        default="",
        db_default="",
        max_length=LONG_TEXT,
        validators=[LONG_TEXT_RULE],
        help_text=_("仅在已退回时非空"),
    )
    reviewed_by = who_field(_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    correction_reason = models.TextField(
        _("关账后更正原因"),
        blank=True,
        default="",
        db_default="",
        max_length=LONG_TEXT,
        validators=[LONG_TEXT_RULE],
        help_text=_("发改委在已关账月份更正时填写，保留在历史记录中"),
    )
    # Kept by PostgreSQL triggers (migration 0015) in the transaction of every write of reports:
    # the amount of the project's report of the month before when that one counts (submitted
    # or approved, rules.COUNTED_STATUSES), else NULL: the review page's month-on-month jump
    # is then a condition on the row itself. Not kept on SQLite (the review reads it there
    # through a join); read it through projects.selectors.reports_for_review.
    prior_amount = amount_field(_("上月完成投资（万元）"), null=True, blank=True, editable=False)
    # Running sums of the project's counted reports (rules.COUNTED_STATUSES) of every period up
    # to and including this one: since its first report (cum_amount) and since the 1st of
    # January of this one's year (ytd_amount), whatever this report's own status. Kept by a
    # PostgreSQL trigger (migration 0023) in the transaction of every write of reports; the sum
    # up to a month is then the stored figure of the project's latest report on or before it
    # (projects.rules.sql_stored_sum) instead of a sum over its reports. NULL on SQLite, which
    # sums the reports.
    cum_amount = models.DecimalField(
        _("累计完成投资（万元）"), max_digits=20, decimal_places=2, null=True, editable=False
    )
    ytd_amount = models.DecimalField(
        _("本年累计完成投资（万元）"), max_digits=20, decimal_places=2, null=True, editable=False
    )
    history = HistoricalRecords(excluded_fields=["prior_amount", "cum_amount", "ytd_amount"])

    class Meta:
        verbose_name = _("月度投资报告")
        verbose_name_plural = _("月度投资报告")
        ordering = ["project_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="report_one_per_project_period"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="report_amount_non_negative"),
            models.CheckConstraint(condition=Q(period__day=1), name="report_period_first_of_month"),
        ]
        indexes = [
            # Covering on PostgreSQL: a month's reports (review, who has reported, year to date)
            # are read by an index-only scan instead of one heap page per report.
            models.Index(
                fields=["period", "project"],
                include=["status", "amount", "prior_amount", "id"],
                name="report_period_cover",
            ),
            models.Index(fields=["period", "status"]),
            # A month's stored running sums (cum_amount, ytd_amount) by an index-only scan: the
            # weekly report's year to date and cumulative spend read one or two months of them.
            models.Index(fields=["period", "project"], include=["cum_amount", "ytd_amount"], name="report_period_sums"),
            # The review's amount jumps (PostgreSQL): the month-on-month ratio, so only a month's
            # reports past REVIEW_JUMP_FACTOR are read (jump_ratio, repeated by the selector).
            # Not partial: the planner takes the expression's statistics from it.
            models.Index(
                F("period"),
                jump_ratio(),
                name="report_jump_ratio",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.period:%Y-%m}"

    def clean(self):
        super().clean()
        if self.period:
            try:
                self.period = check_period(self.period)
            except PeriodError as exc:
                raise ValidationError({"period": [exc.message]}, code=exc.code) from None


class ReviewCount(models.Model):
    """The number and the amount of the reports of one month, park and status (and whether
    their projects are expected to report) whose project is active: kept by PostgreSQL triggers
    (migrations 0015, 0018) in the transaction of every write of reports (insert, status, amount
    or month change, delete) and of every project that changes park or stage or is archived or
    unarchived; one row per (period, park, status, expected), added to in place. The review
    page's summary, the reporting status and the year's completed investment read these rows
    instead of the month's or the year's reports. Two transactions changing the same row wait
    for each other on it."""

    period = models.DateField()
    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16)
    # Whether the reports' projects are expected to report (projects.reporting.EXPECTED_STAGES, a
    # building stage): the reporting status counts only those (migration 0018).
    expected = models.BooleanField(default=False)
    n = models.IntegerField()
    # The sum of the reports' amounts (万元): the year's completed investment of the dashboard and
    # the leaders' screen is a sum over these rows, not over the year's reports.
    amount = models.DecimalField(max_digits=24, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("月报审核计数")
        verbose_name_plural = _("月报审核计数")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["period", "park", "status", "expected"], name="review_count_key")
        ]


class PeriodClose(models.Model):
    """关账: the commission closes a month so that its published figures stop moving; reopening
    keeps the row (closed=False) so `periods/` lists every period ever closed. Whether a month
    is closed: `projects.rules.period_is_closed`."""

    period = models.DateField(_("报告期"), unique=True, help_text=_("月份，存为当月1日"))
    closed = models.BooleanField(_("已关账"), default=True)
    closed_at = models.DateTimeField(_("关账时间"), null=True, blank=True)
    closed_by = who_field(_("关账人"))
    reopened_at = models.DateTimeField(_("重新开账时间"), null=True, blank=True)
    reopened_by = who_field(_("重新开账人"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("关账月份")
        verbose_name_plural = _("关账月份")
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="period_close_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}"
