"""The ORM writes of `load_demo`: reference data on natural keys, then the planned demo projects
not yet in the database, with their children and a first history version, and the new months'
reports of the demo projects already there. Idempotent on a given day (see load_demo)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from demo.data import DEMO_PASSWORD, DEMO_PROBLEMS, DEPARTMENTS, INDUSTRIES, PARKS, REGIONS, TEMPLATES, USERS
from demo.planner import DemoPlanner, ProjectPlan, month_add
from escalation.models import Department, Problem
from escalation.services import next_dispatch
from parks.models import Industry, Park, Region, User
from parks.regions import sync_regions
from projects.models import AnnualPlan, InvestmentReport, PeriodClose, Project
from projects.rules import last_full_month
from projects.services import period_close
from scheduling.models import Milestone, ScheduleTemplate, SchedulingSettings, TemplateStep
from scheduling.services import refresh_next_milestones


def load_reference() -> dict:
    """Regions, industries, parks, users, schedule templates (update_or_create on natural keys)."""
    # The shipped table is there after migrate; a flushed database (a test's) gets it back here.
    sync_regions(Region, abolish_missing=False)
    regions = Region.objects.in_bulk({park[2] for park in PARKS}, field_name="code")
    for code, name, parent in REGIONS:
        if code not in regions:
            regions[code] = Region.objects.create(code=code, name=name, parent=Region.objects.get(code=parent))
    industries = {}
    for order, (code, name, parent, gbt) in enumerate(INDUSTRIES):
        industries[code], _c = Industry.objects.update_or_create(
            code=code,
            defaults={"name": name, "parent": industries.get(parent), "gbt_code": gbt, "sort_order": order * 10},
        )
    parks = {}
    for order, (code, name, region, parent, area, focus, _centre) in enumerate(PARKS):
        parks[code], _c = Park.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "region": regions[region],
                "parent": parks.get(parent),
                "area_mu": area,
                "sort_order": order * 10,
            },
        )
        parks[code].industries.set([industries[c] for c in focus])
    users = {}
    for username, role, park, name in USERS:
        user, created = User.objects.get_or_create(username=username)
        user.role = role
        user.park = parks.get(park)
        user.first_name = name
        user.email = f"{username}@example.gov.cn"
        user.is_staff = user.is_superuser = role == "commission"
        # Re-hashing would change the row (a new salt) on every run: only set it when it differs.
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    for name, description, target_kind, steps in TEMPLATES:
        template, _c = ScheduleTemplate.objects.update_or_create(
            name=name, defaults={"description": description, "target_kind": target_kind}
        )
        for kind, step_name, offset, unit in steps:
            TemplateStep.objects.update_or_create(
                template=template, kind=kind, name=step_name, defaults={"offset": offset, "unit": unit}
            )
    SchedulingSettings.load()
    return {"regions": regions, "industries": industries, "parks": parks, "users": users}


@transaction.atomic
def load_demo(*, today: dt.date | None = None, stdout=None) -> dict[str, int]:
    """The demo city as of `today` (default: today in Asia/Shanghai); returns what was created.

    What a run writes, precisely:
    - reference data (regions, parks, industries, users, templates): update_or_create on their
      natural keys, so the same values again;
    - a planned project whose name is not in the database: inserted with its milestones, annual
      plans and reports, as planned for `today`;
    - a planned project already in the database (by name) that was still reporting at the last
      load (later_reports): the planned reports for the months after its latest report, nothing
      else. Its row, milestones, annual plans and existing reports are never changed, whoever
      entered them;
    - every month from the demo's first report through the last full month before `today` that
      was never closed: closed (关账) by the commission through projects.services.period_close,
      so the default period of the dashboard and the API is closed; a month a user reopened
      stays open.
    So a second run on the same day writes nothing new, and a run on a later day only adds each
    reporting demo project's reports for the months that ended since (amounts from the later
    day's plan: the growth figures are exact for a database loaded in one run)."""
    today = today or timezone.localdate()
    ref = load_reference()
    commission = ref["users"]["commission"]
    plans = DemoPlanner(today).plan()
    existing = dict(Project.objects.filter(name__in=[p.spec.name for p in plans]).values_list("name", "pk"))
    todo = [p for p in plans if p.spec.name not in existing]
    projects = [new_project(p, ref) for p in todo]
    projects = bulk_create_with_history(projects, Project, batch_size=500, default_user=commission)
    milestones, reports, annual = [], [], []
    for plan, project in zip(todo, projects, strict=True):
        milestones.extend(new_milestones(plan, project))
        reports.extend(new_reports(plan, project, submitter(plan, ref)))
        annual.extend(AnnualPlan(project=project, year=y, planned_investment=a) for y, a in plan.annual_plans.items())
    reports.extend(later_reports([p for p in plans if p.spec.name in existing], existing, ref))
    bulk_create_with_history(milestones, Milestone, batch_size=1000, default_user=commission)
    bulk_create_with_history(annual, AnnualPlan, batch_size=1000, default_user=commission)
    bulk_create_with_history(reports, InvestmentReport, batch_size=1000, default_user=commission)
    # bulk_create sends no post_save: the new projects' stored next node, in one statement.
    refresh_next_milestones(project_ids=[p.pk for p in projects])
    first = min((period for plan in plans for period, *_rest in plan.reports), default=None)
    result = {
        "projects": len(projects),
        "milestones": len(milestones),
        "reports": len(reports),
        "annual_plans": len(annual),
        "closed_periods": close_months(first=first, today=today, user=commission),
        "problems": load_problems(today=today, ref=ref),
    }
    if stdout:
        stdout.write(
            f"demo as of {today:%Y-%m-%d}: {len(plans)} projects in the plan, created {result['projects']} "
            f"projects, {result['milestones']} milestones, {result['annual_plans']} annual plans, "
            f"{result['reports']} reports, {result['problems']} problems, closed {result['closed_periods']} months"
        )
    return result


