"""The demo's plan, computed in memory and deterministic (a seeded random generator, a fixed
"today"): the projects generated around the articles' named ones, their backward schedules,
their monthly spend calibrated to the articles' growth, the reports and the annual plans."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from demo.data import (
    BRAND_CHARS,
    CENT,
    CITY_GROWTH_2026,
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
    REPORT_FIRST,
    REPORT_LAST,
    SCHEDULE_KINDS,
    SEED,
    Spec,
)


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
    def __init__(self):
        self.rng = random.Random(SEED)
        self.names: set[str] = {spec.name for spec in NAMED}
        self.serial = 1000

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
    def schedule(self, spec: Spec) -> tuple[list[MilestonePlan], int]:
        rng = self.rng
        start = spec.start or dt.date(spec.year, 1, 1) + dt.timedelta(days=rng.randint(40, 400))
        # Big projects take longer: 10亿元 and more build for two to three years.
        longest = 1100 if spec.total >= 100000 else 800
        target = spec.target or start + dt.timedelta(days=rng.randint(380, longest))
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
        result = []
        for seq, (kind, planned) in enumerate(zip(SCHEDULE_KINDS, dates, strict=True)):
            baseline = planned
            if replanned and seq >= 6:  # the plan was moved once; the first date is kept
                baseline = planned - dt.timedelta(days=30)
            done = planned + dt.timedelta(days=delay)
            result.append(MilestonePlan(kind, "", planned, baseline, done if done <= DEMO_TODAY else None, seq))
        extras = list(spec.extra)
        if cluster_of(spec.industry) == "BIO" and not extras:
            extras.append(("other", "GMP符合性检查", 30))
        for kind, name, before in extras:
            planned = target - dt.timedelta(days=before)
            done = planned + dt.timedelta(days=delay)
            result.append(MilestonePlan(kind, name, planned, planned, done if done <= DEMO_TODAY else None, 10))
        return result, delay

    def plan(self) -> list[ProjectPlan]:
        rng = self.rng
        parks = {code: (centre, region) for code, _n, region, _p, _a, _i, centre in PARKS}
        gb = {code: gbt for code, _n, _p, gbt in INDUSTRIES}
        plans = []
        for spec in self.specs():
            milestones, delay = self.schedule(spec)
            by_kind = {m.kind: m for m in milestones}
            stage = stage_from(by_kind)
            self.serial += 1
            gb2 = "".join(ch for ch in gb[spec.industry] if ch.isdigit())[:2]
            code = f"{spec.year}-{parks[spec.park][1]}-{gb2}-{rng.choice(['03', '03', '03', '02', '01'])}-{self.serial:06d}"
            if stage in ("planning", "signed") and rng.random() < 0.5:
                code = None  # 谋划 projects may not have a national code yet
            (lat, lon) = parks[spec.park][0]
            start_done = by_kind["construction_start"].actual
            expected_start = by_kind["construction_start"].planned + dt.timedelta(days=delay)
            expected_end = by_kind["production_start"].planned + dt.timedelta(days=delay)
            months = self.construction_months(spec, expected_start, expected_end)
            reports = []
            if start_done:
                last = min(REPORT_LAST, by_kind["production_start"].actual or REPORT_LAST)
                for period in month_range(max(REPORT_FIRST, start_done.replace(day=1)), last):
                    problems = rng.choice(PROBLEMS) if rng.random() < 0.12 else ""
                    reports.append((period, progress_note(by_kind, period, delay), problems))
            plans.append(
                ProjectPlan(
                    spec=spec,
                    code=code,
                    stage=stage,
                    target=by_kind["production_start"].planned,
                    latitude=Decimal(str(round(lat + rng.uniform(-0.03, 0.03), 6))),
                    longitude=Decimal(str(round(lon + rng.uniform(-0.03, 0.03), 6))),
                    leader=rng.choice(LEADERS),
                    contact=rng.choice(CONTACTS),
                    phone=f"0311-{rng.randint(80000000, 89999999)}",
                    milestones=milestones,
                    months=months,
                    reports=reports,
                )
            )
        self.calibrate_growth(plans)
        for plan in plans:
            for year in (2024, 2025, 2026):
                planned = sum((a for p, a in plan.months.items() if p.year == year), Decimal(0))
                if planned:
                    factor = Decimal(str(round(rng.uniform(1.0, 1.25), 2)))
                    plan.annual_plans[year] = (planned * factor).quantize(ONE, rounding=ROUND_HALF_UP)
        return plans

    def construction_months(self, spec: Spec, start: dt.date, end: dt.date) -> dict[dt.date, Decimal]:
        """The project's monthly spend over its construction, most of the total investment,
        rising with its cluster's trend (新一代电子信息 fastest) and dipping at Spring Festival."""
        rng = self.rng
        trend = Decimal("1.45") if cluster_of(spec.industry) == "EI" else Decimal("1.04")
        periods = list(month_range(start, max(start, end)))
        weights = []
        for period in periods:
            season = Decimal("0.6") if period.month in (1, 2) else Decimal("1.2") if period.month == 12 else ONE
            noise = Decimal(str(round(rng.uniform(0.75, 1.25), 3)))
            weights.append(trend ** (period.year - 2024) * season * noise)
        share = Decimal(str(round(rng.uniform(0.55, 0.8), 3)))
        total_w = sum(weights)
        return {p: (spec.total * share * w / total_w).quantize(CENT) for p, w in zip(periods, weights, strict=True)}

    def calibrate_growth(self, plans: list[ProjectPlan]) -> None:
        """Scale each month's reported figures, per cluster, so that every month (hence every
        year-to-date figure) grows as GROUP_GROWTH says, and 2026 over 2025 the city grows
        exactly +8.5% while 新一代电子信息 grows +45.0% (36.5 percentage points apart, as in the
        article's first seven months).

        1. For each calendar month, take what each cluster reports in 2024, 2025, 2026.
        2. Each cluster keeps the largest figures its growth targets allow (factors ≤ 1, so a
           project's reports never exceed its planned share of the total investment).
        3. The city's +8.5% then fixes how large 新一代电子信息 is:
           E25 × (1.45 − 1.085) = Σ other clusters' 2025 × (1.085 − their growth);
           if that is more than 新一代电子信息 has, the other clusters shrink with it."""
        raw: dict[tuple[str, int, int], Decimal] = {}
        for plan in plans:
            group = growth_group(plan.spec.industry)
            for period, _progress, _problems in plan.reports:
                key = (group, period.year, period.month)
                raw[key] = raw.get(key, Decimal(0)) + plan.months.get(period, Decimal(0))
        factors: dict[tuple[str, int, int], Decimal] = {}
        for month in range(1, 13):
            years = [2024, 2025, 2026] if month <= REPORT_LAST.month else [2024, 2025]
            rel: dict[str, dict[int, Decimal]] = {}
            top: dict[str, Decimal] = {}
            for group, growth in GROUP_GROWTH.items():
                rel[group] = {years[-1]: ONE}
                for year in reversed(years[:-1]):
                    rel[group][year] = rel[group][year + 1] / growth[year + 1]
                if not all(raw.get((group, y, month)) for y in years):
                    raise RuntimeError(f"demo calibration: {group} reports nothing in some month {month}")
                top[group] = min(raw[(group, y, month)] / rel[group][y] for y in years)
            if 2026 in years:
                ei_growth, city_growth = GROUP_GROWTH["EI"][2026], CITY_GROWTH_2026
                others = sum(
                    top[g] * rel[g][2025] * (city_growth - GROUP_GROWTH[g][2026]) for g in GROUP_GROWTH if g != "EI"
                )
                need = ei_growth * others / (ei_growth - city_growth)  # 新一代电子信息 in 2026
                shrink = min(ONE, top["EI"] / need)
                for group in top:
                    top[group] = need * shrink if group == "EI" else top[group] * shrink
            for group in GROUP_GROWTH:
                for year in years:
                    factors[(group, year, month)] = top[group] * rel[group][year] / raw[(group, year, month)]
        assert all(0 < k <= 1 for k in factors.values()), factors
        for plan in plans:
            group = growth_group(plan.spec.industry)
            for period in plan.months:
                k = factors.get((group, period.year, period.month))
                if k is not None:
                    plan.months[period] = (plan.months[period] * k).quantize(CENT)


def growth_group(industry: str) -> str:
    return cluster_of(industry)


def stage_from(by_kind: dict[str, MilestonePlan]) -> str:
    production = by_kind["production_start"].actual
    if production:
        return "at_capacity" if production <= DEMO_TODAY - dt.timedelta(days=365) else "in_production"
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
