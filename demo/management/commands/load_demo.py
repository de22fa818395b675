import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from common.dates import DateError, parse_date
from demo.synthetic import load_synthetic
from demo.writer import load_demo


class Command(BaseCommand):
    help = (
        "载入演示数据（以运行当天或 --today 为“今天”；同一天重复执行结果不变）。Load the demo city from the "
        "articles as of today (Asia/Shanghai) or --today: reports through the last full month, schedules "
        "relative to that day. Idempotent: a second run on the same day leaves exactly the same rows; a "
        "run on a later day only adds the demo projects' reports for the months since. With --projects N: "
        "instead, a synthetic city of N projects (owner 合成数据; 10 milestones, 36 monthly reports and 3 "
        "annual plans each) for the benchmarks, topped up to N, bulk-inserted in batches without history rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--projects",
            type=int,
            default=None,
            help="合成项目数量 / number of synthetic projects (benchmarks; no history rows)",
        )
        parser.add_argument(
            "--today",
            type=parse_day,
            default=None,
            help="演示数据的“今天” YYYY-MM-DD，默认为当天（北京时间）/ the demo's today, default today",
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="projects per batch (synthetic data)")

    def handle(self, *args, projects=None, batch_size=5000, today=None, **options):
        if projects is None:
            load_demo(today=today, stdout=self.stdout)
            return
        if projects < 0 or batch_size < 1:
            raise CommandError("--projects 不能为负数，--batch-size 至少为 1 / --projects >= 0, --batch-size >= 1")
        load_synthetic(count=projects, batch_size=batch_size, stdout=self.stdout)


def parse_day(value: str) -> dt.date:
    """--today by the one date rule (common.dates): strict YYYY-MM-DD inside the date range."""
    try:
        return parse_date(value, field="today")
    except DateError as exc:
        if exc.code == "range":
            raise CommandError(f"--today: {exc.message}") from None
        raise CommandError(f"--today 应为 YYYY-MM-DD / --today must be YYYY-MM-DD, not {value!r}") from None