def load_problems(*, today: dt.date, ref: dict) -> int:
    """The departments (update_or_create by name) and the demo's 督办 problems on the flagship
    projects: a problem is identified by its project and description and written only when
    missing (dates from the day it is first written; an assigned one gets its dispatch number
    from the year's counter, like an assignment). No mail is queued. Returns how many were new."""
    depts = {}
    for name, email in DEPARTMENTS:
        depts[name], _c = Department.objects.update_or_create(name=name, defaults={"email": email, "active": True})
    projects = dict(Project.objects.filter(name__in=[p[0] for p in DEMO_PROBLEMS]).values_list("name", "pk"))
    have = set(Problem.objects.filter(project_id__in=projects.values()).values_list("project_id", "description"))
    admin, commission = ref["users"]["gaoxin"], ref["users"]["commission"]
    created = 0
    for name, category, description, status, dept, days, note in DEMO_PROBLEMS:
        if name not in projects or (projects[name], description) in have:
            continue
        problem = Problem(
            project_id=projects[name],
            category=category,
            description=description,
            status=status,
            raised_on=today - dt.timedelta(days=30),
            raised_by=admin,
        )
        if dept:
            problem.department = depts[dept]
            problem.deadline = today + dt.timedelta(days=days)
            problem.assigned_on, problem.assigned_by = today - dt.timedelta(days=25), commission
            problem.dispatch_year = today.year
            problem.dispatch_seq, problem.dispatch_no = next_dispatch(today.year)
        if status == "handled":
            problem.handled_on, problem.handling_note, problem.handled_by = today - dt.timedelta(days=2), note, admin
        problem.save()
        created += 1
    return created


def close_months(*, first: dt.date | None, today: dt.date, user: User) -> int:
    """Close (关账) every month from `first` (the demo's first report) through the last full
    month before `today`, through the service the commission uses, so the dashboard's default
    period is a closed one. A month that has a PeriodClose row already (closed, or reopened by a
    user) is left as it is; returns how many months were closed now."""
    if first is None:
        return 0
    last = last_full_month(today)
    known = set(PeriodClose.objects.filter(period__gte=first, period__lte=last).values_list("period", flat=True))
    closed = 0
    month = first
    while month <= last:
        if month not in known:
            period_close(user=user, period=month, today=today)
            closed += 1
        month = month_add(month, 1)
    return closed


