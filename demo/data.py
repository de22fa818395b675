"""Demo data for `python manage.py load_demo`: a believable 石家庄 drawn from the articles in
shared/seeds/ and DOMAIN.md, and (with --projects N) a synthetic city for the benchmarks.

Everything is deterministic (a seeded random generator and a fixed "today", 2026-11-22), so
running the loader twice leaves exactly the same rows:

1. Reference data (regions, parks, industries, users, schedule templates) is written with
   update_or_create / get_or_create on natural keys (codes, usernames, template names).
2. Demo projects are identified by name. The whole plan (projects, milestones, annual plans,
   monthly reports) is computed in memory first; only the projects not yet in the database are
   inserted, with their children, through bulk_create_with_history (history rows included, so
   the demo's figures have a first version like any other).
3. Synthetic projects (owner "合成数据", name "合成项目0000001"...) are topped up to N; their
   values are pure functions of the project's number, so the PostgreSQL path (set-based
   INSERT ... SELECT generate_series) and the portable path (bulk_create in batches) produce the
   same rows. No history rows for synthetic data.

The demo reproduces the articles' 高新区 figures for 2023 exactly (石家庄高新区 with its
sub-parks, projects listed in 2023): 58 生物医药 projects totalling 5,120,000.00 万元, 38
新一代电子信息 projects totalling 3,606,800.00 万元, 51 化工新材料 projects totalling
4,918,900.00 万元; its 20 高新区 special-bond projects total 3,262,000.00 万元 with 2,475,000.00 万元
of bonds; and its monthly reports give, for 2026-01..07 against 2025-01..07, 新一代电子信息
+45.0% and the city +8.5% (36.5 percentage points apart), as the article's first seven months.

The demo writes milestones (scheduling) from the projects app: seed code is the one place that
fills every app at once, so it imports scheduling lazily."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

DEMO_TODAY = dt.date(2026, 11, 22)
SEED = 20230915
DEMO_PASSWORD = "demo12345"
REPORT_FIRST = dt.date(2024, 1, 1)
REPORT_LAST = dt.date(2026, 10, 1)  # the last full month before DEMO_TODAY
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ONE = Decimal("1")

SYNTHETIC_OWNER = "合成数据"
SYNTHETIC_PREFIX = "合成项目"
SYNTHETIC_SERIAL_BASE = 200000
SYNTHETIC_FIRST_PERIOD = dt.date(2023, 11, 1)  # 36 months: 2023-11 .. 2026-10
SYNTHETIC_MONTHS = 36

# --- Reference data -------------------------------------------------------------------------

REGIONS = [
    ("130100", "石家庄市", None),
    ("130109", "藁城区", "130100"),
    ("130110", "鹿泉区", "130100"),
    ("130111", "栾城区", "130100"),
    ("130123", "正定县", "130100"),
    ("130133", "赵县", "130100"),
    ("130171", "石家庄高新技术产业开发区", "130100"),
    ("130183", "晋州市", "130100"),
]

# code, name, region, parent, area (亩), industries (cluster codes), centre (lat, lon)
PARKS = [
    ("GXQ", "石家庄高新区", "130171", None, None, ["BIO", "EI", "CHEM"], (38.035, 114.620)),
    ("GXQ-BIO", "国际生物医药园", "130171", "GXQ", Decimal("28000"), ["BIO"], (38.010, 114.650)),
    ("GXQ-EI", "电子科技园", "130171", "GXQ", None, ["EI"], (38.050, 114.600)),
    ("GXQ-CHEM", "循环化工园", "130171", "GXQ", None, ["CHEM"], (37.950, 114.700)),
    ("LQ", "鹿泉经济开发区", "130110", None, None, ["EI"], (38.085, 114.310)),
    ("LQ-EI", "新一代电子信息产业园", "130110", "LQ", Decimal("26000"), ["EI"], (38.070, 114.330)),
    ("ZD", "正定高新技术产业开发区", "130123", None, None, ["EI"], (38.150, 114.570)),
    ("JKQ", "石家庄经济技术开发区", "130109", None, None, ["BIO"], (38.000, 114.850)),
    ("LC", "栾城经济开发区", "130111", None, None, ["BIO"], (37.900, 114.650)),
    ("ZX", "赵县经济开发区", "130133", None, None, ["BIO", "FOOD"], (37.760, 114.780)),
    ("JZ", "晋州经济开发区", "130183", None, None, ["BIO", "EQUIP"], (38.030, 115.040)),
]

# code, name, parent, GB/T 4754-2017 code
INDUSTRIES = [
    ("EI", "新一代电子信息", None, "C39"),
    ("EI-SEMI", "半导体/集成电路", "EI", "C397"),
    ("EI-COMM", "现代通信", "EI", "C392"),
    ("EI-AUTO", "汽车电子", "EI", "C3670"),
    ("EI-MAT", "新型电子材料", "EI", "C398"),
    ("EI-OPTO", "光电信息", "EI", "C3976"),
    ("EI-ENERGY", "能源电子", "EI", "C3825"),
    ("EI-SOFT", "软件与信息服务", "EI", "I65"),
    ("BIO", "生物医药", None, "C27"),
    ("BIO-DRUG", "创新生物药", "BIO", "C276"),
    ("BIO-CHEM", "化学药/高端仿制药", "BIO", "C272"),
    ("BIO-TCM", "现代中药", "BIO", "C274"),
    ("BIO-DEVICE", "高端医疗器械", "BIO", "C358"),
    ("CHEM", "化工新材料", None, "C26"),
    ("CHEM-FINE", "精细化工", "CHEM", "C266"),
    ("CHEM-POLY", "高性能合成材料", "CHEM", "C265"),
    ("CHEM-ELEC", "电子化学品", "CHEM", "C3985"),
    ("EQUIP", "先进装备制造", None, "C34"),
    ("FOOD", "现代食品", None, "C14"),
    ("INFRA", "园区基础设施", None, "E48"),
]

# username, role, park code, name
USERS = [
    ("commission", "commission", None, "发改委重点项目科"),
    ("gaoxin", "park_admin", "GXQ", "高新区经济发展局"),
    ("luquan", "park_admin", "LQ", "鹿泉经济开发区管委会"),
    ("viewer", "viewer", None, "市领导（只读）"),
]

# name, description, target kind, steps (kind, name, offset before target, unit)
TEMPLATES = [
    (
        "工业项目标准倒排模板",
        "以投产日期为目标倒排：签约、供地、四证、开工、主体完工、竣工验收、投产（自然日）。",
        "production_start",
        [
            ("signing", "", 600, "calendar"),
            ("land", "", 500, "calendar"),
            ("land_use_permit", "", 460, "calendar"),
            ("planning_permit", "", 450, "calendar"),
            ("construction_permit", "", 440, "calendar"),
            ("property_certificate", "", 440, "calendar"),
            ("construction_start", "", 420, "calendar"),
            ("topping_out", "", 240, "calendar"),
            ("completion", "", 90, "calendar"),
            ("production_start", "", 0, "calendar"),
        ],
    ),
    (
        "拿地即开工模板（四证齐发）",
        "供地当日四证齐发、当日开工，按工作日（含调休）倒排。",
        "production_start",
        [
            ("signing", "", 330, "working"),
            ("land", "", 300, "working"),
            ("land_use_permit", "", 300, "working"),
            ("planning_permit", "", 300, "working"),
            ("construction_permit", "", 300, "working"),
            ("property_certificate", "", 300, "working"),
            ("construction_start", "", 300, "working"),
            ("topping_out", "", 150, "working"),
            ("completion", "", 40, "working"),
            ("production_start", "", 0, "working"),
        ],
    ),
    (
        "生物医药GMP厂房模板",
        "生物医药项目：竣工后留出GMP厂房验证和符合性检查的时间。",
        "production_start",
        [
            ("signing", "", 720, "calendar"),
            ("land", "", 640, "calendar"),
            ("construction_permit", "", 560, "calendar"),
            ("construction_start", "", 540, "calendar"),
            ("topping_out", "", 330, "calendar"),
            ("completion", "", 150, "calendar"),
            ("other", "GMP厂房验证", 60, "calendar"),
            ("production_start", "", 0, "calendar"),
        ],
    ),
]

SCHEDULE_KINDS = [
    "signing",
    "land",
    "land_use_permit",
    "planning_permit",
    "construction_permit",
    "property_certificate",
    "construction_start",
    "topping_out",
    "completion",
    "production_start",
]

# --- The named projects of the articles -----------------------------------------------------


@dataclass
class Spec:
    name: str
    owner: str
    park: str
    industry: str
    year: int
    total: Decimal
    level: str = "municipal"
    phase: str = ""
    content: str = ""
    annual_output: Decimal | None = None
    start: dt.date | None = None
    target: dt.date | None = None
    delay: int | None = None
    special_bond: Decimal | None = None
    extra: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, name, days before target)


def W(value: str) -> Decimal:
    return Decimal(value)


NAMED = [
    Spec(
        "晶澳太阳能项目（一期）",
        "晶澳太阳能科技股份有限公司",
        "GXQ-EI",
        "EI-ENERGY",
        2023,
        W("1020000"),
        "provincial",
        "一期",
        "建设高效光伏电池及组件生产线，满产后年产值100亿元。",
        W("1000000"),
        dt.date(2022, 6, 18),
        dt.date(2023, 9, 26),
        0,
    ),
    Spec(
        "晶澳太阳能项目（二期）",
        "晶澳太阳能科技股份有限公司",
        "GXQ-EI",
        "EI-ENERGY",
        2024,
        W("1050000"),
        "provincial",
        "二期",
        "扩建高效光伏电池及组件产能，满产后年产值100亿元以上。",
        W("1050000"),
        dt.date(2024, 2, 26),
        dt.date(2026, 3, 30),
        40,
    ),
    Spec(
        "森朗生物细胞治疗产品商业化生产基地项目",
        "河北森朗生物科技有限公司",
        "GXQ-BIO",
        "BIO-DRUG",
        2023,
        W("52000"),
        "municipal",
        "",
        "建设CAR-T细胞治疗产品GMP厂房，可实现年产2000人份CAR-T细胞。",
        W("60000"),
        dt.date(2023, 8, 18),
        dt.date(2024, 9, 30),
        0,
        extra=[("other", "GMP厂房验证", 122)],
    ),
    Spec(
        "康誉医疗介入类医用高值耗材产业园项目",
        "河北康誉医疗器械有限公司",
        "GXQ-BIO",
        "BIO-DEVICE",
        2023,
        W("35000"),
        "municipal",
        "",
        "建设介入类医用高值耗材生产基地，填补省内空白。",
        W("50000"),
        dt.date(2023, 3, 10),
        dt.date(2024, 8, 20),
        0,
    ),
    Spec(
        "石药巨石生物抗体二期项目",
        "石药集团巨石生物制药有限公司",
        "GXQ-BIO",
        "BIO-DRUG",
        2023,
        W("200000"),
        "provincial",
        "二期",
        "建设抗体药物原液及制剂生产线。",
        W("300000"),
    ),
    Spec(
        "河北远征兽用生物医药生产基地项目",
        "河北远征药业有限公司",
        "GXQ-BIO",
        "BIO-DRUG",
        2023,
        W("50000"),
        "municipal",
        "",
        "建设兽用疫苗及生物制品生产基地。",
    ),
    Spec(
        "石四药特色新型固体制剂项目",
        "石家庄四药有限公司",
        "GXQ-BIO",
        "BIO-CHEM",
        2023,
        W("100000"),
        "provincial",
        "",
        "建设特色新型固体制剂生产车间。",
    ),
    Spec(
        "以岭小容量注射剂项目",
        "石家庄以岭药业股份有限公司",
        "GXQ-BIO",
        "BIO-TCM",
        2023,
        W("30000"),
        "municipal",
        "",
        "建设中药小容量注射剂生产线。",
    ),
    Spec(
        "绿叶嘉奥石家庄生产基地项目",
        "石家庄绿叶嘉奥制药有限公司",
        "GXQ-BIO",
        "BIO-CHEM",
        2023,
        W("150000"),
        "provincial",
        "",
        "建设中枢神经系统创新药生产基地，已投入试运行。",
    ),
    Spec(
        "华普生物CpG佐剂产业化项目",
        "华普生物技术（河北）股份有限公司",
        "GXQ-BIO",
        "BIO-DRUG",
        2023,
        W("20000"),
        "municipal",
        "",
        "建设新一代疫苗CpG佐剂生产线。",
    ),
    Spec(
        "药明生物石家庄生物药生产基地项目",
        "药明生物技术（石家庄）有限公司",
        "GXQ-BIO",
        "BIO-DRUG",
        2023,
        W("150000"),
        "provincial",
        "",
        "建设生物药原液及制剂CDMO生产基地。",
    ),
    Spec(
        "石炼化绿色转型发展项目",
        "中国石油化工股份有限公司石家庄炼化分公司",
        "GXQ-CHEM",
        "CHEM",
        2023,
        W("800000"),
        "provincial",
        "",
        "以石炼化绿色转型为依托，同步谋划上下游产业链及配套项目。",
    ),
    Spec(
        "陆源科技智能装备产业赋能中心项目",
        "河北陆源科技有限公司",
        "LQ-EI",
        "EI",
        2024,
        W("60000"),
        "municipal",
        "",
        "建设智能装备研发、中试及产业赋能中心。",
        None,
        dt.date(2024, 5, 15),
        dt.date(2026, 12, 30),
        0,
    ),
    Spec(
        "远东通信应急通信产业化项目",
        "河北远东通信系统工程有限公司",
        "LQ",
        "EI-COMM",
        2024,
        W("45000"),
        "municipal",
        "",
        "扩大应急指挥无线通信系统等产品产能。",
    ),
    Spec(
        "中瓷电子陶瓷外壳扩产项目",
        "河北中瓷电子科技股份有限公司",
        "LQ-EI",
        "EI-MAT",
        2022,
        W("80000"),
        "provincial",
        "",
        "扩建电子陶瓷外壳及半导体封装材料生产线。",
    ),
    Spec(
        "普兴电子8英寸硅外延片项目",
        "河北普兴电子科技股份有限公司",
        "LQ-EI",
        "EI-SEMI",
        2022,
        W("65000"),
        "provincial",
        "",
        "建设8英寸硅外延片生产线。",
    ),
    Spec(
        "森思泰克毫米波雷达产业化项目",
        "石家庄森思泰克电子科技有限公司",
        "LQ-EI",
        "EI-AUTO",
        2024,
        W("40000"),
        "municipal",
        "",
        "建设车载毫米波雷达生产线。",
    ),
    Spec(
        "华北制药生物药产业化项目",
        "华北制药集团有限责任公司",
        "JKQ",
        "BIO-DRUG",
        2022,
        W("120000"),
        "provincial",
        "",
        "建设抗体及重组蛋白药物产业化基地。",
    ),
]

# The article's totals for 高新区 (with its sub-parks), projects listed in 2023, in 万元.
GXQ_2023_TOTALS = {
    "BIO": (58, Decimal("5120000.00")),
    "EI": (38, Decimal("3606800.00")),
    "CHEM": (51, Decimal("4918900.00")),
}
GXQ_SPECIAL_BONDS = (20, Decimal("3262000.00"), Decimal("2475000.00"))
# Growth of each month's reported investment over the same month of the year before:
# 新一代电子信息 +45% in 2026 (the article's first seven months) and the city +8.5%, 36.5
# percentage points lower; the other clusters grow more slowly.
GROUP_GROWTH = {
    "EI": {2025: Decimal("1.38"), 2026: Decimal("1.45")},
    "BIO": {2025: Decimal("1.051"), 2026: Decimal("1.062")},
    "CHEM": {2025: Decimal("1.034"), 2026: Decimal("1.021")},
    "EQUIP": {2025: Decimal("1.040"), 2026: Decimal("1.048")},
    "FOOD": {2025: Decimal("1.026"), 2026: Decimal("1.033")},
    "INFRA": {2025: Decimal("1.112"), 2026: Decimal("1.075")},
}
CITY_GROWTH_2026 = Decimal("1.085")

PRODUCTS = {
    "BIO-DRUG": ["单克隆抗体产业化", "重组蛋白药物生产基地", "细胞治疗产品研发生产", "疫苗产业化", "生物类似药产业化"],
    "BIO-CHEM": ["高端制剂产业化", "创新化药研发生产基地", "绿色原料药", "缓控释制剂生产线", "无菌注射剂车间"],
    "BIO-TCM": ["中药配方颗粒生产基地", "现代中药提取车间", "中药饮片智能化生产"],
    "BIO-DEVICE": ["高端医疗器械产业园", "体外诊断试剂产业化", "医用耗材生产基地", "医学影像设备制造"],
    "EI": ["电子信息产业园", "智能终端制造"],
    "EI-SEMI": ["专用集成电路封装测试", "第三代半导体材料", "功率器件生产线", "硅基外延片扩产"],
    "EI-COMM": ["5G通信设备产业化", "应急通信产品扩产", "卫星导航终端"],
    "EI-AUTO": ["车载雷达产业化", "汽车电子控制单元", "汽车线束及连接器"],
    "EI-MAT": ["电子陶瓷材料", "高纯电子气体", "覆铜板生产线"],
    "EI-OPTO": ["光电显示模组", "激光器件产业化", "光纤传感器"],
    "EI-ENERGY": ["高效光伏组件", "储能电池系统集成", "氢燃料电池"],
    "EI-SOFT": ["软件产业园", "算力中心", "工业互联网平台"],
    "CHEM": ["化工新材料产业园", "绿色化工循环利用"],
    "CHEM-FINE": ["精细化学品", "医药中间体", "高端涂料"],
    "CHEM-POLY": ["高性能树脂", "可降解材料", "特种橡胶", "碳纤维复合材料"],
    "CHEM-ELEC": ["电子化学品", "锂电池电解液", "湿电子化学品"],
    "EQUIP": ["智能装备制造基地", "轨道交通装备", "通用航空零部件"],
    "FOOD": ["功能食品生产基地", "冷链物流中心", "乳制品加工"],
}
OWNER_SUFFIX = {
    "BIO": ["生物科技有限公司", "制药有限公司", "药业股份有限公司"],
    "BIO-DEVICE": ["医疗器械有限公司", "医疗科技有限公司"],
    "EI": ["电子科技有限公司", "信息技术有限公司", "新能源科技有限公司"],
    "CHEM": ["新材料有限公司", "化工有限公司"],
    "EQUIP": ["智能装备有限公司", "机械制造有限公司"],
    "FOOD": ["食品有限公司", "农业科技有限公司"],
}
BRAND_CHARS = "华瑞康泰恒新远博宏诚润盛凯鑫达安正德嘉亿中信天开元星科海宇普"
INFRA_PROJECTS = [
    ("GXQ", "高新区东区路网建设项目"),
    ("GXQ", "高新区综合管廊项目"),
    ("GXQ", "高新区人才公寓项目"),
    ("GXQ", "高新区第二污水处理厂项目"),
    ("GXQ", "高新区九年一贯制学校项目"),
    ("GXQ", "高新区医院项目"),
    ("GXQ", "高新区文体中心项目"),
    ("GXQ-BIO", "生物医药园标准化厂房项目"),
    ("GXQ-BIO", "生物医药园公共技术服务平台项目"),
    ("GXQ-BIO", "生物医药园危废处置中心项目"),
    ("GXQ-BIO", "生物医药园供热管网项目"),
    ("GXQ-EI", "电子科技园标准化厂房项目"),
    ("GXQ-EI", "电子科技园变电站项目"),
    ("GXQ-EI", "电子科技园孵化器项目"),
    ("GXQ-CHEM", "循环化工园精细化工园区基础设施项目"),
    ("GXQ-CHEM", "循环化工园产业配套园项目"),
    ("GXQ-CHEM", "循环化工园公用管廊项目"),
    ("GXQ-CHEM", "循环化工园应急救援中心项目"),
    ("GXQ-CHEM", "循环化工园污水处理提标项目"),
    ("GXQ-CHEM", "循环化工园智慧园区平台项目"),
]
# (park, industries, projects per year) for the rest of the city, years 2021..2026.
OTHER_PARKS = [
    ("GXQ", ["BIO-DRUG", "BIO-CHEM", "EI-ENERGY", "EI-OPTO", "CHEM-FINE", "CHEM-POLY"], 4),
    ("LQ-EI", ["EI-SEMI", "EI-COMM", "EI-AUTO", "EI-MAT", "EI-OPTO"], 5),
    ("LQ", ["EI-COMM", "EI-SOFT", "EQUIP"], 3),
    ("ZD", ["EI-SEMI", "EI-SOFT", "EI-AUTO", "EQUIP"], 4),
    ("JKQ", ["BIO-DRUG", "BIO-CHEM", "EQUIP"], 3),
    ("LC", ["BIO-CHEM", "BIO-TCM", "FOOD"], 3),
    ("ZX", ["BIO-TCM", "FOOD"], 2),
    ("JZ", ["BIO-DEVICE", "EQUIP", "FOOD"], 2),
]
LEADERS = ["王建国", "李明华", "张志强", "刘卫东", "陈立新", "杨振华", "赵国庆", "孙宏伟", "周海燕", "吴晓东"]
CONTACTS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏"]
PROBLEMS = [
    "用地指标待落实，已协调自然资源和规划局。",
    "项目资本金到位偏慢，正在对接银行贷款。",
    "施工许可证办理中，需补充消防设计审查材料。",
    "电力增容待协调，已报供电公司。",
    "供水管网未接入，等待市政配套。",
    "环评批复待取得。",
]


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


# --- Writing --------------------------------------------------------------------------------


def load_reference() -> dict:
    """Regions, industries, parks, users, schedule templates (update_or_create on natural keys)."""
    from parks.models import Industry, Park, Region, User
    from scheduling.models import ScheduleTemplate, SchedulingSettings, TemplateStep

    regions = {}
    for code, name, parent in REGIONS:
        regions[code], _c = Region.objects.update_or_create(
            code=code, defaults={"name": name, "parent": regions.get(parent)}
        )
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
def load_demo(*, stdout=None) -> dict[str, int]:
    """The demo city; returns how many projects were created this time."""
    from simple_history.utils import bulk_create_with_history

    from projects.models import AnnualPlan, InvestmentReport, Project
    from scheduling.models import Milestone

    ref = load_reference()
    commission = ref["users"]["commission"]
    submitter = {"GXQ": ref["users"]["gaoxin"], "LQ": ref["users"]["luquan"]}
    plans = DemoPlanner().plan()
    existing = set(Project.objects.filter(name__in=[p.spec.name for p in plans]).values_list("name", flat=True))
    todo = [p for p in plans if p.spec.name not in existing]
    projects = [
        Project(
            code=p.code,
            name=p.spec.name,
            owner=p.spec.owner,
            park=ref["parks"][p.spec.park],
            industry=ref["industries"][p.spec.industry],
            level=p.spec.level,
            year=p.spec.year,
            stage=p.stage,
            phase=p.spec.phase,
            total_investment=p.spec.total,
            construction_content=p.spec.content,
            annual_output=p.spec.annual_output,
            target_date=p.target,
            leader=p.leader,
            contact_person=p.contact,
            contact_phone=p.phone,
            latitude=p.latitude,
            longitude=p.longitude,
            is_special_bond=p.spec.special_bond is not None,
            special_bond_amount=p.spec.special_bond,
        )
        for p in todo
    ]
    projects = bulk_create_with_history(projects, Project, batch_size=500, default_user=commission)
    milestones, reports, annual = [], [], []
    for plan, project in zip(todo, projects, strict=True):
        for m in plan.milestones:
            milestones.append(
                Milestone(
                    project=project,
                    kind=m.kind,
                    name=m.name,
                    planned_date=m.planned,
                    baseline_date=m.baseline,
                    actual_date=m.actual,
                    sequence=m.sequence,
                )
            )
        user = submitter.get(plan.spec.park.split("-")[0], commission)
        for period, progress, problems in plan.reports:
            reports.append(
                InvestmentReport(
                    project=project,
                    period=period,
                    amount=plan.months.get(period, Decimal("0.00")),
                    progress=progress,
                    problems=problems,
                    submitted_by=user,
                )
            )
        for year, amount in plan.annual_plans.items():
            annual.append(AnnualPlan(project=project, year=year, planned_investment=amount))
    bulk_create_with_history(milestones, Milestone, batch_size=1000, default_user=commission)
    bulk_create_with_history(annual, AnnualPlan, batch_size=1000, default_user=commission)
    bulk_create_with_history(reports, InvestmentReport, batch_size=1000, default_user=commission)
    result = {
        "projects": len(projects),
        "milestones": len(milestones),
        "reports": len(reports),
        "annual_plans": len(annual),
    }
    if stdout:
        stdout.write(
            f"demo: {len(plans)} projects in the plan, created {result['projects']} projects, "
            f"{result['milestones']} milestones, {result['annual_plans']} annual plans, {result['reports']} reports"
        )
    return result


# --- Synthetic city for the benchmarks ------------------------------------------------------
# Values are pure functions of the project number i (1-based), written once in Python and once
# in SQL below; keep the two in step (tests compare them on PostgreSQL).

SYNTHETIC_STEPS = [  # kind, days before the target (投产) date
    ("signing", 900),
    ("land", 800),
    ("land_use_permit", 780),
    ("planning_permit", 770),
    ("construction_permit", 760),
    ("property_certificate", 760),
    ("construction_start", 730),
    ("topping_out", 400),
    ("completion", 90),
    ("production_start", 0),
]
SYNTHETIC_TARGET_BASE = dt.date(2025, 1, 1)


def syn_total(i: int) -> Decimal:
    return Decimal(((i * 7919) % 4951 + 50) * 100).quantize(CENT)


def syn_delay(i: int) -> int:
    """A quarter of the projects slip badly (red), a quarter a little (yellow)."""
    if i % 4 == 0:
        return 31 + (i * 17) % 300
    if i % 4 == 1:
        return 1 + (i * 11) % 30
    return 0


def syn_target(i: int) -> dt.date:
    return SYNTHETIC_TARGET_BASE + dt.timedelta(days=(i * 37) % 1460)


def syn_stage(i: int) -> str:
    target, delay = syn_target(i), dt.timedelta(days=syn_delay(i))
    if target + delay <= DEMO_TODAY:
        return "in_production"
    if target - dt.timedelta(days=730) + delay <= DEMO_TODAY:
        return "under_construction"
    if target - dt.timedelta(days=900) + delay <= DEMO_TODAY:
        return "signed"
    return "planning"


def syn_report_amount(i: int, m: int) -> Decimal:
    return (syn_total(i) * (50 + (i * 7 + m * 13) % 50) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)


def syn_plan_amount(i: int) -> Decimal:
    return (syn_total(i) * (25 + i % 10) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def synthetic_targets() -> tuple[list[int], list[int], list[tuple[int, str]]]:
    """(park ids, leaf industry ids, [(park id, region code)]) in a stable order."""
    from parks.models import Industry, Park

    parks = list(Park.objects.order_by("code").values_list("pk", "region__code"))
    industries = list(Industry.objects.filter(children__isnull=True).order_by("code").values_list("pk", flat=True))
    return [p for p, _r in parks], industries, parks


def load_synthetic(*, count: int, batch_size: int = 5000, stdout=None) -> dict[str, int]:
    """Top the synthetic projects up to `count` (a synthetic project is one whose owner is
    "合成数据"). Each batch is its own transaction, so an interrupted load resumes cleanly."""
    from projects.models import Project

    load_reference()
    have = Project.objects.filter(owner=SYNTHETIC_OWNER).count()
    if have >= count:
        if stdout:
            stdout.write(f"synthetic: {have} projects already there, nothing to add")
        return {"projects": 0}
    park_ids, industry_ids, parks = synthetic_targets()
    regions = dict(parks)
    writer = _synthetic_batch_pg if connection.vendor == "postgresql" else _synthetic_batch_orm
    started = timezone.now()
    for first in range(have + 1, count + 1, batch_size):
        last = min(first + batch_size - 1, count)
        with transaction.atomic():
            writer(first, last, park_ids, industry_ids, regions)
        if stdout:
            elapsed = (timezone.now() - started).total_seconds()
            stdout.write(f"synthetic: projects {first}..{last} of {count} ({elapsed:.0f} s)")
    return {"projects": count - have}


def syn_park(i: int, park_ids: list[int]) -> int:
    return park_ids[i % len(park_ids)]


def syn_industry(i: int, industry_ids: list[int]) -> int:
    return industry_ids[(i * 7) % len(industry_ids)]


def _synthetic_batch_orm(first, last, park_ids, industry_ids, regions) -> None:
    """Portable path (SQLite): bulk_create in batches; memory bounded by the batch."""
    from projects.models import AnnualPlan, InvestmentReport, Project
    from scheduling.models import Milestone

    projects = []
    for i in range(first, last + 1):
        park = syn_park(i, park_ids)
        projects.append(
            Project(
                code=f"{2021 + i % 6}-{regions[park]}-39-03-{SYNTHETIC_SERIAL_BASE + i:06d}",
                name=f"{SYNTHETIC_PREFIX}{i:07d}",
                owner=SYNTHETIC_OWNER,
                park_id=park,
                industry_id=syn_industry(i, industry_ids),
                level="provincial" if i % 5 == 0 else "municipal",
                year=2021 + i % 6,
                stage=syn_stage(i),
                total_investment=syn_total(i),
                target_date=syn_target(i),
            )
        )
    projects = Project.objects.bulk_create(projects, batch_size=1000)
    milestones, reports, plans = [], [], []
    for i, project in zip(range(first, last + 1), projects, strict=True):
        target, delay = syn_target(i), dt.timedelta(days=syn_delay(i))
        for seq, (kind, before) in enumerate(SYNTHETIC_STEPS):
            planned = target - dt.timedelta(days=before)
            milestones.append(
                Milestone(
                    project_id=project.pk,
                    kind=kind,
                    planned_date=planned,
                    baseline_date=planned,
                    actual_date=planned + delay if planned + delay <= DEMO_TODAY else None,
                    sequence=seq,
                )
            )
        for m in range(SYNTHETIC_MONTHS):
            reports.append(
                InvestmentReport(
                    project_id=project.pk,
                    period=month_add(SYNTHETIC_FIRST_PERIOD, m),
                    amount=syn_report_amount(i, m),
                    progress="主体结构施工中。",
                )
            )
        for year in (2024, 2025, 2026):
            plans.append(AnnualPlan(project_id=project.pk, year=year, planned_investment=syn_plan_amount(i)))
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    InvestmentReport.objects.bulk_create(reports, batch_size=2000)
    AnnualPlan.objects.bulk_create(plans, batch_size=2000)


def _synthetic_batch_pg(first, last, park_ids, industry_ids, regions) -> None:
    """PostgreSQL path: one set-based statement per batch (INSERT ... SELECT generate_series,
    data-modifying CTEs for the children); the same formulas as the syn_* functions above."""
    from projects.models import AnnualPlan, InvestmentReport, Project
    from scheduling.models import Milestone

    region_of_park = [regions[p] for p in park_ids]
    steps = ", ".join(f"('{kind}', {before}, {seq})" for seq, (kind, before) in enumerate(SYNTHETIC_STEPS))
    delay = "(CASE WHEN i % 4 = 0 THEN 31 + (i * 17) % 300 WHEN i % 4 = 1 THEN 1 + (i * 11) % 30 ELSE 0 END)"
    target = "(%(target_base)s::date + ((i * 37) % 1460)::int)"
    # Only module constants and table names are interpolated; every value is a parameter.
    sql = f"""
    WITH src AS (
        SELECT i::bigint AS i, {target} AS target, ({delay})::int AS delay,
               ((i * 7919) % 4951 + 50) * 100.00 AS total
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g(i)
    ), p AS (
        INSERT INTO {Project._meta.db_table} (
            code, name, owner, park_id, industry_id, level, year, stage, phase, total_investment,
            construction_content, annual_output, target_date, leader, contact_person, contact_phone,
            latitude, longitude, is_special_bond, special_bond_amount, status, investment_status,
            version, archived_at, created_at, updated_at)
        SELECT (2021 + i % 6)::text || '-' || (%(regions)s::text[])[1 + i % %(n_parks)s] || '-39-03-'
                   || lpad((%(serial_base)s + i)::text, 6, '0'),
               %(prefix)s || lpad(i::text, 7, '0'), %(owner)s,
               (%(parks)s::bigint[])[1 + i % %(n_parks)s],
               (%(industries)s::bigint[])[1 + (i * 7) % %(n_industries)s],
               CASE WHEN i % 5 = 0 THEN 'provincial' ELSE 'municipal' END,
               2021 + i % 6,
               CASE WHEN target + delay <= %(today)s THEN 'in_production'
                    WHEN target - 730 + delay <= %(today)s THEN 'under_construction'
                    WHEN target - 900 + delay <= %(today)s THEN 'signed'
                    ELSE 'planning' END,
               '', total, '', NULL, target, '', '', '', NULL, NULL, false, NULL, 'green', 'none',
               1, NULL, now(), now()
        FROM src
        RETURNING id, name, total_investment, target_date
    ), pi AS (
        SELECT p.id, p.total_investment AS total, p.target_date AS target, src.i, src.delay
        FROM p JOIN src ON src.i = substr(p.name, {len(SYNTHETIC_PREFIX) + 1})::bigint
    ), m AS (
        INSERT INTO {Milestone._meta.db_table} (
            project_id, kind, name, planned_date, baseline_date, actual_date, sequence, created_at, updated_at)
        SELECT pi.id, s.kind, '', pi.target - s.before, pi.target - s.before,
               CASE WHEN pi.target - s.before + pi.delay <= %(today)s THEN pi.target - s.before + pi.delay END,
               s.seq, now(), now()
        FROM pi CROSS JOIN (VALUES {steps}) AS s(kind, before, seq)
    ), a AS (
        INSERT INTO {AnnualPlan._meta.db_table} (project_id, year, planned_investment)
        SELECT pi.id, y, round(pi.total * (25 + pi.i % 10) / 100, 2)
        FROM pi CROSS JOIN generate_series(2024, 2026) AS y
    )
    INSERT INTO {InvestmentReport._meta.db_table} (
        project_id, period, amount, progress, problems, status, submitted_by_id, submitted_at, updated_at)
    SELECT pi.id, (%(first_period)s::date + make_interval(months => m))::date,
           round(pi.total * (50 + (pi.i * 7 + m * 13) % 50) / 3600, 2),
           '主体结构施工中。', '', 'submitted', NULL, now(), now()
    FROM pi CROSS JOIN generate_series(0, {SYNTHETIC_MONTHS - 1}) AS m
    """  # noqa: S608
    params = {
        "first": first,
        "last": last,
        "target_base": SYNTHETIC_TARGET_BASE.isoformat(),
        "today": DEMO_TODAY,
        "first_period": SYNTHETIC_FIRST_PERIOD.isoformat(),
        "regions": region_of_park,
        "parks": park_ids,
        "n_parks": len(park_ids),
        "industries": industry_ids,
        "n_industries": len(industry_ids),
        "serial_base": SYNTHETIC_SERIAL_BASE,
        "prefix": SYNTHETIC_PREFIX,
        "owner": SYNTHETIC_OWNER,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("%", "%%").replace("%%(", "%("), params)


def demo_checksum() -> dict[str, object]:
    """Row counts and amount sums, to prove a second run changed nothing."""
    from parks.models import Industry, Park, Region, User
    from projects.models import AnnualPlan, InvestmentReport, Project
    from scheduling.models import Milestone, ScheduleTemplate, TemplateStep

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
        "history": Project.history.count() + InvestmentReport.history.count() + Milestone.history.count(),
        "total_investment": Project.objects.aggregate(s=Sum("total_investment"))["s"],
        "reported": InvestmentReport.objects.aggregate(s=Sum("amount"))["s"],
        "planned": AnnualPlan.objects.aggregate(s=Sum("planned_investment"))["s"],
    }
