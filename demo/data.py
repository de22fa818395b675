"""Demo data for `python manage.py load_demo`: the literal figures of a believable 石家庄 drawn
from the two source articles described in docs/DOMAIN.md (regions, parks, industries, users,
schedule templates, the named projects, the articles' totals and growth rates) and the demo's
constants.

The package, in the order the loader uses it:
- demo/data.py (this module): literal data only.
- demo/planner.py: the deterministic plan of the demo for a given "today" (the day `load_demo`
  runs, or its --today): the generated projects, their backward schedules, monthly reports and
  annual plans, computed in memory. The project list and every project's schedule are drawn
  once, on the base day DEMO_TODAY (2026-11-22), from seeded random generators (one per project
  and purpose, so that no project's draws depend on another's), then moved to "today" by the
  days between the two: a project 20 days overdue on the base day is 20 days overdue on any
  day. A few named projects are pinned to a calendar day instead (Spec.pin: 晶澳 phase 1 went
  into production on the last 26 September, phase 2 starts on the coming 26 February). The
  reports run from January two years before the default period (the last full month before
  "today", scheduling.rules.default_period) through that period.
- demo/writer.py: the ORM writes of `load_demo`, idempotent (a second run on the same day leaves
  exactly the same rows; a run on a later day only adds reports, see load_demo):
  1. Reference data (regions, parks, industries, users, schedule templates) is written with
     update_or_create / get_or_create on natural keys (codes, usernames, template names).
  2. Demo projects are identified by name. Only the planned projects not yet in the database
     are inserted, with their children, through bulk_create_with_history (history rows
     included, so the demo's figures have a first version like any other).
- demo/synthetic.py: with --projects N, the synthetic city for the benchmarks. Synthetic projects
  (owner "合成数据", name "合成项目0000001"...) are topped up to N; their values are pure
  functions of the project's number, so the PostgreSQL path (set-based INSERT ... SELECT
  generate_series) and the portable path (bulk_create in batches) produce the same rows. No
  history rows for synthetic data.

The demo reproduces the articles' 高新区 figures for 2023 exactly (石家庄高新区 with its
sub-parks, projects listed in 2023): 58 生物医药 projects totalling 5,120,000.00 万元, 38
新一代电子信息 projects totalling 3,606,800.00 万元, 51 化工新材料 projects totalling
4,918,900.00 万元; its 20 高新区 special-bond projects total 3,262,000.00 万元 with 2,475,000.00 万元
of bonds; and its monthly reports give, for the year to date of the default period (and of
every earlier month of its year) against the same months of the year before, 新一代电子信息
+45.0% and the city +8.5% (36.5 percentage points apart), as the article's first seven months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# The base day: the schedules are drawn as seen from it, then moved to the day load_demo runs.
# (The synthetic city of --projects N and the benchmarks use it as their fixed "today".)
DEMO_TODAY = dt.date(2026, 11, 22)
SEED = 20230915
DEMO_PASSWORD = "demo12345"
# Calendar years of monthly reports: the default period's year and the two before it (from January).
REPORT_YEARS = 3
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ONE = Decimal("1")

# --- Reference data -------------------------------------------------------------------------

# The regions come from the shipped GB/T 2260 table (parks/data/gbt2260.json, loaded by the parks
# data migration and again by load_demo, idempotently). The demo also needs 130171 高新区, a code
# commonly used for the high-tech zone although not in the MCA list: the table carries it (from the
# source's statistical codes); it is kept here too so the demo never depends on that.
REGIONS = [
    ("130171", "石家庄高新技术产业开发区", "130100"),
]

# code, name, region, parent, area (亩), industries (cluster codes), centre (lat, lon)
PARKS = [
    ("GXQ", "石家庄高新区", "130171", None, None, ["BIO", "EI", "CHEM"], (38.035, 114.620)),
    ("GXQ-BIO", "国际生物医药园", "130171", "GXQ", Decimal("28000"), ["BIO"], (38.010, 114.650)),
    ("GXQ-EI", "电子科技园", "130171", "GXQ", None, ["EI"], (38.050, 114.600)),
    (
        "GXQ-CHEM",
        "循环化工园",
        "130171",
        "GXQ",
        None,
        ["CHEM"],
        (37.990, 114.640),
    ),  # inside 裕华区, the host of 130171 on the map (parks.geo)
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
    # (kind, "last" | "next", month, day): the kind's planned date (construction_start = start,
    # production_start = target) is the last such day on or before "today", or the first after
    # it; start and target move together. Without it, start and target are base-day dates.
    pin: tuple[str, str, int, int] | None = None
    keeps_reporting: bool = False  # reports through the default period after production starts


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
        # In production since the last 26 September; it keeps reporting as it ramps up.
        pin=("production_start", "last", 9, 26),
        keeps_reporting=True,
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
        0,
        pin=("construction_start", "next", 2, 26),  # starts the coming February
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
        pin=("production_start", "last", 8, 20),  # in production since the last August
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
        dt.date(2027, 6, 30),  # under construction (base-day dates, moved with the day)
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
# Growth of each month's reported investment over the same month of the year before, keyed by
# the year relative to the default period's (0: its year, -1: the year before): 新一代电子信息
# +45% in the default period's year (the article's first seven months) and the city +8.5%, 36.5
# percentage points lower; the other clusters grow more slowly.
GROUP_GROWTH = {
    "EI": {-1: Decimal("1.38"), 0: Decimal("1.45")},
    "BIO": {-1: Decimal("1.051"), 0: Decimal("1.062")},
    "CHEM": {-1: Decimal("1.034"), 0: Decimal("1.021")},
    "EQUIP": {-1: Decimal("1.040"), 0: Decimal("1.048")},
    "FOOD": {-1: Decimal("1.026"), 0: Decimal("1.033")},
    "INFRA": {-1: Decimal("1.112"), 0: Decimal("1.075")},
}
CITY_GROWTH = Decimal("1.085")  # the city, in the default period's year

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

# 督办: the responsible departments (name, contact address) and a few problems on the flagship
# projects: (project name, category, description, status, department, deadline in days from the
# load day or None, handling note). Raised 30 days before the load day.
DEPARTMENTS = [
    ("自然资源和规划局", "zrzyj@sjz.example.gov.cn"),
    ("住建局", "zjj@sjz.example.gov.cn"),
    ("供电公司", "gdgs@sjz.example.gov.cn"),
    ("行政审批局", "xzspj@sjz.example.gov.cn"),
]
DEMO_PROBLEMS = [
    (
        "晶澳太阳能项目（二期）",
        "utilities",
        "110kV 变电站扩容未完成，二期开工所需施工用电无法保障。",
        "assigned",
        "供电公司",
        -10,
        "",
    ),
    (
        "森朗生物细胞治疗产品商业化生产基地项目",
        "permits",
        "施工许可证办理中，消防设计审查意见待回复。",
        "assigned",
        "行政审批局",
        5,
        "",
    ),
    ("康誉医疗介入类医用高值耗材产业园项目", "land", "二期用地规划条件未出具，影响土地挂牌。", "open", None, None, ""),
    (
        "石药巨石生物抗体二期项目",
        "permits",
        "竣工联合验收需住建部门现场核验。",
        "handled",
        "住建局",
        10,
        "已组织联合验收，待出具意见。",
    ),
    (
        "药明生物石家庄生物药生产基地项目",
        "land",
        "项目红线内有一处未拆除构筑物。",
        "assigned",
        "自然资源和规划局",
        20,
        "",
    ),
]
