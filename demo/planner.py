"""The demo's plan for a given "today", computed in memory and deterministic (seeded random
generators): the projects generated around the articles' named ones, their backward schedules,
their monthly spend calibrated to the articles' growth, the reports and the annual plans.

The list of projects (names, parks, industries, years, totals) is the same on every day. Each
project's schedule is drawn on the base day DEMO_TODAY from its own generator, then every date is
moved by the days from DEMO_TODAY to "today" (or, for a pinned named project, to its calendar
day): the same project is at the same stage, as many days late, on any day. The monthly spend and
the reports are drawn from another generator of the project, on the real calendar months."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from demo.data import (
    BRAND_CHARS,
    CENT,
    CITY_GROWTH,
    CONTACTS,
    DEMO_TODAY,
    GROUP_GROWTH,
    GXQ_2023_TOTALS,
    GXQ_SPECIAL_BONDS,
    HUNDRED,
    INDUSTRIES,
    INFRA_PROJECTS,
    LEADERS,
    NAMED,
    ONE,
    OTHER_PARKS,
    OWNER_SUFFIX,
    PARKS,
    PROBLEMS,
    PRODUCTS,
    REPORT_YEARS,
    SCHEDULE_KINDS,
    SEED,
    Spec,
)
from parks.geo import city_map
from scheduling.rules import default_period


def cluster_of(industry: str) -> str:
    return industry.split("-")[0]


def month_add(value: dt.date, months: int) -> dt.date:
    index = value.year * 12 + value.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    current = first.replace(day=1)
    while current <= last:
        yield current
        current = month_add(current, 1)


def split_total(rng: random.Random, total: Decimal, count: int, unit: Decimal = HUNDRED) -> list[Decimal]:
    """`count` believable amounts (multiples of `unit` 万元, skewed like real project lists)
    that add up to `total` exactly: the rounding remainder goes to the largest one."""
    weights = [min(max(rng.lognormvariate(0, 0.7), 0.25), 5.0) for _ in range(count)]
    scale = total / Decimal(str(sum(weights)))
    parts = [(Decimal(str(w)) * scale / unit).quantize(ONE, rounding=ROUND_HALF_UP) * unit for w in weights]
    biggest = max(range(count), key=lambda i: parts[i])
    parts[biggest] += total - sum(parts)
    assert all(p > 0 for p in parts) and sum(parts) == total
    return parts


# --- Planning the demo in memory ------------------------------------------------------------


@dataclass
class MilestonePlan:
    kind: str
    name: str
    planned: dt.date
    baseline: dt.date
    actual: dt.date | None
    sequence: int


@dataclass
class ProjectPlan:
    spec: Spec
    code: str | None
    stage: str
    target: dt.date
    latitude: Decimal
    longitude: Decimal
    leader: str
    contact: str
    phone: str
    milestones: list[MilestonePlan]
    months: dict[dt.date, Decimal]  # every construction month (plan), reported or not
    reports: list[tuple[dt.date, str, str]]  # (period, progress, problems) actually reported
    annual_plans: dict[int, Decimal] = field(default_factory=dict)


class DemoPlanner:
    """The plan as of `today` (the base day DEMO_TODAY by default)."""

    def __init__(self, today: dt.date = DEMO_TODAY):
        self.today = today
        self.shift = today - DEMO_TODAY  # base-day dates + shift = dates as of today
        self.period = default_period(today)  # the last full month: the last report
        self.first = dt.date(self.period.year - REPORT_YEARS + 1, 1, 1)  # the first report
        self.rng = random.Random(SEED)  # the list of projects only (the same on every day)
        self.names: set[str] = set()
        self.serial = 1000

    @staticmethod
    def project_rng(spec: Spec, purpose: str) -> random.Random:
        """The generator of one project for one purpose ("schedule": day-independent draws;
        "months": the monthly spend and reports, which depend on the calendar)."""
        return random.Random(f"{SEED}/{spec.name}/{purpose}")

    # 1. the list of projects
    def specs(self) -> list[Spec]:
        rng = self.rng
        specs = list(NAMED)
        # 高新区 2023: fill each cluster up to the article's count and total.
        for cluster, (count, total) in GXQ_2023_TOTALS.items():
            named = [
                s for s in NAMED if s.year == 2023 and s.park.startswith("GXQ") and cluster_of(s.industry) == cluster
            ]
            rest = count - len(named)
            amounts = split_total(rng, total - sum(s.total for s in named), rest)
            leaves = [code for code, _n, parent, _g in INDUSTRIES if parent == cluster]
            home = {"BIO": "GXQ-BIO", "EI": "GXQ-EI", "CHEM": "GXQ-CHEM"}[cluster]
            for amount in amounts:
                park = home if rng.random() < 0.85 else "GXQ"
                specs.append(self.generated(park, rng.choice(leaves), 2023, amount))
        for _ in range(4):
            specs.append(self.generated("GXQ", "EQUIP", 2023, Decimal(rng.randint(50, 400)) * HUNDRED))
        # 高新区 special-bond projects (20, 326.2亿元, 247.5亿元 of bonds), listed 2024.
        count, total, bonds = GXQ_SPECIAL_BONDS
        totals = split_total(rng, total, count)
        ratio = bonds / total
        bond_parts = [(t * ratio / HUNDRED).quantize(ONE, rounding=ROUND_HALF_UP) * HUNDRED for t in totals]
        bond_parts[max(range(count), key=lambda i: bond_parts[i])] += bonds - sum(bond_parts)
        for (park, name), amount, bond in zip(INFRA_PROJECTS, totals, bond_parts, strict=True):
            self.names.add(name)
            specs.append(
                Spec(
                    name,
                    "石家庄高新区城市发展投资有限公司",
                    park,
                    "INFRA",
                    2024,
                    amount,
                    "municipal",
                    content="园区基础设施和公共服务配套，申请政府专项债券。",
                    # Infrastructure started early and builds for three years or more.
                    start=(start := dt.date(2023, 3, 1) + dt.timedelta(days=rng.randint(0, 200))),
                    target=start + dt.timedelta(days=rng.randint(1000, 1400)),
                    special_bond=bond,
                )
            )
        # The rest of the city.
        for park, industries, per_year in OTHER_PARKS:
            for year in range(2021, 2027):
                if park == "GXQ" and year in (2023, 2024):
                    continue
                # The key-project list grows year by year.
                for _ in range(per_year + (year - 2021) // 2 + rng.randint(0, 2)):
                    amount = Decimal(int(rng.lognormvariate(11.0, 0.8)) // 100 * 100 + 3000)
                    specs.append(self.generated(park, rng.choice(industries), year, amount))
        return specs

    def generated(self, park: str, industry: str, year: int, total: Decimal) -> Spec:
        rng = self.rng
        cluster = cluster_of(industry)
        products = PRODUCTS[industry]
        for attempt in range(50):
            brand = "".join(rng.sample(BRAND_CHARS, 2))
            name = f"{brand}{rng.choice(products)}项目"
            if attempt > 20:
                name = f"{brand}{rng.choice(products)}项目（二期）"
            if name not in self.names:
                break
        self.names.add(name)
        suffixes = OWNER_SUFFIX.get(industry) or OWNER_SUFFIX[cluster]
        owner = f"{rng.choice(['河北', '石家庄'])}{brand}{rng.choice(suffixes)}"
        level = "provincial" if total >= 100000 or rng.random() < 0.15 else "municipal"
        output = (total * Decimal(str(round(rng.uniform(1.2, 2.5), 2))) / HUNDRED).quantize(ONE) * HUNDRED
        return Spec(
            name,
            owner,
            park,
            industry,
            year,
            total,
            level,
            content=f"建设{name.removesuffix('项目')}，购置生产及检测设备。",
            annual_output=output if cluster != "INFRA" else None,
        )

    # 2. a backward schedule for one project
    def base_dates(self, spec: Spec, rng: random.Random) -> tuple[dt.date, dt.date]:
        """The construction start and production target as seen from the base day."""
        if spec.pin is not None:
            kind, when, month, day = spec.pin
            anchor = spec.start if kind == "construction_start" else spec.target
            move = pinned_day(self.today, when, month, day) - self.shift - anchor
            return spec.start + move, spec.target + move
        start = spec.start or dt.date(spec.year, 1, 1) + dt.timedelta(days=rng.randint(40, 400))
        # Big projects take longer: 10亿元 and more build for two to three years.
        longest = 1100 if spec.total >= 100000 else 800
        return start, spec.target or start + dt.timedelta(days=rng.randint(380, longest))

    def schedule(self, spec: Spec, rng: random.Random) -> tuple[list[MilestonePlan], int]:
        """The milestones (drawn as seen from the base day, then moved to today) and the delay."""
        start, target = self.base_dates(spec, rng)
        build = (target - start).days
        delay = spec.delay
        if delay is None:
            roll = rng.random()
            delay = 0 if roll < 0.45 else rng.randint(3, 30) if roll < 0.78 else rng.randint(31, 240)
        same_day = rng.random() < 0.3  # 拿地即开工，四证齐发
        land = start if same_day else start - dt.timedelta(days=rng.choice([20, 30, 45, 60, 90]))
        signing = land - dt.timedelta(days=rng.randint(60, 240))
        if same_day or rng.random() < 0.4:
            permits = [land] * 4
        else:
            span = (start - land).days
            permits = [land + dt.timedelta(days=rng.randint(0, span)) for _ in range(4)]
        topping = start + dt.timedelta(days=int(build * 0.55))
        completion = target - dt.timedelta(days=rng.randint(45, min(120, build - int(build * 0.55))))
        dates = [signing, land, *permits, start, topping, completion, target]
        if spec.delay is None and rng.random() < 0.25:
            # A node that fell due in the last four weeks and is not done yet (yellow on the
            # wall chart): the project is running late by a little more than that.
            recent = [d for d in dates if DEMO_TODAY - dt.timedelta(days=28) <= d < DEMO_TODAY]
            if recent:
                delay = max(delay, (DEMO_TODAY - recent[0]).days + rng.randint(1, 20))
        replanned = delay > 30 and rng.random() < 0.4
        steps = [
            (kind, "", planned, seq) for seq, (kind, planned) in enumerate(zip(SCHEDULE_KINDS, dates, strict=True))
        ]
        extras = list(spec.extra)
        if cluster_of(spec.industry) == "BIO" and not extras:
            extras.append(("other", "GMP符合性检查", 30))
        steps += [(kind, name, target - dt.timedelta(days=before), 10) for kind, name, before in extras]
        result = []
        for kind, name, planned, seq in steps:
            baseline = planned
            if replanned and kind != "other" and seq >= 6:  # the plan was moved once; the first date is kept
                baseline = planned - dt.timedelta(days=30)
            done = planned + dt.timedelta(days=delay)
            actual = done + self.shift if done <= DEMO_TODAY else None
            result.append(MilestonePlan(kind, name, planned + self.shift, baseline + self.shift, actual, seq))
        return result, delay

    def plan(self) -> list[ProjectPlan]:
        self.rng, self.names, self.serial = random.Random(SEED), {spec.name for spec in NAMED}, 1000
        plans = [self.plan_one(spec) for spec in self.specs()]
        self.calibrate_growth(plans)
        for plan in plans:
            rng = self.project_rng(plan.spec, "plans")
            for year in range(self.first.year, self.period.year + 1):
                planned = sum((a for p, a in plan.months.items() if p.year == year), Decimal(0))
                if planned:
                    factor = Decimal(str(round(rng.uniform(1.0, 1.25), 2)))
                    plan.annual_plans[year] = (planned * factor).quantize(ONE, rounding=ROUND_HALF_UP)
        return plans

    def plan_one(self, spec: Spec) -> ProjectPlan:
        """One project's plan, before the growth calibration scales its monthly spend."""
        rng = self.project_rng(spec, "schedule")
        centre, region = next((centre, region) for code, _n, region, _p, _a, _i, centre in PARKS if code == spec.park)
        gbt = next(gbt for code, _n, _p, gbt in INDUSTRIES if code == spec.industry)
        milestones, delay = self.schedule(spec, rng)
        by_kind = {m.kind: m for m in milestones}
        stage = stage_from(by_kind, self.today)
        self.serial += 1
        gb2 = "".join(ch for ch in gbt if ch.isdigit())[:2]
        code = f"{spec.year}-{region}-{gb2}-{rng.choice(['03', '03', '03', '02', '01'])}-{self.serial:06d}"
        if stage in ("planning", "signed") and rng.random() < 0.5:
            code = None  # 谋划 projects may not have a national code yet
        (lat, lon) = centre
        expected_start = by_kind["construction_start"].planned + dt.timedelta(days=delay)
        expected_end = by_kind["production_start"].planned + dt.timedelta(days=delay)
        if spec.keeps_reporting:
            expected_end = max(expected_end, self.period)
        months_rng = self.project_rng(spec, "months")
        return ProjectPlan(
            spec=spec,
            code=code,
            stage=stage,
            target=by_kind["production_start"].planned,
            **self.place(spec, region, (lat + rng.uniform(-0.03, 0.03), lon + rng.uniform(-0.03, 0.03)), centre),
            leader=rng.choice(LEADERS),
            contact=rng.choice(CONTACTS),
            phone=f"0311-{rng.randint(80000000, 89999999)}",
            milestones=milestones,
            months=self.construction_months(spec, expected_start, expected_end, months_rng),
            reports=self.reports(spec, by_kind, delay, months_rng),
        )

    def place(self, spec: Spec, region: str, first: tuple[float, float], centre: tuple[float, float]) -> dict:
        """The project's coordinates: near its park's centre and inside its park's district on the
        map (parks.geo); draws again (a separate seeded stream) while a point falls outside."""
        district = city_map().district(region)
        (lat, lon), rng = first, self.project_rng(spec, "place")
        for _ in range(50):
            if district is None or district.contains(*city_map().project(lon, lat)):
                break
            lat, lon = centre[0] + rng.uniform(-0.03, 0.03), centre[1] + rng.uniform(-0.03, 0.03)
        else:
            lon, lat = (float(v) for v in city_map().unproject(*district.label))
        return {"latitude": Decimal(str(round(lat, 6))), "longitude": Decimal(str(round(lon, 6)))}

    def reports(
        self, spec: Spec, by_kind: dict[str, MilestonePlan], delay: int, rng: random.Random
    ) -> list[tuple[dt.date, str, str]]:
        """The months reported: from the construction start (or the first report month) to the
        default period, or to production start unless the project keeps reporting."""
        start_done = by_kind["construction_start"].actual
        if not start_done:
            return []
        last = self.period
        production = by_kind["production_start"].actual
        if production and not spec.keeps_reporting:
            last = min(last, production)
        reports = []
        for period in month_range(max(self.first, start_done.replace(day=1)), last):
            problems = rng.choice(PROBLEMS) if rng.random() < 0.12 else ""
            reports.append((period, progress_note(by_kind, period, delay), problems))
        return reports

    def construction_months(
        self, spec: Spec, start: dt.date, end: dt.date, rng: random.Random
    ) -> dict[dt.date, Decimal]:
        """The project's monthly spend over its construction, most of the total investment,
        rising with its cluster's trend (新一代电子信息 fastest) and dipping at Spring Festival."""
        trend = Decimal("1.45") if cluster_of(spec.industry) == "EI" else Decimal("1.04")
        periods = list(month_range(start, max(start, end)))
        weights = []
        for period in periods:
            season = Decimal("0.6") if period.month in (1, 2) else Decimal("1.2") if period.month == 12 else ONE
            noise = Decimal(str(round(rng.uniform(0.75, 1.25), 3)))
            weights.append(trend ** (period.year - self.first.year) * season * noise)
        share = Decimal(str(round(rng.uniform(0.55, 0.8), 3)))
        total_w = sum(weights)
        return {p: (spec.total * share * w / total_w).quantize(CENT) for p, w in zip(periods, weights, strict=True)}

    def calibrate_growth(self, plans: list[ProjectPlan]) -> None:
        """Scale each month's reported figures, per cluster, so that every month (hence every
        year-to-date figure) grows as GROUP_GROWTH says, and in the default period's year (Y)
        the city grows exactly +8.5% over the year before while 新一代电子信息 grows +45.0%
        (36.5 percentage points apart, as in the article's first seven months). Months
        1..default period are reported in Y − 2, Y − 1 and Y, the later months in Y − 2 and
        Y − 1: the year to date of the default period is exact, January's (one month) included.

        1. For each calendar month, take what each cluster reports in each of its years.
        2. Each cluster keeps the largest figures its growth targets allow (factors ≤ 1, so a
           project's reports never exceed its planned share of the total investment).
        3. In Y, the city's +8.5% then fixes how large 新一代电子信息 is:
           E(Y−1) × (1.45 − 1.085) = Σ other clusters' (Y−1) × (1.085 − their growth);
           if that is more than 新一代电子信息 has, the other clusters shrink with it."""
        raw: dict[tuple[str, int, int], Decimal] = {}
        for plan in plans:
            group = growth_group(plan.spec.industry)
            for period, _progress, _problems in plan.reports:
                key = (group, period.year, period.month)
                raw[key] = raw.get(key, Decimal(0)) + plan.months.get(period, Decimal(0))
        factors: dict[tuple[str, int, int], Decimal] = {}
        for month in range(1, 13):
            last = self.period.year if month <= self.period.month else self.period.year - 1
            for group, top, rel in self.month_targets(raw, month, last):
                for year, share in rel.items():
                    factors[(group, year, month)] = top * share / raw[(group, year, month)]
        assert all(0 < k <= 1 for k in factors.values()), factors
        for plan in plans:
            group = growth_group(plan.spec.industry)
            for period in plan.months:
                k = factors.get((group, period.year, period.month))
                if k is not None:
                    plan.months[period] = (plan.months[period] * k).quantize(CENT)

    def month_targets(self, raw: dict, month: int, last: int) -> list[tuple[str, Decimal, dict[int, Decimal]]]:
        """Steps 2 and 3 for one calendar month reported from self.first's year to `last`:
        (cluster, its figure in `last`, each year's figure relative to it)."""
        current = self.period.year
        years = list(range(self.first.year, last + 1))
        rel: dict[str, dict[int, Decimal]] = {}
        top: dict[str, Decimal] = {}
        for group, growth in GROUP_GROWTH.items():
            rel[group] = {last: ONE}
            for year in reversed(years[:-1]):
                rel[group][year] = rel[group][year + 1] / growth[year + 1 - current]
            if not all(raw.get((group, y, month)) for y in years):
                raise RuntimeError(f"demo calibration: {group} reports nothing in some month {month}")
            top[group] = min(raw[(group, y, month)] / rel[group][y] for y in years)
        if last == current:
            ei_growth = GROUP_GROWTH["EI"][0]
            others = sum(
                top[g] * rel[g][current - 1] * (CITY_GROWTH - GROUP_GROWTH[g][0]) for g in GROUP_GROWTH if g != "EI"
            )
            need = ei_growth * others / (ei_growth - CITY_GROWTH)  # 新一代电子信息 in Y
            shrink = min(ONE, top["EI"] / need)
            for group in top:
                top[group] = need * shrink if group == "EI" else top[group] * shrink
        return [(group, top[group], rel[group]) for group in GROUP_GROWTH]