def submitter(plan: ProjectPlan, ref: dict) -> User:
    """Who files a demo project's reports: its park's administrator, else the commission."""
    users = ref["users"]
    return {"GXQ": users["gaoxin"], "LQ": users["luquan"]}.get(plan.spec.park.split("-")[0], users["commission"])


def later_reports(plans: list[ProjectPlan], existing: dict[str, int], ref: dict) -> list[InvestmentReport]:
    """The planned reports of the demo projects already loaded that were still reporting at the
    last load, for the months after each one's latest report.

    The last load's month is the one in which most demo projects have their latest report
    (those under construction then; finished projects stopped earlier, each in its own month).
    A project whose latest report is in that month or later is still reporting; the others,
    and projects without any report, get nothing (nothing is filled in behind a user)."""
    latest = dict(
        InvestmentReport.objects.filter(project_id__in=existing.values())
        .values_list("project_id")
        .annotate(last=Max("period"))
        .order_by()
    )
    if not latest:
        return []
    counts = Counter(latest.values())
    last_load = max(counts, key=lambda period: (counts[period], period))
    reports = []
    for plan in plans:
        project = Project(pk=existing[plan.spec.name])
        last = latest.get(project.pk)
        if last is not None and last >= last_load:
            reports.extend(new_reports(plan, project, submitter(plan, ref), after=last))
    return reports


def new_project(plan: ProjectPlan, ref: dict) -> Project:
    """The (unsaved) project row of one planned project; `ref` is what load_reference returned."""
    spec = plan.spec
    return Project(
        code=plan.code,
        name=spec.name,
        owner=spec.owner,
        park=ref["parks"][spec.park],
        industry=ref["industries"][spec.industry],
        level=spec.level,
        year=spec.year,
        stage=plan.stage,
        phase=spec.phase,
        total_investment=spec.total,
        construction_content=spec.content,
        annual_output=spec.annual_output,
        target_date=plan.target,
        leader=plan.leader,
        contact_person=plan.contact,
        contact_phone=plan.phone,
        latitude=plan.latitude,
        longitude=plan.longitude,
        is_special_bond=spec.special_bond is not None,
        special_bond_amount=spec.special_bond,
    )


def new_milestones(plan: ProjectPlan, project: Project) -> list[Milestone]:
    return [
        Milestone(
            project=project,
            kind=m.kind,
            name=m.name,
            planned_date=m.planned,
            baseline_date=m.baseline,
            actual_date=m.actual,
            sequence=m.sequence,
        )
        for m in plan.milestones
    ]


def new_reports(
    plan: ProjectPlan, project: Project, user: User, after: dt.date | None = None
) -> list[InvestmentReport]:
    """The monthly reports actually submitted (for months after `after`, when given), by `user`,
    with the month's planned spend."""
    return [
        InvestmentReport(
            project=project,
            period=period,
            amount=plan.months.get(period, Decimal("0.00")),
            progress=progress,
            problems=problems,
            submitted_by=user,
        )
        for period, progress, problems in plan.reports
        if after is None or period > after
    ]


def demo_checksum() -> dict[str, object]:
    """Row counts and amount sums, to prove a second run changed nothing."""
    return {
        "regions": Region.objects.count(),
        "parks": Park.objects.count(),
        "industries": Industry.objects.count(),
        "users": User.objects.count(),
        "templates": ScheduleTemplate.objects.count(),
        "steps": TemplateStep.objects.count(),
        "projects": Project.objects.count(),
        "milestones": Milestone.objects.count(),
        "reports": InvestmentReport.objects.count(),
        "annual_plans": AnnualPlan.objects.count(),
        "closed_periods": PeriodClose.objects.filter(closed=True).count(),
        "departments": Department.objects.count(),
        "problems": Problem.objects.count(),
        "history": Project.history.count() + InvestmentReport.history.count() + Milestone.history.count(),
        "total_investment": Project.objects.aggregate(s=Sum("total_investment"))["s"],
        "reported": InvestmentReport.objects.aggregate(s=Sum("amount"))["s"],
        "planned": AnnualPlan.objects.aggregate(s=Sum("planned_investment"))["s"],
    }