def pinned_day(today: dt.date, when: str, month: int, day: int) -> dt.date:
    """The last (month, day) on or before `today` ("last"), or the first after it ("next")."""
    this_year = dt.date(today.year, month, day)
    if when == "last":
        return this_year if this_year <= today else this_year.replace(year=today.year - 1)
    return this_year if this_year > today else this_year.replace(year=today.year + 1)


def growth_group(industry: str) -> str:
    return cluster_of(industry)


def stage_from(by_kind: dict[str, MilestonePlan], today: dt.date) -> str:
    production = by_kind["production_start"].actual
    if production:
        return "at_capacity" if production <= today - dt.timedelta(days=365) else "in_production"
    if by_kind["completion"].actual:
        return "completed"
    if by_kind["construction_start"].actual:
        return "under_construction"
    if by_kind["signing"].actual:
        return "signed"
    return "planning"


def progress_note(by_kind: dict[str, MilestonePlan], period: dt.date, delay: int) -> str:
    month_end = month_add(period, 1) - dt.timedelta(days=1)

    def reached(kind: str) -> bool:
        return by_kind[kind].planned + dt.timedelta(days=delay) <= month_end

    if reached("completion"):
        return "竣工验收完成，设备调试及试生产。"
    if reached("topping_out"):
        return "主体完工，进行装饰装修及设备安装。"
    return "主体结构施工中。" if period.month % 2 else "基础及主体结构施工，现场作业人员约200人。"
